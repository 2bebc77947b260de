package dev.rawpoll;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * A real poller with one deliberate bug, to check that {@link PollerModelTest} finds bugs of
 * each kind it claims to find: a lost event, an event that must not come, a stale token.
 */
final class BrokenPoller implements Poller {

    enum Bug {
        /** ONESHOT is dropped: a oneshot registration keeps reporting (an event that must not come). */
        ONESHOT_IGNORED,
        /** EDGE is dropped: data left behind is reported again without new data. */
        EDGE_IGNORED,
        /** WRITABLE is dropped: a writable handle is never reported (a lost event). */
        WRITABLE_IGNORED,
        /** Modify keeps the token of the first registration (a stale token). */
        MODIFY_KEEPS_TOKEN,
        /** Deregister does nothing (events after deregister; register again fails). */
        DEREGISTER_IGNORED
    }

    private final Poller real;
    private final Bug bug;
    private final Map<Long, Long> firstTokens = new HashMap<>();

    BrokenPoller(Poller real, Bug bug) {
        this.real = real;
        this.bug = bug;
    }

    private int interest(int interest) {
        return switch (bug) {
            case ONESHOT_IGNORED -> interest & ~Interest.ONESHOT;
            case EDGE_IGNORED -> interest & ~Interest.EDGE;
            case WRITABLE_IGNORED -> interest & ~Interest.WRITABLE;
            default -> interest;
        };
    }

    @Override
    public String backend() {
        return real.backend();
    }

    @Override
    public void register(long handle, int interest, long token) throws IOException {
        real.register(handle, interest(interest), token);
        firstTokens.put(handle, token);
    }

    @Override
    public void modify(long handle, int interest, long token) throws IOException {
        long t = bug == Bug.MODIFY_KEEPS_TOKEN ? firstTokens.getOrDefault(handle, token) : token;
        real.modify(handle, interest(interest), t);
    }

    @Override
    public void deregister(long handle) throws IOException {
        if (bug != Bug.DEREGISTER_IGNORED) real.deregister(handle);
    }

    @Override
    public Events newEvents(int capacity) {
        return real.newEvents(capacity);
    }

    @Override
    public int poll(Events events, long timeout, TimeUnit unit) throws IOException {
        return real.poll(events, timeout, unit);
    }

    @Override
    public OptionalLong backendHandle() {
        return real.backendHandle();
    }

    @Override
    public void wakeup() {
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
