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
 * One thread that polls a {@link Poller} for one direction (reading or writing) and unparks the
 * threads waiting for it: the JDK's own virtual-thread poller ({@code sun.nio.ch.Poller} with
 * {@code EPollPoller}) in our words. Either a platform thread that sleeps in the poll, or a
 * virtual sub-poller that polls without blocking and parks on a master (itself a platform {@code
 * ReadinessThread}) while it finds nothing ({@link #subPollerLoop}). A waiting thread arms its registration itself, from its
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
        /** The poller that watches this side. */
        final ReadinessThread poller;
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

        Waiter(long handle, ReadinessThread poller) {
            this.handle = handle;
            this.poller = poller;
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

    /**
     * The wait of a sub-poller on its master (null for a platform poller thread): the master
     * reports this poller's own descriptor readable, which it is while events are queued in it.
     */
    private final Waiter onMaster;
    private final ReadinessThread master;

    ReadinessThread(String name, int interest) throws IOException {
        this(name, interest, Poller.open());
    }

    /** Takes {@code poller} over (tests pass a counting wrapper); polled by a platform thread of its own. */
    ReadinessThread(String name, int interest, Poller poller) {
        this.poller = poller;
        this.interest = interest | Interest.ONESHOT;
        this.master = null;
        this.onMaster = null;
        this.thread = Thread.ofPlatform().name(name).daemon().start(this::loop);
    }

    /**
     * Takes {@code poller} over; polled by a virtual thread that parks on {@code master} while
     * {@code poller} has nothing to report (see {@link #subPollerLoop}).
     *
     * @throws UnsupportedOperationException if the backend cannot be nested (no {@link Poller#backendHandle()})
     */
    ReadinessThread(String name, int interest, Poller poller, ReadinessThread master) {
        long handle = poller.backendHandle().orElseThrow(() -> new UnsupportedOperationException(
                "a " + poller.backend() + " poller cannot be watched by another: no virtual-thread sub-pollers"));
        this.poller = poller;
        this.interest = interest | Interest.ONESHOT;
        this.master = master;
        this.onMaster = new Waiter(handle, master);
        // No inherited thread locals: the adapter may be first used from any thread (shared()).
        this.thread = Thread.ofVirtual().name(name).inheritInheritableThreadLocals(false).start(this::subPollerLoop);
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

    /**
     * The virtual sub-poller (the JDK's {@code VTHREAD_POLLERS} mode): polls without blocking,
     * unparks the waiters it found from this carrier (so they land on the carrier's own queue, not
     * in an external submission), and yields while there was something, so that they run before
     * it polls again; when a poll finds nothing it arms its own descriptor in the master and parks
     * until the master reports it readable. While the threads it serves are busy, no platform
     * thread takes part in a wakeup.
     */
    private void subPollerLoop() {
        Events events = poller.newEvents(64);
        try {
            int n = 0;
            while (!closing) {
                if (n == 0) {
                    onMaster.thread = Thread.currentThread();
                    master.arm(onMaster);
                    if (!closing) LockSupport.park(this); // close() unparks it
                    Thread.interrupted(); // nobody should interrupt it; a status left set would make park return at once
                    master.disarm(onMaster);
                    IOException failure = onMaster.failure;
                    if (failure != null) throw failure;
                } else {
                    Thread.yield();
                }
                n = poller.poll(events, 0, TimeUnit.MILLISECONDS);
                for (int i = 0; i < n; i++) {
                    if (events.readiness(i) != 0) take(events.token(i), null);
                }
            }
        } catch (IOException | RuntimeException e) {
            failAll(new IOException("the sub-poller failed", e));
        } finally {
            terminated = true;
            master.forget(onMaster); // before its descriptor closes with the poller
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

    /** The thread that polls: a platform thread, or a virtual sub-poller. */
    Thread thread() {
        return thread;
    }

    @Override
    public void close() {
        closing = true;
        if (master == null) {
            poller.wakeup();
        } else {
            LockSupport.unpark(thread); // parked on the master, or about to: it then sees closing
        }
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
