package dev.rawpoll.loop;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What the body of a {@link Task} calls to suspend: await a promise, sleep, gather, time out.
 * Every suspending method throws a {@link CancellationException} when the task is cancelled
 * while (or before) it waits; calling one outside a task throws {@link IllegalStateException}.
 *
 * <pre>{@code
 * String s;
 * try (EventLoop loop = EventLoop.open()) {
 *     s = loop.runUntilComplete(() -> {
 *         Task<Integer> a = Tasks.spawn(() -> { Tasks.sleep(Duration.ofMillis(10)); return 1; });
 *         Task<Integer> b = Tasks.spawn(() -> 2);
 *         List<Integer> both = Tasks.await(Tasks.gather(List.of(a, b)));   // [1, 2]
 *         return Tasks.withTimeout(Duration.ofSeconds(1), () -> "done " + both);
 *     });
 * }
 * // s: "done [1, 2]"
 * }</pre>
 */
public final class Tasks {
    private Tasks() {}

    /** The task running on this thread. @throws IllegalStateException outside a task */
    public static Task<?> current() {
        CoroutineSupport.ensureAvailable();
        Task<?> task = Coroutine.currentTask();
        if (task == null) {
            throw new IllegalStateException("not inside a task of an EventLoop");
        }
        return task;
    }

    /** Whether this code runs inside a task. */
    public static boolean inTask() {
        CoroutineSupport.ensureAvailable();
        return Coroutine.currentTask() != null;
    }

    /** Starts {@code body} as a new task of the current task's loop; it first runs in the next pass. */
    public static <T> Task<T> spawn(TaskBody<T> body) {
        return current().loop().spawn(body);
    }

    /**
     * Suspends until {@code promise} is done, then returns its value or throws its exception as
     * is. Returns at once if it is already done.
     *
     * @throws CancellationException also if this task is cancelled while it waits (the promise
     *     itself is left alone)
     */
    public static <T> T await(Promise<T> promise) throws Exception {
        Task<?> task = current();
        if (promise.loop() != task.loop()) {
            throw new IllegalArgumentException("the promise belongs to another loop");
        }
        if (promise == task) {
            throw new IllegalArgumentException("a task cannot await itself");
        }
        if (!promise.isDone()) {
            promise.onDone(task.wakeOnDone);
            try {
                task.suspend();
            } finally {
                promise.removeCallback(task.wakeOnDone);
            }
        }
        return promise.result();
    }

    /** Suspends for {@code duration} (at least; 0 or negative: until the next pass). */
    public static void sleep(Duration duration) {
        Task<?> task = current();
        long nanos = saturatedNanos(duration);
        TimerHandle timer = task.loop().callLater(nanos, TimeUnit.NANOSECONDS, task.wake);
        try {
            task.suspend();
        } finally {
            timer.cancel();
        }
    }

    /**
     * Suspends until {@code handle} is readable (or at end of stream, or in error): watches it
     * like {@link EventLoop#addReader} meanwhile and stops watching at once when resumed, so the
     * caller may close the handle right after (a task's sockets in {@link AsyncSockets} keep
     * their registration instead, since their close tells the loop). It resumes in the pass whose
     * poll found the handle ready.
     *
     * @throws IllegalStateException if another reader already watches the handle
     * @throws dev.rawpoll.SystemCallException if the poller refuses the handle
     */
    public static void awaitReadable(long handle) throws java.io.IOException {
        awaitReady(handle, true);
    }

    /** Like {@link #awaitReadable} for writability. */
    public static void awaitWritable(long handle) throws java.io.IOException {
        awaitReady(handle, false);
    }

    private static void awaitReady(long handle, boolean read) throws java.io.IOException {
        Task<?> task = current();
        FdWatchers watchers = task.loop().watchers();
        int direction = read ? FdWatchers.READ : FdWatchers.WRITE;
        if (watchers.has(handle, direction)) {
            throw new IllegalStateException("handle " + handle + " already has a " + (read ? "reader" : "writer"));
        }
        watchers.set(handle, direction, task.wakeNow);
        try {
            task.suspend();
        } finally {
            watchers.set(handle, direction, null); // at once: the caller may close the handle next
        }
    }

    /** Lets the loop run everything else that is ready, then goes on (asyncio's {@code sleep(0)}). */
    public static void yieldNow() {
        // A cancellable timer, not callSoon: a cancellation may resume the task first, and a
        // wake-up left in the ready queue must not resume it from its next wait.
        sleep(Duration.ZERO);
    }

    /**
     * A promise of the values of {@code promises}, in order; it fails as soon as one of them
     * fails or is cancelled (the others go on), and cancelling it cancels all of them. Needs the
     * loop thread, not a task; an empty list needs a task (for its loop).
     */
    public static <T> Promise<List<T>> gather(List<? extends Promise<? extends T>> promises) {
        EventLoop loop = promises.isEmpty() ? current().loop() : promises.get(0).loop();
        return new Gather<>(loop, promises);
    }

    /** {@link #gather(List)} of the arguments. */
    @SafeVarargs
    public static <T> Promise<List<T>> gather(Promise<? extends T>... promises) {
        return gather(List.of(promises));
    }

    /**
     * Runs {@code body} in this task, cancelling it if it is not done within {@code timeout}
     * (asyncio's {@code timeout()}): the cancellation is thrown at the await that is waiting
     * then, and turned into a {@link TimeoutException} if it leaves {@code body}.
     *
     * @throws TimeoutException if the time ran out
     */
    public static <T> T withTimeout(Duration timeout, TaskBody<T> body) throws Exception {
        Task<?> task = current();
        // Cancellations from elsewhere, before or during the body, stay cancellations (asyncio's
        // timeout() compares the task's cancel count with the one at entry, as here).
        int cancelsBefore = task.cancelRequests();
        boolean[] expired = {false};
        TimerHandle timer = task.loop().callLater(saturatedNanos(timeout), TimeUnit.NANOSECONDS, () -> {
            expired[0] = true;
            task.cancel();
        });
        try {
            return body.run();
        } catch (CancellationException e) {
            if (expired[0]) {
                expired[0] = false;
                if (task.uncancel() <= cancelsBefore) {
                    TimeoutException timedOut = new TimeoutException("timed out after " + timeout);
                    timedOut.initCause(e);
                    throw timedOut;
                }
            }
            throw e;
        } finally {
            timer.cancel();
            if (expired[0]) {
                // Expired, but the body ended without the cancellation reaching it: withdraw it.
                task.uncancel();
            }
        }
    }

    private static long saturatedNanos(Duration d) {
        try {
            return Math.max(0, d.toNanos());
        } catch (ArithmeticException e) {
            return d.isNegative() ? 0 : Long.MAX_VALUE / 2;
        }
    }

    /**
     * {@code throw rethrow(t)}: throws an Error, or a Throwable that is neither Error nor
     * Exception, as is; returns an Exception to throw as is.
     */
    static Exception rethrow(Throwable t) {
        if (t instanceof Exception e) {
            return e;
        }
        throw Tasks.<RuntimeException>sneaky(t);
    }

    @SuppressWarnings("unchecked")
    private static <E extends Throwable> E sneaky(Throwable t) throws E {
        throw (E) t;
    }
}
