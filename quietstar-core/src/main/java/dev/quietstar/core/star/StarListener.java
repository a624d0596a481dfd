package dev.quietstar.core.star;

/** Hears about a STaR run's progress. */
public interface StarListener {

    /**
     * A phase of a round starts.
     *
     * @param round the round, 0 for evaluating the starting model
     * @param phase what starts, e.g. "rationales", "rationalization", "fine-tuning", "held-out"
     */
    default void onPhase(int round, String phase) {}

    /**
     * A round ended.
     *
     * @param record what it did
     */
    default void onRound(StarRound record) {}
}
