/**
 * Files the library writes beside a model: folders replaced atomically, so that a crash never leaves a half-written
 * checkpoint as the latest one ({@link dev.quietstar.core.io.AtomicFolder}); the policy every writer follows so that
 * it never destroys what it did not write ({@link dev.quietstar.core.io.OutputFolder},
 * {@link dev.quietstar.core.io.OutputFile}, {@link dev.quietstar.core.io.OutputKind}) and one writer at a time per
 * destination ({@link dev.quietstar.core.io.OutputLock}); and the provenance record saying how an artifact was made
 * ({@link dev.quietstar.core.io.Provenance}).
 */
package dev.quietstar.core.io;
