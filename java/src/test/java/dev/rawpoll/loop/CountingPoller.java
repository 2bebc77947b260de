package dev.rawpoll.loop;

import dev.rawpoll.Events;
import dev.rawpoll.Poller;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** Test-only: a real poller that logs every registration change and counts polls. */
final class CountingPoller implements Poller {
    private final Poller real;
    /** "register 7", "modify 7", "deregister 7", in order. */
    final List<String> changes = new ArrayList<>();
    /** Handles the real poller has registered now (as far as calls through here go). */
    final Set<Long> registered = new HashSet<>();
    /** Written by the polling thread only; volatile so that a test thread can watch it. */
    volatile int polls;
    /** Calls of {@link #wakeup()}, from any thread: each one may write the poller's eventfd. */
    final java.util.concurrent.atomic.AtomicInteger wakeups = new java.util.concurrent.atomic.AtomicInteger();

    /** Run by the polling thread right after each real poll returns, if set: stands for what other threads do during the wait. */
    volatile Runnable afterPoll;

    CountingPoller(Poller real) {
        this.real = real;
    }

    static CountingPoller open() throws IOException {
        return new CountingPoller(Poller.open());
    }

    /** The changes logged for {@code handle}. */
    List<String> changesOf(long handle) {
        return changes.stream().filter(c -> c.endsWith(" " + handle)).toList();
    }

    @Override
    public String backend() {
        return real.backend();
    }

    @Override
    public void register(long handle, int interest, long token) throws IOException {
        changes.add("register " + handle);
        real.register(handle, interest, token);
        registered.add(handle);
    }

    @Override
    public void modify(long handle, int interest, long token) throws IOException {
        changes.add("modify " + handle);
        real.modify(handle, interest, token);
    }

    @Override
    public void deregister(long handle) throws IOException {
        changes.add("deregister " + handle);
        registered.remove(handle);
        real.deregister(handle);
    }

    @Override
    public Events newEvents(int capacity) {
        return real.newEvents(capacity);
    }

    @Override
    public int poll(Events events, long timeout, TimeUnit unit) throws IOException {
        polls++;
        int n = real.poll(events, timeout, unit);
        Runnable hook = afterPoll;
        if (hook != null) {
            hook.run();
        }
        return n;
    }

    @Override
    public OptionalLong backendHandle() {
        return real.backendHandle();
    }

    @Override
    public void wakeup() {
        wakeups.incrementAndGet();
        real.wakeup();
    }

    @Override
    public boolean isOpen() {
        return real.isOpen();
    }

    @Override
    public void close() {
        real.close();
    }
}
