package dev.quietstar.djl.infer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.GenerationResult;
import dev.quietstar.api.ThinkingPolicy;
import dev.quietstar.api.TokenTrace;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.core.eval.AnswerEvaluator;
import dev.quietstar.core.eval.EvalExample;
import dev.quietstar.core.eval.EvalSetting;
import dev.quietstar.core.eval.ExampleResult;
import dev.quietstar.core.eval.SettingResult;
import dev.quietstar.core.text.ByteTokenizer;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.infer.CustomThoughtGeneration;
import dev.quietstar.djl.infer.DjlReasoner;
import dev.quietstar.djl.model.CausalDecoder;
import dev.quietstar.djl.model.DecoderConfig;
import dev.quietstar.djl.model.DecoderOutput;
import dev.quietstar.djl.model.Masks;
import dev.quietstar.djl.thought.MlpMixingHead;
import dev.quietstar.djl.thought.QuietStarModel;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AnswerEvaluatorTest {

    private static final List<EvalExample> MATHS = List.of(
            new EvalExample("Q: 12+30=?\nA: ", "42", List.of(), EvalExample.Kind.GSM8K),
            new EvalExample("Q: 7*3=?\nA: ", "21", List.of(), EvalExample.Kind.GSM8K),
            new EvalExample("Q: 5-9=?\nA: ", "-4", List.of(), EvalExample.Kind.GSM8K));

    private QuietStarModel model;

    @BeforeAll
    static void engine() {
        DjlEngines.pytorch();
    }

    @BeforeEach
    void tinyModel() {
        CausalDecoder d = CausalDecoder.random(DecoderConfig.gpt2(ByteTokenizer.VOCAB_SIZE, 32, 2, 4, 128),
                Device.cpu(), 3);
        model = QuietStarModel.create(d, ByteTokenizer.instance(), QuietStarConfig.official().withShape(2, 2, 1, 32),
                3);
    }

    @AfterEach
    void close() {
        model.close();
    }

    private void randomiseHead(long seed) {
        NDArray last = model.mixingHead().parameters().get(MlpMixingHead.PREFIX + "4.weight").getArray();
        SplittableRandom rng = new SplittableRandom(seed);
        float[] d = new float[Math.toIntExact(last.size())];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) ((rng.nextDouble() * 2 - 1) * 2);
        }
        last.set(d);
    }

    private static List<EvalSetting> allSettings() {
        return List.of(EvalSetting.thinkingOff(), EvalSetting.everyToken(), EvalSetting.atAnswerStart("A: "),
                EvalSetting.everyToken().withConstantThought());
    }

    @Test
    void withTheHeadsLastLayerZeroEveryThinkingSettingEqualsThinkingOff() {
        AnswerEvaluator evaluator = AnswerEvaluator.builder(dev.quietstar.djl.infer.DjlReasoner.wrap(model)).optExactMatch(false).build();
        List<SettingResult> rows = evaluator.evaluate(MATHS, allSettings());
        SettingResult off = rows.get(0);
        assertThat(off.meanMixingWeight()).isNaN();
        for (SettingResult row : rows.subList(1, rows.size())) {
            assertThat(row.answerNll()).as(row.setting()).isCloseTo(off.answerNll(), within(1e-5));
            assertThat(row.answerProbability()).as(row.setting()).isCloseTo(off.answerProbability(), within(1e-5));
            assertThat(row.tokenAccuracy()).isEqualTo(off.tokenAccuracy());
            assertThat(row.meanMixingWeight()).as("w of a zero last layer").isEqualTo(0.0);
            for (int i = 0; i < MATHS.size(); i++) {
                List<Double> a = row.perExample().get(i).answerLogProbs();
                List<Double> b = off.perExample().get(i).answerLogProbs();
                assertThat(a).hasSameSizeAs(b);
                for (int j = 0; j < a.size(); j++) {
                    assertThat(a.get(j)).isCloseTo(b.get(j), within(1e-5));
                }
            }
        }
        assertThat(rows.get(2).perExample().get(0).thoughts()).as("once: one thought, before the first token")
                .isEqualTo(1);
        assertThat(rows.get(1).perExample().get(0).thoughts()).as("every: one per answer token (4, 2, newline)")
                .isEqualTo(3);
        assertThat(off.exactMatch()).as("not measured").isNaN();
    }

    @Test
    void aNonZeroHeadChangesTheThinkingSettingsButNotThinkingOff() {
        AnswerEvaluator evaluator = AnswerEvaluator.builder(dev.quietstar.djl.infer.DjlReasoner.wrap(model)).optExactMatch(false).build();
        double offBefore = evaluator.evaluate(MATHS, List.of(EvalSetting.thinkingOff())).get(0).answerNll();
        randomiseHead(11);
        List<SettingResult> rows = evaluator.evaluate(MATHS, allSettings());
        assertThat(rows.get(0).answerNll()).isCloseTo(offBefore, within(1e-6));
        for (SettingResult row : rows.subList(1, rows.size())) {
            assertThat(Math.abs(row.answerNll() - offBefore)).as(row.setting()).isGreaterThan(1e-4);
            assertThat(row.meanMixingWeight()).isNotEqualTo(0.0);
        }
    }

    @Test
    void answerProbabilityIsTheRenormalisedProductOverTheAnswerAlphabet() {
        EvalExample example = MATHS.get(2); // "-4\n": minus, digit, newline
        SettingResult off = AnswerEvaluator.builder(dev.quietstar.djl.infer.DjlReasoner.wrap(model)).optExactMatch(false).build()
                .evaluate(List.of(example), List.of(EvalSetting.thinkingOff())).get(0);
        ByteTokenizer tok = ByteTokenizer.instance();
        int[] prompt = tok.encode(example.prompt());
        int[] answer = tok.encode("-4\n");
        int[] alphabet = tok.encode(AnswerEvaluator.ANSWER_ALPHABET);
        int p = prompt.length + 1; // with the document-start token
        long[] ids = new long[p + answer.length - 1];
        ids[0] = tok.bosId().orElse(tok.eosId().getAsInt());
        for (int k = 0; k < prompt.length; k++) {
            ids[k + 1] = prompt[k];
        }
        for (int k = 0; k < answer.length - 1; k++) {
            ids[p + k] = answer[k];
        }
        double expected = 1;
        double nll = 0;
        try (NDManager m = model.manager().newSubManager()) {
            NDArray idArray = m.create(ids, new Shape(1, ids.length));
            DecoderOutput out = model.decoder().forward(model.inputEmbeddings(idArray),
                    m.arange(0, ids.length).toType(ai.djl.ndarray.types.DataType.INT64, false).reshape(1, ids.length),
                    Masks.causal(m, 1, ids.length, 0), null);
            float[] probs = model.decoder().logits(out.hidden()).add(model.metaTokenLogitMask(m)).softmax(-1)
                    .toFloatArray();
            int v = model.decoder().config().vocabSize();
            for (int j = 0; j < answer.length; j++) {
                int offset = (p - 1 + j) * v;
                double sum = 0;
                for (int c : alphabet) {
                    sum += probs[offset + c];
                }
                expected *= probs[offset + answer[j]] / sum;
                nll -= Math.log(probs[offset + answer[j]]);
            }
        }
        assertThat(off.answerProbability()).isBetween(0.0, 1.0).isCloseTo(expected, within(1e-5));
        assertThat(off.answerNll()).isCloseTo(nll / answer.length, within(1e-4));
    }

    @Test
    void multipleChoiceProbabilitiesOfTheLabelsSumToOne() {
        List<String> choices = List.of("red", "blue", "green");
        List<EvalExample> examples = List.of("A", "B", "C").stream()
                .map(g -> new EvalExample("Q: sky?\nChoices: (A) red (B) blue (C) green\nA: ", g, choices,
                        EvalExample.Kind.MULTIPLE_CHOICE))
                .toList();
        randomiseHead(5);
        AnswerEvaluator evaluator = AnswerEvaluator.builder(dev.quietstar.djl.infer.DjlReasoner.wrap(model)).optExactMatch(false).build();
        for (EvalSetting setting : List.of(EvalSetting.thinkingOff(), EvalSetting.atAnswerStart("A: "))) {
            // The thought before the label is drawn per example index, so compare with a constant thought.
            EvalSetting s = setting.name().equals("thinking off") ? setting : setting.withConstantThought();
            SettingResult r = evaluator.evaluate(examples, List.of(s)).get(0);
            double sum = r.perExample().stream().mapToDouble(ExampleResult::answerProbability).sum();
            assertThat(sum).as(s.name()).isCloseTo(1.0, within(1e-5));
            r.perExample().forEach(e -> assertThat(e.answerProbability()).isBetween(0.0, 1.0));
        }
    }

    @Test
    void exactMatchOfAnAnswerTheModelCannotProduceIsZeroAndGenerationIsMeasured() {
        List<EvalExample> impossible = List.of(
                new EvalExample("Q: big?\nA: ", "987654321987", List.of(), EvalExample.Kind.GSM8K),
                new EvalExample("Q: pick\nChoices: (A) x (B) y\nA: ", "B", List.of("x", "y"),
                        EvalExample.Kind.MULTIPLE_CHOICE));
        List<SettingResult> rows = AnswerEvaluator.builder(dev.quietstar.djl.infer.DjlReasoner.wrap(model)).optGenerationMargin(2).build()
                .evaluate(impossible, List.of(EvalSetting.thinkingOff(), EvalSetting.atAnswerStart("A: ")));
        SettingResult gsm = rows.get(0);
        assertThat(gsm.perExample().get(0).exactMatch()).isFalse();
        assertThat(gsm.perExample().get(0).generated()).isNotEmpty();
        assertThat(gsm.tokensPerSecond()).isPositive();
        assertThat(gsm.toEvalRow().examples()).isEqualTo(2);
        for (SettingResult r : rows) {
            assertThat(r.perExample().get(0).exactMatch()).isFalse();
            assertThat(r.exactMatch()).isBetween(0.0, 0.5);
        }
    }

    @Test
    void resultsRepeatWithTheSameSeed() {
        randomiseHead(7);
        List<EvalSetting> settings = List.of(EvalSetting.everyToken(), EvalSetting.atAnswerStart("A: "));
        List<SettingResult> a = AnswerEvaluator.builder(dev.quietstar.djl.infer.DjlReasoner.wrap(model)).optSeed(9).optGenerationMargin(2).build()
                .evaluate(MATHS, settings);
        List<SettingResult> b = AnswerEvaluator.builder(dev.quietstar.djl.infer.DjlReasoner.wrap(model)).optSeed(9).optGenerationMargin(2).build()
                .evaluate(MATHS, settings);
        for (int s = 0; s < settings.size(); s++) {
            assertThat(b.get(s).answerNll()).isEqualTo(a.get(s).answerNll());
            assertThat(b.get(s).answerProbability()).isEqualTo(a.get(s).answerProbability());
            assertThat(b.get(s).exactMatch()).isEqualTo(a.get(s).exactMatch());
            for (int i = 0; i < MATHS.size(); i++) {
                assertThat(b.get(s).perExample().get(i).generated()).isEqualTo(a.get(s).perExample().get(i)
                        .generated());
            }
        }
    }

    @Test
    void cachedScoringEqualsAThoughtOnTheTruePrefixCache() {
        randomiseHead(13);
        EvalExample example = MATHS.get(0);
        int constant = 'x';
        SettingResult every = AnswerEvaluator.builder(dev.quietstar.djl.infer.DjlReasoner.wrap(model)).optExactMatch(false).optConstantThoughtId(constant)
                .build().evaluate(List.of(example), List.of(EvalSetting.everyToken().withConstantThought())).get(0);
        ByteTokenizer tok = ByteTokenizer.instance();
        int[] prompt = tok.encode(example.prompt());
        int[] answer = tok.encode("42\n");
        ReferenceThoughtBranch branch = new ReferenceThoughtBranch(model, 2);
        int v = model.decoder().config().vocabSize();
        for (int j = 0; j < answer.length; j++) {
            // The prefix before answer token j, forwarded on its own: no masking of later keys involved.
            long[] ids = new long[prompt.length + 1 + j];
            ids[0] = tok.bosId().orElse(tok.eosId().getAsInt());
            for (int k = 0; k < prompt.length; k++) {
                ids[k + 1] = prompt[k];
            }
            for (int k = 0; k < j; k++) {
                ids[prompt.length + 1 + k] = answer[k];
            }
            try (NDManager m = model.manager().newSubManager()) {
                NDArray idArray = m.create(ids, new Shape(1, ids.length));
                DecoderOutput out = model.decoder().forward(model.inputEmbeddings(idArray),
                        m.arange(0, ids.length).toType(ai.djl.ndarray.types.DataType.INT64, false)
                                .reshape(1, ids.length), Masks.causal(m, 1, ids.length, 0), null);
                NDArray last = out.hidden().get(":, -1:, :");
                ReferenceThoughtBranch.Result r = branch.think(m, out.cache(), last, new long[] {ids.length},
                        m.zeros(new Shape(1, 1, 1, ids.length)), CustomThoughtGeneration.constantSampler(constant));
                float[] logp = r.mixedLogits().add(model.metaTokenLogitMask(m)).logSoftmax(-1).toFloatArray();
                assertThat(every.perExample().get(0).answerLogProbs().get(j)).as("answer token " + j)
                        .isCloseTo((double) logp[answer[j] % v], within(1e-4));
            }
        }
    }

    @Test
    void constantThoughtGenerationThinksTheConstantToken() {
        randomiseHead(3);
        GenerationOptions options = GenerationOptions.defaults(4).withThinking(ThinkingPolicy.everyToken());
        List<GenerationResult> results = CustomThoughtGeneration.generateBatch(DjlReasoner.wrap(model),
                List.of("Q: 1+1\nA: ", "Hi"), options, CustomThoughtGeneration.constantSampler('#'));
        assertThat(results).hasSize(2);
        for (GenerationResult r : results) {
            assertThat(r.traces()).isNotEmpty();
            for (TokenTrace t : r.traces()) {
                assertThat(t.thoughtIds()).containsExactly((int) '#', (int) '#');
            }
        }
    }

    @Test
    void badSettingsAndInputsAreNamed() {
        assertThatThrownBy(() -> EvalSetting.parse("off,sometimes", "A: ")).hasMessageContaining("sometimes");
        assertThatThrownBy(() -> EvalSetting.parse("off,off", "A: ")).hasMessageContaining("twice");
        assertThat(EvalSetting.parse("off, every,once,constant,constant-once", "A: ")).extracting(EvalSetting::name)
                .containsExactly("thinking off", "thinking on, every token", "thinking once at answer start",
                        "thinking on, every token, constant thought",
                        "thinking once at answer start, constant thought");
        assertThatThrownBy(() -> AnswerEvaluator.builder(dev.quietstar.djl.infer.DjlReasoner.wrap(model)).optConstantThoughtId(model.metaTokens().startId())
                .build()).hasMessageContaining("meta-token");
        String longPrompt = "Q: " + "x".repeat(200) + "\nA: ";
        AnswerEvaluator evaluator = AnswerEvaluator.builder(dev.quietstar.djl.infer.DjlReasoner.wrap(model)).build();
        assertThatThrownBy(() -> evaluator.evaluate(List.of(new EvalExample(longPrompt, "1", List.of(),
                EvalExample.Kind.GSM8K)), List.of(EvalSetting.thinkingOff())))
                .hasMessageContaining("example 0").hasMessageContaining("positions");
    }
}
