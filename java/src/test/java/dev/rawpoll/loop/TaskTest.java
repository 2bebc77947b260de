package dev.rawpoll.loop;

import dev.rawpoll.Poller;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rawpoll.LeakCheck;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import jdk.internal.vm.Continuation;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hang fails, even in a native read
@ExtendWith(LeakCheck.class)
class TaskTest {

    /** The poller of this class's loops: the OS default here; the {@code OnKqueue} subclass runs every test on kqueue. */
    Poller openPoller() throws IOException {
        return Poller.open();
    }

    EventLoop newLoop() throws IOException {
        return EventLoop.open(openPoller());
    }
    private EventLoop loop;

    @BeforeEach
    void openLoop() throws IOException {
        loop = newLoop();
    }

    @AfterEach
    void closeLoop() {
        loop.close();
    }

    @Test
    void aTaskAwaitsAPromiseCompletedLater() throws Exception {
        Promise<String> promise = loop.newPromise();
        loop.callLater(5, TimeUnit.MILLISECONDS, () -> promise.complete("late"));
        List<String> seen = new ArrayList<>();
        String result = loop.runUntilComplete(() -> {
            seen.add("before");
            String v = Tasks.await(promise);
            seen.add("after " + v);
            return v + "!";
        });
        assertEquals("late!", result);
        assertEquals(List.of("before", "after late"), seen);
    }

    @Test
    void sleepingTasksWakeInDeadlineOrder() throws Exception {
        List<Integer> order = new ArrayList<>();
        List<Task<Integer>> tasks = new ArrayList<>();
        // The deadlines are counted from one instant, not from each task's first run: on a loaded
        // machine the four tasks may start tens of milliseconds apart (it failed so once), and then
        // sleeps counted from their own starts do not end in the order of their lengths. A task
        // that starts after its deadline sleeps 0 and wakes in the next pass: the order then holds
        // as long as the first pass does not stall longer than the 40 ms between two deadlines.
        long start = loop.time();
        for (int ms : new int[] {120, 40, 80, 0}) {
            tasks.add(loop.spawn(() -> {
                Tasks.sleep(Duration.ofNanos(start + TimeUnit.MILLISECONDS.toNanos(ms) - loop.time()));
                order.add(ms);
                return ms;
            }));
        }
        assertEquals(List.of(120, 40, 80, 0), loop.runUntilComplete(Tasks.gather(tasks)));
        assertEquals(List.of(0, 40, 80, 120), order);
    }

    @Test
    void aTaskSleepsAtLeastItsDuration() throws Exception {
        long elapsed = loop.runUntilComplete(() -> {
            long start = System.nanoTime();
            Tasks.sleep(Duration.ofMillis(15));
            return System.nanoTime() - start;
        });
        assertTrue(elapsed >= TimeUnit.MILLISECONDS.toNanos(15), "woke after " + elapsed + " ns");
    }

    @Test
    void exceptionsPropagateToTheAwaiterAsTheyWereThrown() throws Exception {
        IOException failure = new IOException("disk on fire");
        Task<String> failing = loop.spawn(() -> {
            Tasks.sleep(Duration.ofMillis(1));
            throw failure;
        });
        Task<String> awaiter = loop.spawn(() -> {
            try {
                return Tasks.await(failing);
            } catch (IOException e) {
                assertSame(failure, e);
                return "caught";
            }
        });
        assertEquals("caught", loop.runUntilComplete(awaiter));
        assertSame(failure, failing.exception());
        assertSame(failure, assertThrows(IOException.class, failing::result));
    }

    @Test
    void aCancelledTaskSeesCancellationAtItsAwaitPoint() throws Exception {
        List<String> seen = new ArrayList<>();
        Task<String> sleeper = loop.spawn(() -> {
            try {
                Tasks.sleep(Duration.ofHours(1));
                return "overslept";
            } catch (CancellationException e) {
                seen.add("cancelled at sleep");
                Tasks.sleep(Duration.ofMillis(1)); // may still await after catching it
                return "cleaned up";
            }
        });
        loop.callLater(5, TimeUnit.MILLISECONDS, sleeper::cancel);
        assertEquals("cleaned up", loop.runUntilComplete(sleeper));
        assertEquals(List.of("cancelled at sleep"), seen);
        assertFalse(sleeper.isCancelled(), "it caught the cancellation and returned");
        assertEquals(EventLoop.NO_DEADLINE, loop.nextDeadline(), "the hour-long timer was cancelled");
    }

    @Test
    void aCancellationLeavingTheBodyCancelsTheTask() throws Exception {
        Promise<String> never = loop.newPromise();
        Task<String> waiter = loop.spawn(() -> Tasks.await(never));
        loop.callLater(2, TimeUnit.MILLISECONDS, waiter::cancel);
        assertThrows(CancellationException.class, () -> loop.runUntilComplete(waiter));
        assertTrue(waiter.isCancelled());
        assertFalse(never.isDone(), "the awaited promise is left alone");
        assertFalse(waiter.cancel(), "already done");
    }

