package dev.quietstar.examples.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.quietstar.api.ComputeDevice;
import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.GenerationResult;
import dev.quietstar.api.ModelSource;
import dev.quietstar.api.Reasoner;
import dev.quietstar.api.Sampling;
import dev.quietstar.api.ThinkingPolicy;
import dev.quietstar.api.config.ThoughtSampling;
import dev.quietstar.core.infer.ThinkingPolicies;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Generates text with a trained Quiet-STaR checkpoint, thinking before each token, and optionally shows the
 * thoughts; or with a plain pretrained model ({@code --model-hf}), which does not think unless asked to.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Continue a prompt with a Quiet-STaR checkpoint, thinking before every token (or where asked), "
                + "or with a plain HuggingFace model (--model-hf), which does not think.")
public final class GenerateCommand implements Callable<Integer> {


    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
    ModelOption model;

    @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "cpu",
            description = "Where the model runs: cpu (default), gpu or gpu:N, a GPU the backend's engine reports.")
    String device;

    @Option(names = "--backend", paramLabel = "NAME",
            description = "Backend to run the model on (djl-pytorch, onnxruntime; see 'quietstar backends'). Default: "
                    + "QUIETSTAR_BACKEND, else onnxruntime for an exported folder, else the best-ranked one.")
    String backend;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "Text to continue.")
    String prompt;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "64",
            description = "Tokens to generate at most (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--show-thoughts", description = "Print every token with its thought and mixing weight.")
    boolean showThoughts;

    @Option(names = "--no-think", description = "Do not think: plain generation by the base model.")
    boolean noThink;

    @Option(names = "--think-after", paramLabel = "TRIGGER",
            description = "Think only when the text so far ends with TRIGGER (repeatable), e.g. 'A: '.")
    List<String> thinkAfter = new ArrayList<>();

    @Option(names = "--think", paramLabel = "MODE",
            description = "Where to think: every (default for a checkpoint), never, once (after 'A: '), or "
                    + "adaptive[:THRESHOLD] (only where the checkpoint's thinking gate predicts a gain above THRESHOLD "
                    + "nats, default 0).")
    String think;

    @Option(names = "--stop", paramLabel = "TEXT", description = "Stop once the generated text contains TEXT "
            + "(repeatable).")
    List<String> stops = new ArrayList<>();

    @Option(names = "--json", description = "Print the result with a trace per token as JSON.")
    boolean json;

    @Option(names = "--temperature", defaultValue = "0",
            description = "Output sampling temperature; 0 is greedy (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--top-k", defaultValue = "0", description = "Keep the k most likely tokens; 0 keeps all.")
    int topK;

    @Option(names = "--top-p", defaultValue = "1", description = "Nucleus sampling threshold in (0, 1].")
    double topP;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of output and thought sampling.")
    long seed;

    @Option(names = "--greedy-thoughts", description = "Pick thought tokens greedily instead of sampling them.")
    boolean greedyThoughts;

    /** Creates the command; picocli calls this. */
    public GenerateCommand() {}

    @Override
    public Integer call() {
        ModelSource source = model.source();
        if (noThink && !thinkAfter.isEmpty()) {
            throw new IllegalArgumentException("--no-think and --think-after contradict each other; use one");
        }
        if (think != null && (noThink || !thinkAfter.isEmpty())) {
            throw new IllegalArgumentException("--think and " + (noThink ? "--no-think" : "--think-after")
                    + " contradict each other; use one");
        }
        ThinkingPolicy policy = think != null ? ThinkingPolicies.parse(think, "A: ")
                : noThink || model.plain() && thinkAfter.isEmpty() ? ThinkingPolicy.never()
                : thinkAfter.isEmpty() ? ThinkingPolicy.everyToken() : ThinkingPolicy.afterTriggers(thinkAfter);
        GenerationOptions options = new GenerationOptions(maxTokens, stops,
                new Sampling(temperature, topK, topP, seed),
                greedyThoughts ? ThoughtSampling.GREEDY : ThoughtSampling.SAMPLE, policy, json || showThoughts);
        PrintWriter out = spec.commandLine().getOut();
        boolean colour = System.console() != null && !json;
        try (Reasoner reasoner = InferenceBackends.choose(backend, source).create().openReasoner(source, ComputeDevice.parse(device))) {
            if (json) {
                out.println(toJson(reasoner.generate(prompt, options)));
            } else if (showThoughts) {
                out.println(TraceLines.header());
                int[] index = {0};
                GenerationResult result = reasoner.generate(prompt, options, t -> {
                    out.println(TraceLines.line(index[0]++, t, colour));
                    out.flush();
                });
                out.println();
                out.println(TraceLines.bold(prompt, colour) + result.text());
                out.println("(" + result.tokenIds().size() + " tokens, stopped: " + result.stopReason() + ")");
            } else {
                GenerationResult result = reasoner.generate(prompt, options);
                out.println(prompt + result.text());
            }
        }
        out.flush();
        return 0;
    }

    private static String toJson(GenerationResult result) {
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(result);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the result as JSON: " + e.getOriginalMessage(), e);
        }
    }
}
