/**
 * Files the library writes beside a model: folders replaced atomically, so that a crash never leaves a half-written
 * checkpoint as the latest one ({@link dev.quietstar.core.io.AtomicFolder}), and the provenance record saying how an
 * artifact was made ({@link dev.quietstar.core.io.Provenance}).
 */
package dev.quietstar.core.io;
