package dev.rawpoll.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs the C load generator ({@code native/c/loadgen.c}) and reads its one-line JSON result. */
final class Loadgen {
    private Loadgen() {}

    /** What one run measured; CPU fields are 0 when no server pid was given. */
    record Result(int connections, int size, double seconds, long roundTrips, double roundTripsPerSecond,
                  long bytesVerified, double p50Micros, double p99Micros,
                  long serverUserTicks, long serverSystemTicks, long ticksPerSecond) {

        double userMicrosPerRoundTrip() {
            return perRoundTrip(serverUserTicks);
        }

        double systemMicrosPerRoundTrip() {
            return perRoundTrip(serverSystemTicks);
        }

        private double perRoundTrip(long ticks) {
            return roundTrips == 0 || ticksPerSecond == 0 ? Double.NaN : ticks * 1e6 / ticksPerSecond / roundTrips;
        }
    }

    /** A run that failed: the load generator's exit status and what it printed. */
    static final class Failure extends IOException {
        Failure(String message) {
            super(message);
        }
    }

    /** The CPUs the load generator runs on ({@code taskset -c} list, set by {@code Compare --pin}); null: any. */
    static volatile String cpus;

    /** {@code command} run with {@code taskset -c cpus}: on those CPUs only. */
    static List<String> pinned(String cpus, List<String> command) {
        List<String> pinned = new ArrayList<>(List.of("taskset", "-c", cpus));
        pinned.addAll(command);
        return pinned;
    }

    static Path executable(Path nativeDir) throws IOException {
        Path loadgen = nativeDir.resolve("loadgen");
        if (!Files.isExecutable(loadgen)) {
            throw new IOException(loadgen + " is missing: build native/ first (./mvnw -B -q package, or cmake)");
        }
        return loadgen;
    }

    /**
     * Runs one point against {@code port}; {@code onMeasuring} runs when the measured window opens
     * (after the warmup), so that a caller can start counters of its own.
     */
    static Result run(Path nativeDir, int port, int connections, int size, double seconds, double warmupSeconds,
                      long serverPid, Runnable onMeasuring) throws IOException, InterruptedException {
        return run(nativeDir, port, connections, size, seconds, warmupSeconds, serverPid, onMeasuring, () -> { });
    }

    /** As above; {@code onMeasured} runs when the measured window closes (before loadgen's connections do). */
    static Result run(Path nativeDir, int port, int connections, int size, double seconds, double warmupSeconds,
                      long serverPid, Runnable onMeasuring, Runnable onMeasured) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(executable(nativeDir).toString(),
                "-p", Integer.toString(port), "-c", Integer.toString(connections), "-s", Integer.toString(size),
                "-d", Double.toString(seconds), "-w", Double.toString(warmupSeconds)));
        if (serverPid > 0) {
            command.addAll(List.of("-P", Long.toString(serverPid)));
        }
        String on = cpus;
        if (on != null) {
            command = pinned(on, command);
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String result = null;
        StringBuilder other = new StringBuilder();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.equals("{\"event\":\"measuring\"}")) {
                    onMeasuring.run();
                } else if (line.equals("{\"event\":\"measured\"}")) {
                    onMeasured.run();
                } else if (line.startsWith("{\"connections\"")) {
                    result = line;
                } else {
                    other.append(line).append('\n');
                }
            }
        }
        int status = process.waitFor();
        if (status != 0 || result == null) {
            throw new Failure("loadgen " + String.join(" ", command.subList(1, command.size())) + " exited with " + status + ": " + other.toString().strip());
        }
        return parse(result);
    }

    private static final Pattern FIELD = Pattern.compile("\"(\\w+)\":(-?[0-9.]+)");

    /** The loadgen line is flat JSON of numbers only. */
    static Result parse(String json) {
        Map<String, Double> fields = new HashMap<>();
        Matcher m = FIELD.matcher(json);
        while (m.find()) {
            fields.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        return new Result(
                fields.get("connections").intValue(), fields.get("size").intValue(), fields.get("duration_s"),
                fields.get("round_trips").longValue(), fields.get("round_trips_per_s"),
                fields.get("bytes_verified").longValue(), fields.get("p50_us"), fields.get("p99_us"),
                fields.getOrDefault("server_utime_ticks", 0.0).longValue(),
                fields.getOrDefault("server_stime_ticks", 0.0).longValue(),
                fields.getOrDefault("ticks_per_s", 0.0).longValue());
    }
}
