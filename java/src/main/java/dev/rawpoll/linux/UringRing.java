package dev.rawpoll.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.rawpoll.SystemCallException;
import dev.rawpoll.internal.Native;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * One io_uring instance: its descriptor, and the submission queue (SQ) ring, completion queue (CQ)
 * ring and SQE array that the kernel shares with this process through {@code mmap}. Used by one
 * thread at a time (the polling thread); nothing here is synchronized.
 *
 * <p>The protocol (io_uring(7)): this process is the only producer of the SQ and the only consumer
 * of the CQ. To submit, it fills the SQE at {@code tail & mask}, then publishes the new tail with a
 * <em>release</em> store so the kernel sees the SQE's contents before the tail; the kernel consumes
 * SQEs during {@code io_uring_enter} and moves the SQ head. Completions are read from {@code head &
 * mask} up to the CQ tail, loaded with <em>acquire</em> so the CQE contents are visible; the new head
 * is published with a release store so the kernel may reuse those slots. The SQ's indirection array
 * is filled with the identity once, so SQE slot {@code i} is always array entry {@code i}.
 */
final class UringRing {
    /** A 32-bit field of a ring, addressed as (segment, offset): acquire and release accesses. */
    private static final VarHandle U32 = JAVA_INT.varHandle();

    final int fd;
    private final MemorySegment errno;
    private final MemorySegment sqRing;
    private final MemorySegment cqRing;
    private final MemorySegment sqes;
    private final boolean singleMmap;
    private final long sqHead;
    private final long sqTail;
    private final long sqFlags;
    private final int sqMask;
    final int sqEntries;
    private final long cqHead;
    private final long cqTail;
    private final long cqes;
    private final int cqMask;
    /** The SQ tail as this process has filled it; published to the kernel by {@link #enter}. */
    private int sqLocalTail;
    /** The SQ tail as last published by {@link #flush}. */
    private int sqPublished;
    /** The CQ head as this process has consumed it; published by {@link #consume}. */
    private int cqLocalHead;
    /** struct io_uring_getevents_arg pointing at {@link #timespec}: the timeout of a wait. */
    private final MemorySegment waitArg;
    private final MemorySegment timespec;

    private UringRing(int fd, MemorySegment errno, MemorySegment params, MemorySegment sqRing, MemorySegment cqRing,
                      MemorySegment sqes, boolean singleMmap, Arena arena) {
        this.fd = fd;
        this.errno = errno;
        this.sqRing = sqRing;
        this.cqRing = cqRing;
        this.sqes = sqes;
        this.singleMmap = singleMmap;
        long sq = Uring.PARAMS_SQ_OFF;
        long cq = Uring.PARAMS_CQ_OFF;
        this.sqHead = Integer.toUnsignedLong(params.get(JAVA_INT, sq + Uring.SQ_OFF_HEAD));
        this.sqTail = Integer.toUnsignedLong(params.get(JAVA_INT, sq + Uring.SQ_OFF_TAIL));
        this.sqFlags = Integer.toUnsignedLong(params.get(JAVA_INT, sq + Uring.SQ_OFF_FLAGS));
        this.sqMask = sqRing.get(JAVA_INT, params.get(JAVA_INT, sq + Uring.SQ_OFF_RING_MASK));
        this.sqEntries = params.get(JAVA_INT, Uring.PARAMS_SQ_ENTRIES);
        this.cqHead = Integer.toUnsignedLong(params.get(JAVA_INT, cq + Uring.CQ_OFF_HEAD));
        this.cqTail = Integer.toUnsignedLong(params.get(JAVA_INT, cq + Uring.CQ_OFF_TAIL));
        this.cqes = Integer.toUnsignedLong(params.get(JAVA_INT, cq + Uring.CQ_OFF_CQES));
        this.cqMask = cqRing.get(JAVA_INT, params.get(JAVA_INT, cq + Uring.CQ_OFF_RING_MASK));
        long array = Integer.toUnsignedLong(params.get(JAVA_INT, sq + Uring.SQ_OFF_ARRAY));
        for (int i = 0; i < sqEntries; i++) {
            sqRing.set(JAVA_INT, array + 4L * i, i);
        }
        this.sqLocalTail = (int) U32.getAcquire(sqRing, sqTail);
        this.sqPublished = sqLocalTail;
        this.cqLocalHead = (int) U32.getAcquire(cqRing, cqHead);
        this.timespec = arena.allocate(Uring.SIZEOF_TIMESPEC, 8);
        this.waitArg = arena.allocate(Uring.SIZEOF_GETEVENTS_ARG, 8);
        waitArg.set(JAVA_LONG, Uring.GETEVENTS_ARG_TS, timespec.address());
    }

