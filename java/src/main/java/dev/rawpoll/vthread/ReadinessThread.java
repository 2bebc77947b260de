package dev.rawpoll.vthread;

import dev.rawpoll.Events;
import dev.rawpoll.Interest;
import dev.rawpoll.Poller;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One platform thread that polls a {@link Poller} for one direction (reading or writing) and
 * unparks the threads waiting for it: the JDK's own virtual-thread poller ({@code sun.nio.ch.Poller}
 * with {@code EPollPoller}) in our words. A waiting thread arms its registration itself, from its
 * own thread, with one system call: {@link Interest#ONESHOT}, added on the handle's first wait and
 * re-armed with {@link Poller#modify} on every later one; it stays in the poller, disarmed, between
 * waits, and is removed when the socket closes. The polling thread only polls and unparks.
 *
 * <p>Threads: {@link #arm}, {@link #disarm} and {@link #forget} run on the threads doing socket
 * operations, concurrently with each other (for different handles) and with the polling thread's
 * {@code poll}. That relies on {@code register}, {@code modify} and {@code deregister} of the
 * {@link Poller} being callable from any thread, also during a poll (the registrations' lock and
 * seqlock of {@code internal.PollerBase}); the polling thread alone polls and reads the events.
 */
final class ReadinessThread implements AutoCloseable {
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Waiter[].class);

    /** One side (reading or writing) of one socket: the thread in an operation there, and what woke it. */
    static final class Waiter {
        final long handle;
        /** The thread in the operation (set when it begins): the one to unpark. */
        volatile Thread thread;
        /** Set (before the unpark) when the wait failed: the poller closed. */
        volatile IOException failure;
        /**
         * Whether the handle has a registration in this direction's poller. Read and written by
         * the one thread in an operation on this side, then by the thread that closes the socket
         * after every operation has left (ordered by the socket's state).
         */
        boolean registered;

        Waiter(long handle) {
            this.handle = handle;
        }

        void wake(IOException failure) {
            if (failure != null) this.failure = failure;
            Thread t = thread;
            if (t != null) LockSupport.unpark(t);
        }
    }

    private final Poller poller;
    private final int interest;
    private final Thread thread;
    private volatile boolean closing;
    /** Set once the polling thread has stopped; armers check it after publishing (see {@link #arm}). */
    private volatile boolean terminated;
    /**
     * The waiter of each descriptor number, or null: published by the armer, taken by the poller.
     * In chunks of {@link #CHUNK} that never move: growing copies only the directory (the same
     * chunk objects), so a waiter published in a chunk is seen through every directory, old or new.
     */
    private volatile Waiter[][] chunks = {new Waiter[CHUNK]};
    private static final int CHUNK_BITS = 10;
    private static final int CHUNK = 1 << CHUNK_BITS;

    ReadinessThread(String name, int interest) throws IOException {
        this(name, interest, Poller.open());
    }

    /** Takes {@code poller} over (tests pass a counting wrapper). */
    ReadinessThread(String name, int interest, Poller poller) {
        this.poller = poller;
        this.interest = interest | Interest.ONESHOT;
        this.thread = Thread.ofPlatform().name(name).daemon().start(this::loop);
    }

    /**
     * Arms the oneshot registration of {@code side.handle} for the calling thread, which then
     * parks: the polling thread unparks it once the handle is ready (or the poller closes, with
     * {@code side.failure} set).
     *
     * @throws IllegalStateException if this thread is closed
     * @throws IOException if the poller refuses the registration
     */
    void arm(Waiter side) throws IOException {
        if (closing) {
            throw new IllegalStateException("the readiness thread is closed");
        }
        int fd = (int) side.handle;
        publish(fd, side); // before the registration is armed: its event may fire at once
        try {
            if (side.registered) {
                poller.modify(fd, interest, fd); // re-arm: one epoll_ctl(MOD)
            } else {
                poller.register(fd, interest, fd);
                side.registered = true;
            }
        } catch (IOException | RuntimeException e) {
            disarm(side);
            throw e;
        }
        if (terminated) {
            // The polling thread stopped and may have swept the slots before this one was set.
            disarm(side);
            throw new IllegalStateException("the readiness thread is closed");
        }
    }

    /**
     * After the park: takes the waiter out of its slot if the poller has not (a timeout, a close, an
     * interrupt). The registration stays armed; an event it reports later wakes nobody, or gives a
     * later waiter on the same handle a spurious wakeup, after which it simply retries.
     */
    void disarm(Waiter side) {
        int fd = (int) side.handle;
        Waiter[][] c = chunks;
        int i = fd >>> CHUNK_BITS;
        if (i < c.length) SLOT.compareAndSet(c[i], fd & (CHUNK - 1), side, null);
    }

    /** Removes the handle's registration; called once every operation on it has left, before its descriptor closes. */
    void forget(Waiter side) {
        disarm(side);
        if (side.registered) {
            side.registered = false;
            try {
                poller.deregister(side.handle);
            } catch (IOException | IllegalStateException e) {
                // the poller closed (taking every registration with it) or holds none for it
            }
        }
    }

    /** Puts {@code side} in the slot of {@code fd}. */
    private void publish(int fd, Waiter side) {
        Waiter[][] c = chunks;
        int i = fd >>> CHUNK_BITS;
        if (i >= c.length) c = grow(i);
        SLOT.setVolatile(c[i], fd & (CHUNK - 1), side);
    }

    private synchronized Waiter[][] grow(int chunk) {
        Waiter[][] c = chunks;
        if (chunk >= c.length) {
            Waiter[][] grown = Arrays.copyOf(c, Math.max(chunk + 1, c.length * 2));
            for (int i = c.length; i < grown.length; i++) grown[i] = new Waiter[CHUNK];
            chunks = c = grown;
        }
        return c;
    }

    private void loop() {
        Events events = poller.newEvents(256);
        try {
            while (!closing) {
                int n = poller.poll(events, -1, TimeUnit.MILLISECONDS);
                for (int i = 0; i < n; i++) {
                    if (events.readiness(i) != 0) take(events.token(i), null); // 0: stale (NO_TOKEN is negative)
                }
                // Nobody should interrupt this thread, but a poll returns at once while the
                // status is set (the Poller's interrupt rule): clear it rather than spin.
                Thread.interrupted();
            }
        } catch (IOException | RuntimeException e) {
            failAll(new IOException("the readiness thread failed", e));
        } finally {
            terminated = true; // before the sweep: an arm after it sees the flag
            failAll(new IOException("the readiness thread is closed"));
            poller.close();
        }
    }

    private void take(long fd, IOException failure) {
        Waiter[][] c = chunks;
        long i = fd >>> CHUNK_BITS;
        if (fd >= 0 && i < c.length) {
            Waiter w = (Waiter) SLOT.getAndSet(c[(int) i], (int) fd & (CHUNK - 1), (Waiter) null);
            if (w != null) w.wake(failure);
        }
    }

    private void failAll(IOException failure) {
        for (long fd = 0, n = (long) chunks.length << CHUNK_BITS; fd < n; fd++) take(fd, failure);
    }

    @Override
    public void close() {
        closing = true;
        poller.wakeup();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
