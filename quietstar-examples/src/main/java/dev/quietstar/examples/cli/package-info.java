/**
 * The {@code quietstar} command line (picocli): one subcommand per task, each turning user input into calls of the
 * public API and clear errors.
 */
package dev.quietstar.examples.cli;
