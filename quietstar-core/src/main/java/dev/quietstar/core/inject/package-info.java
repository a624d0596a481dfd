/**
 * Guice wiring: one injector from core's module, the chosen backend's module and the user's overrides.
 */
package dev.quietstar.core.inject;
