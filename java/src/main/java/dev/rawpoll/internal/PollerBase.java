package dev.rawpoll.internal;

import dev.rawpoll.Events;
import dev.rawpoll.Interest;
import dev.rawpoll.Poller;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What every backend of {@link Poller} shares, so that a backend is only its system calls and bit
 * mappings (the shape of the JDK's {@code sun.nio.ch.Poller} with its small per-OS subclasses):
 * <ul>
 *   <li>the open/closed state, and {@link #close()} from any thread, also during a poll: the poll
 *       is woken, and the backend's resources are released by whichever thread leaves last;</li>
 *   <li>the coalesced {@link #wakeup()}, which never signals an OS object that close released
 *       (its number may already belong to someone else: netty#9362);</li>
 *   <li>the argument checks, with the valid handle range decided in {@link Platform.Handles};</li>
 *   <li>the {@link Registrations} table and the lock that lets any thread register, modify and
 *       deregister while another polls;</li>
 *   <li>the one poll loop around the backend's single step {@link #waitOnce}: timeout 0, the
 *       deadline, a wait ended early by a signal (EINTR) or by the kernel, a wakeup, an interrupt
 *       of the polling thread (through {@link InterruptHook}), and the events collected beyond
 *       the caller's capacity.</li>
 * </ul>
 */
public abstract class PollerBase implements Poller {
    private static final int CLOSED = 1;
    /** A thread is inside {@link #poll}. */
    private static final int POLLING = 2;

    private static final VarHandle STATE;
    private static final VarHandle PENDING;
    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(PollerBase.class, "state", int.class);
            PENDING = lookup.findVarHandle(PollerBase.class, "pending", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The registration table; its lock serializes registration calls and the release of resources. */
    protected final Registrations registrations = new Registrations();
    /** Serializes wakeup signals with the release of the signal's OS object. */
    private final Object signalLock = new Object();
    private final InterruptHook interruptHook = new InterruptHook(this::wakeup);
    /** CLOSED and POLLING bits. */
    @SuppressWarnings("unused") // through STATE
    private volatile int state;
    /** 1 while a wakeup signal has been sent and not yet consumed by a poll. */
    @SuppressWarnings("unused") // through PENDING
    private volatile int pending;
    /** Set by the backend during a wait when it drained the wakeup signal. */
    private boolean woken;
    /** Waits that a signal interrupted (EINTR) and that were resumed. */
    private long interruptedWaits;

    private final Platform.Handles handles;

    /** @param handles what this backend's handles are: descriptors, or Windows sockets */
    protected PollerBase(Platform.Handles handles) {
        this.handles = handles;
    }

    // ---- what a backend supplies ----

    /**
     * One wait of at most {@code timeoutNanos} (negative: no limit; 0: do not block), rounded up
     * to the backend's granularity: collects the events the kernel returned into {@code events}
     * ({@link EventArray#add}), and calls {@link #signalConsumed()} if it drained the wakeup.
     *
     * @return 0, or -1 if a signal interrupted the wait (EINTR)
     */
    protected abstract int waitOnce(EventArray events, long timeoutNanos) throws IOException;

    /** Sends the wakeup signal; {@code false} if it was not sent, so the next wakeup tries again. */
    protected abstract boolean sendWakeup();

    /** A new event array whose kernel part lives in the backend's arena. */
    protected abstract EventArray newEventArray(int capacity);

    /** The registration calls, made under the registrations' lock with checked arguments. */
    protected abstract void implRegister(long handle, int interest, long token) throws IOException;

    protected abstract void implModify(long handle, int interest, long token) throws IOException;

    protected abstract void implDeregister(long handle) throws IOException;

    /**
     * Closes the backend's OS objects and frees its native memory. Called once, after the poller
     * was marked closed, under the registrations' lock, and never while a poll is inside the kernel.
     */
    protected abstract void release();

    // ---- registration ----

    @Override
    public final void register(long handle, int interest, long token) throws IOException {
        checkRegistration(handle, interest, token);
        ReentrantLock lock = registrations.lock();
        lock.lock();
        try {
            ensureOpen();
            implRegister(handle, interest, token);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public final void modify(long handle, int interest, long token) throws IOException {
        checkRegistration(handle, interest, token);
        ReentrantLock lock = registrations.lock();
        lock.lock();
        try {
            ensureOpen();
            implModify(handle, interest, token);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public final void deregister(long handle) throws IOException {
        ensureOpen();
        handles.check(handle);
        ReentrantLock lock = registrations.lock();
        lock.lock();
        try {
            ensureOpen();
            implDeregister(handle);
        } finally {
            lock.unlock();
        }
    }

    private void checkRegistration(long handle, int interest, long token) {
        ensureOpen();
        handles.check(handle);
        Interest.check(interest);
        if (token == Events.NO_TOKEN) {
            throw new IllegalArgumentException("Events.NO_TOKEN cannot be registered");
        }
    }

    @Override
    public final Events newEvents(int capacity) {
        ensureOpen();
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        return newEventArray(capacity);
    }

    // ---- the poll loop ----

    @Override
    public final int poll(Events events, long timeout, TimeUnit unit) throws IOException {
        if (!(events instanceof EventArray e) || !e.belongsTo(registrations)) {
            ensureOpen();
            throw new IllegalArgumentException("these Events belong to another poller");
        }
        enterPoll();
        try {
            int rest = e.deliverRest();
            if (rest > 0) {
                return rest;
            }
            long timeoutNanos = timeout < 0 ? -1 : unit.toNanos(timeout);
            if (timeoutNanos == 0) {
                woken = false;
                countInterrupted(waitOnce(e, 0));
                return e.publish();
            }
            interruptHook.beginWait(); // an interrupt (or one already pending) wakes the wait
            try {
                return waitUntil(e, timeoutNanos);
            } finally {
                interruptHook.endWait();
            }
        } finally {
            leavePoll();
        }
    }

    private int waitUntil(EventArray e, long timeoutNanos) throws IOException {
        long deadline = timeoutNanos > 0 ? System.nanoTime() + timeoutNanos : 0;
        long remaining = timeoutNanos;
        for (;;) {
            woken = false;
            countInterrupted(waitOnce(e, remaining));
            int n = e.publish();
            if (n > 0 || woken) {
                return n;
            }
            // Nothing to report: EINTR, only stale or empty completions, or a wait the kernel ended
            // early (clamped to its maximum). Return if the poller was closed or the thread
            // interrupted meanwhile; otherwise wait for what is left of the timeout.
            if (((int) STATE.getVolatile(this) & CLOSED) != 0 || Thread.currentThread().isInterrupted()) {
                return 0;
            }
            if (timeoutNanos > 0) {
                remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return 0;
                }
            }
        }
    }

    private void countInterrupted(int rc) {
        if (rc < 0) {
            interruptedWaits++;
        }
    }

    /** Waits a signal interrupted (EINTR) and that were resumed; for the backends' tests. */
    protected final long interruptedWaitCount() {
        return interruptedWaits;
    }

    /**
     * Negative: forever (-1); otherwise whole milliseconds rounded up (1 ns waits 1 ms), clamped
     * to {@code int}: for the backends whose wait takes milliseconds.
     */
    public static int toMillisRoundingUp(long nanos) {
        if (nanos < 0) {
            return -1;
        }
        long millis = nanos / 1_000_000 + (nanos % 1_000_000 == 0 ? 0 : 1);
        return (int) Math.min(millis, Integer.MAX_VALUE);
    }

    private void enterPoll() {
        for (;;) {
            int s = (int) STATE.getVolatile(this);
            if ((s & CLOSED) != 0) {
                throw new IllegalStateException("poller is closed");
            }
            if ((s & POLLING) != 0) {
                throw new IllegalStateException("another thread is polling this poller");
            }
            if (STATE.compareAndSet(this, s, s | POLLING)) {
                return;
            }
        }
    }

    private void leavePoll() {
        for (;;) {
            int s = (int) STATE.getVolatile(this);
            if (STATE.compareAndSet(this, s, s & ~POLLING)) {
                if ((s & CLOSED) != 0) {
                    releaseOnce(); // closed by another thread while this poll ran
                }
                return;
            }
        }
    }

    // ---- wakeup and close ----

    @Override
    public final void wakeup() {
        if (((int) STATE.getVolatile(this) & CLOSED) != 0 || !PENDING.compareAndSet(this, 0, 1)) {
            return;
        }
        synchronized (signalLock) {
            if (((int) STATE.getVolatile(this) & CLOSED) == 0 && !sendWakeup()) {
                PENDING.setVolatile(this, 0);
            }
        }
    }

    /**
     * Called by the backend's wait that drained the wakeup signal, after draining it: a {@code
     * wakeup()} that still saw it pending is absorbed by this returning poll (its caller checks
     * its work afterwards).
     */
    /**
     * The backend handed completions of submitted operations to their handler during this wait
     * ({@link Completions}): the poll returns, with or without events, so that the caller runs
     * what they woke.
     */
    protected final void completionsDelivered() {
        woken = true;
    }

    protected final void signalConsumed() {
        PENDING.setVolatile(this, 0);
        woken = true;
    }

    @Override
    public final boolean isOpen() {
        return ((int) STATE.getVolatile(this) & CLOSED) == 0;
    }

    protected final void ensureOpen() {
        if (!isOpen()) {
            throw new IllegalStateException("poller is closed");
        }
    }

    /**
     * Marks the poller closed. If no poll is running, releases everything now; if one is, wakes it
     * and lets it release everything when it leaves (close does not wait for it).
     */
    @Override
    public final void close() {
        int s;
        synchronized (signalLock) {
            do {
                s = (int) STATE.getVolatile(this);
                if ((s & CLOSED) != 0) {
                    return;
                }
            } while (!STATE.compareAndSet(this, s, s | CLOSED));
            registrations.markClosed();
            if ((s & POLLING) != 0) {
                sendWakeup(); // the poll returns and releases on its way out (leavePoll)
                return;
            }
        }
        releaseOnce();
    }

    private void releaseOnce() {
        ReentrantLock lock = registrations.lock();
        lock.lock(); // no registration call is inside the kernel with our descriptors
        try {
            synchronized (signalLock) { // no wakeup is inside its send
                release();
            }
        } finally {
            lock.unlock();
        }
    }
}
