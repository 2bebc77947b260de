package dev.rawpoll.bsd;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.rawpoll.SystemCallException;
import dev.rawpoll.internal.Native;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The knote changes of one registration call, submitted to the kqueue in one kevent call of
 * their own: each change with EV_RECEIPT, an eventlist of exactly as many slots as changes and a
 * zero timeout, and every receipt checked. That is how BSD reports each change's errno without
 * collecting events, and the only way libkqueue returns its receipts at all (it does not count
 * them otherwise, and waits out the timeout). Used by the polling thread only.
 */
final class Changelist {
    /** One registration call changes at most 4 knotes: delete READ and WRITE, add READ and WRITE. */
    static final int MAX_CHANGES = 4;

    private final KqueueAbi profile;
    private final int kq;
    private final MemorySegment errno;
    private final MemorySegment changes;
    private final MemorySegment receipts;
    private final MemorySegment zeroTimeout;
    /** Changes queued; how many the last submit sent (left in place) and which it applied (bit i). */
    private int count;
    private int submitted;
    private int applied;

    Changelist(KqueueAbi profile, int kq, MemorySegment errno, MemorySegment zeroTimeout, Arena arena) {
        this.profile = profile;
        this.kq = kq;
        this.errno = errno;
        this.zeroTimeout = zeroTimeout;
        this.changes = arena.allocate(profile.keventSize * MAX_CHANGES, 8);
        this.receipts = arena.allocate(profile.keventSize * MAX_CHANGES, 8);
    }

    /** Queues one change, with EV_RECEIPT added to {@code flags}. */
    void add(int ident, short filter, short flags, long udata) {
        write(profile, changes, count++ * profile.keventSize, ident, filter,
                (short) (flags | Kqueue.EV_RECEIPT), 0, udata);
    }

    /** Fills the {@code struct kevent} at {@code base}; FreeBSD's ext[4] stays as allocated: zero. */
    static void write(KqueueAbi p, MemorySegment s, long base, int ident, short filter, short flags, int fflags, long udata) {
        s.set(JAVA_LONG, base + p.identOffset, ident);
        s.set(JAVA_SHORT, base + p.filterOffset, filter);
        s.set(JAVA_SHORT, base + p.flagsOffset, flags);
        s.set(JAVA_INT, base + p.fflagsOffset, fflags);
        s.set(JAVA_LONG, base + p.dataOffset, 0L);
        s.set(JAVA_LONG, base + p.udataOffset, udata);
    }

    /**
     * Submits the queued changes and checks every receipt. Returns the error of the first change
     * that failed, or null; which changes were applied can be asked afterwards.
     */
    SystemCallException submit() {
        int n = count;
        count = 0;
        submitted = n;
        applied = 0;
        if (n == 0) {
            return null;
        }
        int rc = Kqueue.kevent(errno, kq, changes, n, receipts, n, zeroTimeout, true);
        if (rc < 0) {
            return Kqueue.error(describe(0, n), Native.errno(errno));
        }
        SystemCallException first = null;
        for (int i = 0; i < n; i++) {
            long base = i * profile.keventSize;
            if (i >= rc) {
                if (first == null) {
                    first = new SystemCallException(describe(i, 1), 0, "no receipt",
                            "kevent returned " + rc + " receipts for " + n + " changes");
                }
                continue;
            }
            short flags = receipts.get(JAVA_SHORT, base + profile.flagsOffset);
            long data = receipts.get(JAVA_LONG, base + profile.dataOffset);
            if ((flags & Kqueue.EV_ERROR) != 0 && data != 0) {
                if (first == null) {
                    first = Kqueue.error(describe(i, 1), (int) data);
                }
            } else {
                applied |= 1 << i;
            }
        }
        return first;
    }

    /** The knotes (Knotes bits) of the EV_ADD changes that the last submit applied. */
    int filtersAdded() {
        int filters = 0;
        for (int i = 0; i < submitted; i++) {
            if (applied(i) && (flags(i) & Kqueue.EV_ADD) != 0) {
                filters |= filterBit(i);
            }
        }
        return filters;
    }

    /** The knotes the kernel holds after the last submit, for one descriptor that held {@code before}. */
    int heldAfter(int before) {
        int held = before;
        for (int i = 0; i < submitted; i++) {
            if (applied(i)) {
                held = (flags(i) & Kqueue.EV_DELETE) != 0 ? held & ~filterBit(i) : held | filterBit(i);
            }
        }
        return held;
    }

    private boolean applied(int i) {
        return (applied & (1 << i)) != 0;
    }

    private short flags(int i) {
        return changes.get(JAVA_SHORT, i * profile.keventSize + profile.flagsOffset);
    }

    private int filterBit(int i) {
        short filter = changes.get(JAVA_SHORT, i * profile.keventSize + profile.filterOffset);
        return filter == Kqueue.EVFILT_READ ? Knotes.READ : Knotes.WRITE;
    }

    /** {@code kevent(kq=3, EV_ADD|EV_RECEIPT EVFILT_READ fd=7)} for changes {@code from .. from+n-1}. */
    private String describe(int from, int n) {
        StringBuilder sb = new StringBuilder("kevent(kq=").append(kq);
        for (int i = from; i < from + n; i++) {
            long base = i * profile.keventSize;
            short filter = changes.get(JAVA_SHORT, base + profile.filterOffset);
            sb.append(", ").append(Kqueue.flagNames(flags(i)))
                    .append(' ').append(Kqueue.filterName(filter))
                    .append(filter == Kqueue.EVFILT_USER ? " ident=" : " fd=")
                    .append(changes.get(JAVA_LONG, base + profile.identOffset));
        }
        return sb.append(')').toString();
    }
}
