package dev.rawpoll.vthread;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rawpoll.Events;
import dev.rawpoll.Interest;
import dev.rawpoll.Poller;
import java.io.IOException;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * The virtual-thread sub-pollers (the default poller mode on Linux): virtual threads that poll
 * without blocking and park on a platform master poller while idle, the JDK's {@code
 * jdk.pollerMode=2}. What a thread parked through them sees (data, close, interrupt) is the same
 * as with platform poller threads (the Blocking*Test suites run in both modes); here: the
 * threads themselves, the spreading of sockets, that an idle sub-poller does not spin, and that
 * closing the adapter stops every poller thread and releases every descriptor.
 */
@EnabledOnOs(OS.LINUX)
@Timeout(60)
class BlockingSubPollerTest extends BlockingFixture {

    @Override
    BlockingSockets openSockets() throws IOException {
        return BlockingSockets.open(true, 4);
    }

    @Test
    void theDefaultPollersAreVirtualSubPollersParkedOnOnePlatformMaster() throws Exception {
        try (BlockingSockets d = BlockingSockets.open()) {
            assertFalse(d.master().thread().isVirtual(), "the master sleeps in epoll_wait: a platform thread");
            java.util.Set<ReadinessThread> readers = new java.util.HashSet<>();
            for (int fd = 0; fd < 64; fd++) {
                assertTrue(d.reader(fd).thread().isVirtual());
                assertTrue(d.writer(fd).thread().isVirtual());
                readers.add(d.reader(fd));
            }
            assertEquals(BlockingSockets.defaultReadPollers(Runtime.getRuntime().availableProcessors()), readers.size());
        }
    }

    @Test
    void fourReadSubPollersPerProcessorRoundedDownToAPowerOfTwoAtMost32() {
        assertEquals(4, BlockingSockets.defaultReadPollers(1));
        assertEquals(8, BlockingSockets.defaultReadPollers(2));
        assertEquals(8, BlockingSockets.defaultReadPollers(3));
        assertEquals(16, BlockingSockets.defaultReadPollers(4));
        assertEquals(32, BlockingSockets.defaultReadPollers(8));
        assertEquals(32, BlockingSockets.defaultReadPollers(96));
    }

    @Test
    void socketsAreSpreadOverTheReadSubPollersByDescriptorNumber() throws Exception {
        List<ReadinessThread> seen = new ArrayList<>();
        for (int fd = 0; fd < 4; fd++) {
            ReadinessThread r = io.reader(fd);
            for (ReadinessThread other : seen) assertNotSame(other, r);
            seen.add(r);
            assertSame(r, io.reader(fd + 4));
            assertSame(io.writer(0), io.writer(fd), "one write sub-poller, as the JDK");
        }
        // Sixteen ping-pongs at once, so that every read sub-poller wakes readers, many while busy.
        List<BlockingTcpStream[]> pairs = new ArrayList<>();
        for (int i = 0; i < 16; i++) pairs.add(pair());
        List<Run> runs = new ArrayList<>();
        for (BlockingTcpStream[] p : pairs) {
            runs.add(new Run(Thread.ofVirtual(), false, () -> {
                byte[] b = new byte[8];
                for (int round = 0; round < 200; round++) {
                    p[1].readFully(b);
                    p[1].writeAll(b);
                }
                return null;
            }));
            runs.add(new Run(Thread.ofVirtual(), false, () -> {
                byte[] b = new byte[8];
                for (int round = 0; round < 200; round++) {
                    b[0] = (byte) round;
                    p[0].writeAll(b);
                    assertEquals((byte) round, p[0].readFully(new byte[8])[0]);
                }
                return "done";
            }));
        }
        for (int i = 0; i < runs.size(); i++) {
            Object outcome = runs.get(i).join();
            assertEquals(i % 2 == 0 ? null : "done", outcome, () -> "got " + outcome);
        }
    }

    /** A reader parked while its sub-poller is idle: the sub-poller parks on the master, and both wake for data. */
    @Test
    void anIdleSubPollerParksOnTheMasterAndWakesForData() throws Exception {
        BlockingTcpStream[] p = pair();
        Run reader = new Run(Thread.ofVirtual(), false, () -> p[1].readFully(new byte[3])).awaitParked();
        ReadinessThread sub = io.reader(p[1].stream().handle());
        awaitWaiting(sub.thread());
        p[0].writeAll("abc".getBytes());
        assertArrayEquals("abc".getBytes(), (byte[]) reader.join());
        awaitWaiting(sub.thread()); // idle again: parked, not polling
    }

    @Test
    void aThreadParkedThroughAnIdleSubPollerIsWokenByClose() throws Exception {
        BlockingTcpStream[] p = pair();
        Run reader = new Run(Thread.ofVirtual(), false, () -> p[1].read(new byte[1], 0, 1)).awaitParked();
        awaitWaiting(io.reader(p[1].stream().handle()).thread());
        p[1].close();
        SocketException e = assertInstanceOf(SocketException.class, reader.join());
        assertEquals("Socket closed", e.getMessage());
        assertEquals(-1, p[0].read(new byte[1], 0, 1), "the descriptor was closed");
    }

