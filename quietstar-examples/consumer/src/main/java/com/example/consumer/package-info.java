/**
 * An example consumer of quietstar-java: its own mixing head, thought sampler and generator, reward estimator and a
 * delegating backend, plugged in through the library's SPI and {@code Components}, each checked by core's kits.
 */
package com.example.consumer;
