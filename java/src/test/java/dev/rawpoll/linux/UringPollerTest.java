package dev.rawpoll.linux;

import static dev.rawpoll.Interest.EDGE;
import static dev.rawpoll.Interest.ONESHOT;
import static dev.rawpoll.Interest.READABLE;
import static dev.rawpoll.Interest.WRITABLE;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rawpoll.Events;
import dev.rawpoll.Interest;
import dev.rawpoll.Poller;
import dev.rawpoll.PollerContractTest;
import dev.rawpoll.Readiness;
import dev.rawpoll.SystemCallException;
import dev.rawpoll.TestFds;
import dev.rawpoll.TestHandles.Pair;
import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** The whole contract on io_uring over pipes and socket pairs, plus what is particular to the ring. */
@EnabledOnOs(OS.LINUX)
class UringPollerTest extends PollerContractTest {

    @Override
    protected Poller openPoller() throws IOException {
        return Poller.openIoUring();
    }

    private UringPoller uring() {
        return (UringPoller) poller;
    }

    @Test
    void openIoUringGivesIoUringAndOpenStaysOnEpoll() throws IOException {
        assertEquals("io_uring", poller.backend());
        try (Poller p = Poller.open()) {
            assertEquals("epoll", p.backend());
        }
    }

    /**
     * A wake-up read again after a modify to another edge interest stays a wake-up (the edge rule
     * of io_uring: it may be reported after the data was drained); only a modify to level or
     * oneshot polls the descriptor again (PollerContractTest.edgeWakeUpReadAfterAModifyToLevel...).
     * Modified twice, edge then level, it is polled again by the second.
     */
    @Test
    void aWakeUpReadAfterAModifyToEdgeStaysAWakeUp() throws IOException {
        Pair s = socketPair();
        poller.register(s.a(), READABLE | EDGE, 1);
        expectNoEvent(1);
        handles.write(s.b(), 1);
        assertEquals(1, handles.drain(s.a()));
        assertEquals(1, poller.poll(events, 0, MILLISECONDS), "the wake-up");
        poller.modify(s.a(), READABLE | WRITABLE | EDGE, 2);
        assertEquals(Readiness.READABLE, events.readiness(0), "what woke it, not what is ready now");
        poller.modify(s.a(), READABLE | WRITABLE, 3);
        assertEquals(Readiness.WRITABLE, events.readiness(0), "polled again: what is ready now");
        assertEquals(3, events.token(0));
    }

    /**
     * A modify from another thread as the polling thread begins its next poll (its events of the
     * last batch already forgotten) finds no event to poll again, and is no error: the thread
     * holds the registrations' lock until the poll waits for it, past the point where it cleared
     * its events.
     */
    @Test
    void aModifyFromAnotherThreadAsTheNextPollBeginsIsNoError() throws Exception {
        Pair s = socketPair();
        poller.register(s.a(), READABLE | EDGE, 1);
        expectNoEvent(1);
        handles.write(s.b(), 1);
        assertEquals(1, handles.drain(s.a()));
        assertEquals(1, poller.poll(events, 0, MILLISECONDS), "the wake-up");
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread poll = Thread.currentThread();
        java.util.concurrent.CountDownLatch locked = new java.util.concurrent.CountDownLatch(1);
        Thread other = Thread.ofPlatform().start(() -> {
            uring().registrationsLock().lock();
            locked.countDown();
            try {
                while (!uring().registrationsLock().hasQueuedThread(poll)) {
                    Thread.onSpinWait();
                }
                poller.modify(s.a(), READABLE | WRITABLE, 2);
            } catch (Throwable t) {
                failed.set(t);
            } finally {
                uring().registrationsLock().unlock();
            }
        });
        locked.await(); // so this poll waits for the lock before it submits anything
        Map<Long, Integer> got = pollOnce(1000);
        other.join();
        assertEquals(null, failed.get());
        assertEquals(Readiness.WRITABLE, got.getOrDefault(2L, 0), describe(got));
    }

