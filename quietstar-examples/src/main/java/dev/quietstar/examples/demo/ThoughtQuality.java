package dev.quietstar.examples.demo;

import dev.quietstar.core.eval.AnswerEvaluator;
import dev.quietstar.core.eval.EvalExample;
import dev.quietstar.core.infer.DecoderStep;
import dev.quietstar.core.infer.SpanThought;
import dev.quietstar.core.infer.SteppedReasoner;
import dev.quietstar.core.infer.ThinkThenTalk;
import dev.quietstar.core.text.TextTokenizer;
import dev.quietstar.djl.infer.DjlDecoderStep;
import dev.quietstar.djl.infer.DjlReasoner;
import dev.quietstar.djl.thought.QuietStarModel;
import dev.quietstar.djl.thought.ThoughtSamplers;
import dev.quietstar.examples.data.ColumnArithmeticCorpus;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * How good the thoughts at answer positions are: the share of thoughts, sampled before the answer of held-out
 * problems, that are exactly the problem's worked solution, and the share right in each column (both characters of
 * the column). Measured on the checkpoints a run writes, it gives the thought-quality curve over training.
 */
final class ThoughtQuality {

    /**
     * The thoughts of one checkpoint.
     *
     * @param step training steps done
     * @param problems problems whose thought was scored
     * @param sampledExact share of sampled thoughts (training temperature) equal to the worked solution
     * @param sampledColumns per column (least-significant first), share of sampled thoughts right in it
     * @param greedyExact share of greedy thoughts equal to the worked solution
     * @param greedyColumns per column, share of greedy thoughts right in it
     * @param answerNll mean NLL per answer token, thinking once (sampled thought) with the thought kept for the
     *     look-ahead
     * @param meanMixingWeight mean mixing weight over the answer tokens inside the look-ahead
     */
    record Point(int step, int problems, double sampledExact, double[] sampledColumns, double greedyExact,
            double[] greedyColumns, double answerNll, double meanMixingWeight) {}

    private ThoughtQuality() {}

    /**
     * Scores the thoughts of a checkpoint. A model whose thoughtLength is not the worked solution's width gets
     * exact shares of 0 and column shares over the columns its thought covers.
     *
     * @param checkpoint the checkpoint folder
     * @param step training steps done at that checkpoint
     * @param examples the held-out problems
     * @param workedSolutions their worked solutions
     * @param seed seed of the sampled thoughts
     * @return the point
     */
    static Point measure(Path checkpoint, int step, List<EvalExample> examples, List<String> workedSolutions,
            long seed) {
        try (QuietStarModel model = QuietStarModel.load(checkpoint, DemoTraining.device())) {
            return measure(model, step, examples, workedSolutions, seed);
        }
    }

    static Point measure(QuietStarModel model, int step, List<EvalExample> examples, List<String> workedSolutions,
            long seed) {
        // Demo code measuring the DJL backend: core's SpanThought on the DJL decoder step, with DJL samplers.
        return DjlReasoner.wrap(model).withStep(new SteppedReasoner.StepTask<Point>() {
            @Override
            public <C> Point run(DecoderStep<C> decoder, ThinkThenTalk loop) {
                // The checked step the reasoner hands out scores; a DJL step of the same model turns the demo's
                // DJL samplers into plain-array ones.
                try (DjlDecoderStep samplers = new DjlDecoderStep(model)) {
                    return measure(model, step, examples, workedSolutions, seed, decoder, samplers, loop);
                }
            }
        });
    }

    private static <C> Point measure(QuietStarModel model, int step, List<EvalExample> examples,
            List<String> workedSolutions, long seed, DecoderStep<C> decoder, DjlDecoderStep samplers,
            ThinkThenTalk loop) {
        TextTokenizer tok = model.tokenizer();
        SpanThought thinker = new SpanThought(loop, model.config().lookahead());
        int columns = ColumnArithmeticCorpus.COLUMNS;
        int[] sampledCols = new int[columns];
        int[] greedyCols = new int[columns];
        int sampledExact = 0;
        int greedyExact = 0;
        double nll = 0;
        long tokens = 0;
        double weight = 0;
        long weighted = 0;
        for (int e = 0; e < examples.size(); e++) {
            EvalExample ex = examples.get(e);
            int[] prompt = tok.withDocumentStart(tok.encode(ex.prompt()));
            int[] answer = tok.encode(AnswerEvaluator.answerText(ex));
            SpanThought.Scored s = thinker.score(decoder, prompt, answer, samplers.adapt(ThoughtSamplers.categorical(
                    model.config().thoughtTemperature(), new SplittableRandom(seed * 1_000_003L + e))));
            for (double lp : s.logProbs()) {
                nll -= lp;
                tokens++;
            }
            for (double w : s.mixingWeights()) {
                weight += w;
                weighted++;
            }
            String truth = workedSolutions.get(e);
            sampledExact += score(tok.decode(s.thoughtIds()), truth, sampledCols);
            SpanThought.Scored g = thinker.score(decoder, prompt, new int[] {answer[0]},
                    samplers.adapt(ThoughtSamplers.greedy()));
            greedyExact += score(tok.decode(g.thoughtIds()), truth, greedyCols);
        }
        int n = Math.max(1, examples.size());
        return new Point(step, examples.size(), sampledExact / (double) n, shares(sampledCols, n),
                greedyExact / (double) n, shares(greedyCols, n), nll / Math.max(1, tokens),
                weighted == 0 ? Double.NaN : weight / weighted);
    }

    /** Adds the columns a thought gets right to {@code columns}; returns 1 when the whole thought is right. */
    static int score(String thought, String truth, int[] columns) {
        for (int c = 0; c < columns.length; c++) {
            int from = 2 * c;
            if (thought.length() >= from + 2 && thought.regionMatches(from, truth, from, 2)) {
                columns[c]++;
            }
        }
        return thought.equals(truth) ? 1 : 0;
    }

    private static double[] shares(int[] counts, int n) {
        double[] s = new double[counts.length];
        for (int i = 0; i < counts.length; i++) {
            s[i] = counts[i] / (double) n;
        }
        return s;
    }

    /**
     * The quality curve of a run: its start checkpoint (step 0) and every checkpoint it wrote.
     *
     * @param stepZero the run's starting weights saved with the run's configuration, or null to skip step 0
     * @param runDir the run's output folder (with {@code checkpoints/step-NNNNNN})
     * @param examples the held-out problems
     * @param workedSolutions their worked solutions
     * @param seed seed of the sampled thoughts
     * @return the points in step order
     */
    static List<Point> curve(Path stepZero, Path runDir, List<EvalExample> examples, List<String> workedSolutions,
            long seed) {
        List<Point> points = new ArrayList<>();
        if (stepZero != null) {
            points.add(measure(stepZero, 0, examples, workedSolutions, seed));
        }
        for (Path checkpoint : checkpoints(runDir)) {
            int step = Integer.parseInt(checkpoint.getFileName().toString().substring("step-".length()));
            points.add(measure(checkpoint, step, examples, workedSolutions, seed));
        }
        return points;
    }

    static List<Path> checkpoints(Path runDir) {
        Path dir = runDir.resolve("checkpoints");
        try (var list = java.nio.file.Files.list(dir)) {
            return list.filter(p -> p.getFileName().toString().matches("step-\\d{6}")).sorted().toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot list the checkpoints in " + dir, e);
        }
    }
}
