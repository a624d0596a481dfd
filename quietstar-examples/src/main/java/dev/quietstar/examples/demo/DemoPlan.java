package dev.quietstar.examples.demo;

import java.util.List;

/**
 * The sizes of one demo run. Three presets: {@link #quick()} (a smoke test, about two minutes),
 * {@link #standard()} (the README's main command, within ten minutes on two cores) and {@link #full()} (more steps,
 * more held-out problems and a thoughtLength sweep).
 *
 * @param name preset name, recorded in the results
 * @param trainDocuments generated training documents
 * @param heldOutProblems direct-answer problems for evaluation, with numbers never seen in training
 * @param pretrainSteps next-token steps when the base model is pretrained here ({@code --from-scratch})
 * @param quietStarSteps Quiet-STaR steps, and the steps of the equal-steps control
 * @param thoughtLengths thought lengths to train (more than one is a sweep; the first is the headline)
 * @param lookahead true tokens scored after each thought
 * @param thoughtsPerPosition thoughts per position (REINFORCE baseline)
 * @param sequenceLength training window
 * @param examplesPerStep examples per optimiser step
 * @param seed seed of the corpus, the training runs and the evaluation
 */
public record DemoPlan(String name, int trainDocuments, int heldOutProblems, int pretrainSteps, int quietStarSteps,
        List<Integer> thoughtLengths, int lookahead, int thoughtsPerPosition, int sequenceLength,
        int examplesPerStep, long seed) {

    /** Copies the list. */
    public DemoPlan {
        thoughtLengths = List.copyOf(thoughtLengths);
        if (thoughtLengths.isEmpty()) {
            throw new IllegalArgumentException("a demo plan needs at least one thought length");
        }
    }

    /**
     * The smoke-test preset.
     *
     * @return the plan
     */
    public static DemoPlan quick() {
        return new DemoPlan("quick", 2000, 12, 40, 6, List.of(4), 2, 2, 40, 4, 11);
    }

    /**
     * The default preset.
     *
     * @return the plan
     */
    public static DemoPlan standard() {
        return new DemoPlan("standard", 20000, 100, 12000, 120, List.of(8), 4, 2, 40, 8, 11);
    }

    /**
     * The long preset, with a thoughtLength sweep.
     *
     * @return the plan
     */
    public static DemoPlan full() {
        return new DemoPlan("full", 20000, 300, 12000, 300, List.of(8, 4, 12), 4, 2, 40, 8, 11);
    }

    /**
     * Returns a copy with another number of pretraining steps.
     *
     * @param steps the steps
     * @return the copy
     */
    public DemoPlan withPretrainSteps(int steps) {
        return new DemoPlan(name, trainDocuments, heldOutProblems, steps, quietStarSteps, thoughtLengths, lookahead,
                thoughtsPerPosition, sequenceLength, examplesPerStep, seed);
    }

    /**
     * The headline thought length.
     *
     * @return the first thought length
     */
    public int thoughtLength() {
        return thoughtLengths.get(0);
    }
}
