package dev.rawpoll.vthread;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rawpoll.Events;
import dev.rawpoll.Interest;
import dev.rawpoll.Poller;
import dev.rawpoll.TestFds;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * Who touches the registration of a waiting socket, and how often: the waiting thread itself,
 * with one call per wait (register on the first, modify on every later one, deregister once at
 * close), never the polling thread — the JDK's virtual-thread poller pattern.
 */
@EnabledOnOs(OS.LINUX)
@Timeout(60)
class BlockingArmingTest {

    /** One registration call: which, for which handle, on which thread. */
    record Call(String op, long handle, int interest, Thread thread) {}

    /** Forwards to a real poller, recording every registration call. */
    static final class CountingPoller implements Poller {
        final Poller real;
        final List<Call> calls = new CopyOnWriteArrayList<>();

        CountingPoller(Poller real) {
            this.real = real;
        }

        @Override public String backend() { return real.backend(); }
        @Override public void register(long h, int i, long t) throws IOException {
            calls.add(new Call("register", h, i, Thread.currentThread()));
            real.register(h, i, t);
        }
        @Override public void modify(long h, int i, long t) throws IOException {
            calls.add(new Call("modify", h, i, Thread.currentThread()));
            real.modify(h, i, t);
        }
        @Override public void deregister(long h) throws IOException {
            calls.add(new Call("deregister", h, 0, Thread.currentThread()));
            real.deregister(h);
        }
        @Override public Events newEvents(int capacity) { return real.newEvents(capacity); }
        @Override public int poll(Events e, long timeout, TimeUnit unit) throws IOException { return real.poll(e, timeout, unit); }
        @Override public void wakeup() { real.wakeup(); }
        @Override public boolean isOpen() { return real.isOpen(); }
        @Override public void close() { real.close(); }

        List<Call> of(long handle) {
            return calls.stream().filter(c -> c.handle() == handle).toList();
        }
    }

    @Test
    void theWaitingThreadArmsItsOwnRegistrationOncePerWait() throws Exception {
        long fdsBefore = TestFds.openFdCount();
        CountingPoller readPoller = new CountingPoller(Poller.open());
        CountingPoller writePoller = new CountingPoller(Poller.open());
        BlockingSockets io = new BlockingSockets(
                new ReadinessThread("test-read-poller", Interest.READABLE, readPoller),
                new ReadinessThread("test-write-poller", Interest.WRITABLE, writePoller));
        try {
            int waits = 5;
            long serverHandle;
            List<Thread> readerThreads = new CopyOnWriteArrayList<>();
            try (BlockingTcpListener listener = io.bind(new InetSocketAddress("127.0.0.1", 0), 8);
                    BlockingTcpStream client = io.connect(listener.localAddress())) {
                BlockingTcpStream server = listener.accept();
                serverHandle = server.stream().handle();
                BlockingFixture.Run reader = new BlockingFixture.Run(Thread.ofVirtual(), false, () -> {
                    readerThreads.add(Thread.currentThread());
                    byte[] b = new byte[1];
                    for (int i = 0; i < waits; i++) server.readFully(b);
                    return b;
                });
                for (int i = 0; i < waits; i++) {
                    reader.awaitParked();
                    client.writeAll(new byte[] {(byte) i});
                    // Wait until the reader has taken the byte (it parks again, or ends).
                    while (reader.thread.isAlive() && readPoller.of(serverHandle).size() < i + 2
                            && i + 1 < waits) {
                        Thread.sleep(2);
                    }
                }
                assertArrayEquals(new byte[] {(byte) (waits - 1)}, (byte[]) reader.join());
                server.close();
            }
            List<Call> calls = readPoller.of(serverHandle);
            assertEquals("register", calls.getFirst().op(), calls.toString());
            assertEquals("deregister", calls.getLast().op(), calls.toString());
            List<Call> waitsSeen = calls.subList(0, calls.size() - 1);
            assertEquals(waits, waitsSeen.size(), "one registration call per wait: " + calls);
            for (Call c : waitsSeen.subList(1, waitsSeen.size())) {
                assertEquals("modify", c.op(), "re-armed with modify: " + calls);
            }
            for (Call c : waitsSeen) {
                assertEquals(Interest.READABLE | Interest.ONESHOT, c.interest());
                assertTrue(readerThreads.contains(c.thread()), "armed by the waiting thread, not " + c.thread());
            }
            assertTrue(writePoller.of(serverHandle).isEmpty(), "the writing side never waited: " + writePoller.calls);
        } finally {
            io.close();
        }
        assertEquals(fdsBefore, TestFds.openFdCount(), TestFds::describeOpenFds);
    }
}
