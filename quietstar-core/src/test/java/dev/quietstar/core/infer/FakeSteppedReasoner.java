package dev.quietstar.core.infer;

import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.GenerationResult;
import dev.quietstar.api.TextScore;
import dev.quietstar.api.TokenTrace;
import dev.quietstar.api.config.ThoughtSampling;
import dev.quietstar.core.gate.ThinkingGate;
import dev.quietstar.core.text.ByteTokenizer;
import java.util.List;
import java.util.function.Consumer;

/**
 * A {@link SteppedReasoner} over the recording fake decoder with the byte-level tokenizer, for testing core's tools
 * that run on any reasoner (the evaluator, curves) without an engine.
 */
public final class FakeSteppedReasoner implements SteppedReasoner {

    private final RecordingDecoder decoder;
    private final ThinkThenTalk loop;
    private boolean closed;

    /**
     * Creates the reasoner.
     *
     * @param thoughtLength sampled tokens per thought
     * @param gate the thinking gate, or null
     */
    public FakeSteppedReasoner(int thoughtLength, ThinkingGate gate) {
        this.decoder = new RecordingDecoder(ByteTokenizer.VOCAB_SIZE, 4, 128);
        this.loop = new ThinkThenTalk(new ThinkThenTalk.Settings(ByteTokenizer.instance(), thoughtLength, 1.0,
                ByteTokenizer.START_OF_THOUGHT, ByteTokenizer.END_OF_THOUGHT), gate);
    }

    /**
     * Makes the fake write {@code digit} then a newline after any prompt when it does not think.
     *
     * @param digit the digit character
     */
    public void answerWith(char digit) {
        decoder.bias[digit] = 40f;
        decoder.shaper = (visible, logits, offset) -> {
            if (!visible.isEmpty() && visible.get(visible.size() - 1) == digit) {
                logits[offset + '\n'] += 100f;
            }
        };
    }

    /**
     * How many forward calls the fake served.
     *
     * @return the count
     */
    public int forwardCalls() {
        return decoder.calls.size();
    }

    /**
     * Whether every cache the fake created was released.
     *
     * @return true when none is left
     */
    public boolean allCachesReleased() {
        return decoder.released.containsAll(decoder.created);
    }

    @Override
    public <T> T withStep(StepTask<T> task) {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        return task.run(decoder, loop);
    }

    @Override
    public ThoughtSampling thoughtSampling() {
        return ThoughtSampling.SAMPLE;
    }

    @Override
    public GenerationResult generate(String prompt, GenerationOptions options) {
        return generate(prompt, options, null);
    }

    @Override
    public GenerationResult generate(String prompt, GenerationOptions options, Consumer<TokenTrace> onToken) {
        return loop.run(decoder, List.of(prompt), options, onToken, null, null).get(0);
    }

    @Override
    public TextScore score(String text) {
        return score(text, ThoughtSampling.SAMPLE, 0);
    }

    @Override
    public TextScore score(String text, ThoughtSampling sampling, long seed) {
        return new TextScorer(loop).score(decoder, text, sampling, seed);
    }

    @Override
    public void close() {
        closed = true;
    }
}
