package dev.quietstar.spark;

import dev.quietstar.api.ComputeDevice;
import dev.quietstar.api.ModelSource;
import dev.quietstar.api.Reasoner;
import dev.quietstar.api.spi.Capability;
import dev.quietstar.core.backend.Backends;
import dev.quietstar.core.infer.SteppedReasoner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.apache.spark.TaskContext;

/**
 * The reasoners of one executor JVM: one per model, backend and device, opened by the first task that needs it and
 * reused by every later task (and by tasks running at the same time: both shipped reasoners take concurrent calls).
 * A local folder whose files changed since it was opened (a model retrained into the same folder) is opened afresh.
 *
 * <p>Before the first reasoner opens, the engines are limited to the cores of one task ({@code spark.task.cpus}), so
 * that the tasks running side by side on an executor do not each spread over all of its cores: the onnxruntime
 * backend through {@value dev.quietstar.onnx.OnnxBackend#THREADS_PROPERTY}, djl-pytorch through
 * {@code ai.djl.pytorch.num_threads}; a value the JVM was started with is kept.
 */
public final class ExecutorReasoners {

    private static final Map<Key, Opened> OPEN = new ConcurrentHashMap<>();
    private static final Path COPIES = Path.of(System.getProperty("java.io.tmpdir"), "quietstar-spark-models");

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ExecutorReasoners::closeAll, "quietstar-spark-close"));
    }

    private ExecutorReasoners() {}

    /** Which reasoner: the model, the backend's name and the device. */
    private record Key(ModelLocation location, String backend, String device) {}

    /** An open reasoner and the fingerprint of the local folder it was opened from. */
    private record Opened(SteppedReasoner reasoner, String fingerprint) {}

    /**
     * The reasoner of a model on this JVM, opening it on first use.
     *
     * @param location where the model is
     * @param backend the backend's name
     * @param device the device, as {@code quietstar --device} takes it
     * @return the shared reasoner; callers must not close it
     * @throws IllegalArgumentException when the backend is not on the class path, cannot open the model, or runs
     *     its own loop instead of core's decoder step
     */
    static SteppedReasoner get(ModelLocation location, String backend, String device) {
        Key key = new Key(location, backend, device);
        Opened current = OPEN.get(key);
        if (current != null && current.fingerprint().equals(fingerprint(location))) {
            return current.reasoner();
        }
        synchronized (ExecutorReasoners.class) {
            current = OPEN.get(key);
            String fingerprint = fingerprint(location);
            if (current != null && current.fingerprint().equals(fingerprint)) {
                return current.reasoner();
            }
            if (current != null) {
                OPEN.remove(key);
                current.reasoner().close();
            }
            Opened opened = new Opened(open(key), fingerprint);
            OPEN.put(key, opened);
            return opened.reasoner();
        }
    }

    private static SteppedReasoner open(Key key) {
        limitEngineThreads();
        Path folder = key.location().localFolder(COPIES);
        ModelSource source = new ModelSource.Checkpoint(folder);
        Reasoner reasoner = Backends.discover().byName(key.backend(), source, Capability.INFER).create()
                .openReasoner(source, ComputeDevice.parse(key.device()));
        if (reasoner instanceof SteppedReasoner stepped) {
            return stepped;
        }
        reasoner.close();
        throw new IllegalArgumentException("backend '" + key.backend() + "' runs inference with its own loop rather "
                + "than core's decoder step; the Spark jobs need a SteppedReasoner (djl-pytorch, onnxruntime)");
    }

    private static void limitEngineThreads() {
        TaskContext task = TaskContext.get();
        String cores = Integer.toString(task == null ? 1 : Math.max(1, task.cpus()));
        if (System.getProperty(dev.quietstar.onnx.OnnxBackend.THREADS_PROPERTY) == null) {
            System.setProperty(dev.quietstar.onnx.OnnxBackend.THREADS_PROPERTY, cores);
        }
        if (System.getProperty("ai.djl.pytorch.num_threads") == null) {
            System.setProperty("ai.djl.pytorch.num_threads", cores);
        }
    }

    /** Names, sizes and modification times of a local folder's files; empty for a remote or shipped one. */
    private static String fingerprint(ModelLocation location) {
        String uri = location.uri();
        if (uri.startsWith(ModelLocation.SHIPPED_SCHEME + ":") || uri.contains("://") && !uri.startsWith("file:")) {
            return "";
        }
        Path folder = uri.startsWith("file:") ? Path.of(java.net.URI.create(uri)) : Path.of(uri);
        if (!Files.isDirectory(folder)) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path f : files.sorted().toList()) {
                if (Files.isRegularFile(f)) {
                    sb.append(f.getFileName()).append(':').append(Files.size(f)).append(':')
                            .append(Files.getLastModifiedTime(f).toMillis()).append(';');
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the model folder " + folder, e);
        }
        return sb.toString();
    }

    /**
     * Closes every reasoner this JVM opened; the next task opens them again. Runs at JVM exit; call it in a
     * long-lived driver in local mode to free the models' memory.
     */
    public static void closeAll() {
        List<Opened> all;
        synchronized (ExecutorReasoners.class) {
            all = new ArrayList<>(OPEN.values());
            OPEN.clear();
        }
        for (Opened o : all) {
            try {
                o.reasoner().close();
            } catch (RuntimeException e) {
                // closing at exit or on request: a reasoner that cannot close has nothing left to lose
            }
        }
    }
}
