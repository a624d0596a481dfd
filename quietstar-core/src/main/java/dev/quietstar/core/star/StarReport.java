package dev.quietstar.core.star;

import java.nio.file.Path;
import java.util.List;

/**
 * The record of a STaR run.
 *
 * @param rounds round 0 (the starting model) and every trained round, in order
 * @param finalCheckpoint the last round's checkpoint
 */
public record StarReport(List<StarRound> rounds, Path finalCheckpoint) {

    /** Copies the list. */
    public StarReport {
        rounds = List.copyOf(rounds);
    }

    /** @return the last round's record */
    public StarRound last() {
        return rounds.get(rounds.size() - 1);
    }
}
