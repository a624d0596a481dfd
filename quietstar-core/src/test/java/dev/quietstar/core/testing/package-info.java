/**
 * Contract tests shipped in quietstar-core's test-jar: abstract {@code Base...TestCase} classes that every backend's
 * tests extend to inherit the checks of the SPI (reasoners, backend providers, trainers), and a fake training step
 * for testing code that drives core's training loop; and {@link dev.quietstar.core.testing.FreshJvm}, which runs a
 * program in a new JVM with a clean home folder under a network guard, to check that it runs offline and quietly.
 */
package dev.quietstar.core.testing;
