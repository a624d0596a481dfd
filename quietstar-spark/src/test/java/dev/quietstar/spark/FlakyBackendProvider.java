package dev.quietstar.spark;

import dev.quietstar.api.ComputeDevice;
import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.GenerationResult;
import dev.quietstar.api.ModelSource;
import dev.quietstar.api.Reasoner;
import dev.quietstar.api.TextScore;
import dev.quietstar.api.TokenTrace;
import dev.quietstar.api.config.ThoughtSampling;
import dev.quietstar.api.spi.BackendProvider;
import dev.quietstar.api.spi.Capability;
import dev.quietstar.api.spi.QuietStarBackend;
import dev.quietstar.core.backend.Backends;
import dev.quietstar.core.infer.SteppedReasoner;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.spark.TaskContext;

/**
 * A backend, found like any other through {@link java.util.ServiceLoader}, that runs the onnxruntime backend's
 * reasoner but fails the first attempt of the task of partition 1 once it has done part of its work: the failure
 * Spark retries in the tests.
 */
public final class FlakyBackendProvider implements BackendProvider {

    /** The backend's name. */
    static final String NAME = "flaky-onnxruntime";

    /** Calls that failed on purpose. */
    static final AtomicInteger FAILURES = new AtomicInteger();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int rank() {
        return -1000; // never chosen unless asked for
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.of(Capability.INFER);
    }

    @Override
    public boolean isAvailable() {
        return true;
    }

    @Override
    public QuietStarBackend create() {
        return new QuietStarBackend() {
            @Override
            public String name() {
                return NAME;
            }

            @Override
            public Set<Capability> capabilities() {
                return EnumSet.of(Capability.INFER);
            }

            @Override
            public Reasoner openReasoner(Path checkpoint) {
                return openReasoner(new ModelSource.Checkpoint(checkpoint), ComputeDevice.CPU);
            }

            @Override
            public Reasoner openReasoner(ModelSource source, ComputeDevice device) {
                SteppedReasoner inner = (SteppedReasoner) Backends.discover().byName("onnxruntime").create()
                        .openReasoner(source, device);
                return new Flaky(inner);
            }
        };
    }

    /** Delegates every call, failing in the first attempt of partition 1's task. */
    private static final class Flaky implements SteppedReasoner {
        private final SteppedReasoner inner;

        Flaky(SteppedReasoner inner) {
            this.inner = inner;
        }

        private static void maybeFail() {
            TaskContext task = TaskContext.get();
            if (task != null && task.partitionId() == 1 && task.attemptNumber() == 0) {
                FAILURES.incrementAndGet();
                throw new IllegalStateException("failing the first attempt of partition 1 on purpose");
            }
        }

        @Override
        public <T> T withStep(StepTask<T> task) {
            T result = inner.withStep(task);
            maybeFail(); // after real work, so the retry has to redo it
            return result;
        }

        @Override
        public ThoughtSampling thoughtSampling() {
            return inner.thoughtSampling();
        }

        @Override
        public GenerationResult generate(String prompt, GenerationOptions options) {
            GenerationResult r = inner.generate(prompt, options);
            maybeFail();
            return r;
        }

        @Override
        public GenerationResult generate(String prompt, GenerationOptions options, Consumer<TokenTrace> onToken) {
            GenerationResult r = inner.generate(prompt, options, onToken);
            maybeFail();
            return r;
        }

        @Override
        public TextScore score(String text) {
            return inner.score(text);
        }

        @Override
        public TextScore score(String text, ThoughtSampling sampling, long seed) {
            return inner.score(text, sampling, seed);
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
