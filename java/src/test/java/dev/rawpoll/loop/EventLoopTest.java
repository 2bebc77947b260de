package dev.rawpoll.loop;

import java.io.IOException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rawpoll.Interest;
import dev.rawpoll.LeakCheck;
import dev.rawpoll.Poller;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hang fails, even in a native read
@ExtendWith(LeakCheck.class)
class EventLoopTest {

    /** The poller of this class's loops: the OS default here; the {@code OnKqueue} subclass runs every test on kqueue. */
    Poller openPoller() throws IOException {
        return Poller.open();
    }

    EventLoop newLoop() throws IOException {
        return EventLoop.open(openPoller());
    }

    /**
     * A new interest is registered by the call that asks for it, not queued for the pass's flush
     * (docs/loop.md, phase 3): the caller gets the errno, and nothing of the handle stays behind.
     */
    @Test
    void aWatcherOnABadHandleFailsTheCallThatAddsItAndLeavesNothingBehind() throws Exception {
        try (EventLoop loop = newLoop()) {
            long bad = 1_000_000; // far above any descriptor this process has open
            dev.rawpoll.SystemCallException reader = assertThrows(dev.rawpoll.SystemCallException.class,
                    () -> loop.addReader(bad, () -> {}));
            assertEquals("EBADF", reader.errnoName(), reader.getMessage());
            dev.rawpoll.SystemCallException writer = assertThrows(dev.rawpoll.SystemCallException.class,
                    () -> loop.addWriter(bad, () -> {}));
            assertEquals("EBADF", writer.errnoName(), writer.getMessage());
            assertFalse(loop.removeReader(bad));
            assertFalse(loop.removeWriter(bad));
            loop.runOnce(0, TimeUnit.MILLISECONDS); // the pass's flush has nothing of it to apply
        }
    }

    @Test
    void timersFireInDeadlineOrderAndTiesInScheduleOrder() throws Exception {
        try (EventLoop loop = newLoop()) {
            List<String> order = new ArrayList<>();
            long base = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
            loop.callAt(base + 3_000_000, () -> order.add("c"));
            loop.callAt(base, () -> order.add("a1"));
            loop.callAt(base + 1_000_000, () -> order.add("b"));
            loop.callAt(base, () -> order.add("a2"));
            loop.callAt(base, () -> order.add("a3"));
            loop.callAt(base - 5_000_000, () -> order.add("first"));
            loop.callAt(base + 4_000_000, loop::stop);
            loop.run();
            assertEquals(List.of("first", "a1", "a2", "a3", "b", "c"), order);
        }
    }

    @Test
    void aTimerNeverFiresBeforeItsDeadline() throws Exception {
        try (EventLoop loop = newLoop()) {
            long[] firedAt = new long[1];
            TimerHandle timer = loop.callLater(15, TimeUnit.MILLISECONDS, () -> {
                firedAt[0] = System.nanoTime();
                loop.stop();
            });
            loop.run();
            assertTrue(firedAt[0] - timer.deadline() >= 0, "fired before its deadline");
        }
    }

