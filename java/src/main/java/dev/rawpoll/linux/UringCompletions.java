package dev.rawpoll.linux;

import dev.rawpoll.internal.Completions;
import dev.rawpoll.internal.Native;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The {@link Completions} of a {@link UringPoller}: socket operations queued as SQEs in the
 * poller's ring (IORING_OP_RECV, SEND, ACCEPT, CONNECT, POLL_ADD, ASYNC_CANCEL), submitted by the poller's
 * next wait together with its readiness changes, their completions handed to the {@link Handler}
 * while that wait reads the CQ. One {@code io_uring_enter} per wait, never one per operation
 * (only an SQ that fills up between two waits is submitted early).
 *
 * <p>user_data: {@code Long.MIN_VALUE | id} for an operation, {@link #CANCEL} for a cancel request
 * (its own completion is dropped); the poller's readiness polls use non-negative values, its
 * wakeup and removals -1 and -2. Queued under the poller's lock, as other threads queue
 * registration changes in the same SQ.
 */
final class UringCompletions implements Completions {
    /** user_data of ASYNC_CANCEL requests, whose own completions are dropped. */
    static final long CANCEL = -3L;
    private static final long OPERATION = Long.MIN_VALUE;

    private final UringRing ring;
    private final ReentrantLock lock;
    private final MemorySegment errno;
    private Handler handler;
    private int inFlight;

    UringCompletions(UringRing ring, ReentrantLock lock, MemorySegment errno) {
        this.ring = ring;
        this.lock = lock;
        this.errno = errno;
    }

    /** Whether {@code userData} names an operation of this class (not a poll, wakeup, removal or cancel). */
    static boolean isOperation(long userData) {
        return userData <= (OPERATION | Integer.MAX_VALUE);
    }

    /** From the poller's reap, under its lock: the completion of an operation. */
    void completed(long userData, int res) {
        inFlight--;
        handler.completed((int) userData, res);
    }

    @Override
    public void setHandler(Handler handler) {
        this.handler = handler;
    }

    @Override
    public void recv(int id, int fd, long address, int length) throws IOException {
        queue(Uring.IORING_OP_RECV, fd, address, length, 0L, 0, id);
    }

    @Override
    public void send(int id, int fd, long address, int length) throws IOException {
        queue(Uring.IORING_OP_SEND, fd, address, length, 0L, Uring.MSG_NOSIGNAL, id);
    }

    @Override
    public void accept(int id, int fd) throws IOException {
        // addr and addr2 (the socklen_t *) NULL: no peer address, as TcpListener.accept's accept4.
        queue(Uring.IORING_OP_ACCEPT, fd, 0L, 0, 0L, Uring.SOCK_NONBLOCK | Uring.SOCK_CLOEXEC, id);
    }

    @Override
    public void connect(int id, int fd, long sockaddr, int length) throws IOException {
        // The address length goes in the off field (addr2); the kernel copies the sockaddr at submission.
        queue(Uring.IORING_OP_CONNECT, fd, sockaddr, 0, Integer.toUnsignedLong(length), 0, id);
    }

    @Override
    public void awaitWritable(int id, int fd) throws IOException {
        queue(Uring.IORING_OP_POLL_ADD, fd, 0L, 0, 0L, Uring.POLLOUT, id);
    }

    @Override
    public void cancel(int id) throws IOException {
        lock.lock();
        try {
            queueLocked(Uring.IORING_OP_ASYNC_CANCEL, -1, OPERATION | id, 0, 0L, 0, CANCEL);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int inFlight() {
        return inFlight;
    }

    private void queue(byte opcode, int fd, long address, int length, long off, int opFlags, int id) throws IOException {
        if (id < 0) {
            throw new IllegalArgumentException("operation id must be non-negative: " + id);
        }
        lock.lock();
        try {
            queueLocked(opcode, fd, address, length, off, opFlags, OPERATION | id);
            inFlight++;
        } finally {
            lock.unlock();
        }
    }

    /** Queues one SQE; if the SQ is full, submits what it holds first (without waiting). */
    private void queueLocked(byte opcode, int fd, long address, int length, long off, int opFlags, long userData)
            throws IOException {
        if (!ring.queue(opcode, fd, address, length, off, opFlags, userData)) {
            if (ring.enter(errno, ring.flush(), 0) < 0) {
                throw Uring.error("io_uring_enter(fd=" + ring.fd + ", full SQ, to_submit=" + ring.sqEntries + ")",
                        Native.errno(errno));
            }
            ring.queue(opcode, fd, address, length, off, opFlags, userData);
        }
    }
}
