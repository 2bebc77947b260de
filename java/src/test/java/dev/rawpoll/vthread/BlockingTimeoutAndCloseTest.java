package dev.rawpoll.vthread;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** java.net's timeouts (SO_TIMEOUT on read and accept, connect with a timeout) and close from another thread. */
@EnabledOnOs(OS.LINUX)
@Timeout(60)
class BlockingTimeoutAndCloseTest extends BlockingFixture {

    @Test
    void aReadTimesOutAndTheSocketStaysUsable() throws Exception {
        BlockingTcpStream[] p = pair();
        p[1].setSoTimeout(200);
        long start = System.nanoTime();
        SocketTimeoutException e = assertThrows(SocketTimeoutException.class, () -> p[1].read(new byte[1], 0, 1));
        assertEquals("Read timed out", e.getMessage());
        assertTrue(System.nanoTime() - start >= 200_000_000L, "not before the timeout");
        assertTrue(p[1].isOpen());
        p[0].writeAll("ok".getBytes());
        assertArrayEquals("ok".getBytes(), p[1].readFully(new byte[2]));
    }

    @Test
    void aTimedReadParksWithoutSpinning() throws Exception {
        BlockingTcpStream[] p = pair();
        p[1].setSoTimeout(400);
        Run run = new Run(Thread.ofPlatform().daemon(), false, () -> p[1].read(new byte[1], 0, 1));
        assertInstanceOf(SocketTimeoutException.class, run.join());
        assertTrue(run.cpuNanos < run.wallNanos / 4,
                () -> "CPU " + run.cpuNanos / 1_000_000 + " ms over " + run.wallNanos / 1_000_000 + " ms");
    }

    @Test
    void anAcceptTimesOutAndTheListenerStaysUsable() throws Exception {
        BlockingTcpListener listener = closeLater(io.bind(LOOPBACK, 8));
        listener.setSoTimeout(150);
        SocketTimeoutException e = assertThrows(SocketTimeoutException.class, listener::accept);
        assertEquals("Accept timed out", e.getMessage());
        closeLater(io.connect(listener.localAddress()));
        closeLater(listener.accept());
    }

    @Test
    void aConnectTimesOutAndClosesItsSocket() throws Exception {
        InetSocketAddress address = unansweredAddress(); // itself ends on a connect that timed out
        long start = System.nanoTime();
        SocketTimeoutException e = assertThrows(SocketTimeoutException.class, () -> closeLater(io.connect(address, 200)));
        assertEquals("Connect timed out", e.getMessage());
        assertTrue(System.nanoTime() - start >= 200_000_000L, "not before the timeout");
        // The fixture's descriptor count shows the timed-out streams closed.
    }

    @Test
    void negativeTimeoutsAreRefused() throws Exception {
        BlockingTcpStream[] p = pair();
        assertThrows(IllegalArgumentException.class, () -> p[0].setSoTimeout(-1));
        assertThrows(IllegalArgumentException.class, () -> io.connect(LOOPBACK, -1));
    }

    @Test
    void closeReleasesAThreadParkedInAWrite() throws Exception {
        BlockingTcpStream[] p = pair();
        fillSendBuffer(p[0], p[1]);
        Run run = new Run(Thread.ofVirtual(), false, () -> p[0].write(new byte[10], 0, 10)).awaitParked();
        p[0].close();
        SocketException e = assertInstanceOf(SocketException.class, run.join());
        assertEquals("Socket closed", e.getMessage());
    }

    @Test
    void closeReleasesAThreadParkedInAccept() throws Exception {
        BlockingTcpListener listener = closeLater(io.bind(LOOPBACK, 8));
        Run run = new Run(Thread.ofVirtual(), false, listener::accept).awaitParked();
        listener.close();
        assertEquals("Socket closed", assertInstanceOf(SocketException.class, run.join()).getMessage());
        assertEquals("Socket closed", assertThrows(SocketException.class, listener::accept).getMessage());
    }

    @Test
    void everyOperationAfterCloseSaysSocketClosed() throws Exception {
        BlockingTcpStream[] p = pair();
        p[1].close();
        p[1].close(); // idempotent
        assertEquals("Socket closed", assertThrows(SocketException.class, () -> p[1].read(new byte[1], 0, 1)).getMessage());
        assertEquals("Socket closed", assertThrows(SocketException.class, () -> p[1].write(new byte[1], 0, 1)).getMessage());
        assertEquals("Socket closed", assertThrows(SocketException.class, () -> p[1].readFully(new byte[1])).getMessage());
        assertEquals("Socket closed", assertThrows(SocketException.class, () -> p[1].writeAll(new byte[1])).getMessage());
        assertEquals("Socket closed", assertThrows(SocketException.class, p[1]::localAddress).getMessage());
        assertEquals("Socket closed", assertThrows(SocketException.class, p[1]::remoteAddress).getMessage());
        assertEquals("Socket closed", assertThrows(SocketException.class, p[1]::shutdownOutput).getMessage());
        assertFalse(p[1].isOpen());
    }

    /**
     * Close from another thread while a reader is inside recv (not parked): data flows all the
     * time, so the reader is almost always in a call. Before the close protocol, close() threw
     * IllegalStateException (the call held the socket's native memory) or the reader did.
     */
    @Test
    void closeWhileAReadIsInFlight() throws Exception {
        for (int round = 0; round < 100; round++) {
            BlockingTcpStream[] p = pair();
            AtomicBoolean stop = new AtomicBoolean();
            Thread feeder = Thread.ofPlatform().daemon().start(() -> {
                byte[] chunk = new byte[512];
                try {
                    while (!stop.get()) p[0].write(chunk, 0, chunk.length);
                } catch (IOException e) {
                    // the peer closed
                }
            });
            Run reader = new Run(Thread.ofPlatform().daemon(), false, () -> {
                byte[] b = new byte[64];
                for (;;) p[1].read(b, 0, b.length);
            });
            Thread.sleep(2);
            p[1].close(); // must not throw
            Object outcome = reader.join();
            stop.set(true);
            p[0].close();
            feeder.join(10_000);
            SocketException e = assertInstanceOf(SocketException.class, outcome, () -> "got " + outcome);
            assertEquals("Socket closed", e.getMessage());
            assertFalse(feeder.isAlive());
        }
    }

    /** The same for a writer inside send while the peer reads all the time. */
    @Test
    void closeWhileAWriteIsInFlight() throws Exception {
        for (int round = 0; round < 100; round++) {
            BlockingTcpStream[] p = pair();
            Thread drain = Thread.ofPlatform().daemon().start(() -> {
                byte[] b = new byte[4096];
                try {
                    while (p[1].read(b, 0, b.length) >= 0) {
                        // discard
                    }
                } catch (IOException e) {
                    // reset or closed
                }
            });
            Run writer = new Run(Thread.ofPlatform().daemon(), false, () -> {
                byte[] chunk = new byte[64];
                for (;;) p[0].write(chunk, 0, chunk.length);
            });
            Thread.sleep(2);
            p[0].close();
            Object outcome = writer.join();
            drain.join(10_000);
            SocketException e = assertInstanceOf(SocketException.class, outcome, () -> "got " + outcome);
            assertEquals("Socket closed", e.getMessage());
            assertFalse(drain.isAlive());
        }
    }
}
