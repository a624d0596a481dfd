package dev.quietstar.api;

import java.util.Locale;

/**
 * Where a model runs: the CPU (the default on every path) or one GPU the engine reports.
 *
 * <p>Backends refuse a device they cannot use with a message that says what they see; none falls back silently.
 *
 * @param gpu whether this is a GPU
 * @param index the GPU's index among those the engine reports, 0 for the CPU
 */
public record ComputeDevice(boolean gpu, int index) {

    /** The CPU. */
    public static final ComputeDevice CPU = new ComputeDevice(false, 0);

    /** Validates the index. */
    public ComputeDevice {
        if (index < 0 || (!gpu && index != 0)) {
            throw new IllegalArgumentException("a device index must be >= 0 (and 0 for the CPU), was " + index);
        }
    }

    /**
     * A GPU by index.
     *
     * @param index the index among the GPUs the engine reports
     * @return the device
     */
    public static ComputeDevice gpu(int index) {
        return new ComputeDevice(true, index);
    }

    /**
     * Parses {@code cpu}, {@code gpu} (GPU 0) or {@code gpu:N}.
     *
     * @param spec the text
     * @return the device
     * @throws IllegalArgumentException naming the accepted forms
     */
    public static ComputeDevice parse(String spec) {
        String s = spec == null ? "" : spec.trim().toLowerCase(Locale.ROOT);
        if (s.equals("cpu")) {
            return CPU;
        }
        if (s.equals("gpu") || s.equals("cuda")) {
            return gpu(0);
        }
        if (s.startsWith("gpu:") || s.startsWith("cuda:")) {
            try {
                return gpu(Integer.parseInt(s.substring(s.indexOf(':') + 1)));
            } catch (NumberFormatException e) {
                // falls through to the message below
            }
        }
        throw new IllegalArgumentException("unknown device '" + spec + "'; use cpu, gpu or gpu:N");
    }

    @Override
    public String toString() {
        return gpu ? "gpu:" + index : "cpu";
    }
}