    /** The point of the ring: registrations and modifications cost no io_uring_enter of their own. */
    @Test
    void everyChangeOfAPassIsSubmittedWithTheWait() throws IOException {
        Pair[] pipes = new Pair[20];
        for (int i = 0; i < pipes.length; i++) {
            pipes[i] = pipe();
            handles.write(pipes[i].b(), 1);
        }
        long before = uring().enterCalls();
        for (int i = 0; i < pipes.length; i++) poller.register(pipes[i].a(), WRITABLE, i);
        for (int i = 0; i < pipes.length; i++) poller.modify(pipes[i].a(), READABLE, 100 + i);
        assertEquals(before, uring().enterCalls(), "register and modify entered the kernel");
        assertEquals(pipes.length, poller.poll(events, 1, TimeUnit.SECONDS));
        assertEquals(before + 1, uring().enterCalls(), "one io_uring_enter submits all 40 changes and waits");
        Set<Long> tokens = new HashSet<>();
        events.forEach((token, readiness) -> tokens.add(token));
        assertEquals(pipes.length, tokens.size());
        assertTrue(tokens.stream().allMatch(t -> t >= 100), "an event carried a replaced token: " + tokens);
    }

    /** More changes than the SQ has entries: the full SQ is submitted early, nothing is lost. */
    @Test
    void moreChangesThanSubmissionEntriesAreAllApplied() throws IOException {
        int n = UringPoller.SQ_ENTRIES + 44;
        Events big = poller.newEvents(n);
        for (int i = 0; i < n; i++) {
            Pair p = pipe();
            poller.register(p.a(), READABLE, i);
            handles.write(p.b(), 1);
        }
        Set<Long> seen = new HashSet<>();
        for (int round = 0; round < 10 && seen.size() < n; round++) {
            int got = poller.poll(big, 1, TimeUnit.SECONDS);
            for (int i = 0; i < got; i++) seen.add(big.token(i));
        }
        assertEquals(n, seen.size());
    }

    /**
     * A poll in flight holds the descriptor's file: deregister removes it at once, so that closing the
     * descriptor right after really closes it and the peer sees end of stream without another poll.
     */
    @Test
    void deregisterReleasesTheFileSoThatCloseCloses() throws IOException {
        Pair s = socketPair();
        poller.register(s.a(), READABLE, 1);
        assertEquals(0, poller.poll(events, 0, MILLISECONDS)); // the poll is now armed in the kernel
        poller.deregister(s.a());
        s.closeA();
        assertEquals(0, handles.read(s.b(), 10), "the peer must see end of stream: the poll kept the socket open");
    }

    /**
     * A deregister from another thread while no poll waits submits its POLL_REMOVE itself, so that
     * a close after it closes (the model test found it queued until the next poll, with the file
     * held: DEREGISTER_DURING_POLL after a poll that had returned for an event).
     */
    @Test
    void aDeregisterFromAnotherThreadBetweenPollsReleasesTheFile() throws Exception {
        Pair s = socketPair();
        poller.register(s.a(), READABLE, 1);
        assertEquals(0, poller.poll(events, 0, MILLISECONDS)); // armed in the kernel by this thread
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread other = Thread.ofPlatform().start(() -> {
            try {
                poller.deregister(s.a());
            } catch (Throwable t) {
                failed.set(t);
            }
        });
        other.join();
        assertEquals(null, failed.get());
        s.closeA();
        assertEquals(0, handles.read(s.b(), 10), "the peer must see end of stream: the poll kept the socket open");
    }

    /**
     * A deregister from another thread while a poll waits is submitted before that poll returns,
     * also when the poll returns for a wakeup that came with it (the model test's
     * DEREGISTER_DURING_POLL: the removal was left in the SQ, and the closed socket stayed open).
     * The other thread holds the registrations' lock from the wakeup to the deregister, so that
     * the woken poll reaps both at once.
     */
    @Test
    void aDeregisterFromAnotherThreadDuringAPollIsSubmittedBeforeThePollReturns() throws Exception {
        Pair s = socketPair();
        poller.register(s.a(), READABLE, 1);
        assertEquals(0, poller.poll(events, 0, MILLISECONDS)); // armed in the kernel
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread other = Thread.ofPlatform().start(() -> {
            try {
                while (!uring().isWaiting()) {
                    Thread.onSpinWait();
                }
                uring().registrationsLock().lock();
                try {
                    poller.wakeup();
                    poller.deregister(s.a());
                } finally {
                    uring().registrationsLock().unlock();
                }
            } catch (Throwable t) {
                failed.set(t);
            }
        });
        assertEquals(0, poller.poll(events, 10, TimeUnit.SECONDS), "woken, no event");
        other.join();
        assertEquals(null, failed.get());
        s.closeA();
        assertEquals(0, handles.read(s.b(), 10), "the peer must see end of stream: the poll kept the socket open");
    }

