package dev.rawpoll.windows;

import dev.rawpoll.Events;
import dev.rawpoll.Interest;
import dev.rawpoll.Poller;
import dev.rawpoll.SystemCallException;
import dev.rawpoll.internal.EventArray;
import dev.rawpoll.internal.Platform;
import dev.rawpoll.internal.PollerBase;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

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
 *
 * <p>The state machine is changed by registration calls and by the polling thread (submitting the
 * queued polls before each wait, handling the completions after it): both under the
 * registrations' lock; the wait itself runs without it.
 */
public final class IocpPoller extends PollerBase {
    /** How long closing waits for cancelled polls to come back before it gives up on them. */
    private static final long CLOSE_DRAIN_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final int DRAIN_BATCH = 16;

    final AfdPollStateMachine machine;
    private final AfdPort port;
    private final Arena arena;
    private final MemorySegment drainEntries;

    IocpPoller(AfdPort port, Arena arena) {
        super(Platform.Handles.SOCKETS);
        this.port = port;
        this.arena = arena;
        this.machine = new AfdPollStateMachine(port, registrations);
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
    protected void implRegister(long handle, int interest, long token) throws IOException {
        machine.register(handle, interest, token);
    }

    @Override
    protected void implModify(long handle, int interest, long token) throws IOException {
        machine.modify(handle, interest, token);
    }

    @Override
    protected void implDeregister(long handle) throws IOException {
        machine.deregister(handle);
    }

    @Override
    protected EventArray newEventArray(int capacity) {
        MemorySegment entries = arena.allocate(Afd.SIZEOF_OVERLAPPED_ENTRY * capacity, 8);
        return new EventArray(registrations, entries, capacity, capacity, capacity);
    }

    @Override
    protected int waitOnce(EventArray events, long timeoutNanos) throws IOException {
        ReentrantLock lock = registrations.lock();
        lock.lock();
        try {
            machine.flushUpdates();
        } finally {
            lock.unlock();
        }
        int n = port.dequeue(events.kernelArray, events.kernelSlots, toMillisRoundingUp(timeoutNanos));
        lock.lock();
        try {
            machine.collect(events.kernelArray, n, events);
        } finally {
            lock.unlock();
        }
        if (machine.wakeupSeen()) {
            signalConsumed();
        }
        return 0;
    }

    @Override
    protected boolean sendWakeup() {
        try {
            port.post(Afd.WAKEUP_KEY);
            return true;
        } catch (SystemCallException e) {
            return false; // not posted: the next wakeup tries again
        }
    }

    /**
     * Cancels every outstanding poll and waits (up to 2 s) for them to come back, since the driver
     * writes into their request blocks until then; then closes the handles and frees the memory.
     * Should a poll never come back, its memory is left allocated rather than freed under the driver.
     */
    @Override
    protected void release() {
        machine.cancelAll();
        long deadline = System.nanoTime() + CLOSE_DRAIN_NANOS;
        while (machine.outstanding() > 0) {
            int millis = toMillisRoundingUp(Math.max(0, deadline - System.nanoTime()));
            if (millis == 0) {
                break;
            }
            try {
                int n = port.dequeue(drainEntries, DRAIN_BATCH, millis);
                machine.collect(drainEntries, n, null);
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
        return "IocpPoller[" + machine.registered() + " sockets" + (isOpen() ? "]" : ", closed]");
    }
}
