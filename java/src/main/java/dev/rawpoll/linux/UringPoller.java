package dev.rawpoll.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.rawpoll.Interest;
import dev.rawpoll.Poller;
import dev.rawpoll.Readiness;
import dev.rawpoll.internal.CloseHooks;
import dev.rawpoll.internal.Completions;
import dev.rawpoll.internal.EventArray;
import dev.rawpoll.internal.Native;
import dev.rawpoll.internal.Platform;
import dev.rawpoll.internal.PollerBase;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The io_uring backend of {@link Poller}, readiness through one ring: every registration is an
 * {@code IORING_OP_POLL_ADD} request, and one {@code io_uring_enter} per wait submits every change
 * queued since the last one and waits for completions (IORING_ENTER_EXT_ARG carries the timeout).
 * Opened by {@link Poller#openIoUring()}; {@link Poller#open()} stays on epoll. Everything else
 * (state, checks, the poll loop, threads) is {@link PollerBase}'s.
 *
 * <ul>
 *   <li>level-triggered and {@link Interest#ONESHOT}: a single-shot poll, armed again by the next
 *       wait (level) or by {@link #modify} (oneshot). A completion that arrived before the poll
 *       began is not reported but armed again in that poll's submission, so what is reported is
 *       the readiness at the poll, as epoll_wait's.</li>
 *   <li>{@link Interest#EDGE}: a multishot poll ({@code IORING_POLL_ADD_MULTI}, Linux 5.13): a
 *       completion per wake-up, with the bits of the wake-up (POLLIN for new data).</li>
 * </ul>
 * {@link #modify} and {@link #deregister} remove the armed poll: a POLL_ADD still in the SQ is made
 * a NOP, one the kernel took gets an {@code IORING_OP_POLL_REMOVE}; completions of a replaced poll
 * carry an older arm number in their user_data and are dropped. Several completions of one
 * descriptor in one wait merge into one event. An edge wake-up read again after a modify to level
 * or oneshot in the same batch gets the readiness of then ({@code poll(2)}, timeout 0), as a fresh
 * poll would report it.
 *
 * <p>Threads: only the polling thread enters the ring to wait, since a request belongs to the
 * thread that submitted it (its completions are posted through that thread's task work, and it may
 * be cancelled when that thread exits; a cancelled poll is armed again by the next wait). A change
 * from another thread is queued under the registrations' lock, and a waiting poll is woken to
 * submit it (not a {@link #wakeup()}: that poll goes on waiting); a deregister, whose poll holds the
 * file, is submitted before the woken poll returns, or by its own thread when no poll waits.
 *
 * <p>Where it differs from epoll ({@link Poller} lists it; reasons in {@code docs/io_uring.md}): a
 * poll in flight holds the open file, and the registration follows the number, so a descriptor
 * closed without deregister stays open while its poll is armed (rawpoll's own sockets are
 * deregistered on close: {@link #letGo}); register checks the descriptor with {@code
 * fcntl(F_GETFD)}; a regular file polls as ready; timeouts are not rounded. Wakeup: an eventfd
 * watched by a multishot poll. Where io_uring is unavailable, opening fails naming the errno and
 * saying that epoll works.
 */
public final class UringPoller extends PollerBase implements Completions.Provider {
    /** SQ entries: changes queued between two waits beyond this are submitted early. */
    static final int SQ_ENTRIES = 256;
    /** CQ entries: room for one completion per ready descriptor of a large batch before overflow. */
    static final int CQ_ENTRIES = 4096;
    /** user_data of the wakeup eventfd's poll; polls of registrations are non-negative. */
    private static final long WAKEUP = -1L;
    /** user_data of POLL_REMOVE requests, whose completions are dropped. */
    private static final long REMOVE = -2L;
    private static final MemorySegment ONE = Arena.global().allocateFrom(JAVA_LONG, 1L);

    private final Arena arena;
    private final UringRing ring;
    private final int wakeupFd;
    /** errno capture of the polling thread (the ring's), of registration calls, of wakeups. */
    private final MemorySegment pollErrno;
    private final MemorySegment ctlErrno;
    private final MemorySegment wakeupErrno;
    /** Arm numbers, event slots and the re-arm queue, per descriptor. Under the registrations' lock. */
    private final UringArms arms;
    private boolean wakeupDisarmed;
    /** A POLL_REMOVE is queued and not yet submitted: a deregister must submit it (the poll holds the file). */
    private boolean removalQueued;
    /** A deregister during the wait queued a POLL_REMOVE: the poll submits it before it returns. */
    private boolean releasePending;
    /** The thread that waits in the ring, while it waits (set and cleared under the lock). */
    private volatile Thread waiting;
    /** The thread that polled last: the one that may submit outside a wait. */
    private volatile Thread poller;
    /** Counts {@link #sendWakeup()}s; a wakeup completion with no new one was only a kick. */
    private volatile int wakeups;
    private int wakeupsSeen;
    /** How many io_uring_enter calls this poller made; read by tests. */
    long enterCalls;
    /** Socket operations in the same ring, for an event loop's tasks (proactor); made on first use. */
    private UringCompletions completions;
    /** Told of rawpoll's socket closes while this poller is open: see {@link #letGo}. */
    private final CloseHooks.FileHolder holder = this::letGo;

    private UringPoller(Arena arena, UringRing ring, int wakeupFd, MemorySegment errno) {
        super(Platform.Handles.FILE_DESCRIPTORS);
        this.arena = arena;
        this.ring = ring;
        this.wakeupFd = wakeupFd;
        this.pollErrno = errno;
        this.ctlErrno = Native.allocateCapture(arena);
        this.wakeupErrno = Native.allocateCapture(arena);
        this.arms = new UringArms(arena);
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
            poller.armWakeup(); // submitted by the first wait, on the polling thread
            CloseHooks.addHolder(poller.holder);
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

    /**
     * Socket operations (recv, send, accept) submitted in this ring by the next {@link #poll} and
     * reported during a poll: what {@link dev.rawpoll.loop.EventLoop} uses for its tasks' sockets.
     * Polling thread only.
     */
    @Override
    public Completions completions() {
        if (completions == null) {
            completions = new UringCompletions(ring, registrations.lock(), pollErrno);
        }
        return completions;
    }

    // ---- registration: under the registrations' lock (PollerBase) ----

    @Override
    protected void implRegister(long handle, int interest, long token) throws IOException {
        int fd = (int) handle;
        if (registrations.generation(fd) != 0) {
            throw Uring.error("io_uring POLL_ADD(fd=" + fd + ")", Uring.EEXIST);
        }
        if (Sockets.fcntl(ctlErrno, fd, Sockets.F_GETFD, 0) < 0) {
            throw Uring.error("fcntl(fd=" + fd + ", F_GETFD)", Native.errno(ctlErrno));
        }
        arms.ensureCapacity(fd);
        registrations.put(fd, registrations.nextGeneration(), interest, token);
        arm(fd, interest);
        kick();
    }

    @Override
    protected void implModify(long handle, int interest, long token) throws IOException {
        int fd = (int) handle;
        int generation = registrations.generation(fd);
        if (generation == 0) {
            throw Uring.error("io_uring POLL_ADD(fd=" + fd + ")", Uring.ENOENT);
        }
        disarm(fd);
        registrations.put(fd, generation, interest, token);
        arm(fd, interest);
        kick();
        if ((interest & Interest.EDGE) == 0 && waiting == null) {
            // An edge wake-up of the current batch read again under a level or oneshot interest
            // gets the readiness of now, as a fresh poll would report it: UringArms.refreshWakeUp.
            arms.refreshWakeUp(fd, interest, ctlErrno);
        }
    }

    @Override
    protected void implDeregister(long handle) throws IOException {
        int fd = (int) handle;
        if (registrations.generation(fd) == 0) {
            throw Uring.error("io_uring POLL_REMOVE(fd=" + fd + ")", Uring.ENOENT);
        }
        registrations.remove(fd);
        arms.forget(fd);
        disarm(fd);
        if (!removalQueued) {
            return; // nothing of it in the kernel (its POLL_ADD, if any, was withdrawn)
        }
        if (waiting == null) {
            // The poll holds the file: remove it now, so that a close after this returns closes.
            // From another thread too (as letGo): the cancelled poll is freed by the polling
            // thread's task work, which runs at its next system call.
            submit("POLL_REMOVE, fd=", fd);
        } else {
            releasePending = true; // the woken poll submits it before it returns (waitOnce)
            kick();
        }
    }

    /**
     * A rawpoll socket is being closed ({@link CloseHooks}): its registration is dropped and its
     * poll removed before the number is released, so that the close closes (the peer sees end of
     * stream) and the number can be registered again, as on epoll. Submitted at once by this thread
     * unless a poll waits (then the woken poll submits it). Other descriptors: deregister first.
     */
    private void letGo(long handle) {
        int fd = (int) handle;
        ReentrantLock lock = registrations.lock();
        lock.lock();
        try {
            if (registrations.isClosed() || fd < 0 || registrations.generation(fd) == 0) {
                return;
            }
            registrations.remove(fd);
            arms.forget(fd);
            disarm(fd);
            if (removalQueued) {
                if (waiting == null) {
                    submit("POLL_REMOVE before close, fd=", fd);
                } else {
                    releasePending = true;
                    kick();
                }
            }
        } catch (IOException e) {
            // The close goes on; the poll is removed by the next wait, or with the ring.
        } finally {
            lock.unlock();
        }
    }

    /** A wait in another thread is woken to submit what was queued; it then waits again. */
    private void kick() {
        if (waiting != null && waiting != Thread.currentThread()) {
            Epoll.write(ctlErrno, wakeupFd, ONE, 8);
        }
    }

    @Override
    protected EventArray newEventArray(int capacity) {
        // No kernel array: events come from the CQ. A byte of the arena stands for it, so that the
        // array's memory is seen freed with the poller's like every backend's.
        return new EventArray(registrations, arena.allocate(1), 0, capacity, capacity);
    }

    // ---- the wait ----

    @Override
    protected int waitOnce(EventArray events, long timeoutNanos) throws IOException {
        ReentrantLock lock = registrations.lock();
        int toSubmit;
        lock.lock();
        int ready;
        try {
            poller = Thread.currentThread();
            ready = arms.takeBackStale(ring, registrations, REMOVE);
            armAgain();
            toSubmit = ring.flush();
            removalQueued = releasePending = false; // submitted by the enter below
            waiting = poller;
        } finally {
            lock.unlock();
        }
        int rc = 0;
        if (ready == 0 || toSubmit > 0 || ring.kernelHasMore()) {
            long wait = ready > 0 ? 0 : timeoutNanos;
            enterCalls++;
            if (ring.enter(pollErrno, toSubmit, wait) < 0) {
                int err = Native.errno(pollErrno);
                if (err == Uring.EINTR) {
                    rc = -1;
                } else if (err != Uring.ETIME && !(err == Uring.EBUSY && ring.ready() > 0)) {
                    // EBUSY: the CQ overflowed and nothing more is accepted until it is read.
                    waiting = null;
                    throw Uring.error("io_uring_enter(fd=" + ring.fd + ", to_submit=" + toSubmit + ", wait=" + wait + " ns)", err);
                }
            }
        }
        lock.lock();
        try {
            waiting = null;
            reap(events);
            if (releasePending && removalQueued) {
                // Deregistered by another thread during the wait, which only kicked it: submitted
                // before the poll returns, also when it returns for a wakeup, so that a close after
                // that deregister closes.
                submit("POLL_REMOVE queued during the wait, to_submit=", ring.unsubmitted());
            }
        } finally {
            lock.unlock();
        }
        return rc;
    }

    /**
     * Reads completions into {@code events} until the CQ is empty or a completion of a descriptor
     * with no event yet finds the array full (it stays for the next wait). Under the lock.
     */
    private void reap(EventArray events) {
        arms.newBatch(events);
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
                    wakeupDisarmed |= !more;
                    int sent = wakeups;
                    if (sent != wakeupsSeen) { // not only a kick
                        wakeupsSeen = sent;
                        signalConsumed();
                    }
                } else if (UringCompletions.isOperation(data) && completions != null) {
                    completions.completed(data, res);
                    completionsDelivered();
                }
                continue; // REMOVE: its result does not matter (ENOENT if the poll had completed)
            }
            int fd = (int) data;
            if ((int) (data >>> 32) != arms.current(fd)) {
                continue; // a poll that was removed or replaced (ECANCELED, or an event of the old interest)
            }
            if (res == -Uring.EBADF) {
                arms.clear(fd); // the number was closed before this arming: nothing to report
                continue;
            }
            if (res == -Uring.ECANCELED) {
                arms.clear(fd); // cancelled by the kernel (the submitting thread exited): arm again
                arms.queueRearm(fd);
                continue;
            }
            boolean wakeUp = (registrations.interestOf(fd) & Interest.EDGE) != 0; // a multishot poll's
            if (!arms.event(events, registrations, fd, res < 0 ? Readiness.ERROR : UringBits.readiness(res), wakeUp)) {
                break;
            }
            if (!more) {
                arms.clear(fd);
                if ((registrations.interestOf(fd) & Interest.ONESHOT) == 0) {
                    arms.queueRearm(fd);
                }
            }
        }
        ring.consume(read);
    }

    /**
     * Arms the single-shot polls that completed, and the polls the kernel ended: the wakeup's, and
     * any cancelled because the thread that submitted them exited (Linux cancels a thread's
     * requests when it exits, so a poller polled by a thread that ended re-arms here). Under the lock.
     */
    private void armAgain() throws IOException {
        for (int i = 0; i < arms.staleCount(); i++) { // first: see UringArms.takeBackStale
            arm(arms.staleAt(i), registrations.interestOf(arms.staleAt(i)));
        }
        for (int i = 0; i < arms.rearmCount(); i++) {
            int fd = arms.rearmAt(i);
            if (registrations.generation(fd) != 0 && arms.current(fd) == 0) {
                arm(fd, registrations.interestOf(fd));
            }
        }
        arms.clearRearm();
        if (wakeupDisarmed) {
            // Not drained first: that would swallow a wakeup sent since. If the counter is non-zero
            // the new poll fires at once, and a completion with no new sendWakeup is ignored.
            wakeupDisarmed = false;
            armWakeup();
        }
    }

    /** Queues the POLL_ADD of {@code fd} for {@code interest} under a new arm number. */
    private void arm(int fd, int interest) throws IOException {
        boolean edge = (interest & Interest.EDGE) != 0;
        queue(Uring.IORING_OP_POLL_ADD, fd, 0, edge ? Uring.IORING_POLL_ADD_MULTI : 0, UringBits.pollEvents(interest),
                UringArms.userData(arms.next(fd), fd));
        arms.queuedAt(fd, ring.nextIndex() - 1);
    }

    /**
     * Removes {@code fd}'s poll, if any: a POLL_ADD the kernel has not taken yet is withdrawn (made
     * a NOP), otherwise a POLL_REMOVE is queued. Returns whether a POLL_REMOVE was queued. (Not
     * an ADD and its REMOVE in one submission: a multishot poll that is ready when armed survives
     * a POLL_REMOVE submitted with it, seen on Linux 6.18, and keeps its file open.)
     */
    private boolean disarm(int fd) throws IOException {
        int arm = arms.current(fd);
        if (arm == 0) {
            return false;
        }
        arms.clear(fd);
        if (ring.withdraw(arms.queuedAt(fd), REMOVE, waiting == null)) {
            return false;
        }
        queue(Uring.IORING_OP_POLL_REMOVE, -1, UringArms.userData(arm, fd), 0, 0, REMOVE);
        removalQueued = true;
        return true;
    }

    private void armWakeup() throws IOException {
        queue(Uring.IORING_OP_POLL_ADD, wakeupFd, 0, Uring.IORING_POLL_ADD_MULTI, Uring.POLLIN, WAKEUP);
    }

    /**
     * Queues one request; if the SQ is full, what it holds is submitted first, by this thread. (So
     * a thread other than the poller's submits only when more than {@link #SQ_ENTRIES} changes are
     * queued during one wait; a kernel that cancels its requests when it exits reports them
     * ECANCELED, and the poll arms them again.)
     */
    private void queue(byte opcode, int fd, long addr, int len, int pollEvents, long userData) throws IOException {
        if (!ring.queue(opcode, fd, addr, len, pollEvents, userData)) {
            submit("full SQ, to_submit=", ring.sqEntries);
            ring.queue(opcode, fd, addr, len, pollEvents, userData);
        }
    }

    /** Submits the queued SQEs without waiting; an error names {@code what} and {@code n} (no string unless it fails). */
    private void submit(String what, int n) throws IOException {
        MemorySegment errno = poller == Thread.currentThread() ? pollErrno : ctlErrno;
        enterCalls++;
        if (ring.enter(errno, ring.flush(), 0) < 0) {
            throw Uring.error("io_uring_enter(fd=" + ring.fd + ", " + what + n + ")", Native.errno(errno));
        }
        removalQueued = releasePending = false;
    }

    @Override
    protected boolean sendWakeup() {
        wakeups++; // serialized by the base; before the write, so the poll that sees the write sees it
        // EAGAIN (counter saturated) still leaves the eventfd readable: sent either way.
        Epoll.write(wakeupErrno, wakeupFd, ONE, 8);
        return true;
    }

    /**
     * Closes the ring (the kernel cancels every poll in flight and drops their file references),
     * the wakeup eventfd and all native memory. No readiness request carries a buffer of this
     * process; operations of {@link #completions()} do, and their user (the event loop) drains them
     * before it closes the poller, so nothing the kernel finishes later can write into freed memory.
     */
    @Override
    protected void release() {
        CloseHooks.removeHolder(holder);
        Epoll.close(pollErrno, wakeupFd);
        ring.close();
        arena.close();
    }

    /** Whether a thread waits in the ring now; read by tests. */
    boolean isWaiting() {
        return waiting != null;
    }

    /** The registrations' lock, which a poll takes to submit and to reap; for tests that order a race. */
    ReentrantLock registrationsLock() {
        return registrations.lock();
    }

    /** Waits a signal interrupted (EINTR) and that were resumed; read by tests. */
    long interruptedWaits() {
        return interruptedWaitCount();
    }

    @Override
    public String toString() {
        return "UringPoller[ring=" + ring.fd + (isOpen() ? "]" : ", closed]");
    }
}
