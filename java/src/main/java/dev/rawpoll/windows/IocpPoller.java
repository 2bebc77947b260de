package dev.rawpoll.windows;

import dev.rawpoll.Events;
import dev.rawpoll.Interest;
import dev.rawpoll.Poller;
import dev.rawpoll.SystemCallException;
import dev.rawpoll.internal.Lifecycle;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

/**
 * The Windows backend of {@link Poller}: readiness from AFD polls completed through one I/O
 * completion port, as wepoll, mio and the JDK's WEPoll do it. Each registered socket has one
 * IOCTL_AFD_POLL outstanding on a {@code \Device\Afd} handle associated with the port; its
 * completion is the socket's event, and a level-triggered socket is polled again before the next
 * wait. {@link #wakeup()} posts a completion with a key of its own. The bookkeeping is {@link
 * AfdPollStateMachine}'s; the native calls are {@link IocpPort}'s.
 *
 * <p>Handles are 64-bit {@code SOCKET}s (any value but {@link Events#NO_TOKEN} tokens). Registering
 * a socket twice gives ERROR_ALREADY_EXISTS, modifying or deregistering an unknown one
 * ERROR_NOT_FOUND; a socket closed without deregister is forgotten when its poll reports
 * AFD_POLL_LOCAL_CLOSE, or when its next poll is refused (its handle value is closed, or already
 * names another kind of object) — also a oneshot socket that has reported, whose poll watches for
 * the close alone until {@code modify}. {@link Interest#EDGE} is served level-triggered (see the
 * state machine). The first poller of the process makes sure Winsock is started (WSAStartup 2.2,
 * never cleaned up), which SIO_BASE_HANDLE needs.
 */
public final class IocpPoller implements Poller {
    /** How long {@link #close()} waits for cancelled polls to come back before it gives up on them. */
    private static final long CLOSE_DRAIN_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final int DRAIN_BATCH = 16;


    final AfdPollStateMachine machine;
    private final AfdPort port;
    private final Arena arena;
    private final MemorySegment drainEntries;
    /** Open or closed, and the coalesced wakeup (a posted completion) that never outlives the port. */
    private final Lifecycle lifecycle = new Lifecycle(this::signalWakeup);

    IocpPoller(AfdPort port, Arena arena) {
        this.port = port;
        this.arena = arena;
        this.machine = new AfdPollStateMachine(port);
        this.drainEntries = arena.allocate(Afd.SIZEOF_OVERLAPPED_ENTRY * DRAIN_BATCH, 8);
    }

    /** Opens a completion port and a \Device\Afd handle associated with it. */
    public static IocpPoller open() throws IOException {
        Arena arena = Arena.ofShared();
        try {
            return new IocpPoller(IocpPort.open(arena), arena);
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    @Override
    public String backend() {
        return "iocp";
    }

    @Override
    public void register(long handle, int interest, long token) throws IOException {
        checkArguments(interest, token);
        machine.register(handle, interest, token);
    }

    @Override
    public void modify(long handle, int interest, long token) throws IOException {
        checkArguments(interest, token);
        machine.modify(handle, interest, token);
    }

    @Override
    public void deregister(long handle) throws IOException {
        ensureOpen();
        machine.deregister(handle);
    }

    @Override
    public IocpEvents newEvents(int capacity) {
        ensureOpen();
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        return new IocpEvents(this, arena.allocate(Afd.SIZEOF_OVERLAPPED_ENTRY * capacity, 8), capacity);
    }

    @Override
    public int poll(Events events, long timeout, TimeUnit unit) throws IOException {
        ensureOpen();
        if (!(events instanceof IocpEvents e) || e.poller != this) {
            throw new IllegalArgumentException("these Events belong to another poller");
        }
        e.count = 0;
        long timeoutNanos = timeout < 0 ? -1 : unit.toNanos(timeout);
        long deadline = timeoutNanos > 0 ? System.nanoTime() + timeoutNanos : 0;
        int timeoutMillis = toMillisRoundingUp(timeoutNanos);
        for (;;) {
            machine.flushUpdates();
            int n = port.dequeue(e.entries, e.capacity, timeoutMillis);
            int count = machine.collect(e.entries, n, e.keys, e.readiness);
            boolean woken = machine.wakeupSeen();
            if (woken) {
                lifecycle.signalConsumed();
            }
            if (count > 0 || woken || timeoutNanos == 0) {
                e.count = count;
                return count;
            }
            // Only completions that report nothing (cancelled polls): wait for what is left.
            if (timeoutNanos > 0) {
                timeoutMillis = toMillisRoundingUp(Math.max(0, deadline - System.nanoTime()));
                if (timeoutMillis == 0) {
                    return 0;
                }
            }
        }
    }

    /** Negative: forever (-1); otherwise whole milliseconds rounded up, below INFINITE. */
    static int toMillisRoundingUp(long nanos) {
        if (nanos < 0) {
            return -1;
        }
        long millis = nanos / 1_000_000 + (nanos % 1_000_000 == 0 ? 0 : 1);
        return (int) Math.min(millis, Integer.MAX_VALUE);
    }

    @Override
    public void wakeup() {
        lifecycle.wakeup();
    }

    private boolean signalWakeup() {
        try {
            port.post(Afd.WAKEUP_KEY);
            return true;
        } catch (SystemCallException e) {
            return false; // not posted: the next wakeup tries again
        }
    }

    @Override
    public boolean isOpen() {
        return lifecycle.isOpen();
    }

    /**
     * Cancels every outstanding poll and waits (up to 2 s) for them to come back, since the driver
     * writes into their request blocks until then; then closes the handles and frees the memory.
     * Should a poll never come back, its memory is left allocated rather than freed under the driver.
     */
    @Override
    public void close() {
        if (!lifecycle.close(() -> {})) {
            return;
        }
        machine.cancelAll();
        long deadline = System.nanoTime() + CLOSE_DRAIN_NANOS;
        long[] keys = new long[DRAIN_BATCH];
        int[] readiness = new int[DRAIN_BATCH];
        while (machine.outstanding() > 0) {
            int millis = toMillisRoundingUp(Math.max(0, deadline - System.nanoTime()));
            if (millis == 0) {
                break;
            }
            try {
                int n = port.dequeue(drainEntries, DRAIN_BATCH, millis);
                machine.collect(drainEntries, n, keys, readiness);
            } catch (SystemCallException e) {
                break;
            }
        }
        port.close();
        if (machine.outstanding() == 0) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "IocpPoller[" + machine.registered() + " sockets" + (lifecycle.isOpen() ? "]" : ", closed]");
    }

    void ensureOpen() {
        lifecycle.ensureOpen();
    }

    private void checkArguments(int interest, long token) {
        lifecycle.checkRegistration(interest, token);
    }
}
