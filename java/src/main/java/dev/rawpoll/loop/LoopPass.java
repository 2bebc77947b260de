package dev.rawpoll.loop;

import dev.rawpoll.Events;
import dev.rawpoll.Poller;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * One pass of an {@link EventLoop} as its named phases (libuv's {@code uv_run}, asyncio's {@code
 * _run_once}; the class comment of {@link EventLoop} says what each does), and the queues they
 * work on. Loop thread only, except {@link #inbox}.
 */
final class LoopPass {
    private static final int EVENTS_PER_POLL = 1024;

    private final EventLoop loop;
    /** Runs the ready callbacks (what one throws is reported): the loop's. */
    private final LoopFaults faults;
    private final Poller poller;
    private final Events events;
    private final Events.Handler onEvent;
    /** Callbacks to run in the run phase ({@code callSoon}, {@code execute}, task steps); I/O callbacks run from {@link #events}. */
    final ArrayDeque<Runnable> ready = new ArrayDeque<>();
    /** Timers queued by the timer phase, still cancellable until they run. */
    private final ArrayDeque<TimerHandle> dueTimers = new ArrayDeque<>();
    /** How many of {@link #ready} were queued before this pass's wait ended (the rest came from the inbox then). */
    private int queuedBeforeWait;
    final TimerHeap timers = new TimerHeap();
    final FdWatchers watchers;
    /** Handed over by other threads through {@link EventLoop#execute}. */
    final ConcurrentLinkedQueue<Runnable> inbox = new ConcurrentLinkedQueue<>();
    /**
     * True from the return of this pass's poll to the end of the pass: the loop thread will take
     * the {@link #inbox} again before it next waits, so {@link EventLoop#execute} need not signal
     * the poller (Netty's {@code AWAKE} state). Written by the loop thread, read by any.
     */
    volatile boolean awake;
    /** The loop's close hook, with the closes other threads began. */
    private final SocketCloses closes;
    /** The tasks' socket operations in flight, where the poller does the I/O (io_uring); else null. */
    final CompletionOps completionOps;

    LoopPass(EventLoop loop, Poller poller) {
        this.loop = loop;
        this.faults = loop.faults;
        this.poller = poller;
        this.events = poller.newEvents(EVENTS_PER_POLL);
        this.closes = new SocketCloses(loop);
        this.watchers = new FdWatchers(poller, loop.faults, closes);
        closes.setWatchers(watchers);
        this.onEvent = watchers::dispatch;
        dev.rawpoll.internal.Completions completions = dev.rawpoll.internal.Completions.of(poller);
        this.completionOps = completions == null ? null : new CompletionOps(completions, loop, closes);
        closes.setOperations(completionOps);
    }

    /** One pass; waits at most {@code maxWaitNanos} ({@code < 0}: as the timers allow). */
    void run(long maxWaitNanos, boolean stopping) {
        try {
            closes.finishPending();
            timers.compactIfMostlyCancelled();
            long timeout = pollTimeout(maxWaitNanos, stopping);
            watchers.flush();
            poll(timeout);
            queueDueTimers();
            runReady();
            loop.tasks().reportUnobservedFailures();
        } finally {
            // Before the next pass reads the inbox (pollTimeout): a command added after this write
            // signals the poller, one added before it is found by that read (both are volatile).
            awake = false;
        }
    }

    /** 0 if anything is ready, else until the earliest timer (and at most {@code maxWaitNanos}), else -1. */
    private long pollTimeout(long maxWaitNanos, boolean stopping) {
        moveInbox();
        TimerHandle first = timers.firstPending();
        long timeout;
        if (!ready.isEmpty() || stopping || Thread.currentThread().isInterrupted()) {
            timeout = 0;
        } else if (first != null) {
            timeout = Math.max(0, first.deadline - System.nanoTime());
        } else {
            timeout = -1;
        }
        if (maxWaitNanos >= 0 && (timeout < 0 || timeout > maxWaitNanos)) {
            timeout = maxWaitNanos;
        }
        return timeout;
    }

    /**
     * Waits (the poller rounds the timeout up, never down) and takes the inbox; the events stay
     * in {@link #events} for the run phase (so a wait of {@link #clear} runs no callback).
     */
    private void poll(long timeoutNanos) {
        try {
            poller.poll(events, timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        awake = true;
        queuedBeforeWait = ready.size();
        moveInbox();
    }

    /** Queues the timers that are due by the clock read now. */
    private void queueDueTimers() {
        long now = System.nanoTime();
        TimerHandle first;
        while ((first = timers.firstPending()) != null && first.deadline - now <= 0) {
            dueTimers.add(timers.poll());
        }
    }

    /**
     * Runs what is ready now, and only that, in the order it became ready: the callbacks queued
     * before the wait ended, then the I/O callbacks straight from the poll's events (libuv's {@code
     * uv__io_poll} calls each watcher's callback as it walks the events, with no queue in between),
     * then what {@link EventLoop#execute} handed over during the wait, then the due timers. What
     * these schedule waits for the next pass.
     */
    private void runReady() {
        int afterWait = ready.size() - queuedBeforeWait;
        for (int n = queuedBeforeWait; n > 0; n--) {
            faults.run(ready.poll());
        }
        events.forEach(onEvent);
        for (int n = afterWait; n > 0; n--) {
            faults.run(ready.poll());
        }
        TimerHandle timer;
        while ((timer = dueTimers.poll()) != null) {
            faults.run(timer.fire()); // null if cancelled by an earlier callback
        }
    }

    private void moveInbox() {
        Runnable r;
        while ((r = inbox.poll()) != null) {
            ready.add(r);
        }
    }

    /** Whether commands handed over by {@link EventLoop#execute} wait in the inbox. Any thread. */
    boolean hasInbox() {
        return !inbox.isEmpty();
    }

    /** When a pass is next needed without I/O: now, the earliest timer, or {@link EventLoop#NO_DEADLINE}. */
    long nextDeadline() {
        if (!ready.isEmpty() || !inbox.isEmpty()) {
            return System.nanoTime();
        }
        TimerHandle first = timers.firstPending();
        return first == null ? EventLoop.NO_DEADLINE : first.deadline;
    }

    /**
     * Deregisters every handle and drops every callback and timer; first waits for the socket
     * operations still in flight ({@link CompletionOps#drain}), so the kernel writes into no memory
     * the loop frees.
     */
    void clear() {
        if (completionOps != null && !completionOps.drain(() -> poll(10_000_000L))) {
            loop.reportException(new IllegalStateException(completionOps.inFlight()
                    + " socket operation(s) still in flight at loop close: their buffers are kept allocated"));
        }
        watchers.clear();
        closes.releasePending();
        timers.clear();
        ready.clear();
        dueTimers.clear();
        inbox.clear();
    }
}
