package dev.rawpoll.demo;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What each task did when: segments of CPU work and of I/O waits, on one clock (nanoseconds since
 * the trace began). The loop threads of a group record into one trace, so it is synchronized.
 */
public final class Trace {
    /** CPU: the task ran on the loop thread. IO: the task was paused, waiting for the OS. */
    public enum Kind { CPU, IO }

    public record Segment(String task, Kind kind, String label, long startNanos, long endNanos) {
        public Segment {
            if (endNanos < startNanos) throw new IllegalArgumentException("segment ends before it starts");
        }

        public long durationNanos() {
            return endNanos - startNanos;
        }
    }

    private final long origin = System.nanoTime();
    private final List<Segment> segments = new ArrayList<>();

    /** Nanoseconds since the trace began. */
    public long now() {
        return System.nanoTime() - origin;
    }

    /** Records a segment that started at {@code startNanos} (from {@link #now()}) and ends now. */
    public synchronized void record(String task, Kind kind, String label, long startNanos) {
        segments.add(new Segment(task, kind, label, startNanos, now()));
    }

    public synchronized void add(Segment segment) {
        segments.add(segment);
    }

    public synchronized List<Segment> segments() {
        return List.copyOf(segments);
    }

    /** Task names in the order they first appear. */
    public synchronized List<String> tasks() {
        Set<String> names = new LinkedHashSet<>();
        for (Segment s : segments) names.add(s.task());
        return List.copyOf(names);
    }

    public synchronized long endNanos() {
        long end = 0;
        for (Segment s : segments) end = Math.max(end, s.endNanos());
        return end;
    }

    /** The largest number of segments of {@code kind} in progress at the same instant. */
    public synchronized int maxOverlap(Kind kind) {
        List<long[]> edges = new ArrayList<>();
        for (Segment s : segments) {
            if (s.kind() == kind && s.durationNanos() > 0) {
                edges.add(new long[] {s.startNanos(), +1});
                edges.add(new long[] {s.endNanos(), -1});
            }
        }
        // at equal times, ends before starts: touching segments do not overlap
        edges.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        int current = 0, max = 0;
        for (long[] e : edges) {
            current += (int) e[1];
            max = Math.max(max, current);
        }
        return max;
    }
}