    @Test
    void aTaskCancelledBeforeItStartsNeverRuns() throws Exception {
        boolean[] ran = {false};
        Task<String> task = loop.spawn(() -> {
            ran[0] = true;
            return "ran";
        });
        assertTrue(task.cancel());
        assertThrows(CancellationException.class, () -> loop.runUntilComplete(task));
        assertFalse(ran[0]);
    }

    @Test
    void aTaskThatCancelsItselfStopsAtItsNextAwait() throws Exception {
        Task<String> task = loop.spawn(() -> {
            Tasks.current().cancel();
            String s = "still running";
            Tasks.yieldNow();
            return s + " after yield";
        });
        assertThrows(CancellationException.class, () -> loop.runUntilComplete(task));
    }

    @Test
    void gatherCollectsValuesInOrder() throws Exception {
        List<Integer> values = loop.runUntilComplete(() -> {
            Task<Integer> slow = Tasks.spawn(() -> { Tasks.sleep(Duration.ofMillis(10)); return 1; });
            Task<Integer> fast = Tasks.spawn(() -> 2);
            Promise<Integer> plain = loop.newPromise();
            loop.callLater(5, TimeUnit.MILLISECONDS, () -> plain.complete(3));
            return Tasks.await(Tasks.gather(slow, fast, plain));
        });
        assertEquals(List.of(1, 2, 3), values);
    }

    @Test
    void gatherFailsWithTheFirstFailureAndCancellingItCancelsTheChildren() throws Exception {
        IllegalStateException failure = new IllegalStateException("first");
        // An order, not a race of timers: the slow child waits for a promise the test completes
        // only after the gather has failed.
        Promise<Integer> release = loop.newPromise();
        Task<Integer> slow = loop.spawn(() -> Tasks.await(release));
        Task<Integer> failing = loop.spawn(() -> { Tasks.sleep(Duration.ofMillis(1)); throw failure; });
        Promise<List<Integer>> both = Tasks.gather(slow, failing);
        assertSame(failure, assertThrows(IllegalStateException.class, () -> loop.runUntilComplete(both)));
        assertFalse(slow.isDone(), "the other child goes on");
        release.complete(1);
        assertEquals(1, loop.runUntilComplete(slow));

        Task<Integer> a = loop.spawn(() -> { Tasks.sleep(Duration.ofHours(1)); return 1; });
        Task<Integer> b = loop.spawn(() -> { Tasks.sleep(Duration.ofHours(1)); return 2; });
        Promise<List<Integer>> gathered = Tasks.gather(a, b);
        loop.callLater(2, TimeUnit.MILLISECONDS, gathered::cancel);
        assertThrows(CancellationException.class, () -> loop.runUntilComplete(gathered));
        loop.runUntilComplete(Tasks.gather(List.of(loop.spawn(() -> { Tasks.sleep(Duration.ofMillis(1)); return 0; }))));
        assertTrue(a.isCancelled() && b.isCancelled(), "children cancelled with the gather");

        Promise<Integer> plain = loop.newPromise();
        Promise<List<Integer>> ofPlain = Tasks.gather(plain);
        assertTrue(ofPlain.cancel(), "cancelling a pending gather reports it");
        assertTrue(ofPlain.isCancelled() && plain.isCancelled());
        assertFalse(ofPlain.cancel());
    }

    @Test
    void withTimeoutTimesOutAtTheAwaitThatIsWaiting() throws Exception {
        List<String> seen = new ArrayList<>();
        Exception e = assertThrows(TimeoutException.class, () -> loop.runUntilComplete(() ->
                Tasks.withTimeout(Duration.ofMillis(10), () -> {
                    try {
                        Tasks.sleep(Duration.ofHours(1));
                    } finally {
                        seen.add("finally");
                    }
                    return "overslept";
                })));
        assertInstanceOf(CancellationException.class, e.getCause());
        assertEquals(List.of("finally"), seen);
    }

    @Test
    void withTimeoutReturnsTheValueWhenInTimeAndLeavesNoCancellationBehind() throws Exception {
        String result = loop.runUntilComplete(() -> {
            String fast = Tasks.withTimeout(Duration.ofHours(1), () -> {
                Tasks.sleep(Duration.ofMillis(1));
                return "fast";
            });
            // The deadline passes while the body runs without awaiting: no timeout, and the
            // cancellation it caused does not hit the next await.
            String busy = Tasks.withTimeout(Duration.ofMillis(1), () -> {
                Tasks.yieldNow();
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(5);
                while (System.nanoTime() - until < 0) {
                    Thread.onSpinWait();
                }
                return "busy";
            });
            Tasks.sleep(Duration.ofMillis(5));
            return fast + " " + busy;
        });
        assertEquals("fast busy", result);
    }

