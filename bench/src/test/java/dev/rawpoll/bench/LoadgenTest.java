package dev.rawpoll.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * The C load generator (native/c/loadgen.c) against a server that resets its connection while
 * loadgen is still sending: loadgen must end with its error status (1) and say which call failed
 * with which errno, not vanish. A reset that comes after the server's end of stream makes
 * loadgen's next write fail with EPIPE, which raises SIGPIPE; its default action killed loadgen
 * silently (exit status 141). The same fix and its story for the C server: {@link CEchoServerTest}.
 *
 * <p>The server here never reads, and each message (16 MiB) is larger than both socket buffers, so
 * loadgen is always part-way through a write. It is stopped (SIGSTOP) while the server closes, so
 * that the end of stream and the reset both arrive before it runs again: its first step after
 * that is a write.
 */
@EnabledOnOs(OS.LINUX)
class LoadgenTest {
    private static final Path NATIVE_DIR = Path.of(System.getProperty("rawpoll.native.dir", "../java/target/native"));
    private static final int MESSAGE = 16 << 20;

    @Test
    void aResetAfterTheServersEndOfStreamIsReportedAsAFailedWriteNotASigpipe() throws Exception {
        String out = runAgainstAServerThatCloses(true);
        assertTrue(out.contains("connection 0: write: Broken pipe (errno 32)"), out);
    }

    /** A reset with no end of stream before it: the first write after it gets ECONNRESET (no signal). */
    @Test
    void aResetAloneIsReportedAsAFailedWrite() throws Exception {
        String out = runAgainstAServerThatCloses(false);
        assertTrue(out.contains("connection 0: write: Connection reset by peer (errno 104)"), out);
    }

    /** loadgen's standard output and error once it ended with status 1 (asserted). */
    private static String runAgainstAServerThatCloses(boolean endOfStreamFirst) throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Process loadgen = new ProcessBuilder(Loadgen.executable(NATIVE_DIR).toString(),
                    "-p", Integer.toString(listener.getLocalPort()), "-c", "1", "-s", Integer.toString(MESSAGE),
                    "-d", "30", "-w", "0").redirectErrorStream(true).start();
            try {
                loadgen.getOutputStream().close();
                try (Socket accepted = listener.accept()) {
                    awaitBytes(accepted.getInputStream());
                    signal("-STOP", loadgen.pid());
                    try {
                        awaitState(loadgen.pid(), 'T');
                        if (endOfStreamFirst) {
                            accepted.shutdownOutput();
                        }
                        accepted.setSoLinger(true, 0);
                    } finally {
                        accepted.close(); // a reset: SO_LINGER 0, and unread data
                        signal("-CONT", loadgen.pid());
                    }
                }
                assertTrue(loadgen.waitFor(20, TimeUnit.SECONDS), "loadgen went on after its connection was reset");
                String out = new String(loadgen.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertEquals(1, loadgen.exitValue(), "exit status (141: killed by SIGPIPE); output: " + out);
                return out;
            } finally {
                loadgen.destroyForcibly().waitFor();
            }
        }
    }

    /** Until loadgen's first bytes have arrived: it is in its write loop or waiting to write more. */
    private static void awaitBytes(InputStream in) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (in.available() == 0) {
            assertTrue(System.nanoTime() < deadline, "loadgen sent nothing");
            Thread.sleep(10);
        }
    }

    /** A signal is sent, not yet taken, when kill returns: waits until /proc shows the state. */
    private static void awaitState(long pid, char state) throws IOException, InterruptedException {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        for (;;) {
            String line = Files.readString(stat);
            if (line.charAt(line.lastIndexOf(')') + 2) == state) return;
            assertTrue(System.nanoTime() < deadline, "loadgen never reached state " + state + ": " + line);
            Thread.sleep(5);
        }
    }

    private static void signal(String signal, long pid) throws IOException, InterruptedException {
        assertEquals(0, new ProcessBuilder("kill", signal, Long.toString(pid)).inheritIO().start().waitFor());
    }
}
