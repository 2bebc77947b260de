package dev.rawpoll.linux;

import java.util.Arrays;

/**
 * What a {@link UringPoller} keeps per descriptor, in arrays indexed by it: the arm number of its
 * poll in flight (0: none), the event it got in the current wait (so that several completions of
 * one descriptor merge into one event), and the queue of descriptors whose poll must be armed
 * again before the next wait. Used under the registrations' lock.
 *
 * <p>A poll's user_data is {@code arm << 32 | fd}, with a fresh arm number (31 bits, never 0) for
 * every arming: a completion whose arm is not the descriptor's current one belongs to a poll that
 * was removed or replaced, and is dropped.
 */
final class UringArms {
    private int[] arms = new int[64];
    private int[] batchStamps = new int[64];
    private int[] batchSlots = new int[64];
    /** The SQ index of the POLL_ADD of each descriptor's current arm. */
    private int[] queuedAt = new int[64];
    private int stamp;
    private int lastArm;
    private int[] rearm = new int[64];
    private int rearmCount;

    static long userData(int arm, int fd) {
        return ((long) arm << 32) | (fd & 0xFFFF_FFFFL);
    }

    void ensureCapacity(int fd) {
        if (fd >= arms.length) {
            int n = Math.max(fd + 1, arms.length * 2);
            arms = Arrays.copyOf(arms, n);
            batchStamps = Arrays.copyOf(batchStamps, n);
            batchSlots = Arrays.copyOf(batchSlots, n);
            queuedAt = Arrays.copyOf(queuedAt, n);
        }
    }

    /** The arm number of {@code fd}'s poll in flight, 0 if none. */
    int current(int fd) {
        return fd >= 0 && fd < arms.length ? arms[fd] : 0;
    }

    /** Records a new arming of {@code fd} and returns its number. */
    int next(int fd) {
        int arm = ++lastArm & Integer.MAX_VALUE;
        if (arm == 0) arm = lastArm = 1;
        arms[fd] = arm;
        return arm;
    }

    /** Records the SQ index of the POLL_ADD of {@code fd}'s current arm. */
    void queuedAt(int fd, int index) {
        queuedAt[fd] = index;
    }

    /** The SQ index of the POLL_ADD of {@code fd}'s current arm. */
    int queuedAt(int fd) {
        return queuedAt[fd];
    }

    /** {@code fd}'s poll is no longer in flight (completed, or being removed). */
    void clear(int fd) {
        arms[fd] = 0;
    }

    /** Starts collecting the events of a new wait. */
    void newBatch() {
        stamp++;
    }

    /** The index of {@code fd}'s event in the current wait, -1 if it has none yet. */
    int slot(int fd) {
        return batchStamps[fd] == stamp ? batchSlots[fd] : -1;
    }

    void setSlot(int fd, int slot) {
        batchStamps[fd] = stamp;
        batchSlots[fd] = slot;
    }

    void queueRearm(int fd) {
        if (rearmCount == rearm.length) {
            rearm = Arrays.copyOf(rearm, rearm.length * 2);
        }
        rearm[rearmCount++] = fd;
    }

    int rearmCount() {
        return rearmCount;
    }

    int rearmAt(int i) {
        return rearm[i];
    }

    void clearRearm() {
        rearmCount = 0;
    }
}
