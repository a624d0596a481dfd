package dev.quietstar.core.infer;

import dev.quietstar.api.ThinkingPolicy;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Parses the command-line form of a thinking policy: {@code every}, {@code never} (or {@code off}), {@code once}
 * (think once after the answer trigger) and {@code adaptive[:threshold]} (think where the thinking gate predicts a
 * gain above the threshold, in nats; default {@value #DEFAULT_ADAPTIVE_THRESHOLD}).
 */
public final class ThinkingPolicies {

    /** Threshold of {@code adaptive} without a value: think wherever the gate predicts any gain. */
    public static final double DEFAULT_ADAPTIVE_THRESHOLD = 0.0;

    private ThinkingPolicies() {}

    /**
     * The threshold of an {@code adaptive[:threshold]} spec.
     *
     * @param spec the text, such as {@code adaptive:0.05}
     * @return the threshold, or null when the spec is not an adaptive one
     * @throws IllegalArgumentException for a malformed or NaN threshold
     */
    public static Double adaptiveThreshold(String spec) {
        Objects.requireNonNull(spec, "spec");
        String s = spec.trim();
        String lower = s.toLowerCase(Locale.ROOT);
        if (lower.equals("adaptive")) {
            return DEFAULT_ADAPTIVE_THRESHOLD;
        }
        if (!lower.startsWith("adaptive:")) {
            return null;
        }
        String value = s.substring("adaptive:".length()).trim();
        double t;
        try {
            t = switch (value.toLowerCase(Locale.ROOT)) {
                case "inf", "+inf", "infinity", "+infinity" -> Double.POSITIVE_INFINITY;
                case "-inf", "-infinity" -> Double.NEGATIVE_INFINITY;
                default -> Double.parseDouble(value);
            };
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("adaptive thinking threshold must be a number of nats, such as "
                    + "adaptive:0.05 (or -inf / inf), was '" + value + "'", e);
        }
        if (Double.isNaN(t)) {
            throw new IllegalArgumentException("adaptive thinking threshold must be a number of nats, was NaN");
        }
        return t;
    }

    /**
     * Parses a policy spec.
     *
     * @param spec {@code every}, {@code never}, {@code off}, {@code once} or {@code adaptive[:threshold]}
     * @param trigger the text after which {@code once} thinks, such as {@code "A: "}
     * @return the policy
     * @throws IllegalArgumentException naming the allowed forms
     */
    public static ThinkingPolicy parse(String spec, String trigger) {
        Double threshold = adaptiveThreshold(spec);
        if (threshold != null) {
            return ThinkingPolicy.adaptive(threshold);
        }
        return switch (spec.trim().toLowerCase(Locale.ROOT)) {
            case "every" -> ThinkingPolicy.everyToken();
            case "never", "off" -> ThinkingPolicy.never();
            case "once" -> ThinkingPolicy.afterTriggers(List.of(trigger));
            default -> throw new IllegalArgumentException("unknown thinking policy '" + spec
                    + "'; use every, never, once or adaptive[:threshold] (threshold in nats, such as adaptive:0.05)");
        };
    }
}
