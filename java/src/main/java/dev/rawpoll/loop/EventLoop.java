package dev.rawpoll.loop;

import dev.rawpoll.Events;
import dev.rawpoll.Poller;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A single-threaded event loop in the manner of asyncio: a queue of ready callbacks, a heap of
 * timers, and reader/writer callbacks per handle, all driven by one {@link Poller}. Everything
 * except {@link #execute}, {@link #stop()} and {@link #wakeup()} must be called on the thread that
 * runs the loop (or, while nothing runs it, on any one thread at a time).
 *
 * <h2>One pass ({@link #runOnce(long, TimeUnit)}), like asyncio's {@code _run_once}</h2>
 * <ol>
 *   <li>Drop cancelled timers: all of them when they are more than half of a heap of over 100,
 *       else those at the top.</li>
 *   <li>Pick the poll timeout: 0 if a callback is ready (or the loop is stopping), else until the
 *       earliest timer's deadline, else forever (until I/O, {@link #execute} or {@link #stop()}).
 *       An idle loop thus sleeps in the kernel and burns no CPU.</li>
 *   <li>Poll, and queue the reader and/or writer callback of every handle that is ready, and
 *       every runnable handed over by {@link #execute}.</li>
 *   <li>Read the clock again and queue every timer whose deadline has passed, in deadline order,
 *       ties in schedule order.</li>
 *   <li>Run the callbacks that are queued at this point, and only those: callbacks they schedule
 *       wait for the next pass, so I/O is never starved.</li>
 * </ol>
 *
 * <p>{@link #run()} repeats passes until {@link #stop()}; {@link #runUntilComplete} until a
 * promise completes. A host that has its own loop instead calls {@link #runOnce(long, TimeUnit)}
 * when it likes, using {@link #nextDeadline()} to know when the loop needs it next.
 *
 * <p>Tasks ({@link Task}, {@link Tasks}) are coroutines run by this loop.
 */
public final class EventLoop implements Executor, AutoCloseable {
    /** {@link #nextDeadline()} when only I/O, {@link #execute} or {@link #stop()} can bring work. */
    public static final long NO_DEADLINE = Long.MAX_VALUE;
    private static final int EVENTS_PER_POLL = 1024;
    private static final int CLOSE_PASSES = 1000;

    private final Poller poller;
    private final Events events;
    private final FdWatchers watchers;
    /**
     * What the run phase runs: callbacks ({@link Runnable}), due timers ({@link TimerHandle},
     * still cancellable) and handles with readiness ({@link FdWatchers.Watcher}, whose callbacks
     * may still be removed).
     */
    private final ArrayDeque<Object> ready = new ArrayDeque<>();
    private final TimerHeap timers = new TimerHeap();
    /** Handed over by other threads through {@link #execute}. */
    private final ConcurrentLinkedQueue<Runnable> inbox = new ConcurrentLinkedQueue<>();
    private final Events.Handler onEvent;
    private final Set<Task<?>> liveTasks = new HashSet<>();
    /** Tasks that failed in this pass with no observer at that moment (see {@link Task}). */
    private final ArrayList<Task<?>> failedUnobserved = new ArrayList<>();
    private Consumer<Throwable> exceptionHandler = EventLoop::logUncaught;
    private volatile Thread runningThread;
    private volatile boolean stopping;
    private volatile boolean closed;

    private EventLoop(Poller poller) {
        this.poller = poller;
        this.events = poller.newEvents(EVENTS_PER_POLL);
        this.watchers = new FdWatchers(poller);
        this.onEvent = (handle, readiness) -> watchers.dispatch(handle, readiness, ready);
    }

    /** A loop on a new {@link Poller#open() poller} of this OS. */
    public static EventLoop open() throws IOException {
        return new EventLoop(Poller.open());
    }

    /** A loop on {@code poller}, which it then owns: {@link #close()} closes it. */
    public static EventLoop open(Poller poller) {
        if (!poller.isOpen()) {
            throw new IllegalStateException("poller is closed");
        }
        return new EventLoop(poller);
    }

    // ---- scheduling ---------------------------------------------------------------------------

    /** Runs {@code callback} in the next pass, after the callbacks already scheduled. */
    public void callSoon(Runnable callback) {
        checkThread();
        ready.add(requireCallback(callback));
    }

    /** Runs {@code callback} once {@code delay} has passed (at the earliest). */
    public TimerHandle callLater(long delay, TimeUnit unit, Runnable callback) {
        // Clamped so that the deadline cannot wrap around: 2^62 ns is still 146 years.
        long nanos = Math.min(Math.max(0, unit.toNanos(delay)), Long.MAX_VALUE >>> 1);
        return callAt(System.nanoTime() + nanos, callback);
    }

    /**
     * Runs {@code callback} once {@link System#nanoTime()} reaches {@code deadline}. Timers with
     * equal deadlines run in the order they were scheduled.
     */
    public TimerHandle callAt(long deadline, Runnable callback) {
        checkThread();
        TimerHandle timer = new TimerHandle(this, deadline, timers.nextSequence(), requireCallback(callback));
        timers.add(timer);
        return timer;
    }

    /** The loop's clock, {@link System#nanoTime()}. */
    public long time() {
        return System.nanoTime();
    }

    /**
     * Runs {@code command} on the loop thread in a coming pass. Any thread; wakes the loop if it
     * is waiting.
     *
     * @throws RejectedExecutionException if the loop is closed
     */
    @Override
    public void execute(Runnable command) {
        if (closed) {
            throw new RejectedExecutionException("event loop is closed");
        }
        inbox.add(requireCallback(command));
        poller.wakeup();
    }

    /** Makes a waiting pass return at once. Any thread. */
    public void wakeup() {
        poller.wakeup();
    }

    // ---- fd watchers --------------------------------------------------------------------------

    /**
     * Runs {@code callback} in every pass in which {@code handle} is readable (level-triggered),
     * until {@link #removeReader}. Replaces an earlier reader of the handle. The loop never closes
     * the handle: remove its watchers before closing it.
     *
     * @throws dev.rawpoll.SystemCallException if the poller refuses the handle (EBADF, EPERM)
     */
    public void addReader(long handle, Runnable callback) throws IOException {
        checkThread();
        watchers.setReader(handle, requireCallback(callback));
    }

    /** Like {@link #addReader} for writability. */
    public void addWriter(long handle, Runnable callback) throws IOException {
        checkThread();
        watchers.setWriter(handle, requireCallback(callback));
    }

    /** Stops watching {@code handle} for reading; returns whether a reader was there. */
    public boolean removeReader(long handle) {
        checkThread();
        if (!watchers.hasReader(handle)) {
            return false;
        }
        try {
            watchers.setReader(handle, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return true;
    }

    /** Stops watching {@code handle} for writing; returns whether a writer was there. */
    public boolean removeWriter(long handle) {
        checkThread();
        if (!watchers.hasWriter(handle)) {
            return false;
        }
        try {
            watchers.setWriter(handle, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return true;
    }

    boolean isWatched(long handle, boolean read) {
        return read ? watchers.hasReader(handle) : watchers.hasWriter(handle);
    }

    /** How many handles the loop has registered with its poller (for tests and diagnostics). */
    public int watchedHandles() {
        return watchers.count();
    }

    // ---- tasks --------------------------------------------------------------------------------

    /** Starts {@code body} as a {@link Task} of this loop: it first runs in the next pass. */
    public <T> Task<T> spawn(TaskBody<T> body) {
        checkThread();
        Task<T> task = new Task<>(this, body);
        liveTasks.add(task);
        task.schedule();
        return task;
    }

    /** A pending promise of this loop. */
    public <T> Promise<T> newPromise() {
        return new Promise<>(this);
    }

    void taskDone(Task<?> task) {
        liveTasks.remove(task);
    }

    /** A task failed with nothing observing it yet: looked at again when the pass ends ({@link Task}). */
    void taskFailedUnobserved(Task<?> task) {
        failedUnobserved.add(task);
    }

    // ---- running ------------------------------------------------------------------------------

    /**
     * Runs passes until {@link #stop()}; at least one.
     *
     * <p><b>Driven by a host loop instead.</b> A host that cannot give its thread to {@code run()}
     * drives the loop itself, on one thread: open the loop over a poller whose {@link
     * dev.rawpoll.Poller#backendHandle() backend handle} the host watches ({@link #open(Poller)}),
     * sleep no longer than until {@link #nextDeadline()} ({@link #NO_DEADLINE}: only I/O or {@link
     * #execute} can bring work), and call {@link #runOnce runOnce(0, unit)} whenever that handle
     * is readable or the deadline has come. {@link #execute} and {@link #stop()} from other
     * threads wake the loop's poller, and through its handle the host. Never call {@code run()}
     * and {@code runOnce} on different threads.
     */
    public void run() {
        enter();
        try {
            do {
                pass(-1);
            } while (!stopping);
        } finally {
            exit();
        }
    }

    /**
     * Runs passes until {@code promise} is done, and returns its result or throws its exception
     * (see {@link Promise#result()}).
     *
     * @throws IllegalStateException if {@link #stop()} ended the loop first
     */
    public <T> T runUntilComplete(Promise<T> promise) throws Exception {
        if (promise.loop() != this) {
            throw new IllegalArgumentException("the promise belongs to another loop");
        }
        enter();
        promise.retrieved = true; // its failure is thrown here: not an unobserved one
        try {
            while (!promise.isDone()) {
                pass(-1);
                if (stopping && !promise.isDone()) {
                    throw new IllegalStateException("the loop stopped before the promise completed");
                }
            }
        } finally {
            exit();
        }
        return promise.result();
    }

    /** {@link #spawn} then {@link #runUntilComplete(Promise)}. */
    public <T> T runUntilComplete(TaskBody<T> body) throws Exception {
        return runUntilComplete(spawn(body));
    }

    /**
     * Runs one pass (see the class comment), waiting for I/O or timers at most {@code timeout}
     * ({@code < 0}: as long as the loop's own timers allow). For a host loop that drives this one:
     * call it with timeout 0 when the loop's handles are ready, or when {@link #nextDeadline()}
     * has come.
     */
    public void runOnce(long timeout, TimeUnit unit) {
        enter();
        try {
            pass(timeout < 0 ? -1 : unit.toNanos(timeout));
        } finally {
            exit();
        }
    }

    /**
     * When the loop next needs a pass without any I/O: {@link System#nanoTime()} now if callbacks
     * are ready, else the deadline of its earliest timer, else {@link #NO_DEADLINE}.
     */
    public long nextDeadline() {
        checkThread();
        if (!ready.isEmpty() || !inbox.isEmpty()) {
            return System.nanoTime();
        }
        TimerHandle first = timers.firstPending();
        return first == null ? NO_DEADLINE : first.deadline;
    }

    /**
     * Ends {@link #run()} after the current pass (or the next, if none is running). Any thread.
     */
    public void stop() {
        stopping = true;
        poller.wakeup();
    }

    /** Whether a thread is in {@link #run()}, {@link #runUntilComplete} or {@link #runOnce}. */
    public boolean isRunning() {
        return runningThread != null;
    }

    public boolean isClosed() {
        return closed;
    }

    /**
     * Where the loop reports what user code throws; by default a {@link System.Logger} of this
     * class at ERROR.
     *
     * <p>Whatever a callback ({@link #callSoon}, {@link #execute}, a timer, a reader or writer, a
     * {@link Promise#onDone done-callback}) throws, any {@link Throwable}, checked ones thrown
     * sneakily and {@link Error}s such as {@link AssertionError} included, is handed to the
     * handler, and the loop goes on: the other callbacks of the pass, the other done-callbacks of
     * the promise and the tasks they wake all still run, and {@link #run()} does not end. A
     * handler that throws is itself caught: both exceptions go to the logger and the loop goes
     * on. A task's failure completes the task (its awaiters get it thrown); one that nothing
     * observes is reported here as an {@link UnobservedTaskException} (see {@link Task}).
     *
     * <p><b>{@link VirtualMachineError}</b> ({@link OutOfMemoryError}, {@link StackOverflowError},
     * {@link InternalError}) is not handed to the handler: the JVM may not be able to go on, so
     * it leaves the pass and ends {@link #run()} (or {@link #runOnce}, {@link #runUntilComplete})
     * with that error, as the JDK's executors do, where asyncio re-raises {@code SystemExit} and
     * {@code KeyboardInterrupt}. The loop stays consistent and may be run again: callbacks of the
     * pass that had not run yet, a handle's other callback, and the done-callbacks of the promise
     * that had not run yet stay queued for the next pass. In a task's body it is the task's
     * failure like any other exception.
     */
    public void setExceptionHandler(Consumer<Throwable> handler) {
        checkThread();
        exceptionHandler = java.util.Objects.requireNonNull(handler);
    }

    /**
     * Cancels every unfinished task and runs passes until they finish (so their {@code finally}
     * blocks close what they own; a task that ignores cancellation is cancelled again each pass,
     * and after {@value #CLOSE_PASSES} passes abandoned with a report to the exception handler),
     * then deregisters every watched handle, drops all callbacks and timers and closes the
     * poller, freeing its descriptors and native memory. Handles added with {@link #addReader}
     * and the like are not closed: they belong to the caller. Idempotent.
     *
     * @throws IllegalStateException if the loop is running
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (runningThread != null) {
            throw new IllegalStateException("cannot close a running loop: stop() it first");
        }
        try {
            finishTasks();
        } finally {
            closed = true;
            watchers.clear();
            timers.clear();
            ready.clear();
            inbox.clear();
            poller.close();
        }
    }

    private void finishTasks() {
        for (int i = 0; i < CLOSE_PASSES && !liveTasks.isEmpty(); i++) {
            for (Task<?> task : new ArrayList<>(liveTasks)) {
                task.cancel();
            }
            runOnce(10, TimeUnit.MILLISECONDS);
        }
        if (!liveTasks.isEmpty()) {
            reportException(new IllegalStateException(
                    liveTasks.size() + " task(s) ignored cancellation and were abandoned by close()"));
            liveTasks.clear();
        }
    }

    // ---- one pass -----------------------------------------------------------------------------

    private void pass(long maxWaitNanos) {
        // 1. Drop cancelled timers.
        timers.compactIfMostlyCancelled();
        TimerHandle first = timers.firstPending();
        moveInbox();

        // 2. The poll timeout.
        long timeout;
        if (!ready.isEmpty() || stopping) {
            timeout = 0;
        } else if (first != null) {
            timeout = Math.max(0, first.deadline - System.nanoTime());
        } else {
            timeout = -1;
        }
        if (maxWaitNanos >= 0 && (timeout < 0 || timeout > maxWaitNanos)) {
            timeout = maxWaitNanos;
        }

        // 3. Poll (the poller rounds the timeout up, never down) and queue the I/O callbacks.
        try {
            poller.poll(events, timeout, TimeUnit.NANOSECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        events.forEach(onEvent);
        moveInbox();

        // 4. Queue the timers that are due by the clock read now.
        long now = System.nanoTime();
        while ((first = timers.firstPending()) != null && first.deadline - now <= 0) {
            ready.add(timers.poll());
        }

        // 5. Run what is ready now, and only that.
        for (int n = ready.size(); n > 0; n--) {
            Object next = ready.poll();
            if (next instanceof Runnable callback) {
                runCallback(callback);
            } else if (next instanceof TimerHandle timer) {
                runCallback(timer.fire()); // null if cancelled by an earlier callback
            } else {
                FdWatchers.Watcher watcher = (FdWatchers.Watcher) next;
                try {
                    runCallback(FdWatchers.takeReader(watcher)); // null if removed meanwhile
                } catch (VirtualMachineError e) {
                    if (watcher.pending != 0) {
                        ready.addFirst(watcher); // a watcher with pending readiness must stay queued
                    }
                    throw e;
                }
                runCallback(FdWatchers.takeWriter(watcher));
            }
        }

        // 6. Report the task failures that nothing has observed by now.
        if (!failedUnobserved.isEmpty()) {
            Task.reportUnobserved(failedUnobserved);
        }
    }

    private void runCallback(Runnable callback) {
        if (callback == null) {
            return;
        }
        try {
            callback.run();
        } catch (Throwable e) { // checked ones too, thrown sneakily: nothing may end the pass early
            reportException(e);
        }
    }

    /**
     * Hands {@code e}, thrown by user code the loop ran, to the exception handler; a handler
     * that throws is logged with {@code e} and the loop goes on. A {@link VirtualMachineError} is
     * rethrown instead (see {@link #setExceptionHandler}).
     */
    void reportException(Throwable e) {
        if (e instanceof VirtualMachineError fatal) {
            throw fatal;
        }
        try {
            exceptionHandler.accept(e);
        } catch (Throwable handlerFailure) {
            if (handlerFailure instanceof VirtualMachineError fatal) {
                throw fatal;
            }
            logUncaught(e);
            System.getLogger(EventLoop.class.getName()).log(System.Logger.Level.ERROR,
                    "the exception handler itself failed (on " + e + ")", handlerFailure);
        }
    }

    private void moveInbox() {
        Runnable r;
        while ((r = inbox.poll()) != null) {
            ready.add(r);
        }
    }

    void timerCancelled(TimerHandle timer) {
        timers.cancelled(timer);
    }

    private void enter() {
        if (closed) {
            throw new IllegalStateException("event loop is closed");
        }
        Thread current = Thread.currentThread();
        if (runningThread == current) {
            throw new IllegalStateException("the loop is already running on this thread (called from a callback?)");
        }
        if (runningThread != null) {
            throw new IllegalStateException("the loop is already running on " + runningThread.getName());
        }
        runningThread = current;
    }

    private void exit() {
        runningThread = null;
        stopping = false;
    }

    /** Loop-thread-only methods: refuse other threads while the loop runs, and a closed loop. */
    void checkThread() {
        if (closed) {
            throw new IllegalStateException("event loop is closed");
        }
        Thread running = runningThread;
        if (running != null && running != Thread.currentThread()) {
            throw new IllegalStateException("not on the loop thread (" + running.getName() + "): use execute()");
        }
    }

    private static Runnable requireCallback(Runnable callback) {
        if (callback == null) {
            throw new NullPointerException("callback");
        }
        return callback;
    }

    private static void logUncaught(Throwable e) {
        System.getLogger(EventLoop.class.getName()).log(System.Logger.Level.ERROR, "event loop: " + e, e);
    }

    @Override
    public String toString() {
        return "EventLoop[" + poller.backend() + ", ready=" + ready.size() + ", timers=" + timers.size()
                + ", watched=" + watchers.count() + (closed ? ", closed]" : "]");
    }
}
