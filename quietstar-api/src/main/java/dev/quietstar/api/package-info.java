/**
 * The contracts of quietstar-java: the Quiet-STaR components ({@code ThoughtGenerator}, {@code MixingHead},
 * {@code RewardEstimator}), the training and inference facades ({@code Trainer}, {@code Reasoner}) and the plain
 * Java values they exchange. Component interfaces are generic in the backend's array type; facades use plain
 * Java values only.
 */
package dev.quietstar.api;
