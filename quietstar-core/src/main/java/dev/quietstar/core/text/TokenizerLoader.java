package dev.quietstar.core.text;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Loads the tokenizer a checkpoint names by its {@code tokenizer_type}, for tokenizer formats that need a library
 * core does not carry (a HuggingFace {@code tokenizer.json} needs the tokenizers library). Found with
 * {@link ServiceLoader}, so that a backend without such a library (ONNX Runtime) still runs those models whenever a
 * module that provides one (quietstar-djl) is on the class path.
 */
public interface TokenizerLoader {

    /**
     * The {@code tokenizer_type} this loader reads, for example {@code huggingface}.
     *
     * @return the type
     */
    String tokenizerType();

    /**
     * Loads a tokenizer file.
     *
     * @param tokenizerFile the {@code tokenizer.json}
     * @param appendedTokens tokens the model appended after the file's vocabulary, name to id
     * @return the tokenizer
     * @throws IllegalArgumentException when the file is missing or malformed
     */
    TextTokenizer load(Path tokenizerFile, Map<String, Integer> appendedTokens);

    /**
     * The first loader on the class path for a tokenizer type.
     *
     * @param tokenizerType the type
     * @return the loader, empty when none is on the class path
     */
    static Optional<TokenizerLoader> find(String tokenizerType) {
        for (TokenizerLoader l : ServiceLoader.load(TokenizerLoader.class, TokenizerLoader.class.getClassLoader())) {
            if (l.tokenizerType().equals(tokenizerType)) {
                return Optional.of(l);
            }
        }
        return Optional.empty();
    }
}
