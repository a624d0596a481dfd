package dev.quietstar.core.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.quietstar.api.ThinkingPolicy;
import dev.quietstar.core.gate.ThinkingGate;
import dev.quietstar.core.infer.DecoderStep;
import dev.quietstar.core.infer.FakeSteppedReasoner;
import dev.quietstar.core.infer.SteppedReasoner;
import dev.quietstar.core.infer.ThinkThenTalk;
import dev.quietstar.core.infer.ThoughtBranch;
import dev.quietstar.core.text.ByteTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Core's evaluator on a reasoner over a deterministic fake decoder: every number checked against a hand computation
 * on the same fake, every thought against one taken on the true prefix alone.
 */
class CoreAnswerEvaluatorTest {

    private static final EvalExample SEVEN = new EvalExample("Q: 3+4=?\nA: ", "7", List.of(), EvalExample.Kind.GSM8K);
    private static final EvalExample EIGHT = new EvalExample("Q: 4+4=?\nA: ", "8", List.of(), EvalExample.Kind.GSM8K);
    private static final EvalExample CHOICE = new EvalExample("Q: pick\nA: ", "B", List.of("x", "y", "z"),
            EvalExample.Kind.MULTIPLE_CHOICE);
    private static final ByteTokenizer TOK = ByteTokenizer.instance();

