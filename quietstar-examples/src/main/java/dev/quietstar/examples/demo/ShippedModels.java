package dev.quietstar.examples.demo;

import dev.quietstar.core.llama2c.Llama2cConverter;
import dev.quietstar.core.llama2c.Llama2cHeader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The models the jar ships: the demo's pretrained byte-level base checkpoint and the real pretrained stories260K
 * (llama2.c's TinyStories Llama, MIT), copied out of the class path into folders the library reads.
 */
public final class ShippedModels {

    /** Class-path folder of the shipped llama2.c files. */
    static final String STORIES = "/dev/quietstar/examples/models/stories260K/";

    private ShippedModels() {}

    /**
     * Writes the demo's base checkpoint (a byte-level GPT-2, H 128, 3 layers) into a folder.
     *
     * @param target the folder to fill
     * @return the folder
     */
    public static Path demoBase(Path target) {
        DemoTraining.extractShippedBase(target);
        return target;
    }

    /**
     * Copies the llama2.c files of stories260K (weights, tokenizer, licence) into a folder.
     *
     * @param target the folder to fill
     * @return the folder
     */
    public static Path stories260KLlama2c(Path target) {
        try {
            Files.createDirectories(target);
            for (String f : List.of("stories260K.bin", "tok512.bin", "LICENSE-llama2.c")) {
                try (InputStream in = ShippedModels.class.getResourceAsStream(STORIES + f)) {
                    if (in == null) {
                        throw new IllegalStateException("the shipped model is missing " + f + " on the class path; "
                                + "rebuild the jar (models/stories260K is part of the repository)");
                    }
                    Files.copy(in, target.resolve(f), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the shipped model to " + target, e);
        }
    }

    /**
     * Converts the shipped stories260K into a HuggingFace folder.
     *
     * @param raw a folder for the llama2.c files
     * @param hf the HuggingFace folder to create (must not exist or be empty)
     * @return the model's header
     */
    public static Llama2cHeader stories260K(Path raw, Path hf) {
        stories260KLlama2c(raw);
        try {
            return Llama2cConverter.convert(raw.resolve("stories260K.bin"), raw.resolve("tok512.bin"), hf);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + hf, e);
        }
    }
}
