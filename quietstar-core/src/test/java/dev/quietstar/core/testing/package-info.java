/**
 * Contract tests shipped in quietstar-core's test-jar: abstract {@code Base...TestCase} classes that every backend's
 * tests extend to inherit the checks of the SPI (reasoners, backend providers, trainers), and a fake training step
 * for testing code that drives core's training loop.
 */
package dev.quietstar.core.testing;
