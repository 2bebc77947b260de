package dev.rawpoll.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a server process holds at one moment, as the soak reports it: open descriptors and
 * resident memory from {@code /proc/PID}, and for a JVM, after a full GC ({@code jcmd GC.run}),
 * the heap in use ({@code GC.heap_info}) and the native memory it has committed (Native Memory
 * Tracking, {@code VM.native_memory summary}: the JVM must run with
 * {@code -XX:NativeMemoryTracking=summary}). Sizes in KiB; -1 where not measured.
 */
record ProcessStats(long openFds, long rssKiB, long heapUsedKiB, long nmtCommittedKiB, long nmtHeapCommittedKiB, long nmtMallocKiB) {
    private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");
    private static final Pattern NMT_TOTAL = Pattern.compile("Total: reserved=(\\d+)KB, committed=(\\d+)KB");
    private static final Pattern NMT_MALLOC = Pattern.compile("malloc: (\\d+)KB");
    private static final Pattern NMT_HEAP = Pattern.compile("Java Heap \\(reserved=\\d+KB, committed=(\\d+)KB");

    /** What NMT counts outside the Java heap (whose committed size follows the GC's sizing). */
    long nmtOutsideHeapKiB() {
        return nmtCommittedKiB < 0 || nmtHeapCommittedKiB < 0 ? -1 : nmtCommittedKiB - nmtHeapCommittedKiB;
    }

    static ProcessStats of(long pid, boolean jvm) throws IOException, InterruptedException {
        long fds;
        try (var list = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            fds = list.count();
        }
        long heap = -1, nmt = -1, nmtHeap = -1, malloc = -1;
        if (jvm) {
            jcmd(pid, "GC.run");
            heap = first(HEAP_USED, jcmd(pid, "GC.heap_info"), 1);
            String summary = jcmd(pid, "VM.native_memory", "summary");
            nmt = first(NMT_TOTAL, summary, 2);
            nmtHeap = first(NMT_HEAP, summary, 1);
            malloc = first(NMT_MALLOC, summary, 1);
        }
        return new ProcessStats(fds, rssKiB(pid), heap, nmt, nmtHeap, malloc);
    }

    /** VmRSS of /proc/PID/status. */
    static long rssKiB(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    private static long first(Pattern pattern, String text, int group) {
        Matcher m = pattern.matcher(text);
        return m.find() ? Long.parseLong(m.group(group)) : -1;
    }

    /** Runs jcmd of this JDK against {@code pid}; its output, or an exception naming the command. */
    static String jcmd(long pid, String... command) throws IOException, InterruptedException {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        List<String> line = new java.util.ArrayList<>(List.of(jcmd, Long.toString(pid)));
        line.addAll(List.of(command));
        Process p = new ProcessBuilder(line).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("jcmd " + pid + " " + String.join(" ", command) + " failed: " + out.strip());
        }
        return out;
    }

    static String kib(long kib) {
        return kib < 0 ? "–" : String.format(Locale.ROOT, "%,.1f MiB", kib / 1024.0);
    }
}
