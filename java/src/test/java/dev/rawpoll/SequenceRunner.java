package dev.rawpoll;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * A small property runner for sequence tests: generates random step lists from a seed, runs each,
 * and when one fails shrinks it (drops runs of steps, then simplifies the steps that are left)
 * while it keeps failing, so that a failure is reported with the shortest sequence found.
 *
 * <p>A sequence must be valid with any of its steps left out: steps name their targets by index
 * and are applied to whatever exists when they run (see {@link PollerModel}).
 *
 * @param <S> a step
 */
final class SequenceRunner<S> {

    /** What one run of a sequence found. */
    record Outcome(boolean failed, String message, String trace) {
        static Outcome passed() {
            return new Outcome(false, "", "");
        }
    }

    /** Makes steps and their simpler forms. */
    interface Steps<S> {
        S random(SplittableRandom random);

        /** Simpler variants of {@code step} to try while shrinking, simplest first; may be empty. */
        List<S> simpler(S step);
    }

    private final Steps<S> steps;
    private final Function<List<S>, Outcome> run;
    private final int maxLength;
    private int runs;

    SequenceRunner(Steps<S> steps, int maxLength, Function<List<S>, Outcome> run) {
        this.steps = steps;
        this.maxLength = maxLength;
        this.run = run;
    }

    /** How many sequences were run, shrinking included. */
    int runs() {
        return runs;
    }

    /**
     * Runs {@code tries} random sequences made from {@code seed}. Returns null if all passed,
     * otherwise a report: the seed, the try, the shrunk sequence, its trace and the divergence.
     */
    String check(long seed, int tries) {
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < tries; i++) {
            int length = 1 + random.nextInt(maxLength);
            List<S> sequence = new ArrayList<>(length);
            for (int k = 0; k < length; k++) {
                sequence.add(steps.random(random));
            }
            Outcome outcome = runOnce(sequence);
            if (outcome.failed()) {
                List<S> shrunk = shrink(sequence);
                Outcome last = runOnce(shrunk);
                return "seed " + seed + ", try " + (i + 1) + " of " + tries + ": a sequence of " + sequence.size()
                        + " steps diverged from the model; shrunk to " + shrunk.size() + " steps:\n"
                        + format(shrunk) + "what ran:\n" + last.trace() + "divergence: " + last.message()
                        + "\n(first seen as: " + outcome.message() + ")";
            }
        }
        return null;
    }

    private Outcome runOnce(List<S> sequence) {
        runs++;
        return run.apply(sequence);
    }

    /** Delta debugging: drop chunks of halving size, then simplify single steps, until nothing helps. */
    List<S> shrink(List<S> failing) {
        List<S> current = new ArrayList<>(failing);
        int budget = 3000;
        boolean progress = true;
        while (progress && budget > 0) {
            progress = false;
            for (int chunk = Math.max(1, current.size() / 2); chunk >= 1 && budget > 0; chunk /= 2) {
                for (int from = 0; from + chunk <= current.size() && budget > 0; ) {
                    List<S> candidate = new ArrayList<>(current.subList(0, from));
                    candidate.addAll(current.subList(from + chunk, current.size()));
                    budget--;
                    if (!candidate.isEmpty() && runOnce(candidate).failed()) {
                        current = candidate;
                        progress = true;
                    } else {
                        from += chunk;
                    }
                }
            }
            for (int i = 0; i < current.size() && budget > 0; i++) {
                for (S simpler : steps.simpler(current.get(i))) {
                    List<S> candidate = new ArrayList<>(current);
                    candidate.set(i, simpler);
                    budget--;
                    if (runOnce(candidate).failed()) {
                        current = candidate;
                        progress = true;
                        break;
                    }
                }
            }
        }
        return current;
    }

    private static <S> String format(List<S> sequence) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < sequence.size(); i++) {
            sb.append(String.format("  %2d. %s%n", i + 1, sequence.get(i)));
        }
        return sb.toString();
    }
}
