package dev.rawpoll.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The soak's plumbing on real sockets, scaled down: soakgen churns 200 connections against a
 * server for about 3 s (every ending kind happens, every echoed byte is checked, no error of any
 * kind), and the server's descriptors, RSS, heap and native memory can be read while it runs.
 * Nothing here is a performance assertion.
 */
@EnabledOnOs(value = OS.LINUX, architectures = "amd64", disabledReason = "rawpoll's TCP sockets (dev.rawpoll.net) exist for Linux x86-64 only so far")
class SoakSmokeTest {
    private static final Path NATIVE_DIR = Path.of(System.getProperty("rawpoll.native.dir", "../java/target/native"));

    @ParameterizedTest
    @ValueSource(strings = {"c", "callbacks", "tasks"})
    void serverSurvivesChurnWithoutErrors(String name) throws Exception {
        Compare.Server spec = Compare.server(name, NATIVE_DIR, "-XX:NativeMemoryTracking=summary");
        try (ServerProcess server = ServerProcess.start(spec.name(), spec.command())) {
            Process load = new ProcessBuilder(NATIVE_DIR.resolve("soakgen").toString(), "-p", Integer.toString(server.port),
                    "-c", "200", "-r", "400", "-d", "3").redirectError(ProcessBuilder.Redirect.INHERIT).start();
            // Its standard input stays open (its end would stop soakgen at once): -d ends the run.
            String out = new String(load.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            load.getOutputStream().close();
            assertTrue(load.waitFor(30, TimeUnit.SECONDS), "soakgen did not end");
            assertEquals(0, load.exitValue(), out);
            String done = out.lines().filter(l -> l.contains("\"event\":\"done\"")).findFirst().orElseThrow(() -> new AssertionError(out));
            Soak.Counters total = Soak.Counters.parse(done);
            assertTrue(out.contains("\"event\":\"ready\""), "never had 200 connections open: " + out);
            assertTrue(total.get("round_trips") > 200, done);
            for (String ending : new String[] {"closes", "half_closes", "resets", "idles"}) {
                assertTrue(total.get(ending) > 0, "no " + ending + ": " + done);
            }
            for (String kind : Soak.ERROR_KINDS) {
                assertEquals(0, total.get("err_" + kind), kind + " errors: " + done);
            }
            if (name.equals("tasks")) return; // the snapshot (three jcmd runs, ~5 s here) is checked on c and callbacks
            ProcessStats stats = ProcessStats.of(server.pid(), !name.equals("c"));
            assertTrue(stats.openFds() > 0 && stats.rssKiB() > 0, stats.toString());
            if (!name.equals("c")) {
                assertTrue(stats.heapUsedKiB() > 0 && stats.nmtMallocKiB() > 0 && stats.nmtOutsideHeapKiB() > 0, stats.toString());
            }
        }
    }

    /** stdin's end of file is the stop signal: soakgen resets everything and prints its totals at once. */
    @ParameterizedTest
    @ValueSource(strings = {"c"})
    void soakgenStopsAtEndOfInput(String name) throws IOException, InterruptedException {
        Compare.Server spec = Compare.server(name, NATIVE_DIR);
        try (ServerProcess server = ServerProcess.start(spec.name(), spec.command())) {
            Process load = new ProcessBuilder(NATIVE_DIR.resolve("soakgen").toString(), "-p", Integer.toString(server.port),
                    "-c", "50", "-d", "60").redirectError(ProcessBuilder.Redirect.INHERIT).start();
            Thread.sleep(500);
            long stopped = System.nanoTime();
            load.getOutputStream().close();
            String out = new String(load.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(load.waitFor(10, TimeUnit.SECONDS), "soakgen ignored the end of its input");
            assertTrue(System.nanoTime() - stopped < TimeUnit.SECONDS.toNanos(10));
            assertTrue(out.contains("\"event\":\"done\""), out);
        }
    }
}
