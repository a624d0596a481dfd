package dev.quietstar.djl.infer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.quietstar.api.TextScore;
import dev.quietstar.api.ThoughtRollout;
import dev.quietstar.api.config.ThoughtSampling;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.thought.ObjectiveResult;
import dev.quietstar.djl.thought.ParallelThoughtGenerator;
import dev.quietstar.djl.thought.QuietStarModel;
import dev.quietstar.djl.thought.QuietStarObjective;
import dev.quietstar.djl.thought.ReinforceRewardEstimator;
import dev.quietstar.djl.thought.ThoughtSamplers;
import org.junit.jupiter.api.Test;

class ScoreTest {

    private static final String TEXT = "2 + 3 = 5, so 5 - 3 = 2.";

    @Test
    void withTheHeadAtZeroThinkingScoresEqualTheBaseScores() {
        DjlEngines.pytorch();
        try (QuietStarModel model = InferFixtures.model(8, 3, 64, false)) {
            TextScore s = DjlReasoner.wrap(model).score(TEXT);
            assertThat(s.tokenIds()).hasSize(TEXT.length());
            assertThat(String.join("", s.tokens())).isEqualTo(TEXT);
            assertThat(s.mixingWeights()).allSatisfy(w -> assertThat(w).isZero());
            for (int i = 0; i < s.tokenIds().size(); i++) {
                assertThat(s.thinkLogProbs().get(i)).isCloseTo(s.baseLogProbs().get(i), offset(1e-6));
                assertThat(s.baseLogProbs().get(i)).isNegative();
            }
            assertThat(s.thoughts()).allSatisfy(t -> assertThat(t.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                    .hasSizeBetween(1, 12));
            assertThat(DjlReasoner.wrap(model).score(TEXT)).as("a score repeats").isEqualTo(s);
        }
    }

    @Test
    @SuppressWarnings("try") // the no-gradient scope is held, not referenced
    void withARandomHeadThinkingChangesTheScoresAndTotalsMatchTheTrainingObjective() {
        DjlEngines.pytorch();
        try (QuietStarModel model = InferFixtures.model(8, 3, 64, true)) {
            TextScore s = DjlReasoner.wrap(model).score(TEXT, ThoughtSampling.GREEDY, 0);
            assertThat(s.thinkTotal()).isNotCloseTo(s.baseTotal(), offset(1e-3));
            assertThat(s.baseTotal()).isCloseTo(s.baseLogProbs().stream().mapToDouble(Double::doubleValue).sum(),
                    offset(1e-9));
            // The objective on the same (greedy) thoughts: its per-token NLLs are minus these log-probabilities.
            int[] ids = model.tokenizer().withDocumentStart(model.tokenizer().encode(TEXT));
            try (NoGradScope g = NoGradScope.enter(); NDManager m = model.manager().newSubManager()) {
                long[] l = java.util.Arrays.stream(ids).mapToLong(i -> i).toArray();
                NDArray idArray = m.create(l, new Shape(1, l.length));
                NDArray attention = m.ones(new Shape(1, l.length), DataType.INT32);
                ThoughtRollout<NDArray> rollout = new ParallelThoughtGenerator(model, 3, 2)
                        .generate(idArray, attention, ThoughtSamplers.greedy());
                ObjectiveResult o = new QuietStarObjective(model, model.config(), new ReinforceRewardEstimator())
                        .evaluate(rollout, idArray, attention);
                assertThat(s.baseTotal()).isCloseTo(-o.baseNll().sum().getFloat(), offset(1e-3));
                assertThat(s.thinkTotal()).isCloseTo(-o.talkNll().get(0).sum().getFloat(), offset(1e-3));
                float[] w = o.mixWeights().get(0).toFloatArray();
                for (int i = 0; i < w.length; i++) {
                    assertThat(s.mixingWeights().get(i)).isCloseTo(w[i], offset(1e-5));
                }
            }
        }
    }
}
