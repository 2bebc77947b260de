package dev.rawpoll.bench;

/**
 * Option values of the bench commands, read so that a bad one is an {@link
 * IllegalArgumentException} whose message names the option and what it allows (the commands
 * print it as one line and exit 2, before any work).
 */
final class Options {
    private Options() {}

    /** An integer in {@code [min, max]}. */
    static int integer(String option, String value, int min, int max) {
        try {
            int n = Integer.parseInt(value.strip());
            if (n >= min && n <= max) return n;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(option + " must be an integer from " + min + " to " + max + ", not '" + value + "'");
    }

    /** A number greater than 0. */
    static double positive(String option, String value) {
        try {
            double d = Double.parseDouble(value.strip());
            if (d > 0 && Double.isFinite(d)) return d;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(option + " must be a number greater than 0, not '" + value + "'");
    }
}
