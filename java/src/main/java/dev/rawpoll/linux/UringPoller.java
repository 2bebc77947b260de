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
 * file, is submitted before the woken poll returns, or by its own thread when no poll waits. What
 * is queued, and these rules, are {@link UringRequests}'.
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

    private final Arena arena;
    private final UringRing ring;
    private final int wakeupFd;
    /** errno capture of the polling thread (the ring's), of registration calls, of wakeups. */
    private final MemorySegment pollErrno;
    private final MemorySegment ctlErrno;
    private final MemorySegment wakeupErrno;
    /** Arm numbers, event slots and the re-arm queue, per descriptor. Under the registrations' lock. */
    private final UringArms arms;
    /** What is queued in the SQ, and who submits it: arming, disarming, the cross-thread rules. */
    private final UringRequests requests;
    /** Counts {@link #sendWakeup()}s; a wakeup completion with no new one was only a kick. */
    private volatile int wakeups;
    private int wakeupsSeen;
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
        this.requests = new UringRequests(ring, arms, registrations, wakeupFd, errno, ctlErrno);
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
            poller.requests.armWakeup(); // submitted by the first wait, on the polling thread
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
        requests.arm(fd, interest);
        requests.kick();
    }

    @Override
    protected void implModify(long handle, int interest, long token) throws IOException {
        int fd = (int) handle;
        int generation = registrations.generation(fd);
        if (generation == 0) {
            throw Uring.error("io_uring POLL_ADD(fd=" + fd + ")", Uring.ENOENT);
        }
        requests.disarm(fd);
        registrations.put(fd, generation, interest, token);
        requests.arm(fd, interest);
        requests.kick();
        if ((interest & Interest.EDGE) == 0 && requests.waiting == null) {
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
        requests.release(fd, "POLL_REMOVE, fd="); // submitted before this returns or the woken poll does
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
            requests.release(fd, "POLL_REMOVE before close, fd=");
        } catch (IOException e) {
            // The close goes on; the poll is removed by the next wait, or with the ring.
        } finally {
            lock.unlock();
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
        UringRequests requests = this.requests; // its fields, not calls: arming again is as deep as it was here
        int toSubmit;
        lock.lock();
        int ready;
        try {
            Thread self = Thread.currentThread();
            requests.poller = self;
            ready = arms.takeBackStale(ring, registrations, UringRequests.REMOVE);
            requests.armAgain();
            toSubmit = ring.flush();
            requests.removalQueued = requests.releasePending = false; // submitted by the enter below
            requests.waiting = self;
        } finally {
            lock.unlock();
        }
        int rc = 0;
        if (ready == 0 || toSubmit > 0 || ring.kernelHasMore()) {
            long wait = ready > 0 ? 0 : timeoutNanos;
            requests.enterCalls++;
            if (ring.enter(pollErrno, toSubmit, wait) < 0) {
                int err = Native.errno(pollErrno);
                if (err == Uring.EINTR) {
                    rc = -1;
                } else if (err != Uring.ETIME && !(err == Uring.EBUSY && ring.ready() > 0)) {
                    // EBUSY: the CQ overflowed and nothing more is accepted until it is read.
                    requests.waiting = null;
                    throw Uring.error("io_uring_enter(fd=" + ring.fd + ", to_submit=" + toSubmit + ", wait=" + wait + " ns)", err);
                }
            }
        }
        lock.lock();
        try {
            requests.waiting = null;
            reap(events);
            if (requests.releasePending && requests.removalQueued) {
                // Deregistered by another thread during the wait, which only kicked it: submitted
                // before the poll returns, also when it returns for a wakeup, so that a close after
                // that deregister closes.
                requests.submit("POLL_REMOVE queued during the wait, to_submit=", ring.unsubmitted());
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
                if (data == UringRequests.WAKEUP) {
                    requests.wakeupDisarmed |= !more;
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

    @Override
    protected boolean sendWakeup() {
        wakeups++; // serialized by the base; before the write, so the poll that sees the write sees it
        // EAGAIN (counter saturated) still leaves the eventfd readable: sent either way.
        Epoll.write(wakeupErrno, wakeupFd, UringRequests.ONE, 8);
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
        return requests.waiting != null;
    }

    /** How many io_uring_enter calls this poller made; read by tests. */
    long enterCalls() {
        return requests.enterCalls;
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
