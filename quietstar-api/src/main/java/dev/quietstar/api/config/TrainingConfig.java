package dev.quietstar.api.config;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * How long and in what batches a trainer runs, and how it is seeded and checkpointed.
 *
 * @param steps optimiser steps to run (the official runs stop after about 100)
 * @param examplesPerStep examples (documents) per optimiser step, before the {@code thoughtsPerPosition} copies
 *     (official 8)
 * @param microBatchExamples examples per forward/backward pass; gradients of {@code examplesPerStep /
 *     microBatchExamples} passes are accumulated (must divide {@code examplesPerStep})
 * @param seed seed of every random choice: data windows, thought sampling, initialisation
 * @param checkpointEvery write a checkpoint every this many steps; 0 writes one at the end only
 */
@JsonPropertyOrder({"steps", "examplesPerStep", "microBatchExamples", "seed", "checkpointEvery"})
public record TrainingConfig(int steps, int examplesPerStep, int microBatchExamples, long seed, int checkpointEvery) {

    /** Validates every field; see the class documentation for the meaning of each. */
    public TrainingConfig {
        Checks.inRange("training.steps", steps, 1, 10_000_000);
        Checks.inRange("training.examplesPerStep", examplesPerStep, 1, 1_000_000);
        Checks.inRange("training.microBatchExamples", microBatchExamples, 1, examplesPerStep);
        if (examplesPerStep % microBatchExamples != 0) {
            throw new InvalidConfigException("training.microBatchExamples must divide training.examplesPerStep ("
                    + examplesPerStep + "), was " + microBatchExamples);
        }
        Checks.inRange("training.checkpointEvery", checkpointEvery, 0, 10_000_000);
    }

    /**
     * The official schedule: 100 steps of 8 examples, 4 per pass, seed 42, checkpoint at the end.
     *
     * @return the official training settings
     */
    public static TrainingConfig official() {
        return new TrainingConfig(100, 8, 4, 42L, 0);
    }

    /**
     * Returns a copy with another number of steps.
     *
     * @param value the steps
     * @return the copy
     */
    public TrainingConfig withSteps(int value) {
        return new TrainingConfig(value, examplesPerStep, microBatchExamples, seed, checkpointEvery);
    }

    /**
     * Returns a copy with another batch layout.
     *
     * @param examples examples per optimiser step
     * @param micro examples per forward/backward pass
     * @return the copy
     */
    public TrainingConfig withBatch(int examples, int micro) {
        return new TrainingConfig(steps, examples, micro, seed, checkpointEvery);
    }

    /**
     * Returns a copy with another seed.
     *
     * @param value the seed
     * @return the copy
     */
    public TrainingConfig withSeed(long value) {
        return new TrainingConfig(steps, examplesPerStep, microBatchExamples, value, checkpointEvery);
    }

    /**
     * Returns a copy with another checkpoint interval.
     *
     * @param value steps between checkpoints, 0 for the end only
     * @return the copy
     */
    public TrainingConfig withCheckpointEvery(int value) {
        return new TrainingConfig(steps, examplesPerStep, microBatchExamples, seed, value);
    }
}
