package dev.rawpoll.bsd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rawpoll.internal.Platform;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * Runs native/bsd/abi_probe_socket.c, compiled by CMake from the system's real {@code
 * <sys/socket.h>} and friends, and compares every size, offset and constant it prints with the
 * table {@link BsdSockets} picked for this OS (from native/bsd/socket.h, written without a BSD
 * sysroot). Runs only on macOS and FreeBSD: in the GitHub macOS job, which fails if it was skipped.
 * On Linux, {@link BsdSocketHeaderValuesTest} checks the transcription instead.
 */
@EnabledOnOs(value = {OS.MAC, OS.FREEBSD}, disabledReason = "needs the real BSD headers: macOS/FreeBSD only")
class BsdSocketAbiProbeTest {

    @Test
    void theTableMatchesTheRealHeaders() throws Exception {
        String dir = System.getProperty("rawpoll.native.dir");
        assertTrue(dir != null, "system property rawpoll.native.dir is not set (run through Maven)");
        Path exe = Path.of(dir, "abi_probe_socket_bsd");
        assertTrue(Files.isExecutable(exe), exe + " was not built (CMake builds it on macOS and FreeBSD)");
        Process p = new ProcessBuilder(exe.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "probe hung");
        assertEquals(0, p.exitValue(), out);
        Map<String, Long> probed = new TreeMap<>();
        for (String line : out.split("\n")) {
            if (!line.isBlank()) {
                int eq = line.lastIndexOf('=');
                probed.put(line.substring(0, eq), Long.parseLong(line.substring(eq + 1).trim()));
            }
        }
        assertEquals(probed, new TreeMap<>(Platform.sockets().abi().values()));
    }
}
