package dev.quietstar.core.star;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.GenerationResult;
import dev.quietstar.api.ModelSource;
import dev.quietstar.api.Reasoner;
import dev.quietstar.api.Sampling;
import dev.quietstar.api.ThinkingPolicy;
import dev.quietstar.api.Trainer;
import dev.quietstar.api.TrainingObjective;
import dev.quietstar.api.TrainingReport;
import dev.quietstar.api.TrainingSetup;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.api.config.ThoughtSampling;
import dev.quietstar.api.spi.QuietStarBackend;
import dev.quietstar.core.data.TextDatasets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The STaR loop over any backend that can train and generate.
 *
 * <p>Each round: the current model writes a rationale and an answer for every training question (thinking off: the
 * rationale is visible text); right answers with a non-empty rationale are kept (a bare answer has no reasoning to
 * learn from); with {@link StarConfig#rationalize()} the wrong ones get a
 * second try with the answer as a hint and are kept when that try reaches it; the <em>original</em> model is then
 * fine-tuned with the next-token loss on the kept documents (without hints) for the round's steps, and the result
 * answers the held-out questions and writes the next round's rationales. Round 0 evaluates the starting model.
 *
 * <p>Written to the output folder, which must be new or empty: {@code rounds.jsonl} (one {@link StarRound} per line,
 * appended as rounds end), {@code round-NN/kept.jsonl} (every kept rationale and whether it was rationalized),
 * {@code round-NN/train/} (the trainer's folder with the round's checkpoint).
 */
public final class StarTrainer {

    private static final ObjectMapper JSON = new ObjectMapper().disable(SerializationFeature.INDENT_OUTPUT);

    private final QuietStarBackend backend;
    private final ModelSource base;
    private final StarConfig config;
    private final StarFormat format;
    private final AnswerChecker checker;
    private final Path out;
    private final List<StarListener> listeners = new ArrayList<>();

    /**
     * A STaR run.
     *
     * @param backend trains (next-token objective) and generates
     * @param base the original model every round fine-tunes from
     * @param config rounds, schedule, sampling and the fine-tuning recipe
     * @param format prompts, hints, documents and parsing
     * @param checker what counts as a right answer
     * @param out output folder, new or empty
     */
    public StarTrainer(QuietStarBackend backend, ModelSource base, StarConfig config, StarFormat format,
            AnswerChecker checker, Path out) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.base = Objects.requireNonNull(base, "base");
        this.config = Objects.requireNonNull(config, "config");
        this.format = Objects.requireNonNull(format, "format");
        this.checker = Objects.requireNonNull(checker, "checker");
        this.out = Objects.requireNonNull(out, "out");
    }

    /**
     * Adds a progress listener.
     *
     * @param listener the listener
     * @return this
     */
    public StarTrainer addListener(StarListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /**
     * Runs every round.
     *
     * @param train questions the model writes rationales for
     * @param heldOut questions only ever answered, to measure accuracy
     * @return round 0 and every round's record
     * @throws IllegalArgumentException on empty problem lists or an output folder that holds files
     * @throws IllegalStateException when a round keeps no rationale (nothing to fine-tune on)
     */
    public StarReport run(List<StarProblem> train, List<StarProblem> heldOut) {
        if (train.isEmpty()) {
            throw new IllegalArgumentException("STaR needs at least one training question");
        }
        if (heldOut.isEmpty()) {
            throw new IllegalArgumentException("STaR needs at least one held-out question");
        }
        prepareOutput();
        List<StarRound> rounds = new ArrayList<>();
        ModelSource current = base;
        Reasoner reasoner = backend.openReasoner(current);
        try {
            announce(0, "held-out");
            long t0 = System.nanoTime();
            Answers start = answer(reasoner, heldOut, format::prompt, Sampling.greedy());
            record(rounds, new StarRound(0, 0, 0, 0, 0, 0, Double.NaN, start.accuracy(heldOut),
                    start.exactShare(heldOut), 0, 0, seconds(t0), 0, 0, describe(base)));
            Path last = null;
            List<String> documents = List.of();
            Answers latest = start;
            double spent = 0;
            for (int r = 1; r <= config.rounds(); r++) {
                if (config.budgetSeconds() > 0 && spent >= config.budgetSeconds()) {
                    break;
                }
                long g0 = System.nanoTime();
                announce(r, "rationales");
                Sampling s = config.rationales();
                Answers first = answer(reasoner, train, format::prompt,
                        new Sampling(s.temperature(), s.topK(), s.topP(), s.seed() + r));
                long generated = first.tokens;
                List<Kept> kept = new ArrayList<>();
                List<StarProblem> wrong = new ArrayList<>();
                for (int i = 0; i < train.size(); i++) {
                    Optional<StarCompletion> c = first.completions.get(i);
                    if (c.isPresent() && !c.get().rationale().isBlank()
                            && checker.correct(c.get().answer(), train.get(i))) {
                        kept.add(new Kept(train.get(i), c.get().rationale(), false));
                    } else {
                        wrong.add(train.get(i));
                    }
                }
                int correct = kept.size();
                if (config.rationalize() && !wrong.isEmpty()) {
                    announce(r, "rationalization");
                    Answers hinted = answer(reasoner, wrong, format::hintedPrompt, Sampling.greedy());
                    generated += hinted.tokens;
                    for (int i = 0; i < wrong.size(); i++) {
                        Optional<StarCompletion> c = hinted.completions.get(i);
                        if (c.isPresent() && !c.get().rationale().isBlank()
                                && checker.correct(c.get().answer(), wrong.get(i))) {
                            kept.add(new Kept(wrong.get(i), c.get().rationale(), true));
                        }
                    }
                }
                double genSeconds = seconds(g0);
                Path roundDir = out.resolve(String.format("round-%02d", r));
                writeKept(roundDir, kept);
                if (kept.isEmpty()) {
                    throw new IllegalStateException("round " + r + " kept no rationale: none of the "
                            + train.size() + " answers was right" + (config.rationalize() ? ", with or without the hint"
                            : "") + "; STaR has nothing to fine-tune on. Check that the format (" + format
                            + ") matches what the model writes (see " + roundDir + ")");
                }
                reasoner.close();
                reasoner = null;
                announce(r, "fine-tuning");
                long f0 = System.nanoTime();
                int steps = config.stepsOfRound(r);
                documents = new ArrayList<>(kept.size());
                for (Kept k : kept) {
                    documents.add(format.document(k.problem, k.rationale));
                }
                TrainingReport trained = fineTune(roundDir.resolve("train"), steps, documents, r);
                double trainSeconds = seconds(f0);
                spent += genSeconds + trainSeconds;
                last = trained.finalCheckpoint();
                current = new ModelSource.Checkpoint(last);
                reasoner = backend.openReasoner(current);
                announce(r, "held-out");
                long h0 = System.nanoTime();
                latest = answer(reasoner, heldOut, format::prompt, Sampling.greedy());
                QuietStarConfig ft = config.fineTuning();
                long trainedTokens = (long) steps * ft.training().examplesPerStep() * ft.sequenceLength();
                record(rounds, new StarRound(r, steps, train.size(), correct, kept.size() - correct, kept.size(),
                        exactShare(kept), latest.accuracy(heldOut), latest.exactShare(heldOut), genSeconds,
                        trainSeconds, seconds(h0), generated, trainedTokens, last.toString()));
            }
            return new StarReport(rounds, last, documents, latest.texts);
        } finally {
            if (reasoner != null) {
                reasoner.close();
            }
        }
    }

    private TrainingReport fineTune(Path folder, int steps, List<String> docs, int round) {
        QuietStarConfig ft = config.fineTuning();
        ft = ft.withTraining(ft.training().withSteps(steps).withCheckpointEvery(0));
        TrainingSetup setup = new TrainingSetup(base, ft, folder, TrainingObjective.NEXT_TOKEN);
        try (Trainer trainer = backend.newTrainer(setup)) {
            return trainer.train(TextDatasets.fromStrings("STaR round " + round + ", " + docs.size()
                    + " kept rationales", docs));
        }
    }

    /** The continuations of a list of prompts, parsed. */
    private final class Answers {
        final List<Optional<StarCompletion>> completions = new ArrayList<>();
        final List<String> texts = new ArrayList<>();
        long tokens;

        double accuracy(List<StarProblem> problems) {
            int right = 0;
            for (int i = 0; i < problems.size(); i++) {
                Optional<StarCompletion> c = completions.get(i);
                if (c.isPresent() && checker.correct(c.get().answer(), problems.get(i))) {
                    right++;
                }
            }
            return (double) right / problems.size();
        }

        double exactShare(List<StarProblem> problems) {
            int withReference = 0;
            int exact = 0;
            for (int i = 0; i < problems.size(); i++) {
                if (problems.get(i).hasReference()) {
                    withReference++;
                    Optional<StarCompletion> c = completions.get(i);
                    if (c.isPresent() && c.get().rationale().equals(problems.get(i).reference())) {
                        exact++;
                    }
                }
            }
            return withReference == 0 ? Double.NaN : (double) exact / withReference;
        }
    }

    private Answers answer(Reasoner reasoner, List<StarProblem> problems,
            java.util.function.Function<StarProblem, String> prompt, Sampling sampling) {
        GenerationOptions options = new GenerationOptions(format.maxNewTokens(), format.stopStrings(), sampling,
                ThoughtSampling.SAMPLE, ThinkingPolicy.never(), false);
        Answers answers = new Answers();
        for (int from = 0; from < problems.size(); from += config.generationBatch()) {
            List<String> prompts = new ArrayList<>();
            for (StarProblem p : problems.subList(from, Math.min(problems.size(), from + config.generationBatch()))) {
                prompts.add(prompt.apply(p));
            }
            for (GenerationResult g : reasoner.generateBatch(prompts, options)) {
                answers.completions.add(format.parse(g.text()));
                answers.texts.add(g.text());
                answers.tokens += g.tokenIds().size();
            }
        }
        return answers;
    }

    private static double exactShare(List<Kept> kept) {
        long withReference = kept.stream().filter(k -> k.problem.hasReference()).count();
        long exact = kept.stream().filter(k -> k.problem.hasReference() && k.rationale.equals(k.problem.reference()))
                .count();
        return withReference == 0 ? Double.NaN : (double) exact / withReference;
    }

    private record Kept(StarProblem problem, String rationale, boolean rationalized) {}

    private void prepareOutput() {
        try {
            if (Files.isDirectory(out)) {
                try (Stream<Path> s = Files.list(out)) {
                    if (s.findAny().isPresent()) {
                        throw new IllegalArgumentException("the STaR output folder " + out + " already holds files; "
                                + "choose a new folder (nothing in it was changed)");
                    }
                }
            } else if (Files.exists(out)) {
                throw new IllegalArgumentException("the STaR output " + out + " is a file, not a folder");
            }
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + out, e);
        }
    }

    private void writeKept(Path roundDir, List<Kept> kept) {
        StringBuilder sb = new StringBuilder();
        for (Kept k : kept) {
            ObjectNode n = JSON.createObjectNode();
            n.put("question", k.problem.question());
            n.put("answer", k.problem.answer());
            n.put("rationale", k.rationale);
            n.put("rationalized", k.rationalized);
            if (k.problem.hasReference()) {
                n.put("reference_exact", k.rationale.equals(k.problem.reference()));
            }
            sb.append(n).append('\n');
        }
        try {
            Files.createDirectories(roundDir);
            Files.writeString(roundDir.resolve("kept.jsonl"), sb.toString(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + roundDir.resolve("kept.jsonl"), e);
        }
    }

    private void record(List<StarRound> rounds, StarRound r) {
        rounds.add(r);
        try {
            Files.writeString(out.resolve("rounds.jsonl"), JSON.writeValueAsString(r) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out.resolve("rounds.jsonl"), e);
        }
        listeners.forEach(l -> l.onRound(r));
    }

    private void announce(int round, String phase) {
        listeners.forEach(l -> l.onPhase(round, phase));
    }

    private static String describe(ModelSource source) {
        return source instanceof ModelSource.Checkpoint c ? c.folder().toString() : source.toString();
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    /**
     * Reads a {@code rounds.jsonl} back.
     *
     * @param file the file
     * @return its records
     * @throws IOException when it cannot be read or parsed
     */
    public static List<StarRound> readRounds(Path file) throws IOException {
        List<StarRound> rounds = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                rounds.add(JSON.readValue(line, StarRound.class));
            }
        }
        return rounds;
    }
}
