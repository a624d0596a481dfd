package dev.quietstar.examples.fresh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quietstar.core.testing.FreshJvm;
import dev.quietstar.examples.TinyCheckpoints;
import dev.quietstar.examples.demo.ShippedModels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the fresh-machine tests share: one user home for every child JVM of a test run (emptied when the run starts,
 * so the first child unpacks PyTorch's natives the way a new user's first program does and the others reuse them),
 * the inputs the programs read, and the checks.
 */
final class FreshMachine {

    /** Where the fixtures and the home live: inside the build, never in the real home. */
    static final Path ROOT = Path.of("target", "fresh-machine").toAbsolutePath();

    private static Path home;
    private static Path checkpoint;
    private static Path hf;

    private FreshMachine() {}

    /**
     * The shared home folder, emptied on first use in this JVM.
     *
     * @return the folder
     */
    static synchronized Path home() {
        if (home == null) {
            try {
                Path h = ROOT.resolve("home");
                FreshJvm.deleteTree(h);
                Files.createDirectories(h);
                home = h;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return home;
    }

    /**
     * A tiny byte-level checkpoint (written in this JVM, which the build already runs offline).
     *
     * @return the checkpoint folder
     */
    static synchronized Path checkpoint() {
        if (checkpoint == null) {
            try {
                Path c = ROOT.resolve("tiny");
                FreshJvm.deleteTree(c);
                checkpoint = TinyCheckpoints.save(c, 3);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return checkpoint;
    }

    /**
     * The shipped stories260K, converted to a HuggingFace folder by core's engine-free converter.
     *
     * @return the HuggingFace folder; its llama2.c files are in the sibling folder {@code stories260K-raw}
     */
    static synchronized Path stories260KHf() {
        if (hf == null) {
            try {
                Path raw = ROOT.resolve("stories260K-raw");
                Path folder = ROOT.resolve("stories260K-hf");
                FreshJvm.deleteTree(raw);
                FreshJvm.deleteTree(folder);
                ShippedModels.stories260K(raw, folder);
                hf = folder;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return hf;
    }

    /**
     * The llama2.c files of stories260K.
     *
     * @param name {@code stories260K.bin} or {@code tok512.bin}
     * @return the file
     */
    static Path stories260KRaw(String name) {
        stories260KHf();
        return ROOT.resolve("stories260K-raw").resolve(name);
    }

    /**
     * A run of a program in a fresh JVM with the shared home.
     *
     * @param mainClass the program
     * @param args its arguments
     * @return the run, to start
     */
    static FreshJvm program(Class<?> mainClass, String... args) {
        return FreshJvm.main(mainClass).args(args).home(home()).workDir(ROOT);
    }

    /**
     * The program ended normally, reached for no network, and wrote nothing into the home folder but the library's
     * natives cache ({@code ~/.quietstar/djl}) and JNA's per-user temporary folder ({@code ~/.cache/JNA/temp}, created
     * when DJL's CUDA probe loads JNA; it must stay empty).
     * In particular DJL's default cache {@code ~/.djl.ai} must not exist.
     *
     * @param r the run
     */
    static void assertOfflineAndClean(FreshJvm.Result r) {
        assertThat(r.exitCode()).as(r.describe()).isZero();
        assertThat(r.guarded()).as("the network guard ran wherever the JVM allows it\n" + r.describe())
                .isEqualTo(FreshJvm.securityManagerSupported());
        assertThat(r.networkAttempts()).as("network attempts of a program that must run offline\n" + r.describe())
                .isEmpty();
        List<String> unexpected = r.home().stream()
                .filter(p -> !p.equals(".quietstar/") && !p.startsWith(".quietstar/djl/"))
                .filter(p -> !List.of(".cache/", ".cache/JNA/", ".cache/JNA/temp/").contains(p))
                .toList();
        assertThat(unexpected).as("written into the user's home besides ~/.quietstar/djl\n" + r.describe())
                .isEmpty();
    }
}
