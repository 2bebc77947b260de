package dev.rawpoll.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * {@code Compare --pin LOADGEN_CPUS/SERVER_CPUS}: the server (every thread of its JVM) and the
 * load generator run on the CPUs given, through {@code taskset -c}.
 */
class PinTest {
    private static final Path NATIVE_DIR = Path.of(System.getProperty("rawpoll.native.dir", "../java/target/native"));

    @Test
    void pinTakesTwoCpuListsAndNamesItselfWhenBad() {
        Compare.Settings s = Compare.Settings.parse(new String[] {"--pin", "0/1"});
        assertEquals("0", s.pinLoadgen);
        assertEquals("1", s.pinServers);
        assertTrue(s.describe().endsWith("; load generator pinned to CPU 0, servers to CPU 1"), s.describe());
        Compare.Settings unpinned = Compare.Settings.parse(new String[0]);
        assertNull(unpinned.pinLoadgen);
        assertTrue(!unpinned.describe().contains("pinned"), unpinned.describe());
        for (String bad : new String[] {"0", "0/", "/1", "0/1/2"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Compare.Settings.parse(new String[] {"--pin", bad}));
            assertTrue(e.getMessage().startsWith("--pin takes LOADGEN_CPUS/SERVER_CPUS"), e.getMessage());
        }
    }

    /** A pinned server's JVM may run on CPU 0 only, and still echoes for a pinned load generator. */
    @Test
    @EnabledOnOs(value = OS.LINUX, architectures = "amd64", disabledReason = "the echo servers' rawpoll sockets are Linux x86-64 only so far; taskset is Linux's")
    void pinnedServerAndLoadgenRunWhereTold() throws Exception {
        Compare.Server spec = Compare.server("callbacks", NATIVE_DIR);
        try (ServerProcess server = ServerProcess.start(spec.name(), Loadgen.pinned("0", spec.command()))) {
            String status = Files.readString(Path.of("/proc/" + server.pid() + "/status"));
            assertTrue(status.contains("Cpus_allowed_list:\t0\n"), status);
            Loadgen.cpus = "0";
            try {
                Loadgen.Result r = Loadgen.run(NATIVE_DIR, server.port, 4, 64, 0.3, 0.2, server.pid(), () -> { });
                assertTrue(r.roundTrips() > 0 && r.bytesVerified() >= r.roundTrips() * 64, r.toString());
            } finally {
                Loadgen.cpus = null;
            }
        }
    }
}
