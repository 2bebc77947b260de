package dev.rawpoll.linux;

import static dev.rawpoll.Interest.READABLE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rawpoll.Poller;
import dev.rawpoll.PollerContractTest;
import dev.rawpoll.Readiness;
import dev.rawpoll.SignalsDuringAWait;
import dev.rawpoll.SystemCallException;
import dev.rawpoll.TestFds;
import dev.rawpoll.TestHandles.Pair;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** The contract on epoll, plus what only holds on Linux. */
@EnabledOnOs(OS.LINUX) // epoll
class EpollPollerTest extends PollerContractTest implements SignalsDuringAWait {

    @Override
    protected Poller openPoller() throws IOException {
        return EpollPoller.open();
    }

    @Test
    void openPicksEpollOnLinux() throws IOException {
        try (Poller p = Poller.open()) {
            assertEquals("epoll", p.backend());
        }
    }

    @Test
    void eventfdIsReadableWhenSignalled() throws IOException {
        int efd = TestFds.eventfd();
        try {
            poller.register(efd, READABLE, 40);
            expectNoEvent(40);
            TestFds.signalEventfd(efd, 3);
            expectEvent(40, Readiness.READABLE);
            assertEquals(8, TestFds.read(efd, 8));
            expectNoEvent(40);
            poller.deregister(efd);
        } finally {
            TestFds.close(efd);
        }
    }

    /**
     * epoll registers the open file description (see the Poller javadoc). While a dup'd copy stays open, closing
     * the registered number leaves the registration alive; when a new descriptor reuses the number,
     * the old registration's events must not reach the new one's token.
     */
    @Test
    void registrationOutlivesCloseWhileADupIsOpenButNeverReachesTheReusedNumber() throws IOException {
        Pair p = pipe();
        int copy = TestFds.dup((int) p.a());
        try {
            poller.register(p.a(), READABLE, 50);
            p.closeA();
            handles.write(p.b(), 1);
            expectEvent(50, Readiness.READABLE); // still reported: the kernel kept it
            Pair reused = pipe(); // takes the lowest free number: the one just closed
            assertEquals(p.a(), reused.a(), "the test needs the number to be reused");
            poller.register(reused.a(), READABLE, 51);
            Map<Long, Integer> seen = pollOnce(100);
            assertTrue(!seen.containsKey(50L) && !seen.containsKey(51L), "stale registration leaked: " + describe(seen));
            handles.write(reused.b(), 1);
            expectEvent(51, Readiness.READABLE);
        } finally {
            TestFds.close(copy);
        }
    }

    /**
     * Issue 12.8, as documented in Interest and Poller: epoll reports HANGUP (and ERROR) whatever
     * the interest, so a paused registration of a dead socket is reported at every poll.
     */
    @Test
    void pausedRegistrationOfADeadSocketStillReportsHangup() throws IOException {
        Pair s = socketPair();
        poller.register(s.a(), 0, 70);
        s.closeB();
        for (int i = 0; i < 3; i++) {
            Map<Long, Integer> seen = pollOnce(1000);
            assertEquals(Readiness.HANGUP, seen.getOrDefault(70L, 0) & Readiness.HANGUP, describe(seen));
            assertEquals(0, seen.get(70L) & (Readiness.READABLE | Readiness.WRITABLE | Readiness.READ_CLOSED), describe(seen));
        }
        poller.deregister(s.a());
        assertEquals(0, poller.poll(events, 0, java.util.concurrent.TimeUnit.MILLISECONDS));
    }

    @Test
    void regularFileGivesEPERM() throws IOException {
        // Not @TempDir: its random name makes the JVM open /dev/random for good, which the fd count sees.
        Path file = Path.of(System.getProperty("java.io.tmpdir"), "rawpoll-regular-" + ProcessHandle.current().pid());
        int fd = TestFds.openReadOnly(Files.writeString(file, "x"));
        try {
            SystemCallException e = assertThrows(SystemCallException.class, () -> poller.register(fd, READABLE, 1));
            assertEquals("EPERM", e.errnoName());
            assertEquals(SystemCallException.Kind.NOT_POLLABLE, e.kind());
            assertEquals("epoll_ctl(ADD, fd=" + fd + "): EPERM (Operation not permitted)", e.getMessage());
        } finally {
            TestFds.close(fd);
            Files.delete(file);
        }
    }

    @Test
    void handleOutsideTheDescriptorRangeIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> poller.register(1L << 32, READABLE, 1));
    }

    @Test
    void errorsNameTheCallAndTheErrno() throws IOException {
        Pair p = pipe();
        poller.register(p.a(), READABLE, 1);
        SystemCallException e = assertThrows(SystemCallException.class, () -> poller.register(p.a(), READABLE, 1));
        assertEquals("epoll_ctl(ADD, fd=" + p.a() + "): EEXIST (File exists)", e.getMessage());
        assertEquals(17, e.errno());
        assertEquals("epoll_ctl(ADD, fd=" + p.a() + ")", e.call());
    }

    @Test
    void deregisterOfAClosedDescriptorGivesEBADFAndForgetsIt() throws IOException {
        TestFds.Pair p = TestFds.pipe();
        poller.register(p.a(), READABLE, 60);
        TestFds.close(p.a());
        SystemCallException e = assertThrows(SystemCallException.class, () -> poller.deregister(p.a()));
        assertEquals("EBADF", e.errnoName());
        TestFds.close(p.b());
        assertEquals(0, poller.poll(events, 0, java.util.concurrent.TimeUnit.MILLISECONDS));
    }

    @Override
    public Poller pollerUnderTest() {
        return poller;
    }

    @Override
    public long interruptedWaits() {
        return ((EpollPoller) poller).interruptedWaits();
    }
}
