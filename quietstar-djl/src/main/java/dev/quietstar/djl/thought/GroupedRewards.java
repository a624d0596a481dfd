package dev.quietstar.djl.thought;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** The shared first step of every reward estimator: detached rewards, checked shapes, grouped by position. */
final class GroupedRewards {

    private GroupedRewards() {}

    /**
     * r = sum over look-ahead steps of (log p_talk - log p_base), detached.
     *
     * @return rewards, (rows, positions)
     */
    static NDArray rewards(NDArray talkLogProbs, NDArray baseLogProbs, int thoughtsPerPosition) {
        Shape s = talkLogProbs.getShape();
        if (!s.equals(baseLogProbs.getShape()) || s.dimension() != 3) {
            throw new IllegalArgumentException("talk and base log-probs must both be (T, rows, positions), were " + s
                    + " and " + baseLogProbs.getShape());
        }
        long rows = s.get(1);
        if (rows % thoughtsPerPosition != 0) {
            throw new IllegalArgumentException("rows (" + rows + ") must be a multiple of thoughtsPerPosition ("
                    + thoughtsPerPosition + ")");
        }
        return talkLogProbs.stopGradient().sub(baseLogProbs.stopGradient()).sum(new int[] {0});
    }

    /**
     * The rewards as (examples, thoughtsPerPosition, positions): the P copies of an example are adjacent rows.
     */
    static NDArray grouped(NDArray rewards, int thoughtsPerPosition) {
        long rows = rewards.getShape().get(0);
        long positions = rewards.getShape().get(1);
        return rewards.reshape(rows / thoughtsPerPosition, thoughtsPerPosition, positions);
    }

    static void requireGroups(String estimator, int thoughtsPerPosition) {
        if (thoughtsPerPosition < 2) {
            throw new IllegalArgumentException(estimator + " compares the thoughts of one position and needs "
                    + "thoughtsPerPosition >= 2, was " + thoughtsPerPosition);
        }
    }
}
