package dev.quietstar.api;

/**
 * What a trainer optimises.
 */
public enum TrainingObjective {
    /** The Quiet-STaR objective: thoughts after every token, the mixing head, REINFORCE. */
    QUIET_STAR,
    /**
     * The plain next-token loss of the language model alone, with the Quiet-STaR parts frozen: pretraining a base
     * model, or a control run that gets the same data and steps without thinking.
     */
    NEXT_TOKEN
}
