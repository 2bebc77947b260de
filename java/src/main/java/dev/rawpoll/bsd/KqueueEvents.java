package dev.rawpoll.bsd;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.rawpoll.Events;
import dev.rawpoll.Interest;
import dev.rawpoll.Readiness;
import dev.rawpoll.internal.FdTable;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * The events of a kqueue poll, one per handle; see {@link Events}. kqueue returns one kevent per
 * filter, so a handle watched for reading and writing can fill two slots of the native array:
 * the array has {@code 2 * capacity + 1} slots (the extra one for the wakeup) and each poll merges
 * the kevents of one handle into one event. Merging can leave more than {@code capacity} events;
 * the rest are handed out by the next poll before it asks the kernel again, so that no event
 * collected from the kernel (an edge or oneshot one cannot come back) is dropped.
 */
public final class KqueueEvents extends Events {
    final KqueuePoller poller;
    final MemorySegment array;
    /** struct kevent slots in {@link #array}. */
    final int slots;
    final int capacity;
    /** Per merged event: the registration key (the kevent's udata) and the portable bits, before masking. */
    private final long[] keys;
    private final int[] raw;
    /** Merged events of the last kevent call; those from {@link #start} on are this poll's. */
    private int merged;
    private int start;
    private int count;

    KqueueEvents(KqueuePoller poller, MemorySegment array, int slots, int capacity) {
        this.poller = poller;
        this.array = array;
        this.slots = slots;
        this.capacity = capacity;
        this.keys = new long[slots];
        this.raw = new int[slots];
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
        ensureOpen();
        return poller.table.token(keys[start + Objects.checkIndex(i, count)]);
    }

    @Override
    public int readiness(int i) {
        ensureOpen();
        int at = start + Objects.checkIndex(i, count);
        return FdTable.mask(raw[at], poller.table.interest(keys[at]));
    }

    /** The merged events live on the Java heap: check the poller rather than rely on its arena. */
    private void ensureOpen() {
        if (!poller.isOpen()) {
            throw new IllegalStateException("poller is closed");
        }
    }

    /** Hands out the events the last kevent call left over, if any; returns whether it did. */
    boolean deliverRest() {
        if (start + count >= merged) {
            start = count = merged = 0;
            return false;
        }
        start += count;
        count = Math.min(capacity, merged - start);
        return true;
    }

    /**
     * Merges the {@code n} kevents the kernel returned into one event per handle and takes out the
     * wakeup's; returns whether the wakeup was among them.
     */
    boolean collect(int n) {
        Profile p = poller.profile;
        Knotes knotes = poller.knotes;
        knotes.nextBatch();
        boolean wakeup = false;
        int out = 0;
        for (int i = 0; i < n; i++) {
            long base = i * p.keventSize;
            short filter = array.get(JAVA_SHORT, base + p.filterOffset);
            if (filter == Kqueue.EVFILT_USER) {
                wakeup = true; // the only EVFILT_USER knote is the wakeup
                continue;
            }
            int fd = (int) array.get(JAVA_LONG, base + p.identOffset);
            short flags = array.get(JAVA_SHORT, base + p.flagsOffset);
            int fflags = array.get(JAVA_INT, base + p.fflagsOffset);
            long key = array.get(JAVA_LONG, base + p.udataOffset);
            int interest = poller.table.interest(key);
            if (interest >= 0 && (interest & Interest.ONESHOT) != 0) {
                knotes.oneshotCollected(fd, filter == Kqueue.EVFILT_READ ? Knotes.READ : Knotes.WRITE);
                if (!knotes.reportOneshot(fd)) {
                    continue; // its other filter fired in an earlier poll: at most one report
                }
            }
            int bits = portable(filter, flags, fflags, p);
            int slot = knotes.slot(fd);
            if (slot >= 0 && keys[slot] == key) {
                raw[slot] |= bits;
                continue;
            }
            keys[out] = key;
            raw[out] = bits;
            knotes.setSlot(fd, out);
            out++;
        }
        merged = out;
        start = 0;
        count = Math.min(capacity, out);
        return wakeup;
    }

    /** One kevent's filter and flags to {@link Readiness} bits, before masking with the interest. */
    static int portable(short filter, short flags, int fflags, Profile p) {
        int r = 0;
        boolean eof = (flags & Kqueue.EV_EOF) != 0;
        if (filter == Kqueue.EVFILT_READ) {
            r |= Readiness.READABLE;
            if (eof) {
                r |= Readiness.READ_CLOSED;
                if (fflags != 0) r |= Readiness.ERROR; // the pending socket error
            }
        } else if (filter == Kqueue.EVFILT_WRITE) {
            r |= Readiness.WRITABLE;
            if (eof) {
                r |= Readiness.HANGUP;
                if (fflags != 0 && !p.writeEofFflagsMeaningless) r |= Readiness.ERROR;
            }
        }
        if ((flags & Kqueue.EV_ERROR) != 0) {
            r |= Readiness.ERROR;
        }
        return r;
    }
}
