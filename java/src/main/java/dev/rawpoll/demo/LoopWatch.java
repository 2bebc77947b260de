package dev.rawpoll.demo;

import dev.rawpoll.Events;
import dev.rawpoll.Poller;
import dev.rawpoll.Readiness;
import java.io.IOException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * A {@link Poller} that passes every call on to a real one and writes down what the event loop
 * asked of it: each poll that returned events, how long it waited, which socket the OS reported
 * ready and which task that socket belongs to. This is how the demo shows the loop doing its job
 * between task steps, using nothing but the public {@code Poller} interface (a loop accepts any
 * poller: {@link dev.rawpoll.loop.EventLoop#open(Poller)}). Loop thread only.
 */
final class LoopWatch implements Poller {
    private final Poller poller;
    private final Trace clock;
    /** Token the loop registered → handle, so that an event can be traced back to its socket. */
    private final Map<Long, Long> handles = new HashMap<>();
    /** Handle → the task that waits on it (set by the demo's tasks). */
    private final Map<Long, String> owners = new HashMap<>();
    private final StringBuilder log = new StringBuilder();

    LoopWatch(Poller poller, Trace clock) {
        this.poller = poller;
        this.clock = clock;
    }

    /** Names the task that owns {@code handle} ({@code null}: none any more). */
    void name(long handle, String task) {
        if (task == null) owners.remove(handle);
        else owners.put(handle, task);
    }

    /** One line per poll that returned events. */
    String log() {
        return log.toString();
    }

    @Override
    public int poll(Events events, long timeout, TimeUnit unit) throws IOException {
        long start = clock.now();
        int n = poller.poll(events, timeout, unit);
        StringBuilder ready = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int readiness = events.readiness(i);
            if (readiness == 0) continue; // stale
            Long handle = handles.get(events.token(i));
            String owner = handle == null ? null : owners.get(handle);
            if (ready.length() > 0) ready.append("; ");
            ready.append("fd ").append(handle).append(' ').append(describe(readiness))
                    .append(owner == null ? "" : " -> wakes " + owner);
        }
        if (ready.length() > 0) {
            long end = clock.now();
            log.append(String.format(Locale.ROOT, "%6.3f s  poll waited %5.3f s; the OS reports %s%n",
                    end / 1e9, (end - start) / 1e9, ready));
        }
        return n;
    }

    private static String describe(int readiness) {
        return (readiness & Readiness.READABLE) != 0 ? "readable (the reply is there)"
                : (readiness & Readiness.WRITABLE) != 0 ? "writable (connected)" : Readiness.toString(readiness);
    }

    @Override
    public void register(long handle, int interest, long token) throws IOException {
        poller.register(handle, interest, token);
        handles.put(token, handle);
    }

    @Override
    public void modify(long handle, int interest, long token) throws IOException {
        poller.modify(handle, interest, token);
        handles.put(token, handle);
    }

    @Override
    public void deregister(long handle) throws IOException {
        handles.values().remove(handle);
        poller.deregister(handle);
    }

    @Override
    public String backend() {
        return poller.backend();
    }

    @Override
    public Events newEvents(int capacity) {
        return poller.newEvents(capacity);
    }

    @Override
    public OptionalLong backendHandle() {
        return poller.backendHandle();
    }

    @Override
    public void wakeup() {
        poller.wakeup();
    }

    @Override
    public boolean isOpen() {
        return poller.isOpen();
    }

    @Override
    public void close() {
        poller.close();
    }
}
