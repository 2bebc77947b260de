package dev.rawpoll.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.rawpoll.Events;
import dev.rawpoll.Interest;
import dev.rawpoll.Poller;
import dev.rawpoll.internal.FdTable;
import dev.rawpoll.internal.Lifecycle;
import dev.rawpoll.internal.Native;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

/**
 * The io_uring backend of {@link Poller}, readiness through one ring: every registration is an
 * {@code IORING_OP_POLL_ADD} request, and one {@code io_uring_enter} per poll submits every change
 * queued since the last poll and waits for completions (with IORING_ENTER_EXT_ARG for the timeout,
 * no timeout SQE). Opened by {@link Poller#openIoUring()}; {@link Poller#open()} stays on epoll.
 *
 * <h2>How each mode is served</h2>
 * <ul>
 *   <li>level-triggered: a single-shot poll; once its completion has been returned by a poll, the
 *       next poll arms it again, and the kernel completes it at once if the descriptor is still
 *       ready (the arming checks the state, as {@code epoll_ctl} does).</li>
 *   <li>{@link Interest#EDGE}: a multishot poll ({@code IORING_POLL_ADD_MULTI}, Linux 5.13), which
 *       posts a completion for every wake-up of the descriptor, as EPOLLET reports; armed again
 *       only if the kernel ends it (a completion without {@code IORING_CQE_F_MORE}).</li>
 *   <li>{@link Interest#ONESHOT}: a single-shot poll not armed again until {@link #modify}.</li>
 * </ul>
 * {@link #modify} removes the armed poll ({@code IORING_OP_POLL_REMOVE}) and adds one with the new
 * interest; completions of a replaced poll are recognised by the arm number in their user_data
 * and dropped. Several completions of one descriptor in one batch are merged into one event.
 *
 * <h2>Where it differs from epoll</h2>
 * <ul>
 *   <li>A poll in flight holds a reference to the descriptor's open file. {@link #deregister}
 *       therefore submits its POLL_REMOVE at once (one {@code io_uring_enter}, as epoll_ctl DEL costs
 *       one call), so a close right after it really closes (a socket sends its FIN). A descriptor
 *       closed <em>without</em> deregister stays open in the kernel while its poll is armed, like an
 *       epoll registration with a dup'd copy: always deregister before closing.</li>
 *   <li>The registration follows the descriptor number: the poll of a level-triggered descriptor is
 *       armed again on whatever file holds that number at the next poll. A number found closed
 *       (EBADF) is dropped quietly.</li>
 *   <li>register checks the descriptor with {@code fcntl(F_GETFD)} (EBADF) and reports EEXIST/ENOENT
 *       from the poller's own table; a regular file polls as always ready (poll(2)'s rule), where
 *       epoll refuses it with EPERM.</li>
 *   <li>Timeouts have nanosecond granularity (the kernel's hrtimer): nothing is rounded.</li>
 * </ul>
 *
 * <p>Wakeup: an eventfd watched by a multishot poll in the ring; {@link #wakeup()} writes it from
 * any thread. Its counter is never read (each write wakes the poll), so a wakeup costs one write
 * and its completion no system call. Needs Linux 5.13 (multishot poll; EXT_ARG is 5.11); where
 * io_uring is unavailable, opening fails naming the errno and saying that epoll works.
 */
public final class UringPoller implements Poller {
    /** SQ entries: changes queued between two polls beyond this are submitted early. */
    static final int SQ_ENTRIES = 256;
    /** CQ entries: room for one completion per ready descriptor of a large batch before overflow. */
    static final int CQ_ENTRIES = 4096;
    /** user_data of the wakeup eventfd's poll; polls of registrations are non-negative. */
    private static final long WAKEUP = -1L;
    /** user_data of POLL_REMOVE requests, whose completions are dropped. */
    private static final long REMOVE = -2L;
    private static final MemorySegment ONE = Arena.global().allocateFrom(JAVA_LONG, 1L);

