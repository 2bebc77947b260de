package dev.rawpoll.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * CPU profiles of a server under load, for {@code Compare --profile}. A JVM server is sampled by
 * async-profiler (its {@code libasyncProfiler.so} comes out of the tools.profiler:async-profiler jar
 * on the class path and is loaded with {@code jcmd PID JVMTI.agent_load}: started when loadgen's
 * measured window opens, stopped with a collapsed-stacks dump when it closes); the C server by
 * {@code perf record}. Each profile is summarised as text: the share of samples in the kernel,
 * then the frames that use the CPU themselves (self) and the user-space frames under which it is
 * used (total).
 */
final class Profiles {
    private Profiles() {}

    private static Path library;

    /** The agent library for this machine, extracted once per run into a temporary file. */
    static synchronized Path agentLibrary() throws IOException {
        if (library != null) return library;
        String arch = System.getProperty("os.arch");
        String dir = arch.equals("amd64") || arch.equals("x86_64") ? "linux-x64" : arch.equals("aarch64") ? "linux-arm64" : null;
        if (dir == null || !System.getProperty("os.name").equals("Linux")) {
            throw new IOException("async-profiler has no library for " + System.getProperty("os.name") + " " + arch + " here");
        }
        try (InputStream in = Profiles.class.getResourceAsStream("/" + dir + "/libasyncProfiler.so")) {
            if (in == null) throw new IOException("libasyncProfiler.so is not on the class path (tools.profiler:async-profiler)");
            Path file = Files.createTempFile("rawpoll-asyncProfiler", ".so");
            file.toFile().deleteOnExit();
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            library = file;
            return file;
        }
    }

    /** A profile being taken; {@link #stop} writes it. */
    interface Session {
        void stop() throws IOException, InterruptedException;
    }

    /** Starts sampling {@code pid}'s CPU (every 1 ms of CPU time); the collapsed stacks go to {@code collapsed}. */
    static Session start(long pid, boolean jvm, Path collapsed, double seconds) throws IOException, InterruptedException {
        if (jvm) {
            String lib = agentLibrary().toString();
            agent(pid, lib, "start,event=cpu,interval=1000000");
            return () -> agent(pid, lib, "stop,collapsed,ann,file=" + collapsed.toAbsolutePath());
        }
        Path data = Files.createTempFile("rawpoll-perf", ".data");
        Process perf = new ProcessBuilder("perf", "record", "-F", "999", "-g", "-p", Long.toString(pid), "-o", data.toString(),
                "--", "sleep", String.format(Locale.ROOT, "%.3f", seconds)).redirectErrorStream(true).start();
        return () -> {
            perf.getInputStream().readAllBytes();
            perf.waitFor(60, TimeUnit.SECONDS);
            Process script = new ProcessBuilder("perf", "script", "-i", data.toString()).redirectErrorStream(false).start();
            String out = new String(script.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            script.waitFor(120, TimeUnit.SECONDS);
            Files.writeString(collapsed, collapsePerfScript(out));
            Files.deleteIfExists(data);
        };
    }

    /**
     * Runs one async-profiler command in {@code pid}. jcmd would take the {@code =} of the options
     * for its own key=value syntax: quoted, they reach the agent whole. The agent's status comes
     * back as "return code: N".
     */
    private static void agent(long pid, String lib, String options) throws IOException, InterruptedException {
        String out = ProcessStats.jcmd(pid, "JVMTI.agent_load", lib, "\"" + options + "\"");
        if (!out.contains("return code: 0")) {
            throw new IOException("async-profiler " + options + " in " + pid + ": " + out.strip());
        }
    }

    /** perf script's blocks (header line, then one frame a line, leaf first) as collapsed stacks, root first. */
    static String collapsePerfScript(String script) {
        Map<String, Long> stacks = new HashMap<>();
        java.util.ArrayDeque<String> frames = new java.util.ArrayDeque<>();
        boolean inSample = false;
        for (String line : (script + "\n").split("\n", -1)) { // -1: keep the blank line that ends the last block
            if (line.isBlank()) {
                if (inSample && !frames.isEmpty()) stacks.merge(String.join(";", frames), 1L, Long::sum);
                frames.clear();
                inSample = false;
            } else if (!Character.isWhitespace(line.charAt(0))) {
                inSample = true;
            } else {
                // "\t ffffffff8100 symbol+0x12 (dso)": keep the symbol, mark kernel frames as async-profiler does
                String[] parts = line.trim().split("\\s+", 3);
                String symbol = parts.length > 1 ? parts[1].replaceAll("\\+0x[0-9a-f]+$", "") : "[unknown]";
                boolean kernel = line.contains("[kernel.kallsyms]");
                frames.addFirst(kernel ? symbol + "_[k]" : symbol);
            }
        }
        StringBuilder sb = new StringBuilder();
        stacks.forEach((stack, count) -> sb.append(stack).append(' ').append(count).append('\n'));
        return sb.toString();
    }

    /** The text summary of a collapsed-stacks file: kernel share, top self frames, top user-space total frames. */
    static String summary(Path collapsed, String title, int top) throws IOException {
        Map<String, Long> self = new HashMap<>();
        Map<String, Long> total = new HashMap<>();
        long samples = 0, kernel = 0;
        for (String line : Files.readAllLines(collapsed)) {
            int space = line.lastIndexOf(' ');
            if (space < 0) continue;
            long count = Long.parseLong(line.substring(space + 1).trim());
            String[] frames = line.substring(0, space).split(";");
            samples += count;
            String leaf = frames[frames.length - 1];
            self.merge(leaf, count, Long::sum);
            if (leaf.endsWith("_[k]")) kernel += count;
            Set<String> seen = new HashSet<>();
            for (String f : frames) {
                if (!f.endsWith("_[k]") && seen.add(f)) total.merge(f, count, Long::sum);
            }
        }
        StringBuilder sb = new StringBuilder(title).append('\n');
        sb.append(String.format(Locale.ROOT, "%,d samples (1 per ms of CPU), %.1f %% in the kernel (frames marked _[k]), %.1f %% in user space%n",
                samples, percent(kernel, samples), percent(samples - kernel, samples)));
        sb.append("(_[j] JIT-compiled Java, _[i] inlined, _[0]/_[1] interpreted/C1, no mark: native or VM code)\n\n");
        sb.append("Self (where the CPU is spent):\n");
        append(sb, self, samples, top);
        sb.append("\nTotal, user-space frames (what the CPU is spent under):\n");
        append(sb, total, samples, top);
        return sb.toString();
    }

    private static void append(StringBuilder sb, Map<String, Long> counts, long samples, int top) {
        List<Map.Entry<String, Long>> sorted = counts.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())).limit(top).toList();
        for (var e : sorted) {
            sb.append(String.format(Locale.ROOT, "%6.2f %%  %s%n", percent(e.getValue(), samples), e.getKey()));
        }
    }

    private static double percent(long part, long whole) {
        return whole == 0 ? 0 : 100.0 * part / whole;
    }
}
