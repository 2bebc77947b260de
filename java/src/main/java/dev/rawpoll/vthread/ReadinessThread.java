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

    /** A thread parked until its handle is ready (or the handle is being closed). */
    static final class Waiter {
        final long handle;
        final Thread thread = Thread.currentThread();
        volatile boolean done;
        volatile IOException failure;

        Waiter(long handle) {
            this.handle = handle;
        }

        void release(IOException failure) {
            this.failure = failure;
            done = true;
            LockSupport.unpark(thread);
        }
    }

    /** A request from another thread: wait for {@code waiter.handle}, or forget the handle. */
    private record Request(Waiter waiter, boolean forget) {}

    private final Poller poller;
    private final int interest;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Request> requests = new ConcurrentLinkedQueue<>();
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

    /** Parks the calling thread until {@code handle} is ready in this thread's direction. */
    void await(long handle) throws IOException {
        Waiter waiter = submit(new Waiter(handle), false);
        park(waiter);
    }

    /**
     * Forgets {@code handle} (deregisters it, releasing any thread still waiting on it with an
     * exception) and returns once that is done, so that the caller can close the descriptor.
     */
    void forget(long handle) throws IOException {
        park(submit(new Waiter(handle), true));
    }

    private Waiter submit(Waiter waiter, boolean forget) {
        if (closing && !forget) {
            throw new IllegalStateException("the readiness thread is closed");
        }
        // A forget always goes through: closing sockets must work after the thread closed too
        // (its poller, and so every registration, is gone then; answerClosed says done).
        requests.add(new Request(waiter, forget));
        poller.wakeup(); // harmless if the poller has just closed
        if (terminated) {
            answerClosed();
        }
        return waiter;
    }

    private static void park(Waiter waiter) throws IOException {
        while (!waiter.done) {
            LockSupport.park(waiter);
        }
        if (waiter.failure != null) {
            throw waiter.failure;
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
                    if (w != null) w.release(null);
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
        for (Request r; (r = requests.poll()) != null; ) {
            r.waiter().release(r.forget() ? null : new IOException("the readiness thread is closed"));
        }
    }

    private void applyRequests() {
        for (Request r; (r = requests.poll()) != null; ) {
            long handle = r.waiter().handle;
            try {
                if (r.forget()) {
                    Waiter stranded = waiting.remove(handle);
                    if (stranded != null) stranded.release(new IOException("closed while waiting"));
                    if (registered.remove(handle)) poller.deregister(handle);
                    r.waiter().release(null);
                } else {
                    if (registered.add(handle)) {
                        poller.register(handle, interest, handle);
                    } else {
                        poller.modify(handle, interest, handle); // re-arm the oneshot registration
                    }
                    waiting.put(handle, r.waiter());
                }
            } catch (IOException e) {
                if (!r.forget()) registered.remove(handle);
                r.waiter().release(e);
            }
        }
    }

    private void failAll(IOException failure) {
        for (Waiter w : waiting.values()) w.release(failure);
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
