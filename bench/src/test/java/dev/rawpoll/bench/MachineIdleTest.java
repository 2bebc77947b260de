package dev.rawpoll.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The machine idle column of the echo report, from the real /proc/stat. */
class MachineIdleTest {
    @Test
    void theCpuLineGivesIdlePlusIowaitOverTheEightFields() {
        MachineIdle m = MachineIdle.parse("cpu  100 20 30 400 50 6 7 8 9 10");
        assertEquals(450, m.idleTicks());
        assertEquals(621, m.totalTicks());
        MachineIdle later = MachineIdle.parse("cpu  200 20 30 450 50 6 7 8 9 10");
        assertEquals(100.0 * 50 / 150, later.percentSince(m), 1e-9);
        assertTrue(Double.isNaN(m.percentSince(m)), "no tick passed");
        assertTrue(Double.isNaN(m.percentSince(null)));
    }

    @Test
    void anotherLineIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> MachineIdle.parse("cpu0 1 2 3 4 5 6 7 8"));
        assertThrows(IllegalArgumentException.class, () -> MachineIdle.parse("cpu 1 2 3"));
    }

    @Test
    void everyCpuSpinningLeavesLittleIdle() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> spinners = new ArrayList<>();
        for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
            spinners.add(Thread.ofPlatform().start(() -> {
                while (!stop.get()) Thread.onSpinWait();
            }));
        }
        try {
            Thread.sleep(100); // every spinner running
            MachineIdle start = MachineIdle.sample();
            assertNotNull(start, "/proc/stat");
            Thread.sleep(500);
            double idle = MachineIdle.sample().percentSince(start);
            assertTrue(idle >= 0 && idle < 40, "idle " + idle + " % with a spinner per CPU");
        } finally {
            stop.set(true);
            for (Thread t : spinners) t.join();
        }
    }

    @Test
    void theReportGivesTheMedianOfTheRepetitions() {
        Compare.Cell cell = new Compare.Cell();
        for (double idle : new double[] {20, 5, 10}) {
            cell.runs.add(new Loadgen.Result(1000, 64, 1.0, 50_000, 50_000, 50_000 * 64, 10, 20, 10, 0, 100));
            cell.machineIdlePercent.add(idle);
        }
        Map<String, Compare.Cell> row = new LinkedHashMap<>();
        row.put("rawpoll callbacks 2 loops", cell);
        String md = Report.markdown(Compare.Settings.quick(), Map.of(new Compare.Point(1000, 64), row), false);
        assertTrue(md.contains("| JIT in window | machine idle % |"), md);
        assertTrue(md.lines().anyMatch(l -> l.startsWith("| 1,000 | 64 | rawpoll callbacks 2 loops |") && l.endsWith("| 10.0 |")), md);
    }
}
