package dev.rawpoll.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The demo's section 3 on its own: one loop and the group do the same work, so the speedup can
 * be no more than the cores give, and what it prints claims parallelism only where it happened.
 */
class DemoParallelTest {
    private static final int PROCESSORS = Runtime.getRuntime().availableProcessors();

    private record Run(Demo.Parallel parallel, String out) {}

    private static Run run(int loops, long cpuMillis) throws Exception {
        Path svg = Files.createTempFile("rawpoll-demo-parallel", ".svg");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            Demo.Parallel p = new Demo(0.1, new PrintStream(bytes, true, StandardCharsets.UTF_8)).parallelism(svg, loops, cpuMillis);
            String out = bytes.toString(StandardCharsets.UTF_8) + "\n" + Files.readString(svg);
            return new Run(p, out);
        } finally {
            Files.deleteIfExists(svg);
        }
    }

    private static void assertSameWork(Demo.Parallel p, String out) {
        long expected = 2L * p.loops() * p.stepsPerTask();
        assertTrue(p.stepsPerTask() > 0, out);
        assertEquals(expected, p.oneLoopSteps(), "one loop did every task's steps\n" + out);
        assertEquals(expected, p.groupSteps(), "the group did the same steps\n" + out);
        assertEquals(p.oneLoopSeconds() / p.groupSeconds(), p.speedup(), 1e-12, out);
        assertTrue(out.contains(String.format(java.util.Locale.ROOT, "speedup %.1f x", p.speedup())), out);
    }

    /**
     * More loops than cores: tasks that ran until a deadline made the group look as many times
     * faster as it had loops; the same work can go no faster than the cores allow. The bound is
     * loose (half a core more per core and half a core): load only slows the group down.
     */
    @Test
    @Timeout(60)
    void moreLoopsThanCoresAreNoFasterThanTheCores() throws Exception {
        int loops = 3 * PROCESSORS;
        long cpuMillis = Math.max(5, 800 / (2 * loops)); // about 0.8 s on one loop
        Run r = run(loops, cpuMillis);
        Demo.Parallel p = r.parallel();
        assertSameWork(p, r.out());
        assertTrue(p.speedup() < 1.5 * PROCESSORS + 0.5,
                "speedup " + p.speedup() + " with " + loops + " loops on " + PROCESSORS + " processor(s)\n" + r.out());
        assertTrue(r.out().contains("loop " + loops + " of " + loops + " |"), "a terminal lane per loop\n" + r.out());
    }

    /** A group of one loop does the same work on one thread: about as fast as one loop, and says so. */
    @Test
    @Timeout(60)
    void aGroupOfOneLoopIsAsFastAsOneLoop() throws Exception {
        Run r = run(1, 100);
        Demo.Parallel p = r.parallel();
        assertSameWork(p, r.out());
        assertTrue(p.speedup() > 0.6 && p.speedup() < 1.6, "speedup " + p.speedup() + "\n" + r.out());
        assertTrue(r.out().contains("no parallelism"), r.out());
        assertFalse(r.out().contains("(parallelism)"), r.out());
        // the figure's legend: CPU on each lane's thread, and no I/O entry in a figure without I/O
        assertTrue(r.out().contains(">CPU: a task running on that lane's thread</text>"), r.out());
        assertFalse(r.out().contains("one at a time"), r.out());
        assertFalse(r.out().contains("waiting for I/O"), r.out());
        assertTrue(r.out().contains("text-anchor=\"end\">loop 1 of 1</text>"), "an SVG lane per loop\n" + r.out());
    }

    @Test
    void verdictClaimsParallelismOnlyWhereItHappened() {
        for (double speedup : new double[] {1.0, 1.8}) {
            String one = Demo.verdict(1, 2, speedup);
            assertTrue(one.contains("one processor") && one.contains("no parallelism"), one);
            assertFalse(one.contains("(parallelism)") || one.contains("cores gave"), one);
        }
        assertTrue(Demo.verdict(2, 2, 1.9).contains("same instant on different cores (parallelism): 1.9 x is what up to 2 cores gave"));
        assertTrue(Demo.verdict(8, 2, 1.9).contains("up to 2 cores"), "no more cores than loops");
        String busy = Demo.verdict(2, 2, 1.05);
        assertTrue(busy.contains("only 1.1 x") && !busy.contains("(parallelism)"), busy);
        assertTrue(Demo.verdict(4, 1, 1.0).contains("no parallelism"));
    }
}
