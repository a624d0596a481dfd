package dev.quietstar.core.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quietstar.api.ThinkingPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Contract tests of a {@link ThinkingPolicy}: decisions depend only on their arguments (so a seeded generation
 * repeats), concurrent calls agree with sequential ones (the interface requires thread safety), a policy that does
 * not use the thinking gate ignores the gate's prediction, and the decisions the implementer expects are the ones
 * made.
 */
public abstract class BaseThinkingPolicyTestCase {

    /**
     * The policy under test.
     *
     * @return the policy
     */
    protected abstract ThinkingPolicy policy();

    /**
     * Situations with the decision the policy must take in each.
     *
     * @return at least one case where it thinks and one where it does not
     */
    protected abstract List<Decision> expectedDecisions();

    /**
     * One situation and the decision expected there.
     *
     * @param textSoFar the prompt and the text generated so far
     * @param generatedTokens tokens generated so far
     * @param predictedGain the gate's prediction, NaN when no gate is consulted
     * @param thinks whether the policy must think
     */
    public record Decision(String textSoFar, int generatedTokens, double predictedGain, boolean thinks) {}

    private static boolean decide(ThinkingPolicy p, Decision d) {
        return p.usesGate() ? p.thinkBeforeNext(d.textSoFar(), d.generatedTokens(), d.predictedGain())
                : p.thinkBeforeNext(d.textSoFar(), d.generatedTokens());
    }

    @Test
    void theExpectedDecisionsAreMadeAndCoverBothAnswers() {
        List<Decision> cases = expectedDecisions();
        assertThat(cases).as("cases where the policy thinks").anyMatch(Decision::thinks);
        assertThat(cases).as("cases where it does not").anyMatch(d -> !d.thinks());
        ThinkingPolicy p = policy();
        for (Decision d : cases) {
            assertThat(decide(p, d)).as("%s", d).isEqualTo(d.thinks());
        }
    }

    @Test
    void decisionsRepeat() {
        ThinkingPolicy p = policy();
        for (Decision d : expectedDecisions()) {
            boolean first = decide(p, d);
            for (int i = 0; i < 3; i++) {
                assertThat(decide(p, d)).as("%s, call %d", d, i + 2).isEqualTo(first);
            }
        }
    }

    @Test
    void aPolicyWithoutTheGateIgnoresItsPrediction() {
        ThinkingPolicy p = policy();
        if (p.usesGate()) {
            for (Decision d : expectedDecisions()) {
                assertThat(Double.isNaN(d.predictedGain())).as("a gate policy's case needs a prediction: %s", d)
                        .isFalse();
            }
            return;
        }
        for (Decision d : expectedDecisions()) {
            boolean plain = p.thinkBeforeNext(d.textSoFar(), d.generatedTokens());
            for (double gain : new double[] {Double.NaN, -5, 0, 5}) {
                assertThat(p.thinkBeforeNext(d.textSoFar(), d.generatedTokens(), gain)).as("%s with gain %s", d, gain)
                        .isEqualTo(plain);
            }
        }
    }

    @Test
    void concurrentDecisionsEqualSequentialOnes() throws Exception {
        ThinkingPolicy p = policy();
        List<Decision> cases = expectedDecisions();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> futures = new ArrayList<>();
            for (int round = 0; round < 50; round++) {
                for (Decision d : cases) {
                    futures.add(pool.submit(() -> decide(p, d)));
                }
            }
            for (int i = 0; i < futures.size(); i++) {
                Decision d = cases.get(i % cases.size());
                assertThat(futures.get(i).get()).as("%s", d).isEqualTo(d.thinks());
            }
        } finally {
            pool.shutdown();
        }
    }
}
