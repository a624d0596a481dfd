package dev.quietstar.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Growing a decoder's vocabulary (see {@link CausalDecoder#withVocabSize} and {@link CausalDecoder#grownTo}): the
 * matrices with a row per vocabulary entry get new rows, each the mean of the existing rows, so a new token starts as
 * an "average" token.
 */
final class VocabularyGrowth {

    private VocabularyGrowth() {}

    /**
     * Whether a weight is one of the matrices with a row per vocabulary entry (the token embedding, an untied output
     * head), the ones {@link CausalDecoder#withVocabSize} grows.
     *
     * @param name the weight's name
     * @return true for the vocabulary matrices
     */
    static boolean isVocabularyMatrix(String name) {
        return name.endsWith("wte.weight") || name.endsWith("embed_tokens.weight") || name.equals("lm_head.weight");
    }

    /**
     * The decoder with {@code newVocab} vocabulary rows, new rows at the mean of the existing ones.
     *
     * @param d the decoder
     * @param newVocab the new vocabulary size, at least the current one
     * @param consume whether the new decoder takes over {@code d}'s arrays (the caller then closes {@code d})
     * @return the new decoder
     */
    static CausalDecoder grow(CausalDecoder d, int newVocab, boolean consume) {
        DecoderConfig config = d.config();
        if (newVocab < config.vocabSize()) {
            throw new IllegalArgumentException("cannot shrink the vocabulary from " + config.vocabSize() + " to "
                    + newVocab);
        }
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        try (NDManager tmp = d.manager().newSubManager()) {
            for (Map.Entry<String, Parameter> e : d.parameters().entrySet()) {
                NDArray a = e.getValue().getArray();
                if (isVocabularyMatrix(e.getKey())) {
                    NDArray extra = a.mean(new int[] {0}, true).repeat(0, newVocab - config.vocabSize());
                    extra.attach(tmp);
                    NDArray grown = NDArrays.concat(new ai.djl.ndarray.NDList(a, extra), 0);
                    grown.attach(tmp);
                    tensors.put(e.getKey(), grown);
                    if (consume) {
                        // The old matrix is not needed once copied: free it now, not when this decoder closes.
                        a.close();
                    }
                } else {
                    tensors.put(e.getKey(), a);
                }
            }
            return CausalDecoder.build(config.withVocabSize(newVocab), d.manager().getDevice(), tensors, consume);
        }
    }
}
