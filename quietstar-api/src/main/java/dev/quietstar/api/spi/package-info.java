/**
 * The backend service-provider interface: how quietstar-java finds engines ({@code BackendProvider} through
 * {@link java.util.ServiceLoader}), what they declare they can do, and the factory each one exposes.
 */
package dev.quietstar.api.spi;
