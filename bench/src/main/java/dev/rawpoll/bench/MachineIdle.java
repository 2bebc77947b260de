package dev.rawpoll.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The machine's idle share over a window, from the {@code cpu} line of {@code /proc/stat} (all
 * CPUs, in clock ticks): idle and iowait over user, nice, system, idle, iowait, irq, softirq and
 * steal. It is the CPU time nothing ran on, neither the server nor the load generator nor anything
 * else; in a virtual machine that is the time its CPUs were halted. Issue 16 reads it: a 1-loop
 * server and the load generator keep this 2-core machine busy, and a 2-loop server leaves part of it
 * idle. Linux only; elsewhere {@link #sample} returns null.
 *
 * @param idleTicks idle + iowait, in clock ticks since boot
 * @param totalTicks the eight fields summed
 */
record MachineIdle(long idleTicks, long totalTicks) {
    private static final Path STAT = Path.of("/proc/stat");

    /** Now, or null where there is no {@code /proc/stat} (or it cannot be read). */
    static MachineIdle sample() {
        try {
            return parse(Files.readAllLines(STAT).getFirst());
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The {@code cpu} line: "cpu  user nice system idle iowait irq softirq steal [guest guest_nice]". */
    static MachineIdle parse(String cpuLine) {
        String[] f = cpuLine.trim().split("\\s+");
        if (!f[0].equals("cpu") || f.length < 9) {
            throw new IllegalArgumentException("not the cpu line of /proc/stat: " + cpuLine);
        }
        long total = 0;
        for (int i = 1; i <= 8; i++) total += Long.parseLong(f[i]);
        return new MachineIdle(Long.parseLong(f[4]) + Long.parseLong(f[5]), total);
    }

    /** The idle share from {@code start} to this sample, in percent; NaN if either is null or no tick passed. */
    double percentSince(MachineIdle start) {
        if (start == null || totalTicks <= start.totalTicks) return Double.NaN;
        return 100.0 * (idleTicks - start.idleTicks) / (totalTicks - start.totalTicks);
    }
}
