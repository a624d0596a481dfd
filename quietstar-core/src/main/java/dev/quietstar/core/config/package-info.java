/**
 * Loading, validating and writing configuration: JSON and YAML files merged over a preset, command-line overrides,
 * unknown fields rejected, every value checked in the records' constructors.
 */
package dev.quietstar.core.config;
