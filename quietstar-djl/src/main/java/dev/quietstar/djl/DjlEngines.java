package dev.quietstar.djl;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.quietstar.api.ComputeDevice;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Loads DJL's PyTorch engine offline, with the natives that Maven put on the class path.
 *
 * <p>DJL would otherwise try to download libtorch at run time. Unless the caller chose otherwise, this sets
 * {@code ai.djl.offline=true} and, when no cache folder is configured, points DJL's cache at
 * {@code ~/.quietstar/djl} so the natives are unpacked once per user.
 */
public final class DjlEngines {

    /** The DJL engine name this backend uses. */
    public static final String ENGINE = "PyTorch";

    private static volatile Optional<String> failure;

    private DjlEngines() {}

    /**
     * The PyTorch engine, loading it on first use.
     *
     * @return the engine
     * @throws IllegalStateException when the natives cannot be loaded, with the reason
     */
    public static Engine pytorch() {
        Optional<String> f = check();
        if (f.isPresent()) {
            throw new IllegalStateException("the DJL PyTorch engine is not available: " + f.get());
        }
        return Engine.getEngine(ENGINE);
    }

    /**
     * The DJL device for a device choice: the CPU, or a GPU that PyTorch reports.
     *
     * @param device the choice
     * @return the DJL device
     * @throws IllegalArgumentException when the GPU is not present, naming how many PyTorch sees
     */
    public static Device device(ComputeDevice device) {
        if (!device.gpu()) {
            return Device.cpu();
        }
        int gpus = pytorch().getGpuCount();
        if (device.index() >= gpus) {
            throw new IllegalArgumentException("device " + device + " is not available: PyTorch sees " + gpus
                    + " GPU(s) here" + (gpus == 0 ? " (the CPU natives are on the class path; docs/gpu.md says what "
                    + "to add for CUDA)" : "") + "; use cpu" + (gpus > 0 ? " or gpu:0.." + (gpus - 1) : ""));
        }
        return Device.gpu(device.index());
    }

    /**
     * Loads the engine once and remembers why it failed, if it did. Never throws.
     *
     * @return the failure reason, empty when the engine loaded
     */
    public static synchronized Optional<String> check() {
        if (failure == null) {
            configureOffline();
            try {
                Engine engine = Engine.getEngine(ENGINE);
                engine.getVersion();
                failure = Optional.empty();
            } catch (Throwable t) { // natives missing or broken: report, do not crash discovery
                failure = Optional.of(t.getClass().getSimpleName() + ": " + t.getMessage());
            }
        }
        return failure;
    }

    /**
     * Sets DJL's offline mode and cache folders unless the user set them, without loading anything: every class of
     * this module that can be the first to touch DJL calls it in its static initialiser, so offline behaviour does
     * not depend on which class a program uses first (DJL reads these settings when its engine first loads).
     */
    public static synchronized void configure() {
        configureOffline();
    }

    private static void configureOffline() {
        if (System.getProperty("ai.djl.offline") == null && System.getenv("DJL_OFFLINE") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        if (System.getProperty("DJL_CACHE_DIR") == null && System.getenv("DJL_CACHE_DIR") == null) {
            System.setProperty("DJL_CACHE_DIR",
                    Path.of(System.getProperty("user.home"), ".quietstar", "djl").toString());
        }
        if (System.getProperty("ENGINE_CACHE_DIR") == null && System.getenv("ENGINE_CACHE_DIR") == null) {
            System.setProperty("ENGINE_CACHE_DIR", System.getProperty("DJL_CACHE_DIR",
                    System.getenv("DJL_CACHE_DIR") == null ? "" : System.getenv("DJL_CACHE_DIR")));
        }
    }
}
