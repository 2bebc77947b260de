package dev.rawpoll.bsd;

import java.util.Arrays;

/**
 * What the kqueue backend knows per file descriptor besides its {@link dev.rawpoll.internal.Registrations}
 * registration, in arrays indexed by the descriptor: which knotes (EVFILT_READ, EVFILT_WRITE) the
 * kernel holds for it, when its oneshot registration was reported, and where its event sits in the
 * batch being merged. Used by the polling thread only.
 */
final class Knotes {
    static final int READ = 1;
    static final int WRITE = 2;

    /** READ|WRITE bits: the knotes the kernel holds (EV_ONESHOT ones vanish once collected). */
    private int[] filters = new int[64];
    /** The poll in which a oneshot registration was reported; 0: not yet (or re-armed). */
    private int[] oneshotReported = new int[64];
    /** The poll whose batch {@link #slot} belongs to. */
    private int[] mergeEpoch = new int[64];
    /** The index of the descriptor's merged event in that batch. */
    private int[] slot = new int[64];
    /** Counts polls; never 0, so that 0 means "none" in the arrays. */
    private int epoch;

    void ensureCapacity(int fd) {
        if (fd >= filters.length) {
            int n = Math.max(fd + 1, filters.length * 2);
            filters = Arrays.copyOf(filters, n);
            oneshotReported = Arrays.copyOf(oneshotReported, n);
            mergeEpoch = Arrays.copyOf(mergeEpoch, n);
            slot = Arrays.copyOf(slot, n);
        }
    }

    int filters(int fd) {
        return fd < filters.length ? filters[fd] : 0;
    }

    /** Records which knotes the kernel holds for {@code fd} and re-arms its oneshot registration. */
    void set(int fd, int held) {
        if (fd < filters.length) {
            filters[fd] = held;
            oneshotReported[fd] = 0;
        }
    }

    /** The kernel deleted the EV_ONESHOT knote {@code filter} of {@code fd} when it returned its event. */
    void oneshotCollected(int fd, int filter) {
        if (fd < filters.length) {
            filters[fd] &= ~filter;
        }
    }

    /**
     * Whether an event of {@code fd}'s oneshot registration may be reported in the current poll:
     * yes in the poll that reports it first (both of its knotes may fire in one batch, merged into
     * one event), no in any later poll until {@link #set} re-arms it.
     */
    boolean reportOneshot(int fd) {
        if (fd >= filters.length) {
            return true;
        }
        if (oneshotReported[fd] == 0) {
            oneshotReported[fd] = epoch;
            return true;
        }
        return oneshotReported[fd] == epoch;
    }

    /** Starts merging a new batch. */
    void nextBatch() {
        if (++epoch <= 0) {
            // After 2^31 polls: forget old batches, keep "reported earlier" as a value no batch will have.
            epoch = 1;
            Arrays.fill(mergeEpoch, 0);
            for (int i = 0; i < oneshotReported.length; i++) {
                if (oneshotReported[i] != 0) oneshotReported[i] = -1;
            }
        }
    }

    /** The slot of {@code fd}'s event in the current batch, or -1. */
    int slot(int fd) {
        return fd < filters.length && mergeEpoch[fd] == epoch ? slot[fd] : -1;
    }

    void setSlot(int fd, int index) {
        if (fd < filters.length) {
            mergeEpoch[fd] = epoch;
            slot[fd] = index;
        }
    }
}
