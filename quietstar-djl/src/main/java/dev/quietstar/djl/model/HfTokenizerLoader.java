package dev.quietstar.djl.model;

import dev.quietstar.core.text.TextTokenizer;
import dev.quietstar.core.text.TokenizerLoader;
import java.nio.file.Path;
import java.util.Map;

/**
 * The {@code huggingface} tokenizer type for every module (the ONNX backend included): a {@code tokenizer.json}
 * through DJL's binding of the HuggingFace tokenizers library, which needs no deep-learning engine.
 */
public final class HfTokenizerLoader implements TokenizerLoader {

    /** Creates the loader; {@link java.util.ServiceLoader} calls this. */
    public HfTokenizerLoader() {}

    /** {@inheritDoc} */
    @Override
    public String tokenizerType() {
        return "huggingface";
    }

    /** {@inheritDoc} */
    @Override
    public TextTokenizer load(Path tokenizerFile, Map<String, Integer> appendedTokens) {
        return HfTextTokenizer.load(tokenizerFile, appendedTokens);
    }
}
