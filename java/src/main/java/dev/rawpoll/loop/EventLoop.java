package dev.rawpoll.loop;

import dev.rawpoll.Poller;
import java.io.IOException;
import java.util.Objects;
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
 * <h2>One pass ({@link #runOnce(long, TimeUnit)}), like libuv's {@code uv_run} and asyncio's {@code _run_once}</h2>
 * <ol>
 *   <li>Finish the closes that other threads began ({@link AsyncSockets}): their handles are
 *       forgotten by the loop, then released (at once, or when their last operation in flight on
 *       the poller has completed).</li>
 *   <li>Drop cancelled timers: all of them when they are more than half of a heap of over 100,
 *       else those at the top.</li>
 *   <li>Compute the poll timeout: 0 if a callback is ready (or the loop is stopping, or its thread
 *       is interrupted), else until the earliest timer's deadline, else forever (until I/O,
 *       {@link #execute} or {@link #stop()}). An idle loop thus sleeps in the kernel.</li>
 *   <li>Flush interest changes: registrations that tasks' sockets no longer want are dropped
 *       now, once, so that a task that waits again within the pass costs no system call (and
 *       sockets that other threads closed are forgotten, then released: {@link AsyncSockets}).</li>
 *   <li>Poll, and take the runnables handed over by {@link #execute}.</li>
 *   <li>Read the clock again and queue every timer whose deadline has passed, in deadline order,
 *       ties in schedule order.</li>
 *   <li>Run what is ready at this point, and only that, in asyncio's order: the callbacks queued
 *       before the wait ended; the reader and/or writer callback (reader first) of every handle
 *       the poll found ready; the runnables {@link #execute} handed over during the wait; the due
 *       timers. Callbacks they schedule wait for the next pass, so I/O is never starved. A task
 *       woken by I/O runs in this pass. The I/O callbacks are called straight from the walk over
 *       the poll's events, as libuv's {@code uv__io_poll} calls each watcher's callback, with no
 *       queue in between: each event is read after the callbacks before it ran, so a handle that
 *       an earlier callback stopped watching, deregistered or closed (its number perhaps reused
 *       since) gets nothing, and another handle whose callback an earlier one replaced gets the new
 *       one.</li>
 *   <li>Report to the exception handler, as an {@link UnobservedTaskException}, every task that
 *       failed in this pass with nothing awaiting or observing it by now (once per task).</li>
 * </ol>
 *
 * <p>{@link #run()} repeats passes until {@link #stop()}; {@link #runUntilComplete} until a
 * promise completes. A host that has its own loop instead calls {@link #runOnce(long, TimeUnit)}
 * when it likes, using {@link #nextDeadline()} to know when the loop needs it next.
 *
 * <h2>Interrupts</h2>
 * Like the JDK's {@code Selector}: {@link Thread#interrupt()} of the loop thread ends its wait
 * (the poller returns at once, keeping the interrupt status), and the run methods return after
 * the pass in which they saw it: {@link #run()} and {@link #runOnce} return normally with the
 * status still set, {@link #runUntilComplete} throws {@link InterruptedException} (clearing it,
 * as every method that throws that exception does) while the promise stays pending. None of them
 * spins on a set status; run the loop again to go on.
 *
 * <p>Tasks ({@link Task}, {@link Tasks}) are coroutines run by this loop.
 */
public final class EventLoop implements Executor, AutoCloseable {
    /** {@link #nextDeadline()} when only I/O, {@link #execute} or {@link #stop()} can bring work. */
    public static final long NO_DEADLINE = Long.MAX_VALUE;
    private static final int CLOSE_PASSES = 1000;

    private final Poller poller;
    private final LoopPass pass;
    private final FdWatchers watchers;
    private final LiveTasks tasks = new LiveTasks();
    /** Runs callbacks and reports what user code throws; before {@link #pass}, which takes it. */
    final LoopFaults faults = new LoopFaults();
    /** The running thread, stopping, closed: {@code state.check()} is every loop-thread-only method's check. */
    final LoopState state = new LoopState();

    private EventLoop(Poller poller) {
        this.poller = poller;
        this.pass = new LoopPass(this, poller);
        this.watchers = pass.watchers;
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
        state.check();
        pass.ready.add(Objects.requireNonNull(callback, "callback"));
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
        state.check();
        TimerHandle timer = new TimerHandle(this, deadline, pass.timers.nextSequence(), Objects.requireNonNull(callback, "callback"));
        pass.timers.add(timer);
        return timer;
    }

    /** The loop's clock, {@link System#nanoTime()}. */
    public long time() {
        return System.nanoTime();
    }

    /**
     * Runs {@code command} on the loop thread in a coming pass. Any thread; wakes the loop if it
     * is waiting. While a pass is past its wait (running callbacks) nothing is signalled: the
     * loop takes the command before it waits again (Netty's awake flag), so commands handed over
     * by a busy loop's own callbacks, or by other threads while it works, cost no eventfd write
     * and no extra wait to drain it.
     *
     * @throws RejectedExecutionException if the loop is closed
     */
    @Override
    public void execute(Runnable command) {
        if (state.closed) {
            throw new RejectedExecutionException("event loop is closed");
        }
        pass.inbox.add(Objects.requireNonNull(command, "command"));
        if (!pass.awake) { // an awake pass takes the inbox before it waits: no eventfd write, no drain
            poller.wakeup();
        }
    }

    /** Makes a waiting pass return at once. Any thread. */
    public void wakeup() {
        poller.wakeup();
    }

    // ---- fd watchers --------------------------------------------------------------------------

    /**
     * Runs {@code callback} in every pass in which {@code handle} is readable (level-triggered),
     * until {@link #removeReader}. Replaces an earlier reader of the handle. The loop never closes
     * the handle: remove its watchers before closing it (they are deregistered at once).
     *
     * @throws dev.rawpoll.SystemCallException if the poller refuses the handle (EBADF, EPERM)
     */
    public void addReader(long handle, Runnable callback) throws IOException {
        state.check();
        watchers.set(handle, FdWatchers.READ, Objects.requireNonNull(callback, "callback"));
    }

    /** Like {@link #addReader} for writability. */
    public void addWriter(long handle, Runnable callback) throws IOException {
        state.check();
        watchers.set(handle, FdWatchers.WRITE, Objects.requireNonNull(callback, "callback"));
    }

    /** Stops watching {@code handle} for reading; returns whether a reader was there. */
    public boolean removeReader(long handle) {
        state.check();
        return watchers.remove(handle, FdWatchers.READ);
    }

    /** Stops watching {@code handle} for writing; returns whether a writer was there. */
    public boolean removeWriter(long handle) {
        state.check();
        return watchers.remove(handle, FdWatchers.WRITE);
    }

    FdWatchers watchers() {
        return watchers;
    }

    /** The tasks' socket operations, where the poller does the I/O itself (io_uring); null elsewhere. */
    CompletionOps completionOps() {
        return pass.completionOps;
    }

    /**
     * How many handles the loop has registered with its poller (for tests and diagnostics),
     * counting those a task's socket keeps registered until the next pass's wait, and, on a
     * completion poller (io_uring), those with a task's operation in flight.
     */
    public int watchedHandles() {
        CompletionOps ops = pass.completionOps;
        return watchers.count() + (ops == null ? 0 : ops.busyHandles());
    }

    Thread runningThread() {
        return state.running;
    }

    // ---- tasks --------------------------------------------------------------------------------

    /** Starts {@code body} as a {@link Task} of this loop: it first runs in the next pass. */
    public <T> Task<T> spawn(TaskBody<T> body) {
        state.check();
        return tasks.spawn(this, body);
    }

    /** A pending promise of this loop. */
    public <T> Promise<T> newPromise() {
        return new Promise<>(this);
    }

    /** This loop's unfinished tasks and unobserved failures (the bookkeeping {@link Task} reports to). */
    LiveTasks tasks() {
        return tasks;
    }

    // ---- running ------------------------------------------------------------------------------

    /**
     * Runs passes until {@link #stop()} or an interrupt of this thread (see the class comment);
     * at least one.
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
        LoopState state = this.state;
        state.enter();
        try {
            do {
                pass.run(-1, state.stopping);
            } while (!state.stopping && !Thread.currentThread().isInterrupted());
        } finally {
            state.exit();
        }
    }

    /**
     * Runs passes until {@code promise} is done, and returns its result or throws its exception
     * (see {@link Promise#result()}).
     *
     * @throws IllegalStateException if {@link #stop()} ended the loop first
     * @throws InterruptedException if this thread was interrupted first (the status is cleared;
     *     the promise stays pending)
     */
    public <T> T runUntilComplete(Promise<T> promise) throws Exception {
        if (promise.loop() != this) {
            throw new IllegalArgumentException("the promise belongs to another loop");
        }
        LoopState state = this.state;
        state.enter();
        promise.retrieved = true; // its failure is thrown here: not an unobserved one
        try {
            while (!promise.isDone()) {
                pass.run(-1, state.stopping);
                if (promise.isDone()) {
                    break;
                }
                if (state.stopping) {
                    throw new IllegalStateException("the loop stopped before the promise completed");
                }
                if (Thread.interrupted()) {
                    throw new InterruptedException("the loop thread was interrupted before the promise completed");
                }
            }
        } finally {
            state.exit();
        }
        return promise.result();
    }

    /** {@link #spawn} then {@link #runUntilComplete(Promise)}. */
    public <T> T runUntilComplete(TaskBody<T> body) throws Exception {
        return runUntilComplete(spawn(body));
    }

    /**
     * Runs one pass (see the class comment), waiting for I/O or timers at most {@code timeout}
     * ({@code < 0}: as long as the loop's own timers allow; an interrupted thread does not wait).
     * For a host loop that drives this one: call it with timeout 0 when the loop's handles are
     * ready, or when {@link #nextDeadline()} has come.
     */
    public void runOnce(long timeout, TimeUnit unit) {
        state.enter();
        try {
            pass.run(timeout < 0 ? -1 : unit.toNanos(timeout), state.stopping);
            if (pass.hasInbox()) {
                // handed over while the pass was awake, without a signal: the host may wait on the
                // poller's backend handle next, so make it readable
                poller.wakeup();
            }
        } finally {
            state.exit();
        }
    }

    /**
     * When the loop next needs a pass without any I/O: {@link System#nanoTime()} now if callbacks
     * are ready, else the deadline of its earliest timer, else {@link #NO_DEADLINE}.
     */
    public long nextDeadline() {
        state.check();
        return pass.nextDeadline();
    }

    /**
     * Ends {@link #run()} after the current pass (or the next, if none is running). Any thread.
     */
    public void stop() {
        state.stopping = true;
        poller.wakeup();
    }

    /** Whether a thread is in {@link #run()}, {@link #runUntilComplete} or {@link #runOnce}. */
    public boolean isRunning() {
        return state.running != null;
    }

    public boolean isClosed() {
        return state.closed;
    }

    /**
     * Where the loop reports what user code throws; by default a {@link System.Logger} of this
     * class at ERROR, and stderr if that logger throws. The default logger is made, and the
     * time-zone database its JDK formatter needs is loaded, when the first loop is opened, so a
     * report made while the process is out of descriptors is not lost (the JDK's logging reads
     * files on first use). A handler of your own should not need a descriptor either: the
     * shortage reports of {@link AsyncSockets#accept} come exactly then.
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
     * pass that had not run yet and the done-callbacks of the promise that had not run yet stay
     * queued for the next pass; reader and writer callbacks not reached yet (a handle's other
     * callback among them) run in the next pass if their handles are still ready, which the
     * level-triggered watches report again. In a task's body it is the task's
     * failure like any other exception.
     */
    public void setExceptionHandler(Consumer<Throwable> handler) {
        state.check();
        faults.handler = Objects.requireNonNull(handler);
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
        if (state.closed) {
            return;
        }
        if (state.running != null) {
            throw new IllegalStateException("cannot close a running loop: stop() it first");
        }
        try {
            tasks.cancelAll(this, CLOSE_PASSES);
        } finally {
            state.closed = true;
            pass.clear();
            poller.close();
        }
    }

    /** Hands {@code e}, thrown by user code the loop ran, to the exception handler: {@link LoopFaults#report}. */
    void reportException(Throwable e) {
        faults.report(e);
    }

    void timerCancelled(TimerHandle timer) {
        pass.timers.cancelled(timer);
    }

    @Override
    public String toString() {
        return "EventLoop[" + poller.backend() + ", ready=" + pass.ready.size() + ", timers=" + pass.timers.size()
                + ", watched=" + watchedHandles() + (state.closed ? ", closed]" : "]");
    }
}