    /**
     * {@link #setup} with SUBMIT_ALL first (5.18: a failing request does not stop the submission of
     * the ones after it), then, where it is refused (EINVAL), with only the CQ size. Not
     * COOP_TASKRUN: a completion would then wait until the thread that submitted the request enters
     * the kernel, and a registering thread other than the poller's may never do so.
     */
    static UringRing open(Arena arena, MemorySegment errno, int entries, int cqEntries) throws SystemCallException {
        int base = Uring.IORING_SETUP_CQSIZE | Uring.IORING_SETUP_CLAMP;
        try {
            return setup(arena, errno, entries, cqEntries, base | Uring.IORING_SETUP_SUBMIT_ALL);
        } catch (SystemCallException e) {
            if (e.errno() != Uring.EINVAL) throw e;
            return setup(arena, errno, entries, cqEntries, base);
        }
    }

    /**
     * Sets up a ring of {@code entries} SQEs and, with IORING_SETUP_CQSIZE in {@code flags}, {@code
     * cqEntries} CQEs (the kernel rounds both up to powers of two), and maps it. On failure nothing
     * stays open or mapped.
     */
    static UringRing setup(Arena arena, MemorySegment errno, int entries, int cqEntries, int flags) throws SystemCallException {
        MemorySegment params = arena.allocate(Uring.SIZEOF_PARAMS, 8);
        params.set(JAVA_INT, Uring.PARAMS_FLAGS, flags);
        params.set(JAVA_INT, Uring.PARAMS_CQ_ENTRIES, cqEntries);
        int fd = Uring.io_uring_setup(errno, entries, params);
        if (fd < 0) {
            int err = Native.errno(errno);
            throw UringUnavailableException.orError("io_uring_setup(entries=" + entries + ", flags=0x" + Integer.toHexString(flags) + ")", err);
        }
        MemorySegment sqRing = MemorySegment.NULL;
        MemorySegment cqRing = MemorySegment.NULL;
        MemorySegment sqes = MemorySegment.NULL;
        try {
            int features = params.get(JAVA_INT, Uring.PARAMS_FEATURES);
            if ((features & Uring.IORING_FEAT_EXT_ARG) == 0 || (features & Uring.IORING_FEAT_NODROP) == 0) {
                // Linux 5.11: a wait with a timeout (EXT_ARG) and completions never dropped (5.5).
                throw UringUnavailableException.tooOld("io_uring_setup: no IORING_FEAT_EXT_ARG (Linux 5.11)");
            }
            int sqCount = params.get(JAVA_INT, Uring.PARAMS_SQ_ENTRIES);
            int cqCount = params.get(JAVA_INT, Uring.PARAMS_CQ_ENTRIES);
            long sqSize = Integer.toUnsignedLong(params.get(JAVA_INT, Uring.PARAMS_SQ_OFF + Uring.SQ_OFF_ARRAY)) + 4L * sqCount;
            long cqSize = Integer.toUnsignedLong(params.get(JAVA_INT, Uring.PARAMS_CQ_OFF + Uring.CQ_OFF_CQES)) + Uring.SIZEOF_CQE * cqCount;
            boolean single = (features & Uring.IORING_FEAT_SINGLE_MMAP) != 0;
            if (single) {
                sqSize = cqSize = Math.max(sqSize, cqSize);
            }
            sqRing = map(errno, fd, sqSize, Uring.IORING_OFF_SQ_RING, "SQ ring");
            cqRing = single ? sqRing : map(errno, fd, cqSize, Uring.IORING_OFF_CQ_RING, "CQ ring");
            sqes = map(errno, fd, Uring.SIZEOF_SQE * sqCount, Uring.IORING_OFF_SQES, "SQEs");
            return new UringRing(fd, errno, params, sqRing, cqRing, sqes, single, arena);
        } catch (SystemCallException | RuntimeException | Error e) {
            unmap(errno, sqes);
            if (cqRing != sqRing) unmap(errno, cqRing);
            unmap(errno, sqRing);
            Epoll.close(errno, fd);
            throw e;
        }
    }

