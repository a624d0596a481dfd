package dev.quietstar.api.config;

/**
 * Range checks shared by the configuration records, so every rule produces a message of the same shape.
 */
final class Checks {

    private Checks() {}

    static int inRange(String field, int value, int min, int max) {
        if (value < min || value > max) {
            throw new InvalidConfigException(field + " must be in " + min + ".." + max + ", was " + value);
        }
        return value;
    }

    static double inRange(String field, double value, double min, double max) {
        if (!Double.isFinite(value) || value < min || value > max) {
            throw new InvalidConfigException(field + " must be in " + min + ".." + max + ", was " + value);
        }
        return value;
    }

    static double positive(String field, double value) {
        if (!Double.isFinite(value) || value <= 0) {
            throw new InvalidConfigException(field + " must be a finite number > 0, was " + value);
        }
        return value;
    }

    static double nonNegative(String field, double value) {
        if (!Double.isFinite(value) || value < 0) {
            throw new InvalidConfigException(field + " must be a finite number >= 0, was " + value);
        }
        return value;
    }

    static <T> T required(String field, T value) {
        if (value == null) {
            throw new InvalidConfigException(field + " is required but was missing");
        }
        return value;
    }
}
