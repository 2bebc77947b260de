package dev.rawpoll.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.rawpoll.Interest;
import dev.rawpoll.internal.EventArray;
import dev.rawpoll.internal.Registrations;
import java.lang.foreign.MemorySegment;
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
    private int[] stale = new int[64];
    private int staleCount;

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

    /**
     * The fresh-poll rule of epoll for level-triggered and oneshot registrations: a completion that
     * reached the CQ before this poll began may be stale (the descriptor drained since), where
     * epoll_wait polls each ready file again when it is called. So each such completion of a
     * single-shot poll is taken back (its user_data set to {@code ignored}) and its descriptor
     * queued to be armed again first in this poll's submission: the kernel completes the new poll
     * during the same {@code io_uring_enter} if the descriptor is still ready, else it stays armed.
     * First, so that completions left in the CQ by a full {@code Events} are not starved. No system
     * call is added: that arming is the one the next poll would make anyway. Multishot ({@code EDGE})
     * completions stay: they report wake-ups. Returns how many completions are left to report.
     */
    int takeBackStale(UringRing ring, Registrations registrations, long ignored) {
        staleCount = 0;
        int ready = ring.ready();
        MemorySegment cq = ring.cq();
        for (int i = 0; i < ready; i++) {
            long at = ring.cqeOffset(i);
            long data = cq.get(JAVA_LONG, at + Uring.CQE_USER_DATA);
            if (data < 0 || cq.get(JAVA_INT, at + Uring.CQE_RES) < 0
                    || (cq.get(JAVA_INT, at + Uring.CQE_FLAGS) & Uring.IORING_CQE_F_MORE) != 0) {
                continue; // not the readiness of a single-shot poll
            }
            int fd = (int) data;
            if ((int) (data >>> 32) != current(fd) || current(fd) == 0
                    || (registrations.interestOf(fd) & Interest.EDGE) != 0) {
                continue; // a removed or replaced poll, or a multishot the kernel ended: reap handles it
            }
            clear(fd);
            if (staleCount == stale.length) stale = Arrays.copyOf(stale, staleCount * 2);
            stale[staleCount++] = fd;
            cq.set(JAVA_LONG, at + Uring.CQE_USER_DATA, ignored);
        }
        return ready - staleCount;
    }

    int staleCount() {
        return staleCount;
    }

    int staleAt(int i) {
        return stale[i];
    }

    /**
     * Merges {@code readiness} into {@code fd}'s event of this batch, adding one if it has none;
     * false if that finds {@code events} full (the completion then stays in the CQ).
     */
    boolean event(EventArray events, Registrations registrations, int fd, int readiness) {
        int slot = slot(fd);
        if (slot < 0) {
            if (events.collected() == events.capacity()) {
                return false;
            }
            slot = events.collected();
            setSlot(fd, slot);
            events.add(Registrations.key(fd, registrations.generation(fd)), 0);
        }
        events.merge(slot, readiness);
        return true;
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
