package dev.quietstar.examples.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.quietstar.djl.infer.NoGradScope;
import dev.quietstar.djl.model.CausalDecoder;
import dev.quietstar.djl.model.Masks;
import dev.quietstar.djl.thought.QuietStarModel;
import java.util.ArrayList;
import java.util.List;

/** The baseline of figure 3: think-then-talk generation that recomputes the whole sequence for every forward. */
final class RecomputeGeneration {

    private RecomputeGeneration() {}

    /**
     * Think-then-talk generation without any cache: every decoder call runs over the whole sequence so far
     * (base pass, then the prefix plus the thought for every thought token and for the end token), greedy
     * thoughts and output. This is the baseline of figure 3, not a way to generate.
     */
    @SuppressWarnings("try")
    static List<Integer> generate(QuietStarModel model, String prompt, int newTokens) {
        CausalDecoder d = model.decoder();
        int n = model.config().thoughtLength();
        long start = model.metaTokens().startId();
        long end = model.metaTokens().endId();
        List<Long> seq = new ArrayList<>();
        for (int id : model.tokenizer().withDocumentStart(model.tokenizer().encode(prompt))) {
            seq.add((long) id);
        }
        List<Integer> generated = new ArrayList<>();
        try (NoGradScope ignored = NoGradScope.enter(); NDManager m = model.manager().newSubManager()) {
            NDArray metaMask = model.metaTokenLogitMask(m);
            for (int t = 0; t < newTokens; t++) {
                NDArray base = lastHidden(model, m, seq);
                List<Long> branch = new ArrayList<>(seq);
                branch.add(start);
                for (int k = 0; k < n; k++) {
                    NDArray h = lastHidden(model, m, branch);
                    branch.add(d.logits(h).add(metaMask).argMax(-1).getLong());
                }
                branch.add(end);
                NDArray after = lastHidden(model, m, branch);
                NDArray w = model.mixingHead().weight(base, after);
                NDArray logits = d.logits(model.mixingHead().mix(base, after, w)).add(metaMask);
                int token = (int) logits.argMax(-1).getLong();
                generated.add(token);
                seq.add((long) token);
            }
        }
        return generated;
    }

    private static NDArray lastHidden(QuietStarModel model, NDManager m, List<Long> tokens) {
        int len = tokens.size();
        NDArray ids = m.create(tokens.stream().mapToLong(Long::longValue).toArray(), new Shape(1, len));
        NDArray pos = m.arange(0, len).toType(DataType.INT64, false).reshape(1, len);
        NDArray hidden = model.decoder().forward(model.inputEmbeddings(ids), pos, Masks.causal(m, 1, len, 0), null)
                .hidden();
        return hidden.get(":, -1:, :");
    }
}