    @Test
    void aCancellationFromElsewhereIsNotTurnedIntoATimeout() throws Exception {
        Task<String> task = loop.spawn(() -> {
            Task<?> self = Tasks.current();
            return Tasks.withTimeout(Duration.ofMillis(1), () -> {
                loop.callLater(2, TimeUnit.MILLISECONDS, self::cancel); // due after the timeout
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(10);
                while (System.nanoTime() - until < 0) {
                    Thread.onSpinWait(); // both are due when the task next waits
                }
                Tasks.yieldNow();
                return "not reached";
            });
        });
        assertThrows(CancellationException.class, () -> loop.runUntilComplete(task));
        assertTrue(task.isCancelled());
    }

    @Test
    void aTaskSuspendedOnAPipeResumesOnlyWhenItIsReadable() throws Exception {
        int[] pipe = LoopPipes.open();
        try {
            List<String> events = new ArrayList<>();
            Task<String> reader = loop.spawn(() -> {
                events.add("waiting");
                Tasks.awaitReadable(pipe[0]);
                events.add("resumed");
                return new String(LoopPipes.read(pipe[0], 16));
            });
            // A timer that fires while the task waits does not wake it; then the write does.
            loop.callLater(5, TimeUnit.MILLISECONDS, () -> events.add("tick"));
            loop.callLater(20, TimeUnit.MILLISECONDS, () -> {
                events.add("write");
                LoopPipes.write(pipe[1], "ping".getBytes());
            });
            assertEquals("ping", loop.runUntilComplete(reader));
            assertEquals(List.of("waiting", "tick", "write", "resumed"), events);
            assertEquals(0, loop.watchedHandles(), "interest removed once resumed");
        } finally {
            LoopPipes.close(pipe);
        }
    }

    @Test
    void manyTasksPingPongOverPipes() throws Exception {
        int pairs = 200;
        int rounds = 20;
        List<int[]> pipes = new ArrayList<>();
        try {
            List<Task<Integer>> tasks = new ArrayList<>();
            for (int i = 0; i < pairs; i++) {
                int[] there = LoopPipes.open();
                pipes.add(there);
                int[] back = LoopPipes.open();
                pipes.add(back);
                byte id = (byte) i;
                tasks.add(loop.spawn(() -> { // echo
                    for (int r = 0; r < rounds; r++) {
                        Tasks.awaitReadable(there[0]);
                        LoopPipes.write(back[1], LoopPipes.read(there[0], 1));
                    }
                    return 0;
                }));
                tasks.add(loop.spawn(() -> { // ping
                    int ok = 0;
                    for (int r = 0; r < rounds; r++) {
                        LoopPipes.write(there[1], new byte[] {(byte) (id + r)});
                        Tasks.awaitReadable(back[0]);
                        if (LoopPipes.read(back[0], 1)[0] == (byte) (id + r)) ok++;
                    }
                    return ok;
                }));
            }
            List<Integer> results = loop.runUntilComplete(Tasks.gather(tasks));
            for (int i = 0; i < pairs; i++) {
                assertEquals(rounds, results.get(2 * i + 1), "pinger " + i);
            }
        } finally {
            for (int[] p : pipes) {
                LoopPipes.close(p);
            }
        }
    }

    @Test
    void closeCancelsUnfinishedTasksSoTheirFinallyBlocksRun() throws Exception {
        EventLoop other = newLoop();
        List<String> seen = new ArrayList<>();
        other.spawn(() -> {
            try {
                Tasks.sleep(Duration.ofHours(1));
            } finally {
                seen.add("finally");
            }
            return null;
        });
        other.runOnce(0, TimeUnit.SECONDS);
        other.close();
        assertEquals(List.of("finally"), seen);
    }

    @Test
    void suspendingInAPinnedSectionFailsClearly() throws Exception {
        Task<Object> task = loop.spawn(() -> {
            Continuation.pin();
            try {
                Tasks.sleep(Duration.ofMillis(1));
            } finally {
                Continuation.unpin();
            }
            return null;
        });
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> loop.runUntilComplete(task));
        assertTrue(e.getMessage().contains("pinned"), e.getMessage());
    }

    @Test
    void taskHelpersRefuseCodeOutsideATask() {
        assertFalse(Tasks.inTask());
        assertThrows(IllegalStateException.class, Tasks::current);
        assertThrows(IllegalStateException.class, () -> Tasks.sleep(Duration.ZERO));
    }

    @Test
    void aTaskCannotBeCompletedFromOutside() {
        Task<String> task = loop.spawn(() -> "x");
        assertThrows(UnsupportedOperationException.class, () -> task.complete("y"));
        assertThrows(UnsupportedOperationException.class, () -> task.fail(new Exception()));
    }
}
