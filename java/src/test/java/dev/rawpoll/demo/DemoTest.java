package dev.rawpoll.demo;

import dev.rawpoll.TestSockets;
import java.io.IOException;
import dev.rawpoll.Poller;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rawpoll.LeakCheck;
import dev.rawpoll.demo.Trace.Kind;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIf;

/** {@code ./rawpoll demo} at a tenth of its durations: the story it tells must be what happened. */
@EnabledIf(value = TestSockets.AVAILABLE, disabledReason = TestSockets.REASON)
class DemoTest {

    /** The poller of this class's loops: the OS default here; {@code DemoOnKqueueTest} runs the demo on kqueue. */
    Poller openPoller() throws IOException {
        return Poller.open();
    }

    /**
     * The demo's timings as ratios, judged where the machine has a free core for each thread the
     * demo runs at once (load average below the core count). A machine already busier than its
     * cores gives the loop's and the server's threads no CPU when they are due, so there the
     * ratio says nothing about rawpoll: it is printed, not judged. The demo's structure (who ran
     * when, what overlapped) is checked everywhere.
     */
    private static void judgeIfQuiet(boolean ratioHolds, String message) {
        int cores = Runtime.getRuntime().availableProcessors();
        double load = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        if (load >= 0 && load < cores) {
            assertTrue(ratioHolds, message + "\n(load average " + load + " on " + cores + " cores)");
        } else if (!ratioHolds) {
            System.out.printf("DemoTest: not judged at load average %.1f on %d cores: %s%n", load, cores, message.lines().findFirst().orElse(""));
        }
    }

    @Test
    @Timeout(60)
    void demoShowsBlockingVsNonBlockingAndOverlappingIo() throws Exception {
        // The demo's CPU work hashes: the JDK's security providers open /dev/random and /dev/urandom
        // for good on first use, which the descriptor count must not take for a leak.
        java.security.MessageDigest.getInstance("SHA-256").digest(new byte[1]);
        long fdsBefore = LeakCheck.openHandles();
        Path svg = Path.of(System.getProperty("java.io.tmpdir"), "rawpoll-demo-" + ProcessHandle.current().pid() + ".svg");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Demo.Result r = new Demo(0.1, new PrintStream(bytes, true, StandardCharsets.UTF_8), this::openPoller).run(svg);
        String out = bytes.toString(StandardCharsets.UTF_8);
        try {
            // two 200 ms sleeps: one after the other when blocking, together when not
            assertTrue(r.blockingSeconds() >= 0.4, out);
            assertTrue(r.nonBlockingSeconds() >= 0.2 && r.nonBlockingSeconds() < 0.35, out);
            assertTrue(r.blockingSeconds() > 1.5 * r.nonBlockingSeconds(), out);

            Trace t = r.trace();
            assertEquals(3, t.tasks().size());
            assertEquals(6, t.segments().stream().filter(s -> s.kind() == Kind.CPU).count());
            assertEquals(3, t.segments().stream().filter(s -> s.kind() == Kind.IO).count());
            assertEquals(1, t.maxOverlap(Kind.CPU), "one thread: CPU segments never overlap\n" + out);
            assertEquals(3, t.maxOverlap(Kind.IO), "the three requests wait together\n" + out);
            // overlapped: the whole takes clearly less than its segments one after another
            double oneAfterAnother = t.segments().stream().mapToLong(Trace.Segment::durationNanos).sum() / 1e9;
            assertTrue(r.concurrentSeconds() < 0.8 * oneAfterAnother, r.concurrentSeconds() + " s vs " + oneAfterAnother + " s\n" + out);

            // the I/O waits are the server's delay (it runs on its own thread), not time spent behind
            // other tasks' CPU work: none shorter than the delay, and on average close to it
            double delay = r.serverDelaySeconds();
            double meanIo = t.segments().stream().filter(s -> s.kind() == Kind.IO).mapToLong(Trace.Segment::durationNanos).average().orElseThrow() / 1e9;
            assertTrue(t.segments().stream().filter(s -> s.kind() == Kind.IO).allMatch(s -> s.durationNanos() / 1e9 >= delay), out);
            judgeIfQuiet(meanIo < 1.5 * delay, "I/O waits of " + meanIo + " s for a server delay of " + delay + " s\n" + out);
            // the loop's own work is shown: a poll reported each task's reply and the task it woke
            for (int i = 1; i <= 3; i++) {
                assertTrue(Pattern.compile("poll waited .* readable .*-> wakes task " + i).matcher(out).find(), out);
            }
            assertTrue(out.contains("answers each request after 0.10 s"), out);

            // section 3: the same CPU-bound tasks take turns on one loop, run side by side on a group
            Demo.Parallel p = r.parallel();
            assertEquals(2 * p.loops(), p.trace().segments().stream().filter(s -> s.task().equals("one loop")).count(), out);
            assertTrue(p.trace().tasks().containsAll(java.util.List.of("one loop", "loop 1 of " + p.loops(), "loop 2 of " + p.loops())), out);
            // a ratio, not a window: two free cores finish the same work in clearly less time than one
            if (Runtime.getRuntime().availableProcessors() >= 2) {
                judgeIfQuiet(p.speedup() > 1.2, "speedup " + p.speedup() + "\n" + out);
            }
            assertTrue(Files.readString(p.svg()).contains("loop 2 of " + p.loops()), "the figure has a lane per loop");
            // the same work in both runs, and the speedup printed is the ratio of the two wall times
            assertEquals(2 * p.loops() * p.stepsPerTask(), p.oneLoopSteps(), out);
            assertEquals(p.oneLoopSteps(), p.groupSteps(), out);
            assertTrue(out.contains(String.format(java.util.Locale.ROOT, "speedup %.1f x", p.oneLoopSeconds() / p.groupSeconds())), out);
            assertTrue(out.contains(Demo.verdict(p.processors(), p.loops(), p.speedup())), out);

            String figure = Files.readString(svg);
            assertEquals(6, Pattern.compile("fill=\"#f97316\" stroke").matcher(figure).results().count());
            assertTrue(out.contains("figure written to " + svg.toAbsolutePath()), out);
            assertTrue(out.contains("task 1 |") && out.contains("#") && out.contains("~"), out);
        } finally {
            Files.deleteIfExists(svg);
            Files.deleteIfExists(r.parallel().svg());
        }
        assertEquals(fdsBefore, LeakCheck.openHandles(), LeakCheck::describeOpenHandles);
    }
}
