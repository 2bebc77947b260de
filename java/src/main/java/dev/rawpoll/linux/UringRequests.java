package dev.rawpoll.linux;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.rawpoll.Interest;
import dev.rawpoll.internal.Native;
import dev.rawpoll.internal.Registrations;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The requests a {@link UringPoller} puts in its ring, and who submits them when: the POLL_ADD
 * that arms a registration (again after each single-shot completion: {@link #armAgain}), the
 * POLL_REMOVE or withdrawn SQE that disarms one, the wakeup eventfd's multishot poll, and the
 * rules for a change made by a thread other than the polling one. Split out of {@code
 * UringPoller} so that the poller reads as its registration calls, its wait and its reaping; the
 * design is the JDK's {@code EPollPoller}/{@code Poller} one (changes from other threads are
 * queued, and the polling thread applies them before it waits), with the one io_uring twist that
 * a request belongs to the thread that submitted it. Used under the registrations' lock.
 *
 * <p>The wait itself ({@code UringPoller.waitOnce}) reads and writes the fields below directly, so
 * that arming again before a wait is as many calls deep as it was inside the poller.
 */
final class UringRequests {
    /** user_data of the wakeup eventfd's poll; polls of registrations are non-negative. */
    static final long WAKEUP = -1L;
    /** user_data of POLL_REMOVE requests, whose completions are dropped. */
    static final long REMOVE = -2L;
    /** The 8 bytes written to the wakeup eventfd. */
    static final MemorySegment ONE = Arena.global().allocateFrom(JAVA_LONG, 1L);

    private final UringRing ring;
    private final UringArms arms;
    private final Registrations registrations;
    private final int wakeupFd;
    /** errno capture of the polling thread (the ring's), and of other threads' registration calls. */
    private final MemorySegment pollErrno;
    private final MemorySegment ctlErrno;
    /** The wakeup's multishot poll ended (its last completion had no F_MORE): armed by the next wait. */
    boolean wakeupDisarmed;
    /** A POLL_REMOVE is queued and not yet submitted: a deregister must submit it (the poll holds the file). */
    boolean removalQueued;
    /** A deregister during the wait queued a POLL_REMOVE: the poll submits it before it returns. */
    boolean releasePending;
    /** The thread that waits in the ring, while it waits (set and cleared under the lock). */
    volatile Thread waiting;
    /** The thread that polled last: the one that may submit outside a wait. */
    volatile Thread poller;
    /** How many io_uring_enter calls the poller made; read by tests. */
    long enterCalls;

    UringRequests(UringRing ring, UringArms arms, Registrations registrations, int wakeupFd,
                  MemorySegment pollErrno, MemorySegment ctlErrno) {
        this.ring = ring;
        this.arms = arms;
        this.registrations = registrations;
        this.wakeupFd = wakeupFd;
        this.pollErrno = pollErrno;
        this.ctlErrno = ctlErrno;
    }

    /**
     * Arms the single-shot polls that completed, and the polls the kernel ended: the wakeup's, and
     * any cancelled because the thread that submitted them exited (Linux cancels a thread's
     * requests when it exits, so a poller polled by a thread that ended re-arms here). Under the lock.
     */
    void armAgain() throws IOException {
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
    void arm(int fd, int interest) throws IOException {
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
    boolean disarm(int fd) throws IOException {
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

    /**
     * Disarms {@code fd}, whose registration was just removed, and makes sure its POLL_REMOVE, if
     * one was queued, reaches the kernel before the caller returns or the woken poll does: the poll
     * holds the file, so that a close after the deregister closes. With no poll waiting it is
     * submitted now, also from another thread (the cancelled poll is then freed by the polling
     * thread's task work, which runs at its next system call); else the waiting poll is woken to
     * submit it ({@code UringPoller.waitOnce}). {@code what} names the submission in an error.
     */
    void release(int fd, String what) throws IOException {
        arms.forget(fd);
        disarm(fd);
        if (!removalQueued) {
            return; // nothing of it in the kernel (its POLL_ADD, if any, was withdrawn)
        }
        if (waiting == null) {
            submit(what, fd);
        } else {
            releasePending = true;
            kick();
        }
    }

    void armWakeup() throws IOException {
        queue(Uring.IORING_OP_POLL_ADD, wakeupFd, 0, Uring.IORING_POLL_ADD_MULTI, Uring.POLLIN, WAKEUP);
    }

    /** A wait in another thread is woken to submit what was queued; it then waits again. */
    void kick() {
        if (waiting != null && waiting != Thread.currentThread()) {
            Epoll.write(ctlErrno, wakeupFd, ONE, 8);
        }
    }

    /**
     * Queues one request; if the SQ is full, what it holds is submitted first, by this thread. (So
     * a thread other than the poller's submits only when more than {@link UringPoller#SQ_ENTRIES}
     * changes are queued during one wait; a kernel that cancels its requests when it exits reports
     * them ECANCELED, and the poll arms them again.)
     */
    private void queue(byte opcode, int fd, long addr, int len, int pollEvents, long userData) throws IOException {
        if (!ring.queue(opcode, fd, addr, len, pollEvents, userData)) {
            submit("full SQ, to_submit=", ring.sqEntries);
            ring.queue(opcode, fd, addr, len, pollEvents, userData);
        }
    }

    /** Submits the queued SQEs without waiting; an error names {@code what} and {@code n} (no string unless it fails). */
    void submit(String what, int n) throws IOException {
        MemorySegment errno = poller == Thread.currentThread() ? pollErrno : ctlErrno;
        enterCalls++;
        if (ring.enter(errno, ring.flush(), 0) < 0) {
            throw Uring.error("io_uring_enter(fd=" + ring.fd + ", " + what + n + ")", Native.errno(errno));
        }
        removalQueued = releasePending = false;
    }
}
