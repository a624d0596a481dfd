package dev.quietstar.core.infer;

import static dev.quietstar.core.infer.LetterTokenizer.BOS;
import static dev.quietstar.core.infer.LetterTokenizer.END;
import static dev.quietstar.core.infer.LetterTokenizer.EOS;
import static dev.quietstar.core.infer.LetterTokenizer.PAD;
import static dev.quietstar.core.infer.LetterTokenizer.START;
import static dev.quietstar.core.infer.LetterTokenizer.VOCAB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.GenerationResult;
import dev.quietstar.api.Sampling;
import dev.quietstar.api.ThinkingPolicy;
import dev.quietstar.api.config.ThoughtSampling;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A model whose outputs turn NaN or infinite stops generation and scoring with an error naming the output, the token
 * position and the model, instead of sampling from NaN and returning text or scores made of it. Core's loops on the
 * unchecked fake return such results (the first test shows it), which is what both backends did before their
 * reasoners wrapped their steps in {@link FiniteDecoderStep}.
 */
class FiniteDecoderStepTest {

    private static RecordingDecoder decoder() {
        RecordingDecoder d = new RecordingDecoder(VOCAB, 4, 64);
        d.bias[EOS] = -30;
        d.bias[BOS] = -30;
        d.bias[PAD] = -30;
        return d;
    }

    private static ThinkThenTalk loop() {
        return new ThinkThenTalk(new ThinkThenTalk.Settings(new LetterTokenizer(true), 2, 1.0, START, END));
    }

    private static GenerationOptions greedy(int maxNewTokens, ThinkingPolicy policy) {
        return new GenerationOptions(maxNewTokens, List.of(), Sampling.greedy(), ThoughtSampling.GREEDY, policy, true);
    }

    /** Logits turn NaN once a token sees {@code after} or more tokens. */
    private static RecordingDecoder nanAfter(int after) {
        RecordingDecoder d = decoder();
        d.shaper = (visible, logits, offset) -> {
            if (visible.size() >= after) {
                logits[offset + 3] = Float.NaN;
            }
        };
        return d;
    }

    @Test
    void uncheckedStepsLetNanThrough() {
        GenerationResult g = loop().run(nanAfter(4), List.of("ab"), greedy(3, ThinkingPolicy.never()), null, null,
                null).get(0);
        assertThat(g.tokenIds()).hasSize(3); // text "generated" from NaN logits: what the check prevents
    }

    @Test
    void generationStopsAtTheFirstNanLogitNamingPositionAndModel() {
        RecordingDecoder d = nanAfter(4); // BOS a b is 3 tokens; the first generated token is the 4th
        DecoderStep<RecordingDecoder.Cache> step = FiniteDecoderStep.wrap(d, "/models/ckpt-7");
        assertThatThrownBy(() -> loop().run(step, List.of("ab"), greedy(3, ThinkingPolicy.never()), null, null,
                null)).isInstanceOf(NonFiniteOutputException.class)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("NaN values in its logits at token position 3 (row 0)")
                .hasMessageContaining("rope_theta")
                .hasMessageContaining("check /models/ckpt-7");
        assertThat(d.released).containsExactlyInAnyOrderElementsOf(d.created); // nothing leaks on the way out
        assertThat(FiniteDecoderStep.wrap(step, "other")).isSameAs(step);
    }

    @Test
    void nanInThePromptIsCaughtAtItsLastToken() {
        RecordingDecoder d = nanAfter(1);
        assertThatThrownBy(() -> loop().run(FiniteDecoderStep.wrap(d, "m"), List.of("abcd"),
                greedy(2, ThinkingPolicy.never()), null, null, null))
                .hasMessageContaining("NaN values in its logits at token position 4 (row 0)");
    }

    @Test
    void nanMixedLogitsAndInfiniteHiddenStatesAreRefused() {
        RecordingDecoder mixed = decoder();
        mixed.mixBias[5] = Float.NaN;
        assertThatThrownBy(() -> loop().run(FiniteDecoderStep.wrap(mixed, "m"), List.of("ab"),
                greedy(2, ThinkingPolicy.everyToken()), null, null, null))
                .isInstanceOf(NonFiniteOutputException.class)
                .hasMessageContaining("NaN values in its mixed logits in row 0");
        assertThat(mixed.released).containsExactlyInAnyOrderElementsOf(mixed.created);

        RecordingDecoder inf = decoder();
        inf.shaper = (visible, logits, offset) -> logits[offset] = Float.POSITIVE_INFINITY;
        assertThatThrownBy(() -> new TextScorer(loop()).score(FiniteDecoderStep.wrap(inf, "m"), "abc",
                ThoughtSampling.GREEDY, 1)).isInstanceOf(NonFiniteOutputException.class)
                .hasMessageContaining("infinite values in its logits at token position 0");
    }

    @Test
    void scoresComputedOutsideAStepAreCheckedTheSameWay() {
        FiniteDecoderStep.requireFinite(new float[] {0f, -3f}, "log-probabilities", "m");
        assertThatThrownBy(() -> FiniteDecoderStep.requireFinite(new float[] {0f, Float.NaN}, "log-probabilities",
                "/x")).isInstanceOf(NonFiniteOutputException.class)
                .hasMessageContaining("NaN values in its log-probabilities at index 1")
                .hasMessageContaining("check /x");
    }
}
