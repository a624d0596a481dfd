/**
 * Backend discovery and selection: {@code ServiceLoader} lookup of {@code BackendProvider}s, choice by environment
 * variable, system property or rank and capabilities, with errors that list the backends that exist.
 */
package dev.quietstar.core.backend;
