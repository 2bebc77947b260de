package dev.rawpoll.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The variants table of the echo report: each 2-loop or io_uring row against its 1-loop epoll form and Netty's. */
class ReportVariantsTest {
    private static Compare.Cell cell(double roundTripsPerSecond, long userTicks) {
        Compare.Cell cell = new Compare.Cell();
        long roundTrips = (long) roundTripsPerSecond;
        cell.runs.add(new Loadgen.Result(1000, 64, 1.0, roundTrips, roundTripsPerSecond, roundTrips * 64, 10, 20, userTicks, 0, 100));
        return cell;
    }

    @Test
    void variantsAreRatioedToTheirOwnFormAndToNettys() {
        Map<String, Compare.Cell> row = new LinkedHashMap<>();
        row.put("Netty", cell(40_000, 10));
        row.put("rawpoll callbacks", cell(50_000, 10));
        row.put("Netty 2 loops", cell(60_000, 10));
        row.put("rawpoll callbacks 2 loops", cell(75_000, 10));
        Map<Compare.Point, Map<String, Compare.Cell>> cells = Map.of(new Compare.Point(1000, 64), row);

        String table = Report.variants(cells);
        // 75,000 ÷ 50,000 round trips/s; CPU per round trip: the same ticks over 1.5 times the round trips.
        assertTrue(table.contains("| 1,000 | 64 | rawpoll callbacks 2 loops | rawpoll callbacks | 1.50 | 0.67 | 1.25 (Netty 2 loops) |"), table);
        assertTrue(table.contains("| 1,000 | 64 | Netty 2 loops | Netty | 1.50 | 0.67 | – | 1.50–1.50, 1 of 1 ≥ 1.00 | – |"), table);
        assertEquals(2, table.lines().filter(l -> l.startsWith("| 1,000")).count(), table);
    }

    @Test
    void eachRoundIsRatioedToTheSameRoundOfItsBase() {
        Compare.Cell two = new Compare.Cell();
        Compare.Cell one = new Compare.Cell();
        double[][] rounds = {{90_000, 100_000}, {120_000, 100_000}, {99_600, 100_000}};
        for (double[] r : rounds) {
            two.runs.add(new Loadgen.Result(1000, 64, 1.0, (long) r[0], r[0], 0, 10, 20, 10, 0, 100));
            one.runs.add(new Loadgen.Result(1000, 64, 1.0, (long) r[1], r[1], 0, 10, 20, 10, 0, 100));
        }
        // 0.90, 1.20 and 0.996 (printed 1.00, so level)
        assertEquals("0.90–1.20, 2 of 3 ≥ 1.00", Report.perRepetition(two, one));
        one.runs.removeLast();
        assertEquals("–", Report.perRepetition(two, one), "a failed round: nothing to pair");
    }

    @Test
    void noVariantsNoTable() {
        Map<String, Compare.Cell> row = new LinkedHashMap<>();
        row.put("NIO", cell(40_000, 10));
        row.put("rawpoll tasks", cell(50_000, 10));
        assertEquals("", Report.variants(Map.of(new Compare.Point(100, 64), row)));
    }
}
