package dev.quietstar.api.config;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * Which positions of a training row get a thought (see {@link PositionSelection}).
 *
 * <p>{@code count} is read by {@link PositionSelection#RANDOM} and {@link PositionSelection#GATE} and must be 0 (its
 * default) for the other modes; {@code marker} is read by {@link PositionSelection#MARKER} and must be empty (its
 * default) for the others, so a setting that would be ignored is refused instead. The upper bound of {@code count},
 * {@code sequenceLength - 1}, is checked by {@link QuietStarConfig}.
 *
 * @param mode how positions are chosen (a missing value means {@link PositionSelection#ALL})
 * @param count positions per example for RANDOM and GATE, at least 1; 0 for the other modes
 * @param marker text whose token sequence marks a thought position for MARKER (the position of its last token);
 *     "" for the other modes
 */
@JsonPropertyOrder({"mode", "count", "marker"})
public record PositionsConfig(PositionSelection mode, int count, String marker) {

    /** Largest count accepted before the sequence length is known. */
    public static final int MAX_COUNT = 1 << 20;

    /** Validates the fields. */
    public PositionsConfig {
        if (mode == null) {
            mode = PositionSelection.ALL;
        }
        if (marker == null) {
            marker = "";
        }
        boolean counted = mode == PositionSelection.RANDOM || mode == PositionSelection.GATE;
        if (counted) {
            Checks.inRange("positions.count", count, 1, MAX_COUNT);
        } else if (count != 0) {
            throw new InvalidConfigException("positions.count is read only by the RANDOM and GATE modes and must be 0 "
                    + "for mode " + mode + ", was " + count);
        }
        if (mode == PositionSelection.MARKER) {
            if (marker.isEmpty()) {
                throw new InvalidConfigException("positions.marker must be a non-empty string for mode MARKER, was \"\"");
            }
        } else if (!marker.isEmpty()) {
            throw new InvalidConfigException("positions.marker is read only by the MARKER mode and must be empty for "
                    + "mode " + mode + ", was \"" + marker + "\"");
        }
    }

    /**
     * Every position (the default).
     *
     * @return the setting
     */
    public static PositionsConfig all() {
        return new PositionsConfig(PositionSelection.ALL, 0, "");
    }

    /**
     * k random positions per example.
     *
     * @param count k, at least 1
     * @return the setting
     */
    public static PositionsConfig random(int count) {
        return new PositionsConfig(PositionSelection.RANDOM, count, "");
    }

    /**
     * The positions that end an occurrence of a marker.
     *
     * @param marker the marker text, non-empty
     * @return the setting
     */
    public static PositionsConfig marker(String marker) {
        return new PositionsConfig(PositionSelection.MARKER, 0, marker);
    }

    /**
     * The k positions the thinking gate ranks highest.
     *
     * @param count k, at least 1
     * @return the setting
     */
    public static PositionsConfig gate(int count) {
        return new PositionsConfig(PositionSelection.GATE, count, "");
    }

    /**
     * Whether every position thinks.
     *
     * @return true for {@link PositionSelection#ALL}
     */
    @JsonIgnore
    public boolean isAll() {
        return mode == PositionSelection.ALL;
    }
}
