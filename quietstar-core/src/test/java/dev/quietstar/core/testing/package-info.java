/**
 * Contract tests shipped in quietstar-core's test-jar: abstract {@code Base...TestCase} classes that every backend's
 * tests extend to inherit the checks of the SPI.
 */
package dev.quietstar.core.testing;
