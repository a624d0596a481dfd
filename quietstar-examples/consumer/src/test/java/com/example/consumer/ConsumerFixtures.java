package com.example.consumer;

import ai.djl.ndarray.NDArray;
import com.google.inject.AbstractModule;
import com.google.inject.Module;
import com.google.inject.TypeLiteral;
import dev.quietstar.api.Dataset;
import dev.quietstar.api.MixingHead;
import dev.quietstar.api.RewardEstimator;
import dev.quietstar.api.ThoughtGenerator;
import dev.quietstar.api.TinyModelSpec;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.core.data.TextDatasets;
import dev.quietstar.core.inject.Components;
import java.util.ArrayList;
import java.util.List;

/** The tiny model, data and component modules the consumer's tests share. */
final class ConsumerFixtures {

    /** A tiny GPT-2-shaped model on the byte-level tokenizer. */
    static final TinyModelSpec SPEC = new TinyModelSpec("gpt2", 261, 32, 1, 4, 64, 3);

    /** The weight the consumer's heads give every thought. */
    static final float WEIGHT = 0.3f;

    private ConsumerFixtures() {}

    static QuietStarConfig config(int steps) {
        return QuietStarConfig.smallModel().withShape(2, 2, 2, 16)
                .withTraining(QuietStarConfig.smallModel().training().withBatch(2, 1).withSeed(5).withSteps(steps));
    }

    static Dataset data() {
        List<String> docs = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            docs.add("Q: " + i + "+" + (i * 3 % 7) + "=? A: " + (i + i * 3 % 7) + ".");
        }
        return TextDatasets.fromStrings("consumer sums", docs);
    }

    /** Binds the engine-neutral inference components. */
    static Module inference(ConstantWeightHead head, ForcedThoughts thoughts) {
        return new AbstractModule() {
            @Override
            protected void configure() {
                bind(Components.INFERENCE_MIXING_HEAD).toInstance(head);
                bind(Components.INFERENCE_THOUGHT_SAMPLER).toInstance(thoughts);
            }
        };
    }

    /** Binds the training components, typed by DJL's arrays, as a user writes them (no backend constants). */
    static Module training(ConstantWeightTrainingHead head, CountingRewardEstimator estimator) {
        return new AbstractModule() {
            @Override
            protected void configure() {
                bind(new TypeLiteral<RewardEstimator<NDArray>>() { }).toInstance(estimator);
                bind(new TypeLiteral<MixingHead<NDArray>>() { }).toInstance(head);
                bind(new TypeLiteral<ThoughtGenerator<NDArray>>() { }).to(ForcedThoughtGenerator.class);
            }
        };
    }
}