    private static MemorySegment map(MemorySegment errno, int fd, long size, long offset, String what) throws SystemCallException {
        MemorySegment m = Uring.mmap(errno, MemorySegment.NULL, size, Uring.PROT_READ | Uring.PROT_WRITE,
                Uring.MAP_SHARED | Uring.MAP_POPULATE, fd, offset);
        if (m.address() == -1L) {
            throw Uring.error("mmap(" + what + ", length=" + size + ", fd=" + fd + ")", Native.errno(errno));
        }
        return m.reinterpret(size);
    }

    private static void unmap(MemorySegment errno, MemorySegment m) {
        if (m.address() != 0) {
            Uring.munmap(errno, m, m.byteSize());
        }
    }

    /**
     * Takes the next free SQE and fills it: the fields every request of this backend sets, the
     * others zeroed. Returns {@code false} if the SQ is full (then {@link #enter} with no wait
     * submits what is queued). The SQE is submitted by the next {@link #enter}.
     */
    boolean queue(byte opcode, int fd, long addr, int len, int pollEvents, long userData) {
        return queue(opcode, fd, addr, len, 0L, pollEvents, userData);
    }

    /**
     * {@link #queue(byte, int, long, int, int, long)} with the {@code off} field too (ACCEPT: the
     * {@code socklen_t *}; CONNECT: the address length) and {@code opFlags} in the union that
     * holds poll32_events, msg_flags and accept_flags.
     */
    boolean queue(byte opcode, int fd, long addr, int len, long off, int opFlags, long userData) {
        int head = (int) U32.getAcquire(sqRing, sqHead);
        if (sqLocalTail - head == sqEntries) {
            return false;
        }
        long at = (sqLocalTail & sqMask) * Uring.SIZEOF_SQE;
        for (long i = 0; i < Uring.SIZEOF_SQE; i += 8) {
            sqes.set(JAVA_LONG, at + i, 0L);
        }
        sqes.set(JAVA_BYTE, at + Uring.SQE_OPCODE, opcode);
        sqes.set(JAVA_INT, at + Uring.SQE_FD, fd);
        sqes.set(JAVA_LONG, at + Uring.SQE_OFF, off);
        sqes.set(JAVA_LONG, at + Uring.SQE_ADDR, addr);
        sqes.set(JAVA_INT, at + Uring.SQE_LEN, len);
        sqes.set(JAVA_INT, at + Uring.SQE_OP_FLAGS, opFlags);
        sqes.set(JAVA_LONG, at + Uring.SQE_USER_DATA, userData);
        sqLocalTail++;
        return true;
    }

    /** The SQ index the next {@link #queue} fills; names a queued SQE for {@link #withdraw}. */
    int nextIndex() {
        return sqLocalTail;
    }

    /**
     * Turns the SQE queued at {@code index} into a NOP whose completion carries {@code userData},
     * if the kernel has not consumed it and cannot be consuming it now: not yet published by
     * {@link #flush}, or published while {@code noEnter} (no {@link #enter} is running). Returns
     * whether it did. Under the same lock as {@link #queue}.
     */
    boolean withdraw(int index, long userData, boolean noEnter) {
        int head = (int) U32.getAcquire(sqRing, sqHead);
        if (index - head < 0 || index - sqLocalTail >= 0 || (!noEnter && index - sqPublished < 0)) {
            return false;
        }
        long at = (index & sqMask) * Uring.SIZEOF_SQE;
        sqes.set(JAVA_BYTE, at + Uring.SQE_OPCODE, Uring.IORING_OP_NOP);
        sqes.set(JAVA_LONG, at + Uring.SQE_USER_DATA, userData);
        return true;
    }

