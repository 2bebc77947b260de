package dev.rawpoll.vthread;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * The open/closing/closed state of one blocking socket and the count of operations inside it:
 * java.net's close protocol ({@code NioSocketImpl}) in our words. {@link #close()} from any thread
 * marks the socket closing and wakes the threads parked on it; the descriptor is withdrawn from
 * the pollers and closed by whichever thread leaves last (the closer itself when nothing is in
 * flight), so no system call ever runs on a closed or reused descriptor number, and no native
 * memory is freed under a call that uses it.
 */
final class SocketState {
    /** Set by close(); the low bits count the operations in flight. */
    private static final int CLOSING = 1 << 30;
    /** CLOSING with no operation left: the descriptor is (being) closed. */
    private static final int CLOSED = CLOSING | 1 << 29;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(SocketState.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // through STATE
    private volatile int state;
    /** The reading (or accepting) side and the writing (or connecting) side. */
    final ReadinessThread.Waiter reader;
    final ReadinessThread.Waiter writer;
    /** Closes the descriptor; run exactly once, by the last thread out, after {@link #finish} withdrew it from the pollers. */
    private final Runnable closeDescriptor;

    private final BlockingSockets sockets;

    SocketState(BlockingSockets sockets, long handle, Runnable closeDescriptor) {
        this.sockets = sockets;
        this.reader = new ReadinessThread.Waiter(handle, sockets.reader(handle));
        this.writer = new ReadinessThread.Waiter(handle, sockets.writer(handle));
        this.closeDescriptor = closeDescriptor;
    }

    /**
     * Enters an operation on {@code side} (null: a short call that never waits, such as an
     * address or shutdown); throws {@code SocketException("Socket closed")} once closing.
     */
    void begin(ReadinessThread.Waiter side) throws SocketException {
        if (side != null) {
            side.thread = Thread.currentThread(); // before the state is read: close() reads them the other way round
        }
        for (;;) {
            int s = state;
            if ((s & CLOSING) != 0) {
                throw closed();
            }
            if (STATE.compareAndSet(this, s, s + 1)) {
                return;
            }
        }
    }

    /** Leaves an operation; the last one out of a closing socket closes the descriptor. */
    void end() {
        int s = (int) STATE.getAndAdd(this, -1) - 1;
        if (s == CLOSING && STATE.compareAndSet(this, CLOSING, CLOSED)) {
            finish();
        }
    }

    boolean isOpen() {
        return (state & CLOSING) == 0;
    }

    /**
     * Marks the socket closing; closes the descriptor now if no operation is in flight, otherwise
     * wakes the threads parked in one (they end with "Socket closed") and leaves the descriptor to
     * the last of them. Idempotent; callable from any thread.
     */
    void close() {
        for (;;) {
            int s = state;
            if ((s & CLOSING) != 0) {
                return;
            }
            if (STATE.compareAndSet(this, s, s == 0 ? CLOSED : s | CLOSING)) {
                if (s == 0) {
                    finish();
                } else {
                    unpark(reader.thread);
                    unpark(writer.thread);
                }
                return;
            }
        }
    }

    /** Removes the registrations (before the number can be reused), then closes the descriptor. */
    private void finish() {
        reader.poller.forget(reader);
        writer.poller.forget(writer);
        closeDescriptor.run();
    }

    private static void unpark(Thread t) {
        if (t != null) {
            LockSupport.unpark(t); // spurious for a thread no longer in an operation: harmless
        }
    }

    /**
     * Parks the calling thread, inside an operation on {@code side}, until its poller may
     * report the socket ready, then returns so that the caller retries its system call. Throws
     * instead when the socket is closed from another thread ({@code SocketException "Socket
     * closed"}), when the thread is or gets interrupted (the socket is closed and {@code
     * SocketException "Closed by interrupt"} thrown, the interrupt status staying set: what java.net
     * does on a virtual thread), or when {@code deadline} ({@link System#nanoTime()}; 0 = none)
     * passes ({@link SocketTimeoutException}, the socket stays open).
     */
    void await(ReadinessThread.Waiter side, long deadline, String timeoutMessage) throws IOException {
        checkWake(deadline, timeoutMessage);
        ReadinessThread direction = side.poller;
        direction.arm(side);
        if (deadline == 0) {
            LockSupport.park(this);
        } else {
            LockSupport.parkNanos(this, deadline - System.nanoTime());
        }
        direction.disarm(side);
        IOException failure = side.failure;
        if (failure != null) {
            side.failure = null;
            throw failure;
        }
        checkWake(deadline, timeoutMessage);
    }

    private void checkWake(long deadline, String timeoutMessage) throws IOException {
        if ((state & CLOSING) != 0) {
            throw closed();
        }
        if (Thread.currentThread().isInterrupted()) {
            close();
            throw new SocketException("Closed by interrupt");
        }
        if (deadline != 0 && deadline - System.nanoTime() <= 0) {
            throw new SocketTimeoutException(timeoutMessage);
        }
    }

    /** A deadline {@code millis} from now for {@link #await}; 0 (no deadline) for {@code millis == 0}. */
    static long deadline(int millis) {
        if (millis == 0) {
            return 0;
        }
        long d = System.nanoTime() + millis * 1_000_000L;
        return d == 0 ? 1 : d;
    }

    private static SocketException closed() {
        return new SocketException("Socket closed");
    }
}