    /** Log-softmax of a row without the meta-tokens. */
    private static double[] logSoftmaxWithoutMeta(float[] logits, int offset, int vocab) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < vocab; k++) {
            if (k != ByteTokenizer.START_OF_THOUGHT && k != ByteTokenizer.END_OF_THOUGHT) {
                max = Math.max(max, logits[offset + k]);
            }
        }
        double sum = 0;
        for (int k = 0; k < vocab; k++) {
            if (k != ByteTokenizer.START_OF_THOUGHT && k != ByteTokenizer.END_OF_THOUGHT) {
                sum += Math.exp(logits[offset + k] - max);
            }
        }
        double[] out = new double[vocab];
        for (int k = 0; k < vocab; k++) {
            out[k] = logits[offset + k] - max - Math.log(sum);
        }
        return out;
    }

    /** Per answer token: the base distribution and the one after a constant thought, each on the prefix alone. */
    private static List<double[][]> byHand(SteppedReasoner reasoner, EvalExample example, int constant) {
        return reasoner.withStep(new SteppedReasoner.StepTask<List<double[][]>>() {
            @Override
            public <C> List<double[][]> run(DecoderStep<C> step, ThinkThenTalk loop) {
                int[] prompt = TOK.withDocumentStart(TOK.encode(example.prompt()));
                int[] answer = TOK.encode(AnswerEvaluator.answerText(example));
                int v = step.vocabSize();
                List<double[][]> out = new ArrayList<>();
                for (int j = 0; j < answer.length; j++) {
                    int len = prompt.length + j;
                    long[] ids = new long[len];
                    long[] pos = new long[len];
                    boolean[][] valid = new boolean[1][len];
                    for (int k = 0; k < len; k++) {
                        ids[k] = k < prompt.length ? prompt[k] : answer[k - prompt.length];
                        pos[k] = k;
                        valid[0][k] = true;
                    }
                    DecoderStep.Output<C> base = step.forward(ids, pos, 1, len,
                            ThinkThenTalk.causalWithPadding(valid, len), null);
                    ThoughtBranch.Thought t = loop.branch().think(step, base, new long[] {len}, valid,
                            (logits, rows, vocab, k) -> new long[] {constant});
                    out.add(new double[][] {logSoftmaxWithoutMeta(base.logits(), 0, v),
                        logSoftmaxWithoutMeta(t.mixing().mixedLogits(), 0, v), {t.mixing().weights()[0]}});
                    step.release(base.cache());
                }
                return out;
            }
        });
    }

    @Test
    void everyNumberMatchesTheSameComputationOnTheTruePrefixAlone() {
        FakeSteppedReasoner reasoner = new FakeSteppedReasoner(2, null);
        int constant = 'q';
        List<SettingResult> rows = AnswerEvaluator.builder(reasoner).optConstantThoughtId(constant)
                .optExactMatch(false).build().evaluate(List.of(SEVEN, CHOICE),
                        List.of(EvalSetting.thinkingOff(), EvalSetting.everyToken().withConstantThought(),
                                EvalSetting.atAnswerStart("A: ").withConstantThought()));
        for (int e = 0; e < 2; e++) {
            EvalExample example = e == 0 ? SEVEN : CHOICE;
            int[] answer = TOK.encode(AnswerEvaluator.answerText(example));
            List<double[][]> hand = byHand(reasoner, example, constant);
            ExampleResult off = rows.get(0).perExample().get(e);
            ExampleResult every = rows.get(1).perExample().get(e);
            ExampleResult once = rows.get(2).perExample().get(e);
            int correct = 0;
            for (int j = 0; j < answer.length; j++) {
                double[] base = hand.get(j)[0];
                double[] mixed = hand.get(j)[1];
                assertThat(off.answerLogProbs().get(j)).as("example %d token %d off", e, j)
                        .isCloseTo(base[answer[j]], within(1e-5));
                assertThat(every.answerLogProbs().get(j)).as("example %d token %d every", e, j)
                        .isCloseTo(mixed[answer[j]], within(1e-5));
                assertThat(once.answerLogProbs().get(j)).as("example %d token %d once", e, j)
                        .isCloseTo(j == 0 ? mixed[answer[j]] : base[answer[j]], within(1e-5));
                int best = 0;
                for (int k = 1; k < base.length; k++) {
                    best = base[k] > base[best] ? k : best;
                }
                correct += best == answer[j] ? 1 : 0;
            }
            assertThat(off.correctTokens()).isEqualTo(correct);
            assertThat(off.thoughts()).isZero();
            assertThat(every.thoughts()).isEqualTo(answer.length);
            assertThat(once.thoughts()).isEqualTo(1);
            assertThat(once.meanMixingWeight()).isCloseTo(hand.get(0)[2][0], within(1e-6));
        }
        // the multiple-choice probability: p(B) renormalised over the three label letters, before the first token
        double[] first = byHand(reasoner, CHOICE, constant).get(0)[0];
        double expected = Math.exp(first['B']) / (Math.exp(first['A']) + Math.exp(first['B']) + Math.exp(first['C']));
        assertThat(rows.get(0).perExample().get(1).answerProbability()).isCloseTo(expected, within(1e-6));
        double nll = 0;
        int tokens = 0;
        for (ExampleResult r : rows.get(0).perExample()) {
            for (double lp : r.answerLogProbs()) {
                nll -= lp;
                tokens++;
            }
        }
        assertThat(rows.get(0).answerNll()).isCloseTo(nll / tokens, within(1e-9));
        assertThat(rows.get(0).exactMatch()).as("not generated").isNaN();
        assertThat(reasoner.allCachesReleased()).isTrue();
    }

    @Test
    void exactMatchComesFromGreedyGenerationWithTheSettingsPolicy() {
        FakeSteppedReasoner reasoner = new FakeSteppedReasoner(1, null);
        reasoner.answerWith('7');
        List<SettingResult> rows = AnswerEvaluator.builder(reasoner).optBatchSize(1).optGenerationMargin(2).build()
                .evaluate(List.of(SEVEN, EIGHT), List.of(EvalSetting.thinkingOff()));
        SettingResult off = rows.get(0);
        assertThat(off.perExample()).extracting(ExampleResult::generated).containsExactly("7\n", "7\n");
        assertThat(off.perExample()).extracting(ExampleResult::predicted).containsExactly("7", "7");
        assertThat(off.perExample()).extracting(ExampleResult::exactMatch).containsExactly(true, false);
        assertThat(off.exactMatch()).isEqualTo(0.5);
        assertThat(off.tokensPerSecond()).isPositive();
        List<String> phases = new ArrayList<>();
        AnswerEvaluator.builder(reasoner).build().evaluate(List.of(SEVEN), List.of(EvalSetting.thinkingOff()),
                (phase, done, total) -> phases.add(phase + " " + done + "/" + total));
        assertThat(phases).containsExactly("scoring 1/2", "generating (thinking off) 2/2");
    }

    @Test
    void theGateDecidesWhereAdaptiveSettingsThinkAndItsPredictionsAreGiven() {
        float[] w = {0.5f, -1f, 0.25f, 2f, 0.3f, -0.7f};
        ThinkingGate gate = new ThinkingGate(4, w, 0.1f, 1, 0.1, 0.1);
        FakeSteppedReasoner reasoner = new FakeSteppedReasoner(1, gate);
        AnswerEvaluator evaluator = AnswerEvaluator.builder(reasoner).optExactMatch(false).build();
        double[] gains = evaluator.answerGains(List.of(SEVEN)).get(0);
        assertThat(gains).hasSize(TOK.encode("7\n").length);
        double threshold = Arrays.stream(gains).min().orElseThrow();
        List<SettingResult> rows = evaluator.evaluate(List.of(SEVEN), List.of(EvalSetting.adaptive(threshold),
                new EvalSetting("never", ThinkingPolicy.adaptive(Double.POSITIVE_INFINITY), false)));
        long expected = Arrays.stream(gains).filter(g -> g > threshold).count();
        assertThat(rows.get(0).perExample().get(0).thoughts()).isEqualTo((int) expected);
        assertThat(rows.get(1).perExample().get(0).thoughts()).isZero();
        FakeSteppedReasoner gateless = new FakeSteppedReasoner(1, null);
        assertThatThrownBy(() -> AnswerEvaluator.builder(gateless).build().evaluate(List.of(SEVEN),
                List.of(EvalSetting.adaptive(0)))).hasMessageContaining("thinking gate");
        assertThatThrownBy(() -> AnswerEvaluator.builder(gateless).build().answerGains(List.of(SEVEN)))
                .hasMessageContaining("thinking gate");
    }

    @Test
    void badSetupsAreRefusedWithTheirReason() {
        FakeSteppedReasoner reasoner = new FakeSteppedReasoner(1, null);
        assertThatThrownBy(() -> AnswerEvaluator.builder(reasoner).optConstantThoughtId(ByteTokenizer.END_OF_THOUGHT)
                .build()).hasMessageContaining("is a meta-token");
        assertThatThrownBy(() -> AnswerEvaluator.builder(reasoner).optConstantThoughtId(ByteTokenizer.VOCAB_SIZE)
                .build()).hasMessageContaining("must be in 0..260");
        assertThat(AnswerEvaluator.builder(reasoner).build().constantThoughtId()).isEqualTo(' ');
        AnswerEvaluator evaluator = AnswerEvaluator.builder(reasoner).build();
        assertThatThrownBy(() -> evaluator.evaluate(List.of(), List.of(EvalSetting.thinkingOff())))
                .hasMessageContaining("no examples");
        assertThatThrownBy(() -> evaluator.evaluate(List.of(SEVEN), List.of())).hasMessageContaining("no evaluation");
        assertThatThrownBy(() -> evaluator.evaluate(List.of(SEVEN), List.of(EvalSetting.thinkingOff(),
                EvalSetting.thinkingOff()))).hasMessageContaining("distinct names");
        assertThatThrownBy(() -> AnswerEvaluator.builder(reasoner).optBatchSize(0)).hasMessageContaining(">= 1");
        assertThatThrownBy(() -> AnswerEvaluator.builder(reasoner).optGenerationMargin(-1))
                .hasMessageContaining(">= 0");
        EvalExample huge = new EvalExample("Q: " + "1".repeat(200) + "\nA: ", "7", List.of(), EvalExample.Kind.GSM8K);
        assertThatThrownBy(() -> evaluator.evaluate(List.of(huge), List.of(EvalSetting.thinkingOff())))
                .hasMessageContaining("example 0").hasMessageContaining("the model has 128");
    }
}
