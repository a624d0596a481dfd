package dev.quietstar.core.star;

import java.nio.file.Path;
import java.util.List;

/**
 * The record of a STaR run.
 *
 * @param rounds round 0 (the starting model) and every trained round, in order
 * @param finalCheckpoint the last round's checkpoint
 * @param keptDocuments the last round's fine-tuning documents (kept rationales, unhinted)
 * @param heldOutCompletions what the final model wrote for each held-out question, greedy, in order
 */
public record StarReport(List<StarRound> rounds, Path finalCheckpoint, List<String> keptDocuments,
        List<String> heldOutCompletions) {

    /** Copies the lists. */
    public StarReport {
        rounds = List.copyOf(rounds);
        keptDocuments = List.copyOf(keptDocuments);
        heldOutCompletions = List.copyOf(heldOutCompletions);
    }

    /** @return the last round's record */
    public StarRound last() {
        return rounds.get(rounds.size() - 1);
    }

    /** @return the wall time the method cost: rationale writing and fine-tuning over every round */
    public double costSeconds() {
        return rounds.stream().mapToDouble(r -> r.generationSeconds() + r.trainingSeconds()).sum();
    }
}
