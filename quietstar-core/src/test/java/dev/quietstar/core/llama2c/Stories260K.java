package dev.quietstar.core.llama2c;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real pretrained model shipped in the repository's {@code models/stories260K} folder (llama2.c's 260K-parameter
 * TinyStories Llama, MIT), and what llama2.c's own C runtime writes with it.
 */
public final class Stories260K {

    /** Greedy continuation of {@link #PROMPT} by llama2.c's C runtime (temperature 0, BOS prepended). */
    public static final String GREEDY_TEXT = "Once upon a time, there was a little girl named Lily. She loved to play "
            + "outside in the park. One day, she saw a big, red ball. She wanted to play with it, but it was too high.";

    /** The prompt of {@link #GREEDY_TEXT}. */
    public static final String PROMPT = "Once upon a time";

    private Stories260K() {}

    /**
     * The model's folder, found from the module's or the repository's working directory.
     *
     * @return the folder
     * @throws IllegalStateException when the repository's copy is missing
     */
    public static Path folder() {
        for (String candidate : new String[] {"../models/stories260K", "models/stories260K"}) {
            Path p = Path.of(candidate).toAbsolutePath().normalize();
            if (Files.isRegularFile(p.resolve("stories260K.bin"))) {
                return p;
            }
        }
        throw new IllegalStateException("models/stories260K is missing from the repository (working directory "
                + Path.of("").toAbsolutePath() + ")");
    }

    /**
     * The weight file.
     *
     * @return {@code stories260K.bin}
     */
    public static Path weights() {
        return folder().resolve("stories260K.bin");
    }

    /**
     * The tokenizer file.
     *
     * @return {@code tok512.bin}
     */
    public static Path tokenizer() {
        return folder().resolve("tok512.bin");
    }
}
