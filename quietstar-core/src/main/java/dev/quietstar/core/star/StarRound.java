package dev.quietstar.core.star;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What one round did. Round 0 is the model the run starts from, evaluated only.
 *
 * @param round the round, 0 for the starting model
 * @param steps fine-tuning steps of the round
 * @param attempted training questions answered
 * @param correct of them, answered right with a rationale and without a hint
 * @param rationalized of the rest, answered right with the hint
 * @param kept documents fine-tuned on: correct + rationalized
 * @param keptExact share of kept rationales that equal the problem's reference rationale (NaN when no kept problem
 *     has one)
 * @param heldOutAccuracy share of held-out questions answered right, greedy (with or without a rationale)
 * @param heldOutRationaleExact share of held-out rationales that equal the reference (NaN without references)
 * @param generationSeconds wall time writing rationales for the training questions (and rationalizing)
 * @param trainingSeconds wall time fine-tuning
 * @param heldOutSeconds wall time answering the held-out questions (not part of the method's cost)
 * @param generatedTokens tokens generated for the training questions (and rationalizing)
 * @param trainedTokens tokens fed to fine-tuning: steps times documents per step times the window
 * @param checkpoint the round's final checkpoint (the starting model for round 0)
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record StarRound(int round, int steps, int attempted, int correct, int rationalized, int kept,
        double keptExact, double heldOutAccuracy, double heldOutRationaleExact, double generationSeconds,
        double trainingSeconds, double heldOutSeconds, long generatedTokens, long trainedTokens, String checkpoint) {}
