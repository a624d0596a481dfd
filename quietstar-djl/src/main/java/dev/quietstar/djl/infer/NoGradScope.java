package dev.quietstar.djl.infer;

import ai.djl.pytorch.jni.JniUtils;

/**
 * Turns PyTorch's autograd off on the calling thread and restores the previous mode on close.
 *
 * <p>Torch's grad mode is thread-local, so this never affects a trainer running on another thread; weights that a
 * trainer marked as requiring a gradient then build no graph during inference.
 */
public final class NoGradScope implements AutoCloseable {

    private final boolean previous;

    private NoGradScope() {
        previous = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
    }

    /**
     * Enters a no-gradient scope on this thread.
     *
     * @return the scope, to close in a try-with-resources block
     */
    public static NoGradScope enter() {
        return new NoGradScope();
    }

    @Override
    public void close() {
        JniUtils.setGradMode(previous);
    }
}
