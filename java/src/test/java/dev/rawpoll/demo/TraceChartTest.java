package dev.rawpoll.demo;

import static dev.rawpoll.demo.Trace.Kind.CPU;
import static dev.rawpoll.demo.Trace.Kind.IO;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rawpoll.demo.Trace.Segment;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class TraceChartTest {
    private static final long MS = 1_000_000;

    /** The seed's picture: three tasks, CPU one after another, I/O waits overlapping. */
    private static Trace threeTasks() {
        Trace t = new Trace();
        t.add(new Segment("task 1", CPU, "setup", 0, 100 * MS));
        t.add(new Segment("task 2", CPU, "setup", 100 * MS, 200 * MS));
        t.add(new Segment("task 1", IO, "request", 100 * MS, 500 * MS));
        t.add(new Segment("task 3", CPU, "setup", 200 * MS, 300 * MS));
        t.add(new Segment("task 2", IO, "request", 200 * MS, 600 * MS));
        t.add(new Segment("task 3", IO, "request", 300 * MS, 700 * MS));
        t.add(new Segment("task 1", CPU, "post", 500 * MS, 600 * MS));
        t.add(new Segment("task 2", CPU, "post", 600 * MS, 700 * MS));
        t.add(new Segment("task 3", CPU, "post", 700 * MS, 800 * MS));
        return t;
    }

    @Test
    void overlapCountsSegmentsInProgressAtOnce() {
        Trace t = threeTasks();
        assertEquals(1, t.maxOverlap(CPU), "touching CPU segments do not overlap");
        assertEquals(3, t.maxOverlap(IO));
        assertEquals(List.of("task 1", "task 2", "task 3"), t.tasks());
        assertEquals(800 * MS, t.endNanos());
    }

    @Test
    void terminalLanesPlaceSegmentsInTime() {
        String[] lines = TraceChart.terminal(threeTasks(), 80).split("\n");
        // 80 columns for 800 ms: 10 ms per column
        String lane1 = lines[0].substring(lines[0].indexOf('|') + 1, lines[0].lastIndexOf('|'));
        assertEquals(80, lane1.length());
        assertEquals("#".repeat(10), lane1.substring(0, 10));
        assertEquals("~".repeat(40), lane1.substring(10, 50));
        assertEquals("#".repeat(10), lane1.substring(50, 60));
        assertEquals(" ".repeat(20), lane1.substring(60));
        String lane3 = lines[2].substring(lines[2].indexOf('|') + 1, lines[2].lastIndexOf('|'));
        assertEquals(" ".repeat(20) + "#".repeat(10) + "~".repeat(40) + "#".repeat(10), lane3);
        // round ticks, each label at its column: 0 at 0, 0.2 at 20, ... 0.8 at 80
        String axis = lines[3].substring(lines[0].indexOf('|') + 1);
        for (int k = 0; k <= 4; k++) {
            String label = k == 0 ? "0" : "0." + 2 * k;
            assertEquals(label, axis.substring(20 * k, 20 * k + label.length()), lines[3]);
        }
        assertTrue(axis.endsWith("0.8 s"), lines[3]);
    }

    @Test
    void svgHasOneRectanglePerSegmentScaledToTime() {
        String svg = TraceChart.svg(threeTasks(), "three tasks");
        assertTrue(svg.startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assertTrue(svg.trim().endsWith("</svg>"));
        assertEquals(6, Pattern.compile("fill=\"#f97316\" stroke").matcher(svg).results().count(), "CPU segments");
        assertEquals(3, Pattern.compile("fill=\"url\\(#io\\)\" stroke=\"#374151\" stroke-width=\"0.5\"><title>").matcher(svg).results().count(), "I/O waits");
        // 720 px for 800 ms: task 1's I/O wait starts at 140 + 90 = 230 px and is 360 px wide
        assertTrue(svg.contains("<rect x=\"230.0\" y=\"56\" width=\"360.0\""), svg);
        assertTrue(svg.contains("three tasks"));
    }

    @Test
    void svgLegendNamesWhatTheFigureShows() {
        String threeTasks = TraceChart.svg(threeTasks(), "three tasks");
        assertTrue(threeTasks.contains(">CPU on the loop thread (one at a time)</text>"), threeTasks);
        assertTrue(threeTasks.contains(">waiting for I/O (overlaps)</text>"), threeTasks);

        Trace loops = new Trace();
        loops.add(new Segment("loop 1 of 2", CPU, "task 1", 0, 100 * MS));
        loops.add(new Segment("loop 2 of 2", CPU, "task 2", 0, 100 * MS));
        String parallel = TraceChart.svg(loops, "two loops", "CPU: a task running on that lane's thread");
        assertTrue(parallel.contains(">CPU: a task running on that lane's thread</text>"), parallel);
        assertTrue(!parallel.contains("one at a time") && !parallel.contains("I/O"), "no I/O in the trace, none in the legend\n" + parallel);
    }

    @Test
    void ticksAreRound() {
        assertEquals(0.2, TraceChart.tickStep(0.8, 6), 1e-12);
        assertEquals(0.5, TraceChart.tickStep(2.4, 6), 1e-12);
        assertEquals(1.0, TraceChart.tickStep(4.9, 6), 1e-12);
        assertEquals(0.02, TraceChart.tickStep(0.1, 6), 1e-12);
        assertEquals("0.4", TraceChart.tickLabel(0.4, 0.2));
        assertEquals("0.04", TraceChart.tickLabel(0.04, 0.02));
        assertEquals("3", TraceChart.tickLabel(3, 1));
        assertEquals("0", TraceChart.tickLabel(0, 0.5));
        String svg = TraceChart.svg(threeTasks(), "t");
        assertTrue(svg.contains(">0.2 s</text>") && svg.contains(">0.8 s</text>") && !svg.contains("0.20 s"), svg);
    }

    @Test
    void segmentsCannotEndBeforeTheyStart() {
        assertThrows(IllegalArgumentException.class, () -> new Segment("t", CPU, "x", 5, 4));
    }
}
