package dev.quietstar.core.io;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Recognises a write that failed because the disk (or the user's quota) is full, and says so with the path being
 * written and what is left of earlier content. The operating system's own message ("No space left on device") names
 * neither the file nor what survived, and a wrapper's message ("cannot write training output under out") hides it.
 */
public final class DiskFull {

    private static final String[] REASONS = {"no space left on device", "disk quota exceeded", "not enough space"};

    private DiskFull() {}

    /**
     * Whether an exception or one of its causes is a write refused for lack of space (ENOSPC, EDQUOT).
     *
     * @param error the exception
     * @return true when the disk or quota is full
     */
    public static boolean isDiskFull(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof IOException && (matches(t.getMessage())
                    || t instanceof FileSystemException f && matches(f.getReason()))) {
                return true;
            }
        }
        return false;
    }

    /**
     * The operating system's words for the failure, for messages: "No space left on device" or the like.
     *
     * @param error the exception
     * @return the first matching message of the cause chain, or "no space left on device"
     */
    static String reason(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof FileSystemException f && matches(f.getReason())) {
                return f.getReason();
            }
            if (matches(t.getMessage())) {
                return t.getMessage();
            }
        }
        return "no space left on device";
    }

    /**
     * Describes a failed write: a full disk becomes an exception that says so, names the path and what is intact;
     * any other failure is returned as it is.
     *
     * @param error the failure
     * @param path the file or folder that was being written
     * @param left what the failure left, for the message ("the previous checkpoint is intact")
     * @return the exception to throw
     */
    public static IOException describe(IOException error, Path path, String left) {
        if (!isDiskFull(error) || (error.getMessage() != null && error.getMessage().contains("the disk is full"))) {
            return error;
        }
        return new IOException("the disk is full (" + reason(error) + ") while writing " + path + "; " + left
                + "; free space, or write elsewhere, and run again", error);
    }

    private static boolean matches(String message) {
        if (message == null) {
            return false;
        }
        String m = message.toLowerCase(Locale.ROOT);
        for (String r : REASONS) {
            if (m.contains(r)) {
                return true;
            }
        }
        return false;
    }
}
