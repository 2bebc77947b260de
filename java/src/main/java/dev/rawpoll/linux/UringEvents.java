package dev.rawpoll.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.rawpoll.Events;
import dev.rawpoll.Interest;
import dev.rawpoll.Readiness;
import dev.rawpoll.internal.FdTable;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * The events of a {@link UringPoller} poll: one entry per descriptor (the completions of one
 * descriptor in a batch are merged), each an {@link FdTable} key and the portable readiness bits of
 * its completions, in native memory of the poller's arena; see {@link Events}.
 */
public final class UringEvents extends Events {
    /** Bytes per entry: the key (8), the readiness bits (4), padding. */
    static final long ENTRY = 16;

    final UringPoller poller;
    final MemorySegment array;
    final int capacity;
    int count;

    UringEvents(UringPoller poller, MemorySegment array, int capacity) {
        this.poller = poller;
        this.array = array;
        this.capacity = capacity;
    }

    @Override
    public int count() {
        return count;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public long token(int i) {
        return poller.table.token(key(Objects.checkIndex(i, count)));
    }

    @Override
    public int readiness(int i) {
        long offset = Objects.checkIndex(i, count) * ENTRY;
        long key = array.get(JAVA_LONG, offset);
        int raw = array.get(JAVA_INT, offset + 8);
        int interest = poller.table.interest(key);
        if ((interest & Interest.READABLE) == 0) {
            // A poll always watches POLLRDHUP; Readiness reports READ_CLOSED only along with reading.
            raw &= ~Readiness.READ_CLOSED;
        }
        return FdTable.mask(raw, interest);
    }

    long key(int i) {
        return array.get(JAVA_LONG, i * ENTRY);
    }

    /** Adds entry {@code i} for {@code key}, with no readiness yet. */
    void add(int i, long key) {
        array.set(JAVA_LONG, i * ENTRY, key);
        array.set(JAVA_INT, i * ENTRY + 8, 0);
    }

    /** ORs {@code readiness} into entry {@code i}. */
    void merge(int i, int readiness) {
        long at = i * ENTRY + 8;
        array.set(JAVA_INT, at, array.get(JAVA_INT, at) | readiness);
    }

    /** poll(2) bits of a POLL_ADD completion to {@link Readiness} bits, before masking with the interest. */
    static int portable(int revents) {
        int r = 0;
        if ((revents & Uring.POLLIN) != 0) r |= Readiness.READABLE;
        if ((revents & Uring.POLLOUT) != 0) r |= Readiness.WRITABLE;
        if ((revents & Uring.POLLRDHUP) != 0) r |= Readiness.READ_CLOSED;
        if ((revents & Uring.POLLHUP) != 0) r |= Readiness.HANGUP;
        if ((revents & Uring.POLLERR) != 0) r |= Readiness.ERROR;
        return r;
    }
}
