package dev.quietstar.examples.demo;

import java.util.List;

/**
 * The sizes of one demo run. Three presets: {@link #quick()} (a smoke test), {@link #standard()} (the README's
 * main command, within ten minutes on two cores) and {@link #full()} (more held-out problems and a thoughtLength
 * sweep).
 *
 * @param name preset name, recorded in the results
 * @param pretrainDocuments generated pretraining documents (half with worked solutions); every preset uses the
 *     shipped base's 100 000, so that the held-out problems are the ones that base never saw
 * @param continuedDocuments generated direct-answer documents for the continued training of every run
 * @param heldOutProblems direct-answer problems for evaluation, with operands never seen in training
 * @param pretrainSteps next-token steps of the pretraining schedule when the base model is pretrained here
 *     ({@code --from-scratch}); the learning rate decays over all of them
 * @param baseStep the pretraining checkpoint used as the base: an early one, whose direct answers are still poor
 *     while its written worked solutions are often right (the shipped base is step 2 000 of 10 000)
 * @param quietStarSteps Quiet-STaR steps, and the steps of the equal-steps control
 * @param thoughtLengths thought lengths to train (more than one is a sweep; the first is the headline)
 * @param lookahead true tokens scored after each thought
 * @param thoughtsPerPosition thoughts per position (REINFORCE baseline)
 * @param sequenceLength training window of the continued training
 * @param examplesPerStep examples per optimiser step
 * @param qualityEvery steps between the checkpoints whose thoughts are scored (the thought-quality curve)
 * @param seed seed of the corpus, the training runs and the evaluation
 */
public record DemoPlan(String name, int pretrainDocuments, int continuedDocuments, int heldOutProblems,
        int pretrainSteps, int baseStep, int quietStarSteps, List<Integer> thoughtLengths, int lookahead, int thoughtsPerPosition,
        int sequenceLength, int examplesPerStep, int qualityEvery, long seed) {

    /** Copies the list and checks it. */
    public DemoPlan {
        thoughtLengths = List.copyOf(thoughtLengths);
        if (thoughtLengths.isEmpty()) {
            throw new IllegalArgumentException("a demo plan needs at least one thought length");
        }
        if (baseStep < 1 || baseStep > pretrainSteps) {
            throw new IllegalArgumentException("baseStep must be in 1..pretrainSteps (" + pretrainSteps + "), was "
                    + baseStep);
        }
        if (qualityEvery < 1) {
            throw new IllegalArgumentException("qualityEvery must be >= 1, was " + qualityEvery);
        }
    }

    /**
     * The smoke-test preset.
     *
     * @return the plan
     */
    public static DemoPlan quick() {
        return new DemoPlan("quick", 100_000, 400, 12, 40, 20, 6, List.of(8), 4, 2, 24, 4, 3, 11);
    }

    /**
     * The default preset.
     *
     * @return the plan
     */
    public static DemoPlan standard() {
        return new DemoPlan("standard", 100_000, 8000, 200, 10_000, 2000, 150, List.of(8), 4, 2, 24, 8, 25, 11);
    }

    /**
     * The long preset, with a thoughtLength sweep at equal steps.
     *
     * @return the plan
     */
    public static DemoPlan full() {
        return new DemoPlan("full", 100_000, 8000, 500, 10_000, 2000, 150, List.of(8, 4, 12), 4, 2, 24, 8, 25, 11);
    }

    /**
     * Returns a copy with another number of pretraining steps.
     *
     * @param steps the steps
     * @return the copy
     */
    public DemoPlan withPretrainSteps(int steps) {
        return new DemoPlan(name, pretrainDocuments, continuedDocuments, heldOutProblems, steps,
                Math.max(1, Math.round((float) baseStep * steps / pretrainSteps)), quietStarSteps,
                thoughtLengths, lookahead, thoughtsPerPosition, sequenceLength, examplesPerStep, qualityEvery, seed);
    }

    /**
     * Returns a copy with another seed (of the corpus's continued part, the runs and the evaluation).
     *
     * @param value the seed
     * @return the copy
     */
    public DemoPlan withSeed(long value) {
        return new DemoPlan(name, pretrainDocuments, continuedDocuments, heldOutProblems, pretrainSteps, baseStep,
                quietStarSteps, thoughtLengths, lookahead, thoughtsPerPosition, sequenceLength, examplesPerStep,
                qualityEvery, value);
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
