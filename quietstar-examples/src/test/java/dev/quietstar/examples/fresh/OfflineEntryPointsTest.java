package dev.quietstar.examples.fresh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quietstar.core.testing.FreshJvm;
import dev.quietstar.examples.cli.QuietStarCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A fresh machine runs offline whichever public entry point a program touches first.
 *
 * <p>DJL goes online unless told otherwise: with {@code ai.djl.offline} unset, its engine and its HuggingFace
 * tokenizer "call home" on first use (a request to the EC2 metadata address 169.254.169.254, then to a telemetry
 * endpoint), and it unpacks natives into {@code ~/.djl.ai}. The library sets offline mode and its own cache folder in
 * the static initialiser of every class that can be the first to touch DJL ({@code DjlEngines.configure()}). Each
 * case here starts a new JVM ({@link FreshJvm}) whose first library call is a different entry point: the backend
 * found through {@code ServiceLoader}, {@code Llama2cImport}, {@code DjlTrainerFactory.openModel}, the HuggingFace
 * import, the onnxruntime backend, and the command line's {@code generate} and {@code train --tiny}.
 *
 * <p>How a connection attempt is seen: the child runs under {@link dev.quietstar.core.testing.NetworkGuard}, a
 * security manager that logs and refuses every connect and name lookup to a non-loopback address before a packet is
 * sent, and its HTTP, HTTPS and SOCKS proxies point at a trap socket on 127.0.0.1 that records whatever reaches it
 * (the only detector left on Java 24 and later, where a security manager cannot be enabled). Its environment has no
 * {@code DJL_OFFLINE}, {@code DJL_CACHE_DIR} or {@code OPT_OUT_TRACKING}, and {@code user.home} is a folder inside
 * {@code target/}, so only the library's own defaults can keep it offline and out of {@code ~/.djl.ai}.
 *
 * <p>Checked to fail without the fix: with {@code DjlEngines}' offline setting disabled, the six cases that load DJL
 * fail, each with the guard's record of DJL's request to {@code http://169.254.169.254/latest/api/token}; with only
 * {@code Llama2cImport}'s {@code configure()} call removed, its case fails (docs/reliability.md, "Fresh machine").
 */
class OfflineEntryPointsTest {

    static Stream<Arguments> entryPoints() {
        return Stream.of(
                Arguments.of("backend via ServiceLoader", EntryPoints.class,
                        new String[] {"backend", "@checkpoint"}),
                Arguments.of("Llama2cImport", EntryPoints.class,
                        new String[] {"llama2c", "@stories260K.bin", "@tok512.bin"}),
                Arguments.of("DjlTrainerFactory.openModel", EntryPoints.class,
                        new String[] {"open-model"}),
                Arguments.of("HuggingFace import", EntryPoints.class,
                        new String[] {"hf-import", "@hf"}),
                Arguments.of("onnxruntime backend (loads no DJL)", EntryPoints.class,
                        new String[] {"onnx", "@checkpoint"}),
                Arguments.of("CLI generate", QuietStarCommand.class,
                        new String[] {"generate", "--model", "@checkpoint", "--prompt", "Q: 1", "--max-tokens", "2"}),
                Arguments.of("CLI train --tiny", QuietStarCommand.class,
                        new String[] {"train", "--preset", "small-model",
                            "--tiny", "gpt2:hidden=16,layers=1,heads=2,positions=64", "--data", "@corpus",
                            "--set", "training.steps=1", "--set", "sequenceLength=16", "--set", "thoughtLength=2",
                            "--set", "lookahead=1", "--output", "@run"}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("entryPoints")
    void runsOfflineAndKeepsOutOfTheHomeFolder(String name, Class<?> program, String[] args) throws Exception {
        FreshJvm.Result r = FreshMachine.program(program, resolve(args)).run();
        FreshMachine.assertOfflineAndClean(r);
        if (!name.contains("onnxruntime")) {
            assertThat(r.home()).as("PyTorch's natives are unpacked into the library's cache folder\n" + r.describe())
                    .anyMatch(p -> p.startsWith(".quietstar/djl/pytorch/"));
        }
    }

    /** Replaces {@code @name} placeholders with the fixtures they stand for. */
    private static String[] resolve(String[] args) throws Exception {
        String[] out = new String[args.length];
        for (int i = 0; i < args.length; i++) {
            out[i] = switch (args[i]) {
                case "@checkpoint" -> FreshMachine.checkpoint().toString();
                case "@hf" -> FreshMachine.stories260KHf().toString();
                case "@stories260K.bin", "@tok512.bin" -> FreshMachine.stories260KRaw(args[i].substring(1)).toString();
                case "@corpus" -> corpus().toString();
                case "@run" -> {
                    Path run = FreshMachine.ROOT.resolve("train-run");
                    FreshJvm.deleteTree(run);
                    yield run.toString();
                }
                default -> args[i];
            };
        }
        return out;
    }

    private static Path corpus() throws Exception {
        Path f = FreshMachine.ROOT.resolve("corpus.txt");
        Files.createDirectories(f.getParent());
        return Files.writeString(f, "The quiet river runs past the old mill.\n\nSeven plus five is twelve.\n");
    }
}