    /**
     * A change that replaces a POLL_ADD the kernel has not taken yet withdraws it instead of
     * submitting it with its POLL_REMOVE: a multishot poll that is ready when armed survives a
     * POLL_REMOVE submitted with it (Linux 6.18) and keeps its file open. So deregister, then close,
     * closes at once, in every mode, with no poll in between.
     */
    @Test
    void aPollAddedAndRemovedBeforeAnyWaitNeverHoldsTheFile() throws IOException {
        poller.poll(events, 0, MILLISECONDS); // this thread polls: deregister submits at once
        for (int interest : new int[] {WRITABLE | EDGE, READABLE | WRITABLE | EDGE, WRITABLE, WRITABLE | ONESHOT}) {
            Pair s = socketPair();
            poller.register(s.b(), interest, 2); // ready at once
            poller.deregister(s.b());
            s.closeB();
            assertEquals(0, handles.read(s.a(), 1), "peer of a closed socket, interest " + Interest.toString(interest));
            Pair t = socketPair();
            poller.register(t.b(), READABLE | EDGE, 3);
            poller.modify(t.b(), interest, 4);
            poller.deregister(t.b());
            t.closeB();
            assertEquals(0, handles.read(t.a(), 1), "after modify, interest " + Interest.toString(interest));
            // and a poll the kernel took, replaced by modify (its POLL_REMOVE queued), then deregistered
            Pair u = socketPair();
            poller.register(u.b(), READABLE, 5);
            poller.poll(events, 0, MILLISECONDS); // armed in the kernel
            poller.modify(u.b(), interest, 6);
            poller.deregister(u.b()); // withdraws the new POLL_ADD, submits the old poll's removal
            u.closeB();
            assertEquals(0, handles.read(u.a(), 1), "armed, modified, deregistered, interest " + Interest.toString(interest));
        }
    }

