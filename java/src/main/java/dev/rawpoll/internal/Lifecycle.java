package dev.rawpoll.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A poller's open/closed state and its coalesced wakeup, the same for every backend.
 * {@link #wakeup()} may run on any thread at any time, also during or after {@link #close}, and
 * never signals an OS object that {@code close} has released (its number may already belong to
 * someone else: netty#9362). Any number of wakeups before the poll that consumes them cost one
 * signal: the first sets <em>pending</em>, the poll that drains the signal clears it.
 */
public final class Lifecycle {

    /** Sends the backend's wakeup signal; {@code false} if it was not sent, so the next wakeup tries again. */
    @FunctionalInterface
    public interface Signal {
        boolean send();
    }

    private static final VarHandle PENDING;
    static {
        try {
            PENDING = MethodHandles.lookup().findVarHandle(Lifecycle.class, "pending", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Object lock = new Object();
    private final Signal signal;
    private volatile boolean closed;
    /** 1 while a signal has been sent and not yet consumed by a poll. */
    @SuppressWarnings("unused") // through PENDING
    private volatile int pending;

    public Lifecycle(Signal signal) {
        this.signal = signal;
    }

    /** {@link dev.rawpoll.Poller#wakeup()}: at most one signal until {@link #signalConsumed()}. */
    public void wakeup() {
        if (closed || !PENDING.compareAndSet(this, 0, 1)) {
            return;
        }
        synchronized (lock) {
            if (!closed && !signal.send()) {
                PENDING.setVolatile(this, 0);
            }
        }
    }

    /**
     * Called by the poll that drained the signal, after draining it: a {@code wakeup()} that still
     * saw it pending is absorbed by this returning poll (its caller checks its work afterwards).
     */
    public void signalConsumed() {
        PENDING.setVolatile(this, 0);
    }

    public boolean isOpen() {
        return !closed;
    }

    public void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("poller is closed");
        }
    }

    /**
     * What register and modify check before any system call: the poller is open, the interest is
     * valid ({@link dev.rawpoll.Interest#check}), the token is not {@link dev.rawpoll.Events#NO_TOKEN}.
     */
    public void checkRegistration(int interest, long token) {
        ensureOpen();
        dev.rawpoll.Interest.check(interest);
        if (token == dev.rawpoll.Events.NO_TOKEN) {
            throw new IllegalArgumentException("Events.NO_TOKEN cannot be registered");
        }
    }

    /**
     * Marks the poller closed; {@code false} if it already was. {@code releaseSignal} runs while
     * no wakeup can send (it may close the signal's OS object); everything else the caller closes
     * afterwards, when every later wakeup sees the poller closed.
     */
    public boolean close(Runnable releaseSignal) {
        synchronized (lock) {
            if (closed) {
                return false;
            }
            closed = true;
            releaseSignal.run();
            return true;
        }
    }
}
