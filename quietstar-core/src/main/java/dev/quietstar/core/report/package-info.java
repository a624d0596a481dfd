/**
 * Human-readable reports: a single self-contained HTML page that colours each token of a text by how much the
 * preceding thought changed its probability, shows the thoughts on hover and click, and charts a training run as
 * inline SVG.
 */
package dev.quietstar.core.report;
