package dev.quietstar.djl.thought;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.quietstar.api.ThoughtSampler;
import dev.quietstar.djl.model.CausalDecoder;
import dev.quietstar.djl.model.DecoderOutput;
import dev.quietstar.djl.model.KvCache;
import dev.quietstar.djl.model.Masks;
import dev.quietstar.djl.model.SlotMasks;
import dev.quietstar.djl.model.ThoughtCache;
import dev.quietstar.djl.model.ThoughtPassOutput;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Parallel thought generation at a subset of each row's positions: the same passes as
 * {@link ParallelThoughtGenerator}, but each thought and look-ahead pass runs queries for the K chosen positions
 * only, so its cost falls with K instead of staying at L.
 *
 * <p>Pass 0 is the ordinary causal pass over all L positions (the base loss and the real-token cache need it). The
 * positions are chosen after it (a chooser may read the base hidden states, as the thinking gate does), padded to
 * one width K ({@link ThoughtSlots}). Pass k then feeds, for slot j at position p, the k-th token of p's thought at
 * position id p + k; it attends to the real keys 0..p of the base pass and to its own slot's keys of the earlier
 * passes, exactly the keys position p sees when every position thinks. The look-ahead passes feed the true tokens
 * x_{p+1}..x_{p+T-1} (the last token repeated past the end, never scored).
 *
 * <p>Thread safety: one call at a time per sampler; the model's weights are only read.
 */
public final class SubsetThoughtGenerator {

    /** Chooses each row's thought positions once the base pass is done. */
    @FunctionalInterface
    public interface PositionChooser {
        /**
         * Chooses positions.
         *
         * @param baseHidden final-norm hidden states of the base pass, (R, L, H), in the autograd graph (read it
         *     detached)
         * @param ids token ids, [R][L]
         * @param attention attention masks, [R][L]
         * @return ascending positions of each row, each in 0..L-1
         */
        int[][] choose(NDArray baseHidden, int[][] ids, int[][] attention);
    }

    private final QuietStarModel model;
    private final int thoughtLength;
    private final int lookahead;
    private final ParallelThoughtGenerator.AttentionLayout layout;

    /**
     * Creates the generator.
     *
     * @param model the model
     * @param thoughtLength sampled tokens per thought (n); 0 feeds only the start and end tokens
     * @param lookahead true tokens scored after each thought (T)
     * @param layout how thought attention is computed (both give the same numbers)
     */
    public SubsetThoughtGenerator(QuietStarModel model, int thoughtLength, int lookahead,
            ParallelThoughtGenerator.AttentionLayout layout) {
        if (thoughtLength < 0 || lookahead < 1) {
            throw new IllegalArgumentException("thoughtLength must be >= 0 and lookahead >= 1, were "
                    + thoughtLength + " and " + lookahead);
        }
        this.model = Objects.requireNonNull(model, "model");
        this.thoughtLength = thoughtLength;
        this.lookahead = lookahead;
        this.layout = Objects.requireNonNull(layout, "layout");
    }

    /**
     * Runs the base pass over every position and the thoughts at the chosen ones.
     *
     * @param inputIds (R, L) token ids; rows hold the thoughtsPerPosition copies of each example side by side
     * @param attentionMask (R, L), 1 for real tokens
     * @param chooser chooses the positions of each row
     * @param sampler chooses thought tokens; it receives (R, K, V) logits
     * @return the rollout and the slots it covers
     */
    public SlotRollout generate(NDArray inputIds, NDArray attentionMask, PositionChooser chooser,
            ThoughtSampler<NDArray> sampler) {
        NDManager caller = inputIds.getManager();
        NDManager m = caller.newSubManager(); // swept pass by pass, as in ParallelThoughtGenerator
        CausalDecoder decoder = model.decoder();
        int passes = thoughtLength + lookahead + 1;
        long rows = inputIds.getShape().get(0);
        int len = Math.toIntExact(inputIds.getShape().get(1));
        if (len + passes > decoder.config().maxPositions()) {
            throw new IllegalArgumentException("sequence length " + len + " + thoughtLength " + thoughtLength
                    + " + lookahead " + lookahead + " + 1 needs " + (len + passes) + " positions, the model has "
                    + decoder.config().maxPositions());
        }
        NDArray ids = inputIds.toType(DataType.INT64, true);
        ids.attach(m);
        int[][] attention = ParallelThoughtGenerator.toIntMatrix(attentionMask);
        NDArray realMask = Masks.causalWithPadding(m, attention);
        NDArray positions = m.arange(0, len).toType(DataType.INT64, false).reshape(1, len).repeat(0, rows);
        ArraySweep basePass = ArraySweep.from(m);
        DecoderOutput base = decoder.forward(model.inputEmbeddings(ids), positions, realMask, null);
        basePass.closeAllBut(outputs(base.hidden(), base.cache()));

        ThoughtSlots slots = ThoughtSlots.of(chooser.choose(base.hidden(), ParallelThoughtGenerator.toIntMatrix(ids),
                attention));
        int k = slots.width();
        int hiddenSize = decoder.config().hiddenSize();
        List<NDArray> talk = new ArrayList<>();
        List<NDArray> sampledIds = new ArrayList<>();
        List<NDArray> sampledLogits = new ArrayList<>();
        if (k == 0) {
            // no row thinks anywhere (a marker that occurs nowhere): only the base pass ran
            for (int s = 0; s < lookahead; s++) {
                talk.add(m.zeros(new Shape(rows, 0, hiddenSize)));
            }
        } else {
            runPasses(m, ids, attention, base, slots, sampler, sampledIds, sampledLogits, talk);
        }
        return new SlotRollout(RolloutStacks.finish(m, caller, base.hidden(), sampledIds, sampledLogits, talk, rows,
                k, thoughtLength, decoder.config().vocabSize()), slots);
    }

