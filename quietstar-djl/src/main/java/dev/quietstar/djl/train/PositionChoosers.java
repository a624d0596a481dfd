package dev.quietstar.djl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.quietstar.api.config.PositionsConfig;
import dev.quietstar.core.gate.ThinkingGate;
import dev.quietstar.core.train.ThoughtPositions;
import dev.quietstar.djl.infer.NoGradScope;
import dev.quietstar.djl.thought.QuietStarModel;
import dev.quietstar.djl.thought.SubsetThoughtGenerator.PositionChooser;
import java.util.SplittableRandom;

/**
 * The position choosers of the {@code positions} modes other than ALL (see {@link PositionsConfig}). Each chooses
 * per example, from the first of its {@code thoughtsPerPosition} adjacent rows, and gives every copy the same
 * positions, so the advantage's baseline compares thoughts at one position.
 */
public final class PositionChoosers {

    private PositionChoosers() {}

    /**
     * The chooser of a setting.
     *
     * @param positions the setting; not ALL
     * @param model the model (its tokenizer encodes a marker; its thinking gate ranks positions)
     * @param copies adjacent rows per example
     * @param rng the micro-batch's random source for RANDOM and for the gate's ties
     * @return the chooser
     */
    public static PositionChooser of(PositionsConfig positions, QuietStarModel model, int copies,
            SplittableRandom rng) {
        switch (positions.mode()) {
            case RANDOM:
                return (hidden, ids, attention) -> ThoughtPositions.repeatRows(
                        ThoughtPositions.random(firstCopies(attention, copies), positions.count(), rng), copies);
            case MARKER: {
                int[] marker = model.tokenizer().encode(positions.marker());
                if (marker.length == 0) {
                    throw new IllegalArgumentException("positions.marker \"" + positions.marker()
                            + "\" encodes to no token with this model's tokenizer");
                }
                return (hidden, ids, attention) -> ThoughtPositions.repeatRows(
                        ThoughtPositions.marker(firstCopies(ids, copies), firstCopies(attention, copies), marker),
                        copies);
            }
            case GATE:
                return (hidden, ids, attention) -> {
                    ThinkingGate gate = model.thinkingGate()
                            .orElse(ThinkingGate.zero(model.decoder().config().hiddenSize()));
                    double[][] scores = gateScores(model, gate, hidden, copies);
                    return ThoughtPositions.repeatRows(ThoughtPositions.top(scores, firstCopies(attention, copies),
                            positions.count(), rng), copies);
                };
            default:
                throw new IllegalArgumentException("positions mode " + positions.mode() + " has no chooser: every "
                        + "position thinks");
        }
    }

    private static int[][] firstCopies(int[][] rows, int copies) {
        int[][] out = new int[rows.length / copies][];
        for (int e = 0; e < out.length; e++) {
            out[e] = rows[e * copies];
        }
        return out;
    }

    /** The gate's predicted gain at every position of each example, from detached base-pass states. */
    @SuppressWarnings("try") // the no-gradient scope is held, not referenced
    private static double[][] gateScores(QuietStarModel model, ThinkingGate gate, NDArray baseHidden, int copies) {
        int rows = Math.toIntExact(baseHidden.getShape().get(0));
        int len = Math.toIntExact(baseHidden.getShape().get(1));
        int h = Math.toIntExact(baseHidden.getShape().get(2));
        int examples = rows / copies;
        float[] hidden;
        float[] features;
        try (NoGradScope ignored = NoGradScope.enter(); NDManager scope = model.manager().newSubManager()) {
            NDArray hb = baseHidden.stopGradient().reshape(examples, copies, len, h).get(":, 0, :, :");
            hb.attach(scope);
            NDArray logp = model.decoder().logits(hb).add(model.metaTokenLogitMask(scope)).logSoftmax(-1);
            NDArray entropy = logp.exp().mul(logp).sum(new int[] {-1}).neg();
            NDArray maxLogp = logp.max(new int[] {-1});
            hidden = hb.toFloatArray();
            features = NDArrays.stack(new NDList(entropy, maxLogp), -1).toFloatArray();
            for (NDArray a : new NDArray[] {logp, entropy, maxLogp}) {
                a.attach(scope);
            }
        }
        double[][] scores = new double[examples][len];
        for (int e = 0; e < examples; e++) {
            for (int i = 0; i < len; i++) {
                int at = e * len + i;
                scores[e][i] = gate.predict(hidden, at * h, features[2 * at], features[2 * at + 1]);
            }
        }
        return scores;
    }
}