    final FdTable table = new FdTable();
    private final Arena arena;
    private final UringRing ring;
    private final int wakeupFd;
    private final MemorySegment errno;
    private final MemorySegment wakeupErrno;
    private final MemorySegment drain;
    private final Lifecycle lifecycle = new Lifecycle(this::signalWakeup);
    /** Per descriptor: the arm number of its poll in flight, 0 if none. */
    private int[] arms = new int[64];
    /** Per descriptor: the batch ({@link #stamp}) it last got an event slot in, and that slot. */
    private int[] batchStamps = new int[64];
    private int[] batchSlots = new int[64];
    private int stamp;
    private int lastArm;
    /** Descriptors whose single-shot poll completed and must be armed again before the next wait. */
    private int[] rearm = new int[64];
    private int rearmCount;
    private boolean wakeupDisarmed;
    /** How many waits a signal interrupted (EINTR) and were resumed; read by tests. */
    long interruptedWaits;
    /** How many io_uring_enter calls this poller made; read by tests. */
    long enterCalls;

    private UringPoller(Arena arena, UringRing ring, int wakeupFd, MemorySegment errno) {
        this.arena = arena;
        this.ring = ring;
        this.wakeupFd = wakeupFd;
        this.errno = errno;
        this.wakeupErrno = Native.allocateCapture(arena);
        this.drain = arena.allocate(JAVA_LONG);
    }

    /**
     * Sets up a ring and its wakeup eventfd (close-on-exec).
     *
     * @throws dev.rawpoll.SystemCallException naming the errno; where io_uring is unavailable (ENOSYS,
     *     EPERM) the message says so and that {@link Poller#open()} (epoll) works
     */
    public static UringPoller open() throws IOException {
        Arena arena = Arena.ofShared();
        MemorySegment errno = Native.allocateCapture(arena);
        UringRing ring = null;
        int wakeupFd = -1;
        try {
            ring = UringRing.open(arena, errno, SQ_ENTRIES, CQ_ENTRIES);
            wakeupFd = Epoll.eventfd(errno, 0, Epoll.EFD_CLOEXEC | Epoll.EFD_NONBLOCK);
            if (wakeupFd < 0) {
                throw Uring.error("eventfd(0, EFD_CLOEXEC|EFD_NONBLOCK)", Native.errno(errno));
            }
            UringPoller poller = new UringPoller(arena, ring, wakeupFd, errno);
            poller.armWakeup();
            return poller;
        } catch (IOException | RuntimeException | Error e) {
            if (wakeupFd >= 0) Epoll.close(errno, wakeupFd);
            if (ring != null) ring.close();
            arena.close();
            throw e;
        }
    }

    @Override
    public String backend() {
        return "io_uring";
    }

    @Override
    public void register(long handle, int interest, long token) throws IOException {
        int fd = checkArguments(handle, interest, token);
        if (table.generation(fd) != 0) {
            throw Uring.error("io_uring POLL_ADD(fd=" + fd + ")", Uring.EEXIST);
        }
        if (Sockets.fcntl(errno, fd, Sockets.F_GETFD, 0) < 0) {
            throw Uring.error("fcntl(fd=" + fd + ", F_GETFD)", Native.errno(errno));
        }
        ensureCapacity(fd);
        table.put(fd, table.nextGeneration(), interest, token);
        arm(fd, interest);
    }

    @Override
    public void modify(long handle, int interest, long token) throws IOException {
        int fd = checkArguments(handle, interest, token);
        int generation = table.generation(fd);
        if (generation == 0) {
            throw Uring.error("io_uring POLL_ADD(fd=" + fd + ")", Uring.ENOENT);
        }
        disarm(fd);
        table.put(fd, generation, interest, token);
        arm(fd, interest);
    }

    @Override
    public void deregister(long handle) throws IOException {
        lifecycle.ensureOpen();
        int fd = checkHandle(handle);
        if (table.generation(fd) == 0) {
            throw Uring.error("io_uring POLL_REMOVE(fd=" + fd + ")", Uring.ENOENT);
        }
        table.remove(fd);
        if (disarm(fd)) {
            // The poll holds the file: remove it now, so that a close after this returns closes.
            submit("POLL_REMOVE, fd=", fd);
        }
    }

    @Override
    public UringEvents newEvents(int capacity) {
        lifecycle.ensureOpen();
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        return new UringEvents(this, arena.allocate(UringEvents.ENTRY * capacity, 8), capacity);
    }

