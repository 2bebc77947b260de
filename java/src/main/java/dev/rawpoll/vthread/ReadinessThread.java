package dev.rawpoll.vthread;

import dev.rawpoll.Events;
import dev.rawpoll.Interest;
import dev.rawpoll.Poller;
import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One platform thread that owns a {@link Poller} for one direction (reading or writing) and
 * unparks the threads waiting for it, as the JDK's own poller does for virtual threads. A waiting
 * thread hands its request over through a queue and {@link Poller#wakeup()}; only this thread ever
 * touches the poller, as the {@link Poller} contract asks. Registrations are {@link
 * Interest#ONESHOT}: armed for one wait, disarmed when it fires, re-armed by the next wait.
 */
final class ReadinessThread implements AutoCloseable {

    /** One side (reading or writing) of one socket: the thread in an operation there, and what woke it. */
    static final class Waiter {
        final long handle;
        volatile Thread thread;
        /** Set (before the unpark) when the wait failed: arming was refused, or the poller closed. */
        volatile IOException failure;

        Waiter(long handle) {
            this.handle = handle;
        }

        void wake(IOException failure) {
            if (failure != null) this.failure = failure;
            Thread t = thread;
            if (t != null) LockSupport.unpark(t);
        }
    }

    /** A request to forget a handle, answered when done. */
    private static final class Forget {
        final long handle;
        final Thread thread = Thread.currentThread();
        volatile boolean done;

        Forget(long handle) {
            this.handle = handle;
        }

        void done() {
            done = true;
            LockSupport.unpark(thread);
        }
    }

    private final Poller poller;
    private final int interest;
    private final Thread thread;
    /** Waiters to arm, or Forgets. */
    private final ConcurrentLinkedQueue<Object> requests = new ConcurrentLinkedQueue<>();
    private volatile boolean closing;
    /** Set once the polling thread answers no more requests: submitters then answer their own. */
    private volatile boolean terminated;
    // Owned by the polling thread:
    private final Set<Long> registered = new HashSet<>();
    private final Map<Long, Waiter> waiting = new HashMap<>();

    ReadinessThread(String name, int interest) throws IOException {
        this.poller = Poller.open();
        this.interest = interest | Interest.ONESHOT;
        this.thread = Thread.ofPlatform().name(name).daemon().start(this::loop);
    }

    /**
     * Arms the oneshot registration of {@code side.handle} for the calling thread, which then
     * parks; the polling thread unparks it when the handle is ready (or sets {@code side.failure}).
     */
    void arm(Waiter side) {
        if (closing) {
            throw new IllegalStateException("the readiness thread is closed");
        }
        requests.add(side);
        poller.wakeup(); // harmless if the poller has just closed
        if (terminated) {
            answerClosed();
        }
    }

    /** After the park: nothing to undo (a late unpark of this thread is spurious and harmless). */
    void disarm(Waiter side) {
    }

    /**
     * Forgets {@code handle} (deregisters it, waking any thread still registered on it) and
     * returns once that is done, so that the caller can close the descriptor. Not interruptible:
     * an interrupt is kept for the caller.
     */
    void forget(long handle) {
        Forget f = new Forget(handle);
        requests.add(f);
        poller.wakeup();
        if (terminated) {
            answerClosed();
        }
        boolean interrupted = false;
        while (!f.done) {
            LockSupport.park(f);
            interrupted |= Thread.interrupted(); // else park returns at once: a spin
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void loop() {
        Events events = poller.newEvents(256);
        try {
            while (!closing) {
                applyRequests();
                int n = poller.poll(events, -1, TimeUnit.MILLISECONDS);
                for (int i = 0; i < n; i++) {
                    if (events.readiness(i) == 0) continue; // stale
                    Waiter w = waiting.remove(events.token(i));
                    if (w != null) w.wake(null);
                }
            }
        } catch (IOException | RuntimeException e) {
            failAll(new IOException("the readiness thread failed", e));
        } finally {
            terminated = true; // before the drain: a request added after it is drained by its submitter
            answerClosed();
            failAll(new IOException("the readiness thread is closed"));
            poller.close();
        }
    }

    /** Answers every queued request as the thread closes: waits fail, forgets succeed. */
    private void answerClosed() {
        for (Object r; (r = requests.poll()) != null; ) {
            if (r instanceof Forget f) f.done();
            else ((Waiter) r).wake(new IOException("the readiness thread is closed"));
        }
    }

    private void applyRequests() {
        for (Object r; (r = requests.poll()) != null; ) {
            if (r instanceof Forget f) {
                waiting.remove(f.handle);
                try {
                    if (registered.remove(f.handle)) poller.deregister(f.handle);
                } catch (IOException e) {
                    // deregister failed: the kernel holds no registration for it either way
                }
                f.done();
                continue;
            }
            Waiter w = (Waiter) r;
            long handle = w.handle;
            try {
                if (registered.add(handle)) {
                    poller.register(handle, interest, handle);
                } else {
                    poller.modify(handle, interest, handle); // re-arm the oneshot registration
                }
                waiting.put(handle, w);
            } catch (IOException e) {
                registered.remove(handle);
                w.wake(e);
            }
        }
    }

    private void failAll(IOException failure) {
        for (Waiter w : waiting.values()) w.wake(failure);
        waiting.clear();
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
