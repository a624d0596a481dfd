package dev.quietstar.core.train;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The schedule state written beside a checkpoint's weights ({@code training-state/state.json}) for resuming.
 *
 * @param formatVersion layout version
 * @param completedSteps optimiser steps taken
 * @param seed the run's seed
 * @param samplerPosition examples drawn from the data so far
 */
public record TrainingState(@JsonProperty("format_version") int formatVersion,
        @JsonProperty("completed_steps") int completedSteps, @JsonProperty("seed") long seed,
        @JsonProperty("sampler_position") long samplerPosition) {

    /** The layout version this library writes. */
    public static final int FORMAT_VERSION = 1;
}