    /** SQEs filled but not yet consumed by the kernel. */
    int unsubmitted() {
        return sqLocalTail - (int) U32.getAcquire(sqRing, sqHead);
    }

    /**
     * Whether the kernel holds completions outside the CQ (an overflow, kept since Linux 5.5) or
     * task work that posts them: both are delivered only by an {@code io_uring_enter} with GETEVENTS.
     */
    boolean kernelHasMore() {
        return ((int) U32.getAcquire(sqRing, sqFlags) & (Uring.IORING_SQ_CQ_OVERFLOW | Uring.IORING_SQ_TASKRUN)) != 0;
    }

    /**
     * Publishes the SQ tail (release: the kernel sees the SQEs' contents first) and returns how
     * many SQEs the kernel has not consumed yet: the {@code toSubmit} of the next {@link #enter}.
     * Under the same lock as {@link #queue}.
     */
    int flush() {
        sqPublished = sqLocalTail;
        U32.setRelease(sqRing, sqTail, sqLocalTail);
        return unsubmitted();
    }

    /**
     * {@code io_uring_enter}: submits {@code toSubmit} published SQEs and, if {@code waitNanos != 0},
     * waits until at least one completion is in the CQ, for at most {@code waitNanos} if positive (a
     * relative timeout through IORING_ENTER_EXT_ARG, no timeout SQE). Returns what the call returns:
     * SQEs consumed, or -1 with errno in the capture segment (ETIME when the wait timed out, EINTR
     * for a signal; when something was submitted, such errors of the wait are not reported). The
     * kernel serializes submissions and clamps {@code toSubmit} to what is there. {@code errno} is
     * the calling thread's capture segment.
     */
    int enter(MemorySegment errno, int toSubmit, long waitNanos) {
        if (waitNanos == 0) {
            return Uring.io_uring_enter(errno, fd, toSubmit, 0, Uring.IORING_ENTER_GETEVENTS, MemorySegment.NULL, 0);
        }
        if (waitNanos < 0) {
            return Uring.io_uring_enter(errno, fd, toSubmit, 1, Uring.IORING_ENTER_GETEVENTS, MemorySegment.NULL, 0);
        }
        timespec.set(JAVA_LONG, Uring.TIMESPEC_SEC, waitNanos / 1_000_000_000L);
        timespec.set(JAVA_LONG, Uring.TIMESPEC_NSEC, waitNanos % 1_000_000_000L);
        return Uring.io_uring_enter(errno, fd, toSubmit, 1, Uring.IORING_ENTER_GETEVENTS | Uring.IORING_ENTER_EXT_ARG,
                waitArg, Uring.SIZEOF_GETEVENTS_ARG);
    }

    /** How many completions are in the CQ, unread. */
    int ready() {
        return (int) U32.getAcquire(cqRing, cqTail) - cqLocalHead;
    }

    /** The offset in {@link #cq()} of the {@code i}-th unread completion, {@code 0 <= i < ready()}. */
    long cqeOffset(int i) {
        return cqes + ((cqLocalHead + i) & cqMask) * Uring.SIZEOF_CQE;
    }

    /** The CQ ring, where {@link #cqeOffset} points. */
    MemorySegment cq() {
        return cqRing;
    }

    /** Marks the first {@code n} unread completions read: the kernel may reuse their slots. */
    void consume(int n) {
        if (n > 0) {
            cqLocalHead += n;
            U32.setRelease(cqRing, cqHead, cqLocalHead);
        }
    }

    /**
     * Closes the ring and unmaps it. The kernel cancels every request still in flight (the rest of
     * the teardown runs in a kernel worker), and drops the file references its polls held.
     */
    void close() {
        unmap(errno, sqes);
        if (!singleMmap) unmap(errno, cqRing);
        unmap(errno, sqRing);
        Epoll.close(errno, fd);
    }
}