    @Override
    public int poll(Events events, long timeout, TimeUnit unit) throws IOException {
        lifecycle.ensureOpen();
        if (!(events instanceof UringEvents e) || e.poller != this) {
            throw new IllegalArgumentException("these Events belong to another poller");
        }
        e.count = 0;
        long timeoutNanos = timeout < 0 ? -1 : unit.toNanos(timeout);
        long deadline = timeoutNanos > 0 ? System.nanoTime() + timeoutNanos : 0;
        long left = timeoutNanos;
        armAgain();
        for (;;) {
            int ready = ring.ready();
            if (ready == 0 || ring.unsubmitted() > 0 || ring.kernelHasMore()) {
                long wait = ready > 0 ? 0 : left;
                enterCalls++;
                if (ring.enter(wait) < 0) {
                    int err = Native.errno(errno);
                    if (err == Uring.EINTR) {
                        interruptedWaits++;
                    } else if (err != Uring.ETIME && !(err == Uring.EBUSY && ring.ready() > 0)) {
                        // EBUSY: the CQ overflowed and nothing more can be accepted until it is read.
                        throw Uring.error("io_uring_enter(fd=" + ring.fd + ", to_submit=" + ring.unsubmitted()
                                + ", wait=" + wait + " ns)", err);
                    }
                }
            }
            boolean woken = reap(e);
            if (e.count > 0 || woken || timeoutNanos == 0) {
                return e.count;
            }
            // Only dropped completions, EINTR, or a wait that ended early: wait for what is left.
            if (timeoutNanos > 0) {
                left = deadline - System.nanoTime();
                if (left <= 0) {
                    return 0;
                }
            }
        }
    }

    /**
     * Reads completions into {@code e} until the CQ is empty or a completion of a descriptor with no
     * slot yet finds {@code e} full (it stays for the next poll). Returns whether the wakeup fired.
     */
    private boolean reap(UringEvents e) {
        boolean woken = false;
        int batch = ++stamp;
        int ready = ring.ready();
        int read = 0;
        MemorySegment cq = ring.cq();
        for (; read < ready; read++) {
            long at = ring.cqeOffset(read);
            long data = cq.get(JAVA_LONG, at + Uring.CQE_USER_DATA);
            int res = cq.get(JAVA_INT, at + Uring.CQE_RES);
            boolean more = (cq.get(JAVA_INT, at + Uring.CQE_FLAGS) & Uring.IORING_CQE_F_MORE) != 0;
            if (data < 0) {
                if (data == WAKEUP) {
                    woken = true;
                    lifecycle.signalConsumed();
                    wakeupDisarmed |= !more;
                }
                continue; // REMOVE: its result does not matter (ENOENT if the poll had completed)
            }
            int fd = (int) data;
            if ((int) (data >>> 32) != arms[fd]) {
                continue; // a poll that was removed or replaced (ECANCELED, or an event of the old interest)
            }
            if (res == -Uring.EBADF) {
                arms[fd] = 0; // the number was closed before this arming: nothing to report
                continue;
            }
            int slot = batchStamps[fd] == batch ? batchSlots[fd] : -1;
            if (slot < 0) {
                if (e.count == e.capacity) {
                    break;
                }
                slot = e.count++;
                batchStamps[fd] = batch;
                batchSlots[fd] = slot;
                e.add(slot, FdTable.key(fd, table.generation(fd)));
            }
            e.merge(slot, res < 0 ? dev.rawpoll.Readiness.ERROR : UringEvents.portable(res));
            if (!more) {
                arms[fd] = 0;
                int interest = table.interest(FdTable.key(fd, table.generation(fd)));
                if ((interest & Interest.ONESHOT) == 0) {
                    queueRearm(fd);
                }
            }
        }
        ring.consume(read);
        return woken;
    }

    /** Arms the single-shot polls that completed in the last batch, and a wakeup poll the kernel ended. */
    private void armAgain() throws IOException {
        for (int i = 0; i < rearmCount; i++) {
            int fd = rearm[i];
            int generation = table.generation(fd);
            if (generation != 0 && arms[fd] == 0) {
                arm(fd, table.interest(FdTable.key(fd, generation)));
            }
        }
        rearmCount = 0;
        if (wakeupDisarmed) {
            Epoll.read(errno, wakeupFd, drain, 8); // so that arming does not fire at once; EAGAIN is fine
            wakeupDisarmed = false;
            armWakeup();
        }
    }

