package dev.rawpoll.loop;

/**
 * A callback scheduled by {@link EventLoop#callLater} or {@link EventLoop#callAt}; {@link
 * #cancel()} guarantees it never runs. Used on the loop's thread only.
 */
public final class TimerHandle {
    private final EventLoop loop;
    final long deadline;
    /** Breaks ties between equal deadlines: timers run in the order they were scheduled. */
    final long sequence;
    private Runnable callback;
    private boolean cancelled;
    /** The position in the {@link TimerHeap}, -1 when not in it. */
    int index = -1;

    TimerHandle(EventLoop loop, long deadline, long sequence, Runnable callback) {
        this.loop = loop;
        this.deadline = deadline;
        this.sequence = sequence;
        this.callback = callback;
    }

    /** The {@link System#nanoTime()} at or after which the callback runs. */
    public long deadline() {
        return deadline;
    }

    /**
     * Makes sure the callback never runs; nothing happens if it already ran or was cancelled.
     * Returns whether this call cancelled it.
     */
    public boolean cancel() {
        if (callback == null) {
            return false;
        }
        callback = null;
        cancelled = true;
        loop.timerCancelled(this);
        return true;
    }

    /** Whether {@link #cancel()} was called before the callback ran. */
    public boolean isCancelled() {
        return cancelled;
    }

    /** Takes the callback for running, once; null if cancelled (also after it was due). */
    Runnable fire() {
        Runnable c = callback;
        callback = null;
        return c;
    }

    boolean isPending() {
        return callback != null;
    }

    /** Heap order: earlier deadline first, then earlier schedule; overflow-safe like nanoTime. */
    boolean before(TimerHandle other) {
        long d = deadline - other.deadline;
        return d < 0 || (d == 0 && sequence < other.sequence);
    }

    @Override
    public String toString() {
        return "TimerHandle[deadline=" + deadline + ", #" + sequence + (callback == null ? ", done]" : "]");
    }
}
