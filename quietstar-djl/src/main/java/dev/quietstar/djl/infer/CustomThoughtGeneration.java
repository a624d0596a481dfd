package dev.quietstar.djl.infer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.GenerationResult;
import dev.quietstar.api.ThoughtSampler;
import dev.quietstar.djl.model.EngineArrays;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Generation with a caller-chosen thought sampler instead of the reasoner's own sampled or greedy thoughts.
 *
 * <p>Used for ablations: a sampler that always returns one fixed token (see {@link #constantSampler(int)}) keeps the
 * extra computation and the mixing head of thinking but removes the thought's content, which tells whether the
 * content matters. Everything else (cache branching, output sampling, stop strings, traces) is the reasoner's.
 */
public final class CustomThoughtGeneration {

    private CustomThoughtGeneration() {}

    /**
     * Generates for a batch of prompts with the given thought sampler in every thought.
     *
     * @param reasoner the reasoner
     * @param prompts non-empty prompts
     * @param options generation options; their thought sampling rule is ignored
     * @param sampler picks the thought tokens from logits of shape (rows, 1, V) with meta-tokens masked, returns
     *     ids of shape (rows, 1)
     * @return one result per prompt, in order
     * @throws IllegalArgumentException as {@link DjlReasoner#generateBatch(List, GenerationOptions)}
     */
    public static List<GenerationResult> generateBatch(DjlReasoner reasoner, List<String> prompts,
            GenerationOptions options, ThoughtSampler<NDArray> sampler) {
        Objects.requireNonNull(reasoner, "reasoner");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(sampler, "sampler");
        return reasoner.run(prompts, options, null, null, sampler);
    }

    /**
     * A thought sampler that returns one fixed token for every row and step: the constant-thought ablation.
     *
     * @param tokenId the token every thought consists of, &gt;= 0
     * @return the sampler, returning int64 ids shaped like the logits without their last axis
     */
    public static ThoughtSampler<NDArray> constantSampler(int tokenId) {
        if (tokenId < 0) {
            throw new IllegalArgumentException("constant thought token id must be >= 0, was " + tokenId);
        }
        return (logits, step) -> {
            Shape s = logits.getShape();
            Shape idShape = s.slice(0, s.dimension() - 1);
            long[] ids = new long[Math.toIntExact(idShape.size())];
            Arrays.fill(ids, tokenId);
            return EngineArrays.of(logits.getManager(), ids, idShape);
        };
    }
}