    private void queueRearm(int fd) {
        if (rearmCount == rearm.length) {
            rearm = java.util.Arrays.copyOf(rearm, rearm.length * 2);
        }
        rearm[rearmCount++] = fd;
    }

    /** Queues the POLL_ADD of {@code fd} for {@code interest} under a new arm number. */
    private void arm(int fd, int interest) throws IOException {
        int arm = ++lastArm & Integer.MAX_VALUE;
        if (arm == 0) arm = lastArm = 1;
        arms[fd] = arm;
        boolean edge = (interest & Interest.EDGE) != 0;
        queue(Uring.IORING_OP_POLL_ADD, fd, 0, edge ? Uring.IORING_POLL_ADD_MULTI : 0, pollEvents(interest),
                ((long) arm << 32) | fd);
    }

    /** Queues the POLL_REMOVE of {@code fd}'s poll in flight, if any; whether there was one. */
    private boolean disarm(int fd) throws IOException {
        int arm = fd < arms.length ? arms[fd] : 0;
        if (arm == 0) {
            return false;
        }
        arms[fd] = 0;
        queue(Uring.IORING_OP_POLL_REMOVE, -1, ((long) arm << 32) | fd, 0, 0, REMOVE);
        return true;
    }

    private void armWakeup() throws IOException {
        queue(Uring.IORING_OP_POLL_ADD, wakeupFd, 0, Uring.IORING_POLL_ADD_MULTI, Uring.POLLIN, WAKEUP);
    }

    /** Queues one request; if the SQ is full, what it holds is submitted first. */
    private void queue(byte opcode, int fd, long addr, int len, int pollEvents, long userData) throws IOException {
        if (!ring.queue(opcode, fd, addr, len, pollEvents, userData)) {
            submit("full SQ, to_submit=", ring.sqEntries);
            ring.queue(opcode, fd, addr, len, pollEvents, userData);
        }
    }

    /** Submits the queued SQEs without waiting; an error names {@code what} and {@code n} (no string unless it fails). */
    private void submit(String what, int n) throws IOException {
        enterCalls++;
        if (ring.enter(0) < 0) {
            throw Uring.error("io_uring_enter(fd=" + ring.fd + ", " + what + n + ")", Native.errno(errno));
        }
    }

    /** POLL_ADD's mask: POLLERR and POLLHUP are always watched; POLLRDHUP goes with reading. */
    private static int pollEvents(int interest) {
        int events = 0;
        if ((interest & Interest.READABLE) != 0) events |= Uring.POLLIN | Uring.POLLRDHUP;
        if ((interest & Interest.WRITABLE) != 0) events |= Uring.POLLOUT;
        return events;
    }

    @Override
    public void wakeup() {
        lifecycle.wakeup();
    }

    private boolean signalWakeup() {
        // EAGAIN (counter saturated) still leaves the eventfd readable: sent either way.
        Epoll.write(wakeupErrno, wakeupFd, ONE, 8);
        return true;
    }

    @Override
    public boolean isOpen() {
        return lifecycle.isOpen();
    }

    /**
     * Closes the ring (the kernel cancels every poll in flight and drops their file references),
     * the wakeup eventfd and all native memory. No request here writes into this process's memory
     * (polls carry no buffer), so nothing the kernel finishes later can touch freed memory.
     */
    @Override
    public void close() {
        if (lifecycle.close(() -> Epoll.close(errno, wakeupFd))) {
            ring.close();
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "UringPoller[ring=" + ring.fd + (lifecycle.isOpen() ? "]" : ", closed]");
    }

    private int checkArguments(long handle, int interest, long token) {
        lifecycle.checkRegistration(interest, token);
        return checkHandle(handle);
    }

    private static int checkHandle(long handle) {
        if (handle != (int) handle || handle < 0) {
            throw new IllegalArgumentException("not a file descriptor: " + handle);
        }
        return (int) handle;
    }

    private void ensureCapacity(int fd) {
        if (fd >= arms.length) {
            int n = Math.max(fd + 1, arms.length * 2);
            arms = java.util.Arrays.copyOf(arms, n);
            batchStamps = java.util.Arrays.copyOf(batchStamps, n);
            batchSlots = java.util.Arrays.copyOf(batchSlots, n);
        }
    }
}
