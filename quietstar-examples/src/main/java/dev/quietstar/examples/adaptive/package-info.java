/**
 * The adaptive-thinking curve: sweeps the thinking gate's threshold on held-out data and measures thought tokens
 * spent per output token against answer NLL and exact match (or text NLL), with always, once-at-trigger and never
 * as reference points; writes JSON, Markdown and SVG charts.
 */
package dev.quietstar.examples.adaptive;