    /** The thought and look-ahead passes over the slots; fills the sampled ids, their logits and the talk states. */
    private void runPasses(NDManager m, NDArray ids, int[][] attention, DecoderOutput base, ThoughtSlots slots,
            ThoughtSampler<NDArray> sampler, List<NDArray> sampledIds, List<NDArray> sampledLogits,
            List<NDArray> talk) {
        CausalDecoder decoder = model.decoder();
        long rows = ids.getShape().get(0);
        int len = Math.toIntExact(ids.getShape().get(1));
        int k = slots.width();
        int[][] table = slots.table();
        NDArray slotPositions = slots.indices(m, 0, len - 1);
        NDArray realMask = SlotMasks.real(m, attention, table);
        boolean dense = layout == ParallelThoughtGenerator.AttentionLayout.DENSE;
        NDArray diagonal = dense ? SlotMasks.diagonal(m, attention, table) : null;
        NDArray ownMask = dense ? null : SlotMasks.own(m, attention, table);
        NDArray metaMask = model.metaTokenLogitMask(m);
        NDArray start = model.metaTokens().startEmbedding(m);
        NDArray end = model.metaTokens().endEmbedding(m);
        KvCache cache = base.cache();
        ThoughtCache thoughtCache = new ThoughtCache(base.cache(), List.of());
        NDArray hidden = null;
        int passes = thoughtLength + lookahead + 1;
        for (int pass = 1; pass <= passes; pass++) {
            NDArray emb;
            if (pass == 1) {
                emb = start.reshape(1, 1, -1).repeat(0, rows).repeat(1, k);
            } else if (pass <= thoughtLength + 1) {
                NDArray logits = decoder.logits(hidden).add(metaMask);
                NDArray chosen = sampler.sample(logits, pass - 2).toType(DataType.INT64, false);
                sampledLogits.add(logits);
                sampledIds.add(chosen);
                emb = decoder.embed(chosen);
            } else if (pass == thoughtLength + 2) {
                emb = end.reshape(1, 1, -1).repeat(0, rows).repeat(1, k);
            } else {
                int s = pass - (thoughtLength + 2); // feed x_{p+s}
                emb = model.inputEmbeddings(ids.gather(slots.indices(m, s, len - 1), 1));
            }
            NDArray passPositions = slotPositions.add(pass);
            ArraySweep sweep = ArraySweep.from(m);
            if (dense) {
                NDList blocks = new NDList(pass + 1);
                blocks.add(realMask);
                for (int i = 0; i < pass; i++) {
                    blocks.add(diagonal);
                }
                DecoderOutput out = decoder.forward(emb, passPositions, NDArrays.concat(blocks, 3), cache);
                sweep.closeAllBut(outputs(out.hidden(), out.cache()));
                if (pass > 1) {
                    cache.keys().forEach(NDArray::close); // the previous concatenation; the base pass's stays
                    cache.values().forEach(NDArray::close);
                }
                cache = out.cache();
                hidden = out.hidden();
            } else {
                ThoughtPassOutput out = decoder.forwardThoughtPass(emb, passPositions, realMask, ownMask,
                        thoughtCache);
                List<KvCache> done = out.cache().passes();
                sweep.closeAllBut(outputs(out.hidden(), done.get(done.size() - 1)));
                thoughtCache = out.cache();
                hidden = out.hidden();
            }
            if (pass >= thoughtLength + 2) {
                talk.add(hidden);
            }
        }
    }

    private static List<NDArray> outputs(NDArray hidden, KvCache cache) {
        List<NDArray> keep = new ArrayList<>(cache.keys());
        keep.addAll(cache.values());
        keep.add(hidden);
        return keep;
    }
}
