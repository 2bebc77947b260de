package dev.rawpoll.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * The C reference server (native/c/echo_server.c) against a peer that goes away while its data is
 * still queued: the server must go on serving. A reset that arrives after the peer's end of stream
 * makes the next write fail with EPIPE, which raises SIGPIPE, and SIGPIPE's default action ended
 * the server (exit status 141): SoakSmokeTest[c] found it gone when it read its statistics, on a
 * loaded machine, where the server falls behind and data piles up before soakgen closes.
 */
@EnabledOnOs(OS.LINUX)
class CEchoServerTest {
    private static final Path NATIVE_DIR = Path.of(System.getProperty("rawpoll.native.dir", "../java/target/native"));

    @Test
    void survivesAPeerThatResetsAfterItsEndOfStreamWithDataQueued() throws Exception {
        Compare.Server spec = Compare.server("c", NATIVE_DIR);
        try (ServerProcess server = ServerProcess.start(spec.name(), spec.command())) {
            // Stopped, the server reads nothing: more than one read (64 KiB) and the end of stream
            // queue up in its socket, then the peer closes without reading (the first echo makes
            // it answer with a reset, after the end of stream: the next write gets EPIPE).
            signal("-STOP", server.pid());
            try (Socket peer = new Socket(InetAddress.getLoopbackAddress(), server.port)) {
                Thread writer = Thread.ofPlatform().start(() -> {
                    try {
                        peer.getOutputStream().write(new byte[100_000]);
                        peer.shutdownOutput();
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                writer.join(TimeUnit.SECONDS.toMillis(10));
                assertTrue(!writer.isAlive(), "the stopped server's socket did not take 100,000 bytes");
            } finally {
                signal("-CONT", server.pid());
            }
            // Still serving: an echo on a new connection (it comes after the old one's events).
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port)) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write("ping".getBytes());
                InputStream in = s.getInputStream();
                assertArrayEquals("ping".getBytes(), in.readNBytes(4));
            } catch (IOException e) {
                throw new AssertionError("the server is gone (alive: " + server.isAlive() + ")", e);
            }
            assertTrue(server.isAlive());
        }
    }

    private static void signal(String signal, long pid) throws IOException, InterruptedException {
        assertEquals(0, new ProcessBuilder("kill", signal, Long.toString(pid)).inheritIO().start().waitFor());
    }
}