    /**
     * When the thread that submitted them exits, Linux may cancel a ring's requests: here the
     * wakeup eventfd's multishot poll completes with ECANCELED (the pipes' polls survive). The next
     * poll, in another thread, arms it again without draining the eventfd first, so a wakeup sent
     * in between is not swallowed; and the registrations keep reporting, with no ERROR.
     */
    @Test
    void pollsOfAPollingThreadThatExitedAreArmedAgain() throws Exception {
        Pair level = pipe();
        Pair edge = pipe();
        poller.register(level.a(), READABLE, 1);
        poller.register(edge.a(), READABLE | EDGE, 2);
        Thread first = Thread.ofPlatform().start(() -> {
            try {
                poller.poll(events, 0, MILLISECONDS); // submits the three polls, from this thread
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        first.join();
        for (int round = 0; round < 2; round++) {
            poller.wakeup(); // the second one comes after the cancelled poll was seen, before it is re-armed
            long start = System.nanoTime();
            assertEquals(0, poller.poll(events, 10, TimeUnit.SECONDS));
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "wakeup " + round + " was lost");
        }
        handles.write(level.b(), 1);
        handles.write(edge.b(), 1);
        Map<Long, Integer> seen = expectEvents(Map.of(1L, Readiness.READABLE, 2L, Readiness.READABLE));
        assertEquals(Map.of(1L, Readiness.READABLE, 2L, Readiness.READABLE), seen, "a cancelled poll is no error");
    }

    /**
     * Every write to a pipe wakes an EDGE (multishot) poll: thousands of writes between two polls post
     * more completions than the CQ holds. The kernel keeps the rest (IORING_FEAT_NODROP) and hands them
     * over only to an io_uring_enter: they are merged into events, and the EDGE poll goes on reporting.
     */
    @Test
    void completionsBeyondTheQueueAreMergedAndTheEdgePollSurvives() throws IOException {
        Pair p = pipe();
        poller.register(p.a(), READABLE | EDGE, 7);
        assertEquals(0, poller.poll(events, 0, MILLISECONDS));
        for (int i = 0; i < UringPoller.CQ_ENTRIES + 1000; i++) {
            assertEquals(1, handles.write(p.b(), 1));
        }
        expectEvent(7, Readiness.READABLE);
        for (int i = 0; i < 10 && pollOnce(0).containsKey(7L); i++) {
            // drain the completions that did not fit in the first batches
        }
        assertEquals(Map.of(), pollOnce(50), "all completions of the writes are consumed");
        handles.drain(p.a());
        handles.write(p.b(), 1);
        expectEvent(7, Readiness.READABLE);
    }

    @Test
    void errorsNameTheRequestAndTheErrno() throws IOException {
        Pair p = pipe();
        poller.register(p.a(), READABLE, 1);
        SystemCallException e = assertThrows(SystemCallException.class, () -> poller.register(p.a(), READABLE, 1));
        assertEquals("io_uring POLL_ADD(fd=" + p.a() + "): EEXIST (File exists)", e.getMessage());
        SystemCallException bad = assertThrows(SystemCallException.class, () -> poller.register(1_000_000, READABLE, 1));
        assertEquals("fcntl(fd=1000000, F_GETFD): EBADF (Bad file descriptor)", bad.getMessage());
    }

    /** What a caller sees where io_uring is refused (ENOSYS, EPERM): the errno, and that epoll works. */
    @Test
    void unavailableIoUringSaysSoAndPointsToEpoll() {
        SystemCallException e = UringUnavailableException.orError("io_uring_setup(entries=256, flags=0x198)", Uring.EPERM);
        assertEquals("EPERM", e.errnoName());
        assertEquals("io_uring_setup(entries=256, flags=0x198): EPERM (Operation not permitted): io_uring is unavailable here"
                + " (kernel too old, kernel.io_uring_disabled, or a seccomp filter); Poller.open() (epoll) works", e.getMessage());
        assertTrue(UringUnavailableException.orError("x", Uring.ENOSYS).getMessage().endsWith("Poller.open() (epoll) works"));
        assertEquals("x: EINVAL (Invalid argument)", UringUnavailableException.orError("x", Uring.EINVAL).getMessage(),
                "other errors are plain");
    }

    /**
     * A real refusal, not a built message: a seccomp filter (what container runtimes install)
     * makes {@code io_uring_setup} fail with EPERM, then ENOSYS, on one thread of its own (a
     * filter set with {@code prctl} binds only the thread that sets it, and ends with it). There
     * {@code openIoUring} must throw the unavailable error naming the errno and epoll, and
     * {@code Poller.open()} must still work.
     */
    @Test
    void openIoUringUnderASeccompFilterThatRefusesItSaysSoAndEpollStillWorks() throws Exception {
        for (int refusal : new int[] {Uring.EPERM, Uring.ENOSYS}) {
            AtomicReference<Object> outcome = new AtomicReference<>();
            Thread filtered = new Thread(() -> {
                try {
                    SeccompForTests.refuseIoUringSetupOnThisThread(refusal);
                    try (Poller refused = Poller.openIoUring()) {
                        outcome.set("opened: " + refused);
                        return;
                    } catch (SystemCallException e) {
                        try (Poller epoll = Poller.open()) {
                            epoll.wakeup(); // a working epoll on the same filtered thread
                        }
                        outcome.set(e);
                    }
                } catch (Throwable t) {
                    outcome.set(t);
                }
            }, "seccomp-filtered");
            filtered.start();
            filtered.join();
            Object o = outcome.get();
            assertTrue(o instanceof UringUnavailableException, "expected the unavailable error, got " + o);
            SystemCallException e = (SystemCallException) o;
            String name = refusal == Uring.EPERM ? "EPERM (Operation not permitted)" : "ENOSYS (Function not implemented)";
            assertEquals(name.substring(0, name.indexOf(' ')), e.errnoName());
            assertTrue(e.getMessage().startsWith("io_uring_setup(entries="), e.getMessage());
            assertTrue(e.getMessage().contains("): " + name + ": io_uring is unavailable here"), e.getMessage());
            assertTrue(e.getMessage().endsWith("Poller.open() (epoll) works"), e.getMessage());
        }
        try (Poller unfiltered = Poller.openIoUring()) { // the filter stayed on its thread
            assertTrue(unfiltered instanceof UringPoller, unfiltered.toString());
        }
    }

    /**
     * Steady state allocates nothing: a poll that re-arms and reports a ready descriptor, and a
     * register/modify/deregister cycle with the poll that consumes its completions. Measured as
     * this thread's allocated bytes over many rounds after a warm-up, so that one-time costs
     * (class loading, the first linkage of a call) stay out.
     */
    @Test
    void pollAndChurnAllocateNothingInSteadyState() throws IOException {
        Pair ready = pipe();
        Pair idle = pipe();
        poller.register(ready.a(), READABLE, 1);
        handles.write(ready.b(), 1);
        Runnable round = () -> {
            try {
                if (poller.poll(events, 0, MILLISECONDS) != 1 || events.readiness(0) != Readiness.READABLE) {
                    throw new AssertionError("the ready pipe was not reported");
                }
                poller.register(idle.a(), READABLE, 2);
                poller.modify(idle.a(), 0, 3);
                poller.deregister(idle.a());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        for (int i = 0; i < 100_000; i++) round.run(); // until the JIT compiled it all
        // On a loaded machine the JIT may still be compiling after the warm-up (code it has not
        // compiled with escape analysis yet allocates): up to 5 windows, steady state is reached
        // when one allocates nothing. Code that allocates per round fails every window.
        List<Long> perRound = new ArrayList<>();
        for (int window = 0; window < 5 && (perRound.isEmpty() || perRound.getLast() != 0); window++) {
            long before = allocatedBytes();
            int rounds = 20_000;
            for (int i = 0; i < rounds; i++) round.run();
            perRound.add((allocatedBytes() - before) / rounds);
        }
        assertEquals(0, perRound.getLast(), "bytes allocated per poll + churn round, per window: " + perRound);
    }

    /**
     * This thread's allocated bytes, from com.sun.management.ThreadMXBean, called reflectively:
     * the module under test does not read jdk.management.
     */
    private static long allocatedBytes() {
        try {
            Object bean = java.lang.management.ManagementFactory.getThreadMXBean();
            return (long) Class.forName("com.sun.management.ThreadMXBean")
                    .getMethod("getThreadAllocatedBytes", long.class).invoke(bean, Thread.currentThread().threadId());
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /** A signal ends io_uring_enter with EINTR; the poll waits on for the time left. */
    @Test
    void signalsDoNotEndAWaitEarly() throws Throwable {
        Linker linker = Linker.nativeLinker();
        MethodHandle pthreadSelf = linker.downcallHandle(linker.defaultLookup().find("pthread_self").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_LONG));
        MethodHandle pthreadKill = linker.downcallHandle(linker.defaultLookup().find("pthread_kill").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
        int sigpipe = 13; // HotSpot ignores it: it only interrupts the wait
        AtomicLong thread = new AtomicLong();
        AtomicReference<Object> result = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                thread.set((long) pthreadSelf.invokeExact());
                long start = System.nanoTime();
                int n = poller.poll(events, 400, MILLISECONDS);
                result.set(new long[] {n, System.nanoTime() - start});
            } catch (Throwable e) {
                result.set(e);
            }
        });
        while (thread.get() == 0) Thread.onSpinWait();
        for (int i = 0; i < 5 && t.isAlive(); i++) {
            Thread.sleep(40);
            if (t.isAlive()) assertEquals(0, (int) pthreadKill.invokeExact(thread.get(), sigpipe));
        }
        t.join();
        assertTrue(result.get() instanceof long[], () -> "poll failed: " + result.get());
        long[] r = (long[]) result.get();
        assertEquals(0, r[0]);
        assertTrue(r[1] >= MILLISECONDS.toNanos(400), "returned early: " + r[1] + " ns");
        assertTrue(uring().interruptedWaits() > 0, "no signal interrupted the wait: the test proved nothing");
    }
}
