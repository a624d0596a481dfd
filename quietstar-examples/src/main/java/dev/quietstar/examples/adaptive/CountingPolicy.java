package dev.quietstar.examples.adaptive;

import dev.quietstar.api.ThinkingPolicy;
import java.util.concurrent.atomic.AtomicLong;

/** Wraps a thinking policy and counts how often it was asked and how often it said think. */
final class CountingPolicy implements ThinkingPolicy {

    private final ThinkingPolicy inner;
    private final AtomicLong asked = new AtomicLong();
    private final AtomicLong thought = new AtomicLong();

    CountingPolicy(ThinkingPolicy inner) {
        this.inner = inner;
    }

    @Override
    public boolean thinkBeforeNext(String textSoFar, int generatedTokens) {
        return count(inner.thinkBeforeNext(textSoFar, generatedTokens));
    }

    @Override
    public boolean thinkBeforeNext(String textSoFar, int generatedTokens, double predictedGain) {
        return count(inner.thinkBeforeNext(textSoFar, generatedTokens, predictedGain));
    }

    @Override
    public boolean usesGate() {
        return inner.usesGate();
    }

    private boolean count(boolean think) {
        asked.incrementAndGet();
        if (think) {
            thought.incrementAndGet();
        }
        return think;
    }

    long asked() {
        return asked.get();
    }

    long thought() {
        return thought.get();
    }
}