    @Test
    void cancelledTimersNeverRun() throws Exception {
        try (EventLoop loop = newLoop()) {
            List<Integer> ran = new ArrayList<>();
            List<TimerHandle> handles = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                int n = i;
                handles.add(loop.callLater(1 + i % 5, TimeUnit.MILLISECONDS, () -> ran.add(n)));
            }
            // Cancel 900 of them: more than half, so the heap gets compacted.
            for (int i = 0; i < 1000; i++) {
                if (i % 10 != 0) {
                    assertTrue(handles.get(i).cancel());
                    assertFalse(handles.get(i).cancel(), "second cancel");
                    assertTrue(handles.get(i).isCancelled());
                }
            }
            loop.callLater(20, TimeUnit.MILLISECONDS, loop::stop);
            loop.run();
            assertEquals(100, ran.size());
            assertTrue(ran.stream().allMatch(n -> n % 10 == 0), "a cancelled timer ran: " + ran);
        }
    }

    @Test
    void aDueTimerCancelledByAnEarlierCallbackOfTheSamePassDoesNotRun() throws Exception {
        try (EventLoop loop = newLoop()) {
            List<String> ran = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(5);
            TimerHandle[] second = new TimerHandle[1];
            loop.callAt(deadline, () -> {
                ran.add("first");
                assertTrue(second[0].cancel(), "due but not run yet: still cancellable");
            });
            second[0] = loop.callAt(deadline, () -> ran.add("second"));
            loop.callAt(deadline + 5_000_000, loop::stop);
            loop.run();
            assertEquals(List.of("first"), ran);
        }
    }

    @Test
    void aPassRunsWhatWasQueuedThenIoThenWhatExecuteHandedOverDuringTheWaitThenTimers() throws Exception {
        int[] pipe = LoopPipes.open();
        CountingPoller poller = new CountingPoller(openPoller());
        try (EventLoop loop = EventLoop.open(poller)) {
            List<String> ran = new ArrayList<>();
            loop.addReader(pipe[0], () -> {
                ran.add("reader");
                loop.removeReader(pipe[0]);
            });
            LoopPipes.write(pipe[1], new byte[] {1});
            loop.callAt(System.nanoTime() - 1, () -> ran.add("timer"));
            loop.callSoon(() -> ran.add("callSoon"));
            poller.afterPoll = () -> loop.execute(() -> ran.add("execute during the wait"));
            loop.runOnce(1, TimeUnit.SECONDS);
            poller.afterPoll = null;
            assertEquals(List.of("callSoon", "reader", "execute during the wait", "timer"), ran);
        } finally {
            LoopPipes.close(pipe);
        }
    }

    @Test
    void aHandleClosedByAnEarlierCallbackOfTheBatchGetsNoCallbackEvenWhenItsNumberIsReused() throws Exception {
        int[][] pipes = {LoopPipes.open(), LoopPipes.open()};
        List<int[]> reused = new ArrayList<>();
        try (EventLoop loop = newLoop()) {
            List<String> ran = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                int[] mine = pipes[i];
                int[] other = pipes[1 - i];
                String name = i == 0 ? "first pipe" : "second pipe";
                loop.addReader(mine[0], () -> {
                    ran.add(name);
                    loop.removeReader(mine[0]);
                    // The other pipe is readable too, its event later in this batch: close it and
                    // give its number (the lowest free one) to a new, readable pipe.
                    loop.removeReader(other[0]);
                    LoopPipes.close(other[0]);
                    int closed = other[0];
                    other[0] = -1;
                    int[] next = LoopPipes.open();
                    reused.add(next);
                    LoopPipes.write(next[1], new byte[] {1});
                    addReader(loop, next[0], () -> {
                        ran.add(next[0] == closed ? "new owner of the number" : "new pipe");
                        loop.removeReader(next[0]);
                    });
                });
                LoopPipes.write(mine[1], new byte[] {1});
            }
            loop.runOnce(1, TimeUnit.SECONDS);
            assertEquals(1, ran.size(), () -> "only the callback that ran first: " + ran);
            loop.runOnce(1, TimeUnit.SECONDS);
            assertEquals(2, ran.size(), () -> "the new pipe is ready in the next pass: " + ran);
        } finally {
            for (int[] pipe : pipes) {
                LoopPipes.close(pipe[0] < 0 ? new int[] {pipe[1]} : pipe);
            }
            reused.forEach(LoopPipes::close);
        }
    }

    @Test
    void aWriterSetOnAReusedNumberByTheReaderOfTheSameEventDoesNotRunOnThatEvent() throws Exception {
        int[] fds = LoopPipes.socketPair();
        List<int[]> reused = new ArrayList<>();
        try (EventLoop loop = newLoop()) {
            List<String> ran = new ArrayList<>();
            LoopPipes.write(fds[1], new byte[] {1}); // fds[0]: readable and writable, one event
            loop.addWriter(fds[0], () -> ran.add("old writer"));
            loop.addReader(fds[0], () -> {
                ran.add("reader");
                loop.removeReader(fds[0]);
                loop.removeWriter(fds[0]);
                LoopPipes.close(fds[0]);
                int closed = fds[0];
                fds[0] = -1;
                int[] next = LoopPipes.socketPair(); // likely takes the number: same watcher
                reused.add(next);
                try {
                    loop.addWriter(next[0], () -> {
                        ran.add(next[0] == closed ? "new owner of the number" : "new socket");
                        loop.removeWriter(next[0]);
                    });
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            loop.runOnce(1, TimeUnit.SECONDS);
            assertEquals(List.of("reader"), ran, "the event was the old socket's");
            loop.runOnce(1, TimeUnit.SECONDS);
            assertEquals(2, ran.size(), () -> "the new socket is writable in the next pass: " + ran);
        } finally {
            LoopPipes.close(fds[0] < 0 ? new int[] {fds[1]} : fds);
            reused.forEach(LoopPipes::close);
        }
    }

    @Test
    void aCallbackThatThrowsInTheMiddleOfABatchSkipsNoneOfTheRest() throws Exception {
        int[][] pipes = {LoopPipes.open(), LoopPipes.open(), LoopPipes.open()};
        try (EventLoop loop = newLoop()) {
            List<Throwable> reported = new ArrayList<>();
            loop.setExceptionHandler(reported::add);
            IllegalStateException boom = new IllegalStateException("boom");
            List<Integer> ran = new ArrayList<>();
            for (int[] pipe : pipes) {
                loop.addReader(pipe[0], () -> {
                    ran.add(pipe[0]);
                    loop.removeReader(pipe[0]);
                    if (ran.size() == 2) {
                        throw boom; // the middle one of the batch
                    }
                });
                LoopPipes.write(pipe[1], new byte[] {1});
            }
            loop.runOnce(1, TimeUnit.SECONDS);
            assertEquals(3, ran.size(), ran::toString);
            assertEquals(List.of(boom), reported);
        } finally {
            for (int[] pipe : pipes) {
                LoopPipes.close(pipe);
            }
        }
    }

    @Test
    void aReaderReplacedByAnEarlierCallbackOfTheBatchRunsOnThatBatchsEvent() throws Exception {
        int[][] pipes = {LoopPipes.open(), LoopPipes.open()};
        try (EventLoop loop = newLoop()) {
            List<String> ran = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                int[] mine = pipes[i];
                int[] other = pipes[1 - i];
                loop.addReader(mine[0], () -> {
                    ran.add("replacer");
                    loop.removeReader(mine[0]);
                    // Same handle, same registration: the event later in the batch is still its
                    // own, so the new reader runs on it (libuv calls the watcher's current
                    // callback), where a queued old callback would have been dropped.
                    addReader(loop, other[0], () -> {
                        ran.add("replacement");
                        loop.removeReader(other[0]);
                    });
                });
                LoopPipes.write(mine[1], new byte[] {1});
            }
            loop.runOnce(1, TimeUnit.SECONDS);
            assertEquals(List.of("replacer", "replacement"), ran);
        } finally {
            for (int[] pipe : pipes) {
                LoopPipes.close(pipe);
            }
        }
    }

    /** {@link EventLoop#addReader} from inside a callback, which cannot throw a checked exception. */
    private static void addReader(EventLoop loop, int handle, Runnable callback) {
        try {
            loop.addReader(handle, callback);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void callbacksScheduledByACallbackRunInTheNextPass() throws Exception {
        try (EventLoop loop = newLoop()) {
            List<String> ran = new ArrayList<>();
            loop.callSoon(() -> {
                ran.add("a");
                loop.callSoon(() -> ran.add("c"));
            });
            loop.callSoon(() -> ran.add("b"));
            loop.runOnce(0, TimeUnit.SECONDS);
            assertEquals(List.of("a", "b"), ran);
            loop.runOnce(0, TimeUnit.SECONDS);
            assertEquals(List.of("a", "b", "c"), ran);
        }
    }

    @Test
    void executeFromAnotherThreadWakesAnIdleLoop() throws Exception {
        try (EventLoop loop = newLoop()) {
            Promise<String> promise = loop.newPromise();
            CountDownLatch idle = new CountDownLatch(1);
            loop.callSoon(idle::countDown);
            Thread other = Thread.ofPlatform().start(() -> {
                try {
                    idle.await();
                    Thread.sleep(50); // the loop is blocked in poll with no timer: only a wakeup ends it
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                loop.execute(() -> promise.complete(Thread.currentThread().getName()));
            });
            assertEquals(Thread.currentThread().getName(), loop.runUntilComplete(promise));
            other.join();
        }
    }

    @Test
    void stopFromAnotherThreadEndsRun() throws Exception {
        try (EventLoop loop = newLoop()) {
            Thread runner = Thread.ofPlatform().start(loop::run);
            while (!loop.isRunning()) {
                Thread.onSpinWait();
            }
            loop.stop();
            runner.join(10_000);
            assertFalse(runner.isAlive(), "run() did not return after stop()");
            assertFalse(loop.isRunning());
        }
    }

    @Test
    void loopThreadMethodsRefuseOtherThreadsWhileRunning() throws Exception {
        try (EventLoop loop = newLoop()) {
            CountDownLatch running = new CountDownLatch(1);
            loop.callSoon(running::countDown);
            Thread runner = Thread.ofPlatform().start(loop::run);
            running.await();
            assertThrows(IllegalStateException.class, () -> loop.callSoon(() -> {}));
            assertThrows(IllegalStateException.class, () -> loop.callLater(1, TimeUnit.SECONDS, () -> {}));
            assertThrows(IllegalStateException.class, loop::run);
            assertThrows(IllegalStateException.class, loop::close);
            loop.stop();
            runner.join();
        }
    }

    @Test
    void readerAndWriterCallbacksFollowReadiness() throws Exception {
        int[] pipe = LoopPipes.open();
        try (Poller poller = openPoller(); EventLoop loop = EventLoop.open(poller)) {
            List<String> ran = new ArrayList<>();
            loop.addReader(pipe[0], () -> ran.add("read"));
            loop.addWriter(pipe[1], () -> ran.add("write"));
            loop.runOnce(0, TimeUnit.SECONDS);
            assertEquals(List.of("write"), ran, "an empty pipe is writable, not readable");

            LoopPipes.write(pipe[1], new byte[] {42});
            ran.clear();
            loop.runOnce(0, TimeUnit.SECONDS);
            assertEquals(2, ran.size());
            assertTrue(ran.containsAll(List.of("read", "write")));

            assertTrue(loop.removeWriter(pipe[1]));
            assertFalse(loop.removeWriter(pipe[1]));
            ran.clear();
            loop.runOnce(0, TimeUnit.SECONDS);
            assertEquals(List.of("read"), ran, "level-triggered: the byte is still there");
            assertEquals(1, loop.watchedHandles());

            assertTrue(loop.removeReader(pipe[0]));
            assertEquals(0, loop.watchedHandles());
            // Both handles were deregistered from the poller: registering them again works.
            poller.register(pipe[0], Interest.READABLE, 1);
            poller.register(pipe[1], Interest.WRITABLE, 2);
            poller.deregister(pipe[0]);
            poller.deregister(pipe[1]);
            ran.clear();
            loop.runOnce(0, TimeUnit.SECONDS);
            assertEquals(List.of(), ran);
        } finally {
            LoopPipes.close(pipe);
        }
    }

    @Test
    void readerAndWriterOnOneHandleShareARegistration() throws Exception {
        int[] pipe = LoopPipes.open();
        try (EventLoop loop = newLoop()) {
            List<String> ran = new ArrayList<>();
            loop.addReader(pipe[1], () -> ran.add("read"));
            loop.addWriter(pipe[1], () -> ran.add("write"));
            assertEquals(1, loop.watchedHandles());
            loop.runOnce(0, TimeUnit.SECONDS);
            assertEquals(List.of("write"), ran);
            loop.removeWriter(pipe[1]);
            assertEquals(1, loop.watchedHandles(), "the reader keeps the registration");
            loop.removeReader(pipe[1]);
            assertEquals(0, loop.watchedHandles());
        } finally {
            LoopPipes.close(pipe);
        }
    }

    @Test
    void closedPipeEndMakesTheReaderRun() throws Exception {
        int[] pipe = LoopPipes.open();
        try (EventLoop loop = newLoop()) {
            List<String> ran = new ArrayList<>();
            loop.addReader(pipe[0], () -> {
                ran.add("eof:" + LoopPipes.read(pipe[0], 16).length);
                loop.removeReader(pipe[0]);
            });
            loop.callLater(5, TimeUnit.MILLISECONDS, () -> LoopPipes.close(pipe[1]));
            loop.callLater(50, TimeUnit.MILLISECONDS, loop::stop);
            loop.run();
            assertEquals(List.of("eof:0"), ran);
        } finally {
            LoopPipes.close(pipe[0]);
        }
    }

    @Test
    void aFailingCallbackIsReportedAndTheLoopGoesOn() throws Exception {
        try (EventLoop loop = newLoop()) {
            List<Throwable> reported = new CopyOnWriteArrayList<>();
            loop.setExceptionHandler(reported::add);
            IllegalArgumentException boom = new IllegalArgumentException("boom");
            List<String> ran = new ArrayList<>();
            loop.callSoon(() -> { throw boom; });
            loop.callSoon(() -> ran.add("after"));
            loop.runOnce(0, TimeUnit.SECONDS);
            assertEquals(List.of(boom), reported);
            assertEquals(List.of("after"), ran);
        }
    }

    @Test
    void nextDeadlineAndRunOnceLetAHostDriveTheLoop() throws Exception {
        try (EventLoop loop = newLoop()) {
            assertEquals(EventLoop.NO_DEADLINE, loop.nextDeadline());
            TimerHandle far = loop.callLater(1, TimeUnit.HOURS, () -> {});
            TimerHandle near = loop.callLater(10, TimeUnit.MILLISECONDS, () -> {});
            assertEquals(near.deadline(), loop.nextDeadline());
            near.cancel();
            assertEquals(far.deadline(), loop.nextDeadline());
            boolean[] ran = {false};
            loop.callSoon(() -> ran[0] = true);
            assertTrue(loop.nextDeadline() - System.nanoTime() <= 0, "ready work: now");
            loop.runOnce(1, TimeUnit.HOURS); // ready work: does not wait
            assertTrue(ran[0]);
            long before = System.nanoTime();
            loop.runOnce(20, TimeUnit.MILLISECONDS); // nothing due: waits up to the host's limit
            assertTrue(System.nanoTime() - before >= TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    @Test
    void anIdleLoopBurnsNoCpu() throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        try (EventLoop loop = newLoop()) {
            AtomicLong cpu = new AtomicLong();
            loop.callLater(1, TimeUnit.HOURS, () -> {});
            long start = threads.getCurrentThreadCpuTime();
            loop.callLater(1, TimeUnit.SECONDS, () -> {
                cpu.set(threads.getCurrentThreadCpuTime() - start);
                loop.stop();
            });
            loop.run();
            assertTrue(cpu.get() < TimeUnit.MILLISECONDS.toNanos(10),
                    "the idle loop thread used " + cpu.get() / 1000 + " us of CPU in 1 s");
        }
    }

    @Test
    void closeFreesTheLoopsDescriptorsAndRefusesWork() throws Exception {
        long before = LeakCheck.openHandles();
        EventLoop loop = newLoop();
        assertTrue(LeakCheck.openHandles() > before, "the poller holds descriptors");
        int[] pipe = LoopPipes.open();
        try {
            loop.addReader(pipe[0], () -> {});
            loop.callLater(1, TimeUnit.HOURS, () -> {});
            loop.close();
            loop.close(); // idempotent
            assertEquals(before + 2, LeakCheck.openHandles(), "only the caller's pipe is left open");
            assertTrue(loop.isClosed());
            assertThrows(RejectedExecutionException.class, () -> loop.execute(() -> {}));
            assertThrows(IllegalStateException.class, () -> loop.callSoon(() -> {}));
            assertThrows(IllegalStateException.class, loop::run);
        } finally {
            LoopPipes.close(pipe);
        }
    }

    @Test
    void runUntilCompleteReturnsTheValueOrThrowsTheException() throws Exception {
        try (EventLoop loop = newLoop()) {
            Promise<String> ok = loop.newPromise();
            loop.callLater(1, TimeUnit.MILLISECONDS, () -> ok.complete("yes"));
            assertEquals("yes", loop.runUntilComplete(ok));

            Promise<String> bad = loop.newPromise();
            java.io.IOException failure = new java.io.IOException("no");
            loop.callSoon(() -> bad.fail(failure));
            assertSame(failure, assertThrows(java.io.IOException.class, () -> loop.runUntilComplete(bad)));

            Promise<String> never = loop.newPromise();
            loop.callSoon(loop::stop);
            assertThrows(IllegalStateException.class, () -> loop.runUntilComplete(never));
        }
    }
}
