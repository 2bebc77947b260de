package dev.rawpoll.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.rawpoll.Interest;
import dev.rawpoll.internal.EventArray;
import dev.rawpoll.internal.Registrations;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * What a {@link UringPoller} keeps per descriptor, in arrays indexed by it: the arm number of its
 * poll in flight (0: none), the event it got in the current wait (so that several completions of
 * one descriptor merge into one event, and whether it was an edge wake-up), and the queue of
 * descriptors whose poll must be armed again before the next wait. Used under the registrations' lock.
 *
 * <p>A poll's user_data is {@code arm << 32 | fd}, with a fresh arm number (31 bits, never 0) for
 * every arming: a completion whose arm is not the descriptor's current one belongs to a poll that
 * was removed or replaced, and is dropped.
 */
final class UringArms {
    /** One struct pollfd for {@link #refreshWakeUp}. */
    private final MemorySegment pollFd;
    private int[] arms = new int[64];
    private int[] batchStamps = new int[64];
    private int[] batchSlots = new int[64];
    /** The batch stamp of each descriptor whose event of that batch came from a multishot (EDGE) poll. */
    private int[] wokenStamps = new int[64];
    /** The events the current batch was collected into. */
    private EventArray batch;
    /** The SQ index of the POLL_ADD of each descriptor's current arm. */
    private int[] queuedAt = new int[64];
    /** The current batch; starts at 1 so that the zeroed stamps match no batch. */
    private int stamp = 1;
    private int lastArm;
    private int[] rearm = new int[64];
    private int rearmCount;
    private int[] stale = new int[64];
    private int staleCount;

    UringArms(Arena arena) {
        pollFd = arena.allocate(Uring.SIZEOF_POLLFD, 8);
    }

    static long userData(int arm, int fd) {
        return ((long) arm << 32) | (fd & 0xFFFF_FFFFL);
    }

    void ensureCapacity(int fd) {
        if (fd >= arms.length) {
            int n = Math.max(fd + 1, arms.length * 2);
            arms = Arrays.copyOf(arms, n);
            batchStamps = Arrays.copyOf(batchStamps, n);
            batchSlots = Arrays.copyOf(batchSlots, n);
            wokenStamps = Arrays.copyOf(wokenStamps, n);
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

    /** Starts collecting the events of a new wait into {@code events}. */
    void newBatch(EventArray events) {
        stamp++;
        batch = events;
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
     * The fresh-poll rule for an edge wake-up read again after a modify: if {@code fd} has an event
     * in the current batch that came from its multishot (EDGE) poll, and it was just modified to
     * {@code interest} (level or oneshot), the event's bits become what a poll of that interest
     * reports now ({@code poll(2)}, timeout 0). A wake-up's bits say what woke the descriptor, and
     * it may have been drained since (before the poll, even), where epoll's bits are the readiness
     * at the poll; read under a level interest they would report a direction that is not ready.
     * Level and oneshot events need nothing: their bits are the readiness at the poll already
     * ({@link #takeBackStale}), and the mask of the new interest does the rest, as on epoll. If the
     * call fails the event reads as nothing, and the poll armed by the modify reports at the next
     * wait. Under the lock, between waits ({@code batch} is then the events the caller reads).
     */
    void refreshWakeUp(int fd, int interest, MemorySegment errno) {
        if (fd >= arms.length || batchStamps[fd] != stamp || wokenStamps[fd] != stamp) {
            return;
        }
        wokenStamps[fd] = stamp - 1; // from now on the readiness at a poll, as a level event's
        pollFd.set(JAVA_INT, Uring.POLLFD_FD, fd);
        pollFd.set(JAVA_SHORT, Uring.POLLFD_EVENTS, (short) UringBits.pollEvents(interest));
        pollFd.set(JAVA_SHORT, Uring.POLLFD_REVENTS, (short) 0);
        int readiness = 0;
        if (Uring.poll(errno, pollFd, 1, 0) >= 0) {
            readiness = UringBits.readiness(Short.toUnsignedInt(pollFd.get(JAVA_SHORT, Uring.POLLFD_REVENTS)));
        }
        batch.set(batchSlots[fd], readiness);
    }

    /** {@code fd} was deregistered: its event of this batch (now stale) is no longer its. */
    void forget(int fd) {
        if (fd < arms.length) {
            batchStamps[fd] = wokenStamps[fd] = stamp - 1;
        }
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
     * false if that finds {@code events} full (the completion then stays in the CQ). {@code wakeUp}:
     * the completion is a multishot poll's, whose bits say what woke it, not what is ready.
     */
    boolean event(EventArray events, Registrations registrations, int fd, int readiness, boolean wakeUp) {
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
        if (wakeUp) wokenStamps[fd] = stamp;
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
