package dev.quietstar.examples;

import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.GenerationResult;
import dev.quietstar.api.Reasoner;
import dev.quietstar.api.TokenTrace;
import dev.quietstar.api.spi.Capability;
import dev.quietstar.core.backend.Backends;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Opens a checkpoint through the backend SPI and generates with a thought before every token, printing each token
 * with the thought that preceded it, the mixing weight w, and the token's probability with and without the
 * thought.
 *
 * <p>The callback passed to {@link Reasoner#generate(String, GenerationOptions, java.util.function.Consumer)}
 * receives a {@link TokenTrace} as soon as each token is chosen, so the thoughts stream while generation runs.
 * w near 0 means the model ignored the thought for that token; where {@code p(think)} is above {@code p(base)} the
 * thought made the chosen token more likely.
 *
 * <pre>
 * java -cp quietstar-all.jar dev.quietstar.examples.GenerateWithThoughts CHECKPOINT "Q: 12+30=?\nA: "
 * </pre>
 */
public final class GenerateWithThoughts {

    private GenerateWithThoughts() {}

    /**
     * Generates and prints the traces.
     *
     * @param args the checkpoint folder, optionally the prompt (default a sum) and the number of tokens
     *     (default 12)
     */
    public static void main(String[] args) {
        if (args.length < 1) {
            System.err.println("usage: GenerateWithThoughts CHECKPOINT [PROMPT] [MAX_TOKENS]");
            System.exit(2);
        }
        String prompt = args.length > 1 ? args[1].replace("\\n", "\n") : "Q: 12+30=?\nA: ";
        int maxTokens = args.length > 2 ? Integer.parseInt(args[2]) : 12;
        generate(Path.of(args[0]), prompt, maxTokens, System.out);
    }

    /**
     * Generates with a thought before every token and prints one line per token.
     *
     * @param checkpoint the checkpoint folder
     * @param prompt the text to continue
     * @param maxTokens tokens to generate at most
     * @param out where the lines go
     * @return the traces, one per generated token
     */
    public static List<TokenTrace> generate(Path checkpoint, String prompt, int maxTokens, PrintStream out) {
        List<TokenTrace> traces = new ArrayList<>();
        try (Reasoner reasoner = Backends.discover().select(Capability.INFER).create().openReasoner(checkpoint)) {
            out.printf("%-8s %-8s %8s %8s  %s%n", "TOKEN", "W", "P(THINK)", "P(BASE)", "THOUGHT");
            GenerationResult result = reasoner.generate(prompt, GenerationOptions.defaults(maxTokens), t -> {
                traces.add(t);
                out.printf(Locale.ROOT, "%-8s %8.4f %8.4f %8.4f  %s%n", visible(t.text()), t.mixingWeight(),
                        t.probWithThought(), t.probWithoutThought(), visible(t.thoughtText()));
            });
            out.println();
            out.println(prompt + result.text());
        }
        return traces;
    }

    /** Shows newlines and tabs as escapes so each token stays on its line. */
    private static String visible(String s) {
        return "'" + s.replace("\n", "\\n").replace("\t", "\\t") + "'";
    }
}
