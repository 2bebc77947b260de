package dev.rawpoll.windows;

import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import dev.rawpoll.SystemCallException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An {@link AfdPort} over simulated sockets that behaves as {@code afd_reference.c} showed under
 * Wine 8 (see native/windows/OBSERVED.md): a poll whose events already hold is accepted with
 * STATUS_SUCCESS and still completes through the port; otherwise it is accepted with
 * STATUS_PENDING and completes when they do; CancelIoEx completes a pending poll with
 * STATUS_CANCELLED and its events field left as submitted, and fails with ERROR_NOT_FOUND once the
 * poll has completed; closing a polled socket completes its poll with AFD_POLL_LOCAL_CLOSE; a poll
 * of a closed socket is refused with STATUS_INVALID_HANDLE (STATUS_OBJECT_TYPE_MISMATCH once its
 * value names another kind of object, {@link #reuseAsAnotherObject}); SIO_BASE_HANDLE gives the
 * socket itself.
 *
 * <p>It also checks what the driver cannot forgive: a slot's request block is submitted again only
 * after its previous poll's completion was dequeued.
 */
final class FakeAfdPort implements AfdPort {
    /** One slot's request block. */
    static final class Request {
        long socket;
        int submittedEvents;
        /** Submitted and its completion not yet dequeued: the driver may still write the block. */
        boolean inFlight;
        /** Submitted and not yet completed (so CancelIoEx finds it). */
        boolean pending;
        int status;
        int handles;
        int events;
    }

    /** The AFD_POLL_* conditions that hold now, per open socket. */
    private final Map<Long, Integer> conditions = new HashMap<>();
    private final Map<Integer, Request> requests = new HashMap<>();
    /** Handle values that name something other than a file now. */
    private final Set<Long> otherObjects = new HashSet<>();
    /** Queued completions: {key, context}. */
    private final LinkedBlockingQueue<long[]> completions = new LinkedBlockingQueue<>();
    final List<String> calls = new ArrayList<>();
    int submits;
    int cancels;
    volatile int posts;
    boolean closed;

    synchronized void openSocket(long socket) {
        otherObjects.remove(socket);
        conditions.put(socket, 0);
    }

    /** Makes {@code afdEvents} the conditions of {@code socket}; completes the polls they satisfy. */
    synchronized void setConditions(long socket, int afdEvents) {
        conditions.put(socket, afdEvents);
        for (Map.Entry<Integer, Request> e : requests.entrySet()) {
            Request r = e.getValue();
            if (r.pending && r.socket == socket && (r.submittedEvents & afdEvents) != 0) {
                complete(e.getKey(), Afd.STATUS_SUCCESS, r.submittedEvents & afdEvents);
            }
        }
    }

    /** closesocket: pending polls of the socket complete with AFD_POLL_LOCAL_CLOSE. */
    synchronized void closeSocket(long socket) {
        conditions.remove(socket);
        for (Map.Entry<Integer, Request> e : requests.entrySet()) {
            Request r = e.getValue();
            if (r.pending && r.socket == socket) {
                complete(e.getKey(), Afd.STATUS_SUCCESS, r.submittedEvents & Afd.AFD_POLL_LOCAL_CLOSE);
            }
        }
    }

    /** The socket is closed and its handle value now names an object that is not a file. */
    synchronized void reuseAsAnotherObject(long socket) {
        closeSocket(socket);
        otherObjects.add(socket);
    }

    synchronized Request request(int slot) {
        return requests.get(slot);
    }

    synchronized int inFlight() {
        return (int) requests.values().stream().filter(r -> r.inFlight).count();
    }

    @Override
    public synchronized long baseSocket(long socket) throws SystemCallException {
        if (!conditions.containsKey(socket)) {
            throw WindowsErrors.lastError("WSAIoctl(socket=" + socket + ", SIO_BASE_HANDLE)", Afd.WSAENOTSOCK);
        }
        return socket;
    }

    @Override
    public synchronized int submitPoll(int slot, long baseSocket, int afdEvents) {
        Request r = requests.computeIfAbsent(slot, s -> new Request());
        if (r.inFlight) {
            throw new AssertionError("slot " + slot + " submitted while its previous poll is in flight");
        }
        calls.add("submit slot=" + slot + " socket=" + baseSocket + " events=0x" + Integer.toHexString(afdEvents));
        Integer now = conditions.get(baseSocket);
        if (now == null) {
            return otherObjects.contains(baseSocket) ? Afd.STATUS_OBJECT_TYPE_MISMATCH : Afd.STATUS_INVALID_HANDLE;
        }
        submits++;
        r.socket = baseSocket;
        r.submittedEvents = afdEvents;
        r.inFlight = true;
        r.pending = true;
        if ((now & afdEvents) != 0) {
            complete(slot, Afd.STATUS_SUCCESS, now & afdEvents);
            return Afd.STATUS_SUCCESS;
        }
        return Afd.STATUS_PENDING;
    }

    @Override
    public synchronized int cancelPoll(int slot) {
        calls.add("cancel slot=" + slot);
        cancels++;
        Request r = requests.get(slot);
        if (r == null || !r.pending) {
            return Afd.ERROR_NOT_FOUND;
        }
        complete(slot, Afd.STATUS_CANCELLED, r.submittedEvents);
        return 0;
    }

    private void complete(int slot, int status, int events) {
        Request r = requests.get(slot);
        r.pending = false;
        r.status = status;
        r.handles = 1;
        r.events = events;
        completions.add(new long[] {Afd.AFD_KEY, AfdPort.context(slot)});
    }

    @Override
    public synchronized int pollStatus(int slot) {
        return requests.get(slot).status;
    }

    @Override
    public synchronized int polledHandles(int slot) {
        return requests.get(slot).handles;
    }

    @Override
    public synchronized int polledEvents(int slot) {
        return requests.get(slot).events;
    }

    @Override
    public int dequeue(MemorySegment entries, int capacity, int timeoutMillis) throws SystemCallException {
        long[] first;
        try {
            first = timeoutMillis < 0 ? completions.take() : completions.poll(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        if (first == null) {
            return 0;
        }
        int n = 0;
        for (long[] c = first; c != null; c = n < capacity ? completions.poll() : null) {
            long offset = n * Afd.SIZEOF_OVERLAPPED_ENTRY;
            entries.set(JAVA_LONG_UNALIGNED, offset + Afd.OFFSETOF_ENTRY_KEY, c[0]);
            entries.set(JAVA_LONG_UNALIGNED, offset + Afd.OFFSETOF_ENTRY_OVERLAPPED, c[1]);
            if (c[0] == Afd.AFD_KEY) {
                synchronized (this) {
                    requests.get(AfdPort.slot(c[1])).inFlight = false;
                }
            }
            n++;
        }
        return n;
    }

    @Override
    public void post(long key) {
        posts++;
        completions.add(new long[] {key, 0});
    }

    @Override
    public synchronized void close() {
        closed = true;
    }
}
