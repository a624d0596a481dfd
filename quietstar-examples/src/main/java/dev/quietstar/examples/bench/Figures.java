package dev.quietstar.examples.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The shape of one benchmark figure as {@link Report} renders it and {@code benchmarks.json} stores it: an id, a
 * title, a description, measured rows (case, metric, unit, {@link Stats}) and ratios of medians, each with its
 * target and whether it was reached.
 */
final class Figures {

    private Figures() {}

    /** A new figure with no rows and no ratios yet. */
    static Map<String, Object> figure(String id, String title, String description) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("id", id);
        f.put("title", title);
        f.put("description", description);
        f.put("rows", new ArrayList<Map<String, Object>>());
        f.put("ratios", new ArrayList<Map<String, Object>>());
        return f;
    }

    /** Adds a measured row (stats may be null when the case failed; extra holds further fields). */
    @SuppressWarnings("unchecked")
    static void row(Map<String, Object> figure, String label, String metric, String unit, Stats stats,
            Map<String, Object> extra) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("case", label);
        r.put("metric", metric);
        r.put("unit", unit);
        r.put("stats", stats);
        if (extra != null) {
            r.putAll(extra);
        }
        ((List<Map<String, Object>>) figure.get("rows")).add(r);
    }

    /**
     * Adds a ratio of two medians with its target.
     *
     * @param target the goal, NaN when there is none
     * @param higherIsBetter whether the ratio must reach the target from below
     */
    @SuppressWarnings("unchecked")
    static void ratio(Map<String, Object> figure, String name, double value, double target,
            boolean higherIsBetter, String targetText) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("name", name);
        r.put("value", value);
        if (!Double.isNaN(target)) {
            r.put("target", targetText);
            r.put("reached", higherIsBetter ? value >= target : value <= target);
        }
        ((List<Map<String, Object>>) figure.get("ratios")).add(r);
    }
}
