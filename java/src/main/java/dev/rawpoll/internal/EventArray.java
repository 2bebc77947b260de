package dev.rawpoll.internal;

import dev.rawpoll.Events;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * The one implementation of {@link Events}: a passive array that a backend fills after each wait
 * and that knows no poller. The kernel writes into {@link #kernelArray} (epoll_event, kevent or
 * OVERLAPPED_ENTRY structs); the backend turns what it got into a registration key and portable
 * {@link dev.rawpoll.Readiness} bits per event ({@link #add}); reading an event looks its key up
 * in the poller's {@link Registrations}, so a stale event reads as 0 and every event is masked
 * with the current interest. The closed checks are here, once, for every backend.
 *
 * <p>A backend may collect more events than {@link #capacity()} (kqueue merges two kevents per
 * handle after the kernel filled the array): the rest stay here and the next poll hands them out
 * before it waits again, so that no event taken from the kernel is dropped.
 */
public final class EventArray extends Events {
    private final Registrations registrations;
    /** What the kernel fills; its size is the backend's business. */
    public final MemorySegment kernelArray;
    /** How many kernel structs {@link #kernelArray} holds. */
    public final int kernelSlots;
    private final int capacity;
    private final long[] keys;
    private final int[] raw;
    /** Events collected by the last wait; those from {@link #start} on are this poll's. */
    private int collected;
    private int start;
    private int count;

    /**
     * @param collectable how many events one wait can collect at most (at least {@code capacity})
     */
    public EventArray(Registrations registrations, MemorySegment kernelArray, int kernelSlots, int capacity, int collectable) {
        this.registrations = registrations;
        this.kernelArray = kernelArray;
        this.kernelSlots = kernelSlots;
        this.capacity = capacity;
        this.keys = new long[collectable];
        this.raw = new int[collectable];
    }

    /** Whether these events were made by the poller that owns {@code registrations}. */
    public boolean belongsTo(Registrations registrations) {
        return this.registrations == registrations;
    }

    @Override
    public int count() {
        ensureOpen();
        return count;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public long token(int i) {
        ensureOpen();
        return registrations.token(keys[start + Objects.checkIndex(i, count)]);
    }

    @Override
    public int readiness(int i) {
        ensureOpen();
        int at = start + Objects.checkIndex(i, count);
        return Registrations.readinessFor(raw[at], registrations.interest(keys[at]));
    }

    @Override
    public void forEach(Handler handler) {
        ensureOpen();
        int n = count;
        for (int i = start, end = start + n; i < end; i++) {
            int r = Registrations.readinessFor(raw[i], registrations.interest(keys[i]));
            if (r != 0) {
                handler.onEvent(registrations.token(keys[i]), r);
            }
        }
    }

    private void ensureOpen() {
        if (registrations.isClosed()) {
            throw new IllegalStateException("poller is closed");
        }
    }

    // ---- for the backends and the poll loop ----

    /** Forgets the last poll's events before a new wait. */
    void clear() {
        collected = start = count = 0;
    }

    /** Hands out the events the last wait collected beyond the last poll's, if any; returns how many. */
    int deliverRest() {
        if (start + count >= collected) {
            clear();
            return 0;
        }
        start += count;
        count = Math.min(capacity, collected - start);
        return count;
    }

    /** Appends a collected event: its registration key and portable readiness before masking. */
    public void add(long key, int readiness) {
        keys[collected] = key;
        raw[collected] = readiness;
        collected++;
    }

    /** ORs {@code readiness} into collected event {@code index} (kqueue's second filter of a handle). */
    public void merge(int index, int readiness) {
        raw[index] |= readiness;
    }

    /**
     * Replaces the readiness of collected event {@code index} (io_uring: an edge wake-up read again
     * after a modify to level or oneshot gets the descriptor's readiness polled then). Nothing if
     * the events were cleared since: a modify from another thread may come as a new poll begins.
     */
    public void set(int index, int readiness) {
        if (index < collected) {
            raw[index] = readiness;
        }
    }

    /** The key of collected event {@code index}. */
    public long keyAt(int index) {
        return keys[index];
    }

    /** Events collected by the current wait so far. */
    public int collected() {
        return collected;
    }

    /** Ends a wait: the first {@code capacity} collected events become this poll's. */
    int publish() {
        start = 0;
        count = Math.min(capacity, collected);
        return count;
    }
}
