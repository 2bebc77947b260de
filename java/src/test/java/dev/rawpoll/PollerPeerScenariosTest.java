package dev.rawpoll;

import static dev.rawpoll.Interest.EDGE;
import static dev.rawpoll.Interest.READABLE;
import static dev.rawpoll.Interest.WRITABLE;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rawpoll.TestHandles.Pair;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Scenarios from the test suites of other pollers, translated to rawpoll's {@link Poller}: mio
 * ({@code tests/*.rs}), CPython ({@code Lib/test/test_selectors.py}), libuv ({@code
 * test/test-poll*.c}) and the JDK ({@code test/jdk/java/nio/channels/Selector/}). Each test
 * names its origin: project, file, test. They keep the contract honest against what those
 * libraries promise their users; the rules themselves are in {@link PollerContractTest}.
 *
 * <p>A backend's test class extends this and supplies {@link #openPoller()}. TCP scenarios use
 * loopback connections ({@link LoopbackTcp}), the others pipes and socket pairs.
 */
public abstract class PollerPeerScenariosTest extends PollerTestBase {
    protected final LoopbackTcp tcp = LoopbackTcp.INSTANCE;

    /** Whether registering a regular file fails (epoll: EPERM) rather than reporting it always ready. */
    protected boolean regularFilesAreRefused() {
        return true;
    }

    private LoopbackTcp.Listener listener() {
        return track(tcp.listen());
    }

    /** A connecting socket, non-blocking, closed after the test. */
    private long connect(LoopbackTcp.Listener listener) {
        long s = tcp.connect(listener);
        tcp.nonBlocking(s);
        track(() -> tcp.close(s));
        return s;
    }

    // ---- mio ----

    /** mio tests/registering.rs register_deregister. */
    @Test
    void mioRegisterDeregister() throws IOException {
        LoopbackTcp.Listener server = listener();
        poller.register(server.socket(), READABLE, 0);
        long client = connect(server);
        poller.register(client, READABLE, 1);
        expectEvent(0, Readiness.READABLE);
        tcp.close(tcp.accept(server));
        poller.modify(client, WRITABLE, 1);
        expectEvent(1, Readiness.WRITABLE);
        poller.deregister(client);
        poller.deregister(server.socket());
        assertEquals(Map.of(), pollOnce(100));
    }

    /** mio tests/registering.rs reregister_different_interest_without_poll. */
    @Test
    void mioReregisterDifferentInterestWithoutPoll() throws Exception {
        LoopbackTcp.Listener server = listener();
        poller.register(server.socket(), READABLE, 0);
        long client = connect(server);
        poller.register(client, READABLE, 2);
        Thread.sleep(50); // the connection is pending on the listener
        poller.modify(server.socket(), WRITABLE, 0);
        assertEquals(Map.of(), pollOnce(200), "a listener is never writable, the client has nothing to read");
    }

    /** mio tests/registering.rs registering_after_deregistering. */
    @Test
    void mioRegisteringAfterDeregistering() throws IOException {
        LoopbackTcp.Listener server = listener();
        poller.register(server.socket(), READABLE, 0);
        poller.deregister(server.socket());
        poller.register(server.socket(), READABLE, 0);
        assertEquals(Map.of(), pollOnce(100));
    }

    /** mio tests/poll.rs run_once_with_nothing, and CPython test_selectors.py test_empty_select. */
    @Test
    void mioRunOnceWithNothing() throws IOException {
        assertEquals(0, poller.poll(events, 100, MILLISECONDS));
        assertEquals(0, poller.poll(events, 0, MILLISECONDS));
    }

    /** mio tests/poll.rs add_then_drop: a registered listener closed without deregister. */
    @Test
    void mioAddThenDrop() throws IOException {
        LoopbackTcp.Listener server = tcp.listen();
        poller.register(server.socket(), READABLE | WRITABLE, 1);
        server.close();
        assertEquals(Map.of(), pollOnce(100));
    }

    /** mio tests/poll.rs zero_duration_polls_events: a zero timeout still collects what is ready. */
    @Test
    void mioZeroDurationPollsEvents() throws Exception {
        LoopbackTcp.Listener server = listener();
        for (int n = 0; n < 3; n++) {
            long s = connect(server);
            poller.register(s, WRITABLE, n);
            long accepted = tcp.accept(server);
            track(() -> tcp.close(accepted));
        }
        expectEvents(Map.of(0L, Readiness.WRITABLE, 1L, Readiness.WRITABLE, 2L, Readiness.WRITABLE));
        assertTrue(poller.poll(events, 0, MILLISECONDS) > 0);
    }

    /** mio tests/poll.rs readiness_is_reregistered_after_would_block. */
    @Test
    void mioReadinessIsReregisteredAfterWouldBlock() throws IOException {
        Pair s = track(tcp.socketPair());
        poller.register(s.a(), READABLE, 1);
        tcp.write(s.b(), 5);
        expectEvent(1, Readiness.READABLE);
        assertEquals(5, tcp.read(s.a(), 16));
        assertEquals(-1, tcp.read(s.a(), 16), "would block");
        expectNoEvent(1);
        tcp.write(s.b(), 5);
        expectEvent(1, Readiness.READABLE);
    }

    /** mio tests/poll.rs reregister_interest_token_usage: modify replaces interest and token. */
    @Test
    void mioReregisterInterestTokenUsage() throws IOException {
        Pair s = socketPair();
        poller.register(s.a(), READABLE, 1);
        poller.modify(s.a(), READABLE, 1);
        poller.modify(s.a(), WRITABLE, 2);
        Map<Long, Integer> seen = expectEvents(Map.of(2L, Readiness.WRITABLE));
        assertFalse(seen.containsKey(1L), describe(seen));
    }

    /**
     * mio tests/poll.rs double_register_different_token, reregister_without_register,
     * deregister_without_register: misuse fails loudly.
     */
    @Test
    void mioMisuseOfTheRegistryFails() throws IOException {
        LoopbackTcp.Listener server = listener();
        assertThrows(SystemCallException.class, () -> poller.modify(server.socket(), READABLE, 1));
        assertThrows(SystemCallException.class, () -> poller.deregister(server.socket()));
        poller.register(server.socket(), READABLE, 0);
        assertThrows(SystemCallException.class, () -> poller.register(server.socket(), READABLE, 1));
    }

    /** mio tests/waker.rs waker and waker_multiple_wakeups_same_thread. */
    @Test
    void mioWakerMultipleWakeupsSameThread() throws IOException {
        for (int i = 0; i < 3; i++) poller.wakeup();
        assertEquals(0, poller.poll(events, -1, MILLISECONDS), "woken, no events");
        long start = System.nanoTime();
        assertEquals(0, poller.poll(events, 50, MILLISECONDS));
        assertTrue(System.nanoTime() - start >= MILLISECONDS.toNanos(50), "the three wakeups were one");
    }

    /** mio tests/waker.rs waker_wakeup_different_thread and waker_multiple_wakeups_different_thread. */
    @Test
    void mioWakerWakeupsFromOtherThreads() throws Exception {
        Thread one = Thread.ofPlatform().start(poller::wakeup);
        Thread two = Thread.ofPlatform().start(poller::wakeup);
        assertEquals(0, poller.poll(events, -1, MILLISECONDS));
        one.join();
        two.join();
        Thread late = Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            poller.wakeup();
        });
        long start = System.nanoTime();
        poller.poll(events, 30, SECONDS); // ended by the late wakeup (or a leftover one)
        late.join();
        assertTrue(System.nanoTime() - start < SECONDS.toNanos(15), "the wakeup from another thread was lost");
    }

    /** mio tests/close_on_drop.rs close_on_drop: the server drops the connection, the client reads 0. */
    @Test
    void mioCloseOnDrop() throws IOException {
        LoopbackTcp.Listener server = listener();
        poller.register(server.socket(), READABLE, 0);
        long client = connect(server);
        poller.register(client, WRITABLE, 1);
        expectEvents(Map.of(0L, Readiness.READABLE, 1L, Readiness.WRITABLE));
        poller.modify(client, READABLE, 1);
        tcp.close(tcp.accept(server));
        expectEvent(1, Readiness.READABLE);
        assertEquals(0, tcp.read(client, 1024), "end of stream");
    }

    /** mio tests/tcp_stream.rs hup_event_on_disconnect: a reset makes the stream readable. */
    @Test
    void mioHupEventOnDisconnect() throws IOException {
        Pair s = track(tcp.socketPair());
        poller.register(s.a(), READABLE | WRITABLE, 1);
        expectEvent(1, Readiness.WRITABLE);
        tcp.resetB(s);
        expectEvent(1, Readiness.READABLE);
    }

    /** mio tests/tcp_stream.rs no_events_after_deregister and tcp.rs tcp_no_events_after_deregister. */
    @Test
    void mioNoEventsAfterDeregister() throws IOException {
        Pair s = track(tcp.socketPair());
        poller.register(s.a(), READABLE | WRITABLE, 1);
        expectEvent(1, Readiness.WRITABLE);
        poller.deregister(s.a());
        tcp.write(s.b(), 10);
        assertEquals(Map.of(), pollOnce(100));
        assertEquals(10, tcp.read(s.a(), 100), "the data is there, only unwatched");
    }

    /** mio tests/tcp.rs write_shutdown: the peer of a shut-down writer reads end of stream. */
    @Test
    void mioWriteShutdown() throws IOException {
        Pair s = track(tcp.socketPair());
        poller.register(s.a(), READABLE, 1);
        expectNoEvent(1);
        tcp.shutdownOutput(s.b());
        expectEvent(1, Readiness.READABLE | Readiness.READ_CLOSED);
        assertEquals(0, tcp.read(s.a(), 10));
    }

    // ---- CPython ----

    /** CPython Lib/test/test_selectors.py test_unregister_after_fd_close: the numbers are free again. */
    @Test
    void cpythonUnregisterAfterFdClose() throws IOException {
        Pair s = handles.socketPair();
        poller.register(s.a(), READABLE, 1);
        poller.register(s.b(), WRITABLE, 2);
        s.close();
        for (long fd : new long[] {s.a(), s.b()}) {
            try {
                poller.deregister(fd);
            } catch (SystemCallException e) {
                // EBADF: closed; the poller forgets it either way
            }
        }
        Pair again = socketPair(); // the same numbers, most likely
        poller.register(again.a(), READABLE, 3);
        poller.register(again.b(), WRITABLE, 4);
        Map<Long, Integer> seen = expectEvents(Map.of(4L, Readiness.WRITABLE));
        assertFalse(seen.containsKey(1L) || seen.containsKey(2L), describe(seen));
    }

    /** CPython Lib/test/test_selectors.py test_unregister_after_fd_close_and_reuse (dup2 over the numbers). */
    @Test
    void cpythonUnregisterAfterFdCloseAndReuse() throws IOException {
        Pair s = handles.socketPair();
        int r = Math.toIntExact(s.a());
        int w = Math.toIntExact(s.b());
        poller.register(r, READABLE, 1);
        poller.register(w, WRITABLE, 2);
        Pair other = socketPair();
        s.close();
        TestFds.dup2(Math.toIntExact(other.a()), r);
        TestFds.dup2(Math.toIntExact(other.b()), w);
        track(() -> TestFds.close(r));
        track(() -> TestFds.close(w));
        for (int fd : new int[] {r, w}) {
            try {
                poller.deregister(fd);
            } catch (SystemCallException e) {
                // ENOENT: the file now behind the number was never registered; forgotten either way
            }
        }
        poller.register(r, READABLE, 3);
        handles.write(other.b(), 1);
        Map<Long, Integer> seen = expectEvents(Map.of(3L, Readiness.READABLE));
        assertFalse(seen.containsKey(1L) || seen.containsKey(2L), describe(seen));
    }

    /** CPython Lib/test/test_selectors.py test_select: only the writer is ready. */
    @Test
    void cpythonSelect() throws IOException {
        Pair s = socketPair();
        poller.register(s.a(), READABLE, 1);
        poller.register(s.b(), WRITABLE, 2);
        assertEquals(Map.of(2L, Readiness.WRITABLE), expectEvents(Map.of(2L, Readiness.WRITABLE)));
    }

    /** CPython Lib/test/test_selectors.py test_selector: 12 pairs, each message wakes exactly its reader. */
    @Test
    void cpythonSelector() throws IOException {
        Random random = new Random(12);
        Map<Long, Pair> writers = new HashMap<>();
        for (long i = 0; i < 12; i++) {
            Pair s = socketPair();
            poller.register(s.a(), READABLE, 100 + i);
            poller.register(s.b(), WRITABLE, 200 + i);
            writers.put(200 + i, s);
        }
        while (!writers.isEmpty()) {
            List<Long> ready = new ArrayList<>();
            pollOnce(1000).forEach((token, readiness) -> {
                if ((readiness & Readiness.WRITABLE) != 0) ready.add(token);
            });
            assertFalse(ready.isEmpty(), "no pair ready for writing");
            ready.sort(null);
            long writer = ready.get(random.nextInt(ready.size()));
            Pair s = writers.remove(writer);
            assertEquals(16, handles.write(s.b(), 16));
            List<Long> readable = new ArrayList<>();
            expectEvents(Map.of(writer - 100, Readiness.READABLE)).forEach((token, readiness) -> {
                if ((readiness & Readiness.READABLE) != 0) readable.add(token);
            });
            assertEquals(List.of(writer - 100), readable, "only the reader written to");
            assertEquals(16, handles.read(s.a(), 16));
            poller.deregister(s.b());
            poller.deregister(s.a());
        }
    }

    /** CPython Lib/test/test_selectors.py test_timeout: ready handles return at once, an idle wait waits. */
    @Test
    void cpythonTimeout() throws IOException {
        Pair s = socketPair();
        poller.register(s.b(), WRITABLE, 1);
        assertEquals(1, poller.poll(events, 0, MILLISECONDS));
        assertEquals(1, poller.poll(events, -1, MILLISECONDS));
        poller.deregister(s.b());
        poller.register(s.a(), READABLE, 2);
        assertEquals(0, poller.poll(events, 0, MILLISECONDS));
        long start = System.nanoTime();
        assertEquals(0, poller.poll(events, 300, MILLISECONDS));
        assertTrue(System.nanoTime() - start >= MILLISECONDS.toNanos(300), "returned before its timeout");
    }

    /** CPython Lib/test/test_selectors.py test_above_fd_setsize: many more descriptors than select has bits. */
    @Test
    void cpythonAboveFdSetsize() throws IOException {
        int pairs = 2500; // 5,000 descriptors: well above FD_SETSIZE (1024)
        for (long i = 0; i < pairs; i++) {
            Pair s = socketPair();
            poller.register(s.a(), READABLE, i);
            poller.register(s.b(), WRITABLE, pairs + i);
        }
        Map<Long, Integer> writers = new HashMap<>();
        for (long i = 0; i < pairs; i++) writers.put(pairs + i, Readiness.WRITABLE);
        Map<Long, Integer> seen = expectEvents(writers);
        assertEquals(writers.keySet(), seen.keySet(), "every writer, no reader");
    }

    // ---- libuv ----

    /** libuv test/test-poll-close.c poll_close: registrations stopped and closed before any poll. */
    @Test
    void libuvPollClose() throws IOException {
        for (long i = 0; i < 64; i++) {
            Pair s = socketPair();
            poller.register(s.a(), READABLE | WRITABLE, i);
            poller.deregister(s.a());
            s.closeA();
        }
        assertEquals(Map.of(), pollOnce(0));
    }

    /** libuv test/test-poll-multiple-handles.c poll_multiple_handles: one socket, one watcher at a time. */
    @Test
    void libuvPollMultipleHandles() throws IOException {
        Pair s = track(tcp.socketPair());
        poller.register(s.a(), READABLE, 1);
        assertThrows(SystemCallException.class, () -> poller.register(s.a(), READABLE, 2));
        poller.deregister(s.a());
        poller.register(s.a(), READABLE, 2);
        tcp.write(s.b(), 1);
        Map<Long, Integer> seen = expectEvents(Map.of(2L, Readiness.READABLE));
        assertFalse(seen.containsKey(1L), describe(seen));
    }

    /** libuv test/test-poll-closesocket.c poll_closesocket: the handler stops and closes its socket. */
    @Test
    void libuvPollCloseSocketInTheHandler() throws IOException {
        Pair s = track(tcp.socketPair());
        poller.register(s.b(), WRITABLE, 1);
        assertEquals(1, poller.poll(events, 1, SECONDS));
        events.forEach((token, readiness) -> {
            try {
                poller.deregister(s.b());
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            s.closeB();
        });
        assertEquals(Map.of(), pollOnce(50));
    }

    /**
     * libuv test/test-poll.c poll_unidirectional: a stream sent through an edge-triggered socket
     * until the sender shuts down; the receiver reads every byte, then end of stream.
     */
    @Test
    void libuvPollUnidirectional() throws IOException {
        Pair s = track(tcp.socketPair());
        poller.register(s.a(), READABLE | EDGE, 1);
        poller.register(s.b(), WRITABLE | EDGE, 2);
        long toSend = 1 << 20;
        long sent = 0;
        long received = 0;
        boolean endOfStream = false;
        long deadline = System.nanoTime() + SECONDS.toNanos(20);
        while (!endOfStream && System.nanoTime() < deadline) {
            for (Map.Entry<Long, Integer> e : pollOnce(1000).entrySet()) {
                if (e.getKey() == 2 && sent < toSend) {
                    for (long n; sent < toSend && (n = tcp.write(s.b(), (int) Math.min(65536, toSend - sent))) > 0; ) sent += n;
                    if (sent == toSend) tcp.shutdownOutput(s.b());
                } else if (e.getKey() == 1) {
                    for (long n; (n = tcp.read(s.a(), 65536)) != -1; ) {
                        if (n == 0) {
                            endOfStream = true;
                            break;
                        }
                        received += n;
                    }
                }
            }
        }
        assertTrue(endOfStream, "no end of stream after " + received + " bytes");
        assertEquals(toSend, received);
    }

    /** libuv test/test-poll.c poll_bad_fdtype: a regular file cannot be polled (where the OS says so). */
    @Test
    void libuvPollBadFdtype() throws IOException {
        // not createTempFile: its SecureRandom opens /dev/random for good on first use
        Path file = Path.of(System.getProperty("java.io.tmpdir"), "rawpoll-" + ProcessHandle.current().pid() + ".txt");
        Files.writeString(file, "hello");
        int fd = TestFds.openReadOnly(file);
        try {
            if (regularFilesAreRefused()) {
                assertThrows(SystemCallException.class, () -> poller.register(fd, READABLE, 1));
            } else {
                poller.register(fd, READABLE, 1);
                expectEvent(1, Readiness.READABLE);
                poller.deregister(fd);
            }
        } finally {
            TestFds.close(fd);
            Files.delete(file);
        }
    }

    // ---- JDK ----

    /** JDK Selector/SelectWithConsumer.java testTwoChannels: both ends of a pipe in one poll. */
    @Test
    void jdkSelectWithConsumerTwoChannels() throws IOException {
        Pair p = pipe();
        poller.register(p.a(), READABLE, 1);
        poller.register(p.b(), WRITABLE, 2);
        handles.write(p.b(), 10);
        expectEvents(Map.of(1L, Readiness.READABLE, 2L, Readiness.WRITABLE));
        assertEquals(2, poller.poll(events, 1, SECONDS));
        assertEquals(2, poller.poll(events, 0, MILLISECONDS), "level-triggered: again");
    }

    /** JDK Selector/SelectWithConsumer.java testRepeatedSelect2: after the data is read, nothing. */
    @Test
    void jdkSelectWithConsumerRepeatedSelect() throws IOException {
        Pair p = pipe();
        poller.register(p.a(), READABLE, 1);
        handles.write(p.b(), 100);
        expectEvent(1, Readiness.READABLE);
        expectEvent(1, Readiness.READABLE);
        handles.drain(p.a());
        assertEquals(0, poller.poll(events, 0, MILLISECONDS));
    }

    /** JDK Selector/WakeupNow.java: a poll with timeout 0 consumes a pending wakeup. */
    @Test
    void jdkWakeupNow() throws IOException {
        Pair p = pipe();
        poller.register(p.a(), READABLE, 1);
        poller.wakeup();
        assertEquals(0, poller.poll(events, 0, MILLISECONDS));
        long start = System.nanoTime();
        assertEquals(0, poller.poll(events, 100, MILLISECONDS));
        assertTrue(System.nanoTime() - start >= MILLISECONDS.toNanos(100), "the wakeup was not consumed");
    }

    /** JDK Selector/LotsOfUpdatesTest.java: many interest updates between two polls. */
    @Test
    void jdkLotsOfUpdates() throws IOException {
        Pair s = socketPair();
        poller.register(s.a(), READABLE, 0);
        for (int i = 1; i <= 20_000; i++) {
            poller.modify(s.a(), (i & 1) == 0 ? WRITABLE : READABLE, i);
        }
        Map<Long, Integer> seen = pollOnce(1000);
        assertEquals(Map.of(20_000L, Readiness.WRITABLE), seen, "the last update wins");
    }
}
