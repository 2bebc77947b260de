package dev.rawpoll.vthread;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Interrupting a thread that waits in a blocking operation: java.net's behaviour on a virtual
 * thread (the socket is closed, {@code SocketException("Closed by interrupt")}, the interrupt
 * status stays set), for virtual and platform threads, interrupted while parked or before the call.
 */
@EnabledOnOs(OS.LINUX)
@Timeout(60)
class BlockingInterruptTest extends BlockingFixture {

    private static Thread.Builder builder(boolean virtual) {
        return virtual ? Thread.ofVirtual() : Thread.ofPlatform().daemon();
    }

    /** Runs {@code op}, interrupts it (while parked, or before it starts), checks the outcome. */
    private static void interrupt(boolean virtual, boolean before, AutoCloseableCheck socket, Callable<?> op)
            throws Exception {
        Run run = new Run(builder(virtual), before, op);
        if (!before) {
            run.awaitParked();
            run.thread.interrupt();
        }
        Object outcome = run.join();
        SocketException e = assertInstanceOf(SocketException.class, outcome, () -> "got " + outcome);
        assertEquals("Closed by interrupt", e.getMessage());
        assertTrue(run.interruptedAtEnd, "the interrupt status stays set");
        assertFalse(socket.isOpen(), "the socket is closed");
    }

    private interface AutoCloseableCheck {
        boolean isOpen();
    }

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {true, false})
    void readWhileParked(boolean virtual) throws Exception {
        BlockingTcpStream[] p = pair();
        interrupt(virtual, false, p[1]::isOpen, () -> p[1].read(new byte[1], 0, 1));
        assertEquals(-1, p[0].read(new byte[1], 0, 1), "the peer sees the socket closed");
    }

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {true, false})
    void readInterruptedBeforeTheCall(boolean virtual) throws Exception {
        BlockingTcpStream[] p = pair();
        interrupt(virtual, true, p[1]::isOpen, () -> p[1].read(new byte[1], 0, 1));
    }

    @Test
    void readWithDataThereCompletesDespiteTheInterrupt() throws Exception {
        BlockingTcpStream[] p = pair();
        p[0].writeAll("x".getBytes());
        Thread.sleep(20); // loopback delivers at once; let it land
        Run run = new Run(builder(true), true, () -> p[1].readFully(new byte[1]));
        assertArrayEquals("x".getBytes(), (byte[]) run.join());
        assertTrue(run.interruptedAtEnd);
        assertTrue(p[1].isOpen(), "an operation that did not wait leaves the socket open, as java.net");
    }

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {true, false})
    void readFullyWhileParkedHalfway(boolean virtual) throws Exception {
        BlockingTcpStream[] p = pair();
        p[0].writeAll("ab".getBytes());
        interrupt(virtual, false, p[1]::isOpen, () -> p[1].readFully(new byte[4]));
    }

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {true, false})
    void writeWhileParked(boolean virtual) throws Exception {
        BlockingTcpStream[] p = pair();
        fillSendBuffer(p[0], p[1]);
        interrupt(virtual, false, p[0]::isOpen, () -> p[0].write(new byte[100], 0, 100));
    }

    @Test
    void writeAllInterruptedBeforeTheCall() throws Exception {
        BlockingTcpStream[] p = pair();
        fillSendBuffer(p[0], p[1]);
        interrupt(true, true, p[0]::isOpen, () -> {
            p[0].writeAll(new byte[100_000]);
            return null;
        });
    }

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {true, false})
    void acceptWhileParked(boolean virtual) throws Exception {
        BlockingTcpListener listener = closeLater(io.bind(LOOPBACK, 8));
        interrupt(virtual, false, listener::isOpen, listener::accept);
    }

    @Test
    void acceptInterruptedBeforeTheCall() throws Exception {
        BlockingTcpListener listener = closeLater(io.bind(LOOPBACK, 8));
        interrupt(true, true, listener::isOpen, listener::accept);
    }

    @ParameterizedTest(name = "before the call={0}")
    @ValueSource(booleans = {true, false})
    void connect(boolean before) throws Exception {
        InetSocketAddress address = unansweredAddress();
        Run run = new Run(builder(true), before, () -> closeLater(io.connect(address)));
        if (!before) {
            run.awaitParked();
            run.thread.interrupt();
        }
        Object outcome = run.join();
        SocketException e = assertInstanceOf(SocketException.class, outcome, () -> "got " + outcome);
        assertEquals("Closed by interrupt", e.getMessage());
        assertTrue(run.interruptedAtEnd);
        // The stream was closed by connect itself: the descriptor count of the fixture checks it.
    }

    /**
     * The original report: an interrupted platform thread in read burnt a core until data came.
     * Its CPU time over the whole read (parked ~300 ms, then interrupted) is a small part of the
     * elapsed time; a spin after the interrupt would make it about all of it.
     */
    @Test
    void anInterruptedReadDoesNotSpin() throws Exception {
        BlockingTcpStream[] p = pair();
        Run run = new Run(builder(false), false, () -> p[1].read(new byte[1], 0, 1));
        run.awaitParked();
        Thread.sleep(300);
        run.thread.interrupt();
        run.thread.join(1_000);
        if (run.thread.isAlive()) {
            p[0].writeAll("x".getBytes()); // releases a reader that ignored the interrupt
        }
        run.join();
        assertInstanceOf(SocketException.class, run.outcome.get());
        assertTrue(run.cpuNanos < run.wallNanos / 4,
                () -> "CPU " + run.cpuNanos / 1_000_000 + " ms over " + run.wallNanos / 1_000_000 + " ms: spinning");
    }
}
