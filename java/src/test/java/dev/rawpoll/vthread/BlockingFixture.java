package dev.rawpoll.vthread;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rawpoll.TestFds;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** An adapter per test, descriptors counted before and after, and the helpers the blocking tests share. */
abstract class BlockingFixture {
    static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 0);

    private long fdsBefore;
    BlockingSockets io;
    /** Closed after each test, before the descriptor count; added to from test threads too. */
    final List<AutoCloseable> toClose = new CopyOnWriteArrayList<>();

    @BeforeEach
    void openAdapter() throws IOException {
        fdsBefore = TestFds.openFdCount();
        io = openSockets();
    }

    /** The adapter under test: the default pollers; subclasses run the same tests on the other mode. */
    BlockingSockets openSockets() throws IOException {
        return BlockingSockets.open();
    }

    @AfterEach
    void closeAdapter() throws Exception {
        for (AutoCloseable c : toClose.reversed()) c.close();
        io.close();
        assertEquals(fdsBefore, TestFds.openFdCount(), TestFds::describeOpenFds);
    }

    <T extends AutoCloseable> T closeLater(T c) {
        toClose.add(c);
        return c;
    }

    /** A connected pair: [0] the client, [1] the accepted side; both closed after the test. */
    BlockingTcpStream[] pair() throws IOException {
        BlockingTcpListener listener = closeLater(io.bind(LOOPBACK, 8));
        BlockingTcpStream client = closeLater(io.connect(listener.localAddress()));
        BlockingTcpStream server = closeLater(listener.accept());
        return new BlockingTcpStream[] {client, server};
    }

    /**
     * Fills the send buffer of {@code s} (its peer {@code peer} is not reading) so that the next
     * write parks: small fixed buffers on both ends (no autotuning), written until the kernel has
     * stayed full across a pause.
     */
    static void fillSendBuffer(BlockingTcpStream s, BlockingTcpStream peer) throws IOException, InterruptedException {
        peer.stream().setReceiveBufferSize(4096);
        s.stream().setSendBufferSize(4096);
        byte[] chunk = new byte[4096];
        for (int pass = 0; pass < 100; pass++) {
            int written = 0;
            while (s.stream().write(chunk, 0, chunk.length) != dev.rawpoll.net.TcpStream.WOULD_BLOCK) {
                written++;
            }
            if (written == 0 && pass > 0) return;
            Thread.sleep(20);
        }
        throw new AssertionError("the send buffer never stayed full");
    }

    /**
     * A listener whose accept queue is full (nobody accepts), so that a further connect stays in
     * SYN_SENT: the kernel drops its SYN. Returns its address; the sockets are closed after the test.
     */
    InetSocketAddress unansweredAddress() throws IOException {
        BlockingTcpListener full = closeLater(io.bind(LOOPBACK, 1));
        InetSocketAddress address = full.localAddress();
        for (int i = 0; i < 10; i++) {
            try {
                closeLater(io.connect(address, 300));
            } catch (SocketTimeoutException e) {
                return address; // this one was not answered: the queue is full
            }
        }
        throw new AssertionError("10 connects to a listener with backlog 1 were all answered");
    }

    /** The outcome of {@code call} run on a new thread: what it returned or threw, with the thread's CPU use. */
    static final class Run {
        final Thread thread;
        final AtomicReference<Object> outcome = new AtomicReference<>();
        volatile boolean interruptedAtEnd;
        volatile long cpuNanos = -1;
        volatile long wallNanos = -1;

        Run(Thread.Builder builder, boolean interruptFirst, Callable<?> call) {
            thread = builder.unstarted(() -> {
                long wall0 = System.nanoTime();
                long cpu0 = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
                if (interruptFirst) Thread.currentThread().interrupt();
                try {
                    outcome.set(call.call());
                } catch (Throwable e) {
                    outcome.set(e);
                }
                interruptedAtEnd = Thread.currentThread().isInterrupted();
                cpuNanos = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - cpu0;
                wallNanos = System.nanoTime() - wall0;
            });
            thread.start();
        }

        /** Waits until the thread is parked (WAITING or TIMED_WAITING). */
        Run awaitParked() throws InterruptedException {
            for (;;) {
                Thread.State s = thread.getState();
                if (s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING) return this;
                assertTrue(thread.isAlive(), () -> "ended before parking: " + outcome.get());
                Thread.sleep(5);
            }
        }

        Object join() throws InterruptedException {
            thread.join(10_000);
            assertTrue(!thread.isAlive(), "still running 10 s later");
            return outcome.get();
        }
    }
}
