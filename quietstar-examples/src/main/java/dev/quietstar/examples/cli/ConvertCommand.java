package dev.quietstar.examples.cli;

import dev.quietstar.core.llama2c.Llama2cConverter;
import dev.quietstar.core.llama2c.Llama2cHeader;
import dev.quietstar.core.official.OfficialCheckpointImport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Converts models from other projects' formats into HuggingFace folders that {@code --model-hf} and HuggingFace
 * tools read.
 */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Convert a model from another project's format into a HuggingFace folder.",
        subcommands = {ConvertCommand.Llama2c.class, ConvertCommand.QuietStarOfficial.class})
public final class ConvertCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Creates the command; picocli calls this. */
    public ConvertCommand() {}

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name the format to convert from: llama2c or quietstar-official");
    }

    /** {@code quietstar convert llama2c}: a llama2.c legacy checkpoint and tokenizer into a HuggingFace Llama. */
    @Command(name = "llama2c", mixinStandardHelpOptions = true,
            description = "Convert a llama2.c legacy (version 0) checkpoint and its tokenizer.bin into a HuggingFace "
                    + "Llama folder (config.json, model.safetensors, tokenizer.json).")
    public static final class Llama2c implements Callable<Integer> {

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--weights", required = true, paramLabel = "FILE",
                description = "llama2.c weight file, e.g. stories260K.bin.")
        Path weights;

        @Option(names = "--tokenizer", required = true, paramLabel = "FILE",
                description = "llama2.c tokenizer file, e.g. tok512.bin.")
        Path tokenizer;

        @Option(names = "--output", required = true, paramLabel = "DIR",
                description = "Folder to write: a new or empty folder, or an earlier conversion with --replace.")
        Path output;

        @Option(names = "--replace", description = "Replace an earlier conversion in --output, atomically. A folder "
                + "holding anything else (a downloaded model, the input files) is never replaced.")
        boolean replace;

        /** Creates the command; picocli calls this. */
        public Llama2c() {}

        @Override
        public Integer call() throws IOException {
            Llama2cHeader h = Llama2cConverter.convert(weights, tokenizer, output, replace);
            PrintWriter out = spec.commandLine().getOut();
            out.printf("wrote %s: Llama, %d layers, width %d, %d query / %d key-value heads, MLP %d, vocabulary %d, "
                    + "%d positions, %s embeddings%n", output, h.layers(), h.dim(), h.heads(), h.kvHeads(),
                    h.hiddenDim(), h.vocabSize(), h.seqLen(), h.sharedClassifier() ? "tied" : "untied");
            out.flush();
            return 0;
        }
    }

    /**
     * {@code quietstar convert quietstar-official}: a checkpoint of the paper's code (a Mistral with start/end
     * embeddings and a talk head, e.g. {@code ezelikman/quietstar-8-ahead}) into a checkpoint of this library.
     */
    @Command(name = "quietstar-official", mixinStandardHelpOptions = true,
            description = "Import a checkpoint saved by the paper's Quiet-STaR code (Mistral weights plus "
                    + "start_embedding, end_embedding and talk_head.*, e.g. ezelikman/quietstar-8-ahead) as a "
                    + "checkpoint that thinks with its learned thoughts on either backend (--model).")
    public static final class QuietStarOfficial implements Callable<Integer> {

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--model", required = true, paramLabel = "DIR",
                description = "Folder of the official checkpoint (config.json, *.safetensors).")
        Path model;

        @Option(names = "--tokenizer", paramLabel = "DIR",
                description = "Folder of its tokenizer.json, when not in --model (Mistral's tokenizer; the thought "
                        + "tokens are appended when it lacks them).")
        Path tokenizer;

        @Option(names = "--output", required = true, paramLabel = "DIR",
                description = "Checkpoint folder to write: a new or empty folder, or an earlier import with "
                        + "--replace.")
        Path output;

        @Option(names = "--replace", description = "Replace an earlier import in --output, atomically. A folder "
                + "holding anything else (the official checkpoint itself, a project) is never replaced.")
        boolean replace;

        /** Creates the command; picocli calls this. */
        public QuietStarOfficial() {}

        @Override
        public Integer call() throws IOException {
            OfficialCheckpointImport.Result r = OfficialCheckpointImport.convert(model, tokenizer, output, replace);
            PrintWriter out = spec.commandLine().getOut();
            out.printf("wrote %s: Mistral, %d layers, width %d, vocabulary %d; thoughts of %d tokens between "
                    + "ids %d and %d%s%n", output, r.spec().layers(), r.spec().hiddenSize(), r.spec().vocabSize(),
                    OfficialCheckpointImport.officialConfig().thoughtLength(), r.startTokenId(), r.endTokenId(),
                    r.appended() ? " (appended to the tokenizer)" : "");
            out.flush();
            return 0;
        }
    }
}
