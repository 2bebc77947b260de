package dev.rawpoll.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Counts the system calls of a process (all its threads) for a fixed time with {@code perf stat -e
 * raw_syscalls:sys_enter -p PID}: a tracepoint counter, far less intrusive than strace, but it
 * still adds a little to every system call, so Compare counts in a separate pass and never in the
 * repetitions its CPU times come from.
 */
final class PerfSyscalls {
    private final Process perf;
    private final double seconds;

    private PerfSyscalls(Process perf, double seconds) {
        this.perf = perf;
        this.seconds = seconds;
    }

    /** Whether perf runs here and may read the syscall tracepoint (root, or perf_event_paranoid &le; -1). */
    static boolean available() {
        try {
            Process p = new ProcessBuilder("perf", "stat", "-x,", "-e", "raw_syscalls:sys_enter", "--", "true")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0 && parseCount(out) > 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    static PerfSyscalls start(long pid, double seconds) throws IOException {
        Process p = new ProcessBuilder("perf", "stat", "-x,", "-e", "raw_syscalls:sys_enter", "-p", Long.toString(pid),
                "--", "sleep", String.format(Locale.ROOT, "%.3f", seconds))
                .redirectErrorStream(true).start();
        return new PerfSyscalls(p, seconds);
    }

    /** System calls per second over the counted time. */
    double finishPerSecond() throws IOException, InterruptedException {
        String out = new String(perf.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        perf.waitFor();
        long count = parseCount(out);
        if (count < 0) {
            throw new IOException("unexpected perf output: " + out.strip());
        }
        return count / seconds;
    }

    /** The count of the {@code -x,} line {@code 1234,,raw_syscalls:sys_enter,...}; -1 if absent. */
    static long parseCount(String perfOutput) {
        for (String line : perfOutput.split("\n")) {
            String[] fields = line.split(",");
            if (fields.length > 2 && fields[2].startsWith("raw_syscalls:sys_enter")) {
                try {
                    return Long.parseLong(fields[0].trim());
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return -1;
    }
}
