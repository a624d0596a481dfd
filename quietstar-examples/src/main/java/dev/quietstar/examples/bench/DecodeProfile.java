package dev.quietstar.examples.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.quietstar.api.ModelSource;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.djl.infer.DjlDecoderStep;
import dev.quietstar.djl.infer.NoGradScope;
import dev.quietstar.djl.model.DecoderOutput;
import dev.quietstar.djl.thought.QuietStarModel;
import dev.quietstar.djl.train.DjlTrainerFactory;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;

/**
 * Where a djl-pytorch decode step's time goes, in numbers that do not depend on what else runs on the machine: the
 * engine arrays one greedy decode step creates (each one engine call through DJL's native interface, plus DJL's
 * bookkeeping of the array), and the CPU time of the decoding thread per token, next to its wall time.
 *
 * <pre>
 *   java -Dai.djl.pytorch.num_threads=1 -cp quietstar-examples/target/quietstar.jar \
 *       dev.quietstar.examples.bench.DecodeProfile HF_FOLDER [tokens]
 * </pre>
 *
 * <p>With one intra-op thread the engine works on the calling thread, so its CPU time is the step's. Run it under
 * {@code -XX:StartFlightRecording} to see the split between Java and native frames (docs/benchmarks.md).
 */
public final class DecodeProfile {

    private DecodeProfile() {}

    /**
     * Opens a HuggingFace folder on djl-pytorch as a thinking model and decodes greedily without thinking.
     *
     * @param args the folder and the number of tokens per round (default 400)
     */
    @SuppressWarnings("try")
    public static void main(String[] args) {
        Path folder = Path.of(args[0]);
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 400;
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        try (QuietStarModel model = DjlTrainerFactory.openModel(new ModelSource.HuggingFace(folder),
                QuietStarConfig.official(), Device.cpu()); NoGradScope ignored = NoGradScope.enter()) {
            System.out.println("engine arrays per decode step (cache of 8 positions): " + arraysPerStep(model, 8));
            for (int round = 0; round < 3; round++) {
                long wall0 = System.nanoTime();
                long cpu0 = threads.getCurrentThreadCpuTime();
                decode(model, n);
                double wall = (System.nanoTime() - wall0) / 1e6 / n;
                double cpu = (threads.getCurrentThreadCpuTime() - cpu0) / 1e6 / n;
                System.out.printf("round %d: %d tokens, %.3f ms/token wall (%.0f tokens/s), %.3f ms/token CPU%n",
                        round + 1, n, wall, 1000 / wall, cpu);
            }
        }
    }

    private static void decode(QuietStarModel model, int n) {
        try (DjlDecoderStep step = new DjlDecoderStep(model)) {
            DjlDecoderStep.Cache cache = null;
            long token = 1;
            for (int i = 0; i < n; i++) {
                var out = step.forward(new long[] {token}, new long[] {i}, 1, 1, new float[i + 1], cache);
                step.release(cache);
                cache = out.cache();
                float[] logits = out.logits();
                int best = 0;
                for (int v = 1; v < logits.length; v++) {
                    best = logits[v] > logits[best] ? v : best;
                }
                token = best;
            }
            step.release(cache);
        }
    }

    /** The arrays one cached decode step leaves in a fresh manager: its inputs, every intermediate and the cache. */
    private static int arraysPerStep(QuietStarModel model, int cached) {
        try (NDManager scope = model.manager().newSubManager()) {
            long[] prompt = new long[cached];
            long[] positions = new long[cached];
            for (int i = 0; i < cached; i++) {
                prompt[i] = 1 + i;
                positions[i] = i;
            }
            DecoderOutput past = model.decoder().forward(model.inputEmbeddings(scope, prompt, 1, cached),
                    positions, scope.zeros(new Shape(1, 1, cached, cached)), null);
            try (NDManager work = scope.newSubManager()) {
                NDArray mask = work.zeros(new Shape(1, 1, 1, cached + 1));
                DecoderOutput out = model.decoder().forward(model.inputEmbeddings(work, new long[] {1}, 1, 1),
                        new long[] {cached}, mask, past.cache());
                model.decoder().logits(out.hidden());
                return work.getManagedArrays().size();
            }
        }
    }
}