    @Test
    void aThreadParkedThroughAnIdleSubPollerIsWokenByInterrupt() throws Exception {
        BlockingTcpStream[] p = pair();
        Run reader = new Run(Thread.ofVirtual(), false, () -> p[1].read(new byte[1], 0, 1)).awaitParked();
        awaitWaiting(io.reader(p[1].stream().handle()).thread());
        reader.thread.interrupt();
        SocketException e = assertInstanceOf(SocketException.class, reader.join());
        assertEquals("Closed by interrupt", e.getMessage());
        assertTrue(reader.interruptedAtEnd);
        assertFalse(p[1].isOpen());
    }

    /** Counts the polls of a sub-poller's own {@link Poller}. */
    static final class CountingPoller implements Poller {
        final Poller real;
        final AtomicInteger polls = new AtomicInteger();

        CountingPoller(Poller real) {
            this.real = real;
        }

        @Override public String backend() { return real.backend(); }
        @Override public void register(long h, int i, long t) throws IOException { real.register(h, i, t); }
        @Override public void modify(long h, int i, long t) throws IOException { real.modify(h, i, t); }
        @Override public void deregister(long h) throws IOException { real.deregister(h); }
        @Override public Events newEvents(int capacity) { return real.newEvents(capacity); }
        @Override public int poll(Events e, long timeout, TimeUnit unit) throws IOException {
            polls.incrementAndGet();
            return real.poll(e, timeout, unit);
        }
        @Override public OptionalLong backendHandle() { return real.backendHandle(); }
        @Override public void wakeup() { real.wakeup(); }
        @Override public boolean isOpen() { return real.isOpen(); }
        @Override public void close() { real.close(); }
    }

    @Test
    void anIdleSubPollerDoesNotSpin() throws Exception {
        CountingPoller counting = new CountingPoller(Poller.open());
        ReadinessThread master = new ReadinessThread("test-master", Interest.READABLE);
        ReadinessThread sub = new ReadinessThread("test-sub", Interest.READABLE, counting, master);
        ReadinessThread writes = new ReadinessThread("test-writes", Interest.WRITABLE);
        try (BlockingSockets own = new BlockingSockets(master, new ReadinessThread[] {sub}, new ReadinessThread[] {writes})) {
            BlockingTcpStream[] p = new BlockingTcpStream[2];
            try (BlockingTcpListener l = own.bind(LOOPBACK, 8)) {
                p[0] = closeLater(own.connect(l.localAddress())); 
                p[1] = closeLater(l.accept());
            }
            Run reader = new Run(Thread.ofVirtual(), false, () -> p[1].readFully(new byte[1])).awaitParked();
            awaitWaiting(sub.thread());
            int before = counting.polls.get();
            Thread.sleep(300);
            assertTrue(counting.polls.get() - before <= 1, () -> (counting.polls.get() - before) + " polls in 300 ms while idle");
            p[0].writeAll(new byte[] {7});
            assertArrayEquals(new byte[] {7}, (byte[]) reader.join());
            assertTrue(counting.polls.get() > before, "the data was found by a poll of the sub-poller");
        }
        assertFalse(counting.isOpen(), "closing the adapter closed the sub-poller's poller");
    }

    @Test
    void closingTheAdapterStopsEveryPollerThread() throws Exception {
        BlockingSockets own = BlockingSockets.open(true, 2);
        List<Thread> threads = new ArrayList<>(List.of(own.master().thread(), own.writer(0).thread()));
        for (int fd = 0; fd < 2; fd++) threads.add(own.reader(fd).thread());
        BlockingTcpStream[] p = new BlockingTcpStream[2];
        try (BlockingTcpListener l = own.bind(LOOPBACK, 8)) {
            p[0] = own.connect(l.localAddress());
            p[1] = l.accept();
        }
        p[0].writeAll("x".getBytes());
        assertArrayEquals("x".getBytes(), p[1].readFully(new byte[1]));
        p[0].close();
        p[1].close();
        own.close();
        for (Thread t : threads) {
            assertFalse(t.isAlive(), () -> t + " still alive after close"); // close joins them
        }
        // the descriptors of the master and sub-pollers are counted by the fixture after the test
    }

    @Test
    void badSettingsAreRefusedNamingTheProperty() {
        String mode = System.getProperty(BlockingSockets.MODE_PROPERTY);
        String count = System.getProperty(BlockingSockets.READ_POLLERS_PROPERTY);
        try {
            System.setProperty(BlockingSockets.MODE_PROPERTY, "green");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, BlockingSockets::open);
            assertTrue(e.getMessage().contains(BlockingSockets.MODE_PROPERTY) && e.getMessage().contains("green"), e.getMessage());
            System.setProperty(BlockingSockets.MODE_PROPERTY, "virtual");
            for (String bad : new String[] {"3", "0", "-2", "two"}) {
                System.setProperty(BlockingSockets.READ_POLLERS_PROPERTY, bad);
                e = assertThrows(IllegalArgumentException.class, BlockingSockets::open);
                assertTrue(e.getMessage().contains(BlockingSockets.READ_POLLERS_PROPERTY) && e.getMessage().contains(bad), e.getMessage());
            }
        } finally {
            restore(BlockingSockets.MODE_PROPERTY, mode);
            restore(BlockingSockets.READ_POLLERS_PROPERTY, count);
        }
    }

    private static void restore(String key, String value) {
        if (value == null) System.clearProperty(key);
        else System.setProperty(key, value);
    }

    private static void awaitWaiting(Thread t) throws InterruptedException {
        while (t.getState() != Thread.State.WAITING) {
            assertTrue(t.isAlive(), () -> t + " ended");
            Thread.sleep(5);
        }
    }
}
