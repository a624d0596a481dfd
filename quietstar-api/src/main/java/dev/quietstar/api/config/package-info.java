/**
 * Configuration of Quiet-STaR: immutable, Jackson-bindable records whose defaults are the official
 * implementation's settings and whose constructors validate every field with a message naming the field, the value
 * and the allowed range.
 */
package dev.quietstar.api.config;
