package dev.rawpoll.windows;

import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import dev.rawpoll.Interest;
import dev.rawpoll.Readiness;
import dev.rawpoll.SystemCallException;
import dev.rawpoll.internal.EventArray;
import dev.rawpoll.internal.Registrations;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * The registrations of one IOCP poller and the one AFD poll each may have outstanding, kept apart
 * from the native calls (which go through {@link AfdPort}) so that it can be tested on any OS.
 *
 * <p>Each registered socket gets a <em>slot</em>: an index into per-slot arrays here and into the
 * port's request blocks, and the slot of a {@link Registrations} entry, whose generation makes
 * events of an earlier registration of the slot stale. A slot's poll is in one of three states:
 * <dl>
 *   <dt>IDLE</dt><dd>no poll outstanding: a new one is submitted by {@link #flushUpdates()} if the
 *       slot is queued. A oneshot registration that reported is disarmed until {@link #modify}:
 *       its poll then asks for AFD_POLL_LOCAL_CLOSE alone, so that a socket closed without
 *       deregister is still forgotten (as wepoll keeps watching a oneshot socket for its close);</dd>
 *   <dt>PENDING</dt><dd>a poll was accepted and its completion has not been dequeued;</dd>
 *   <dt>CANCELLING</dt><dd>CancelIoEx was called on it (by {@code modify} with other events, or
 *       {@code deregister}); its completion, normally STATUS_CANCELLED, reports nothing.</dd>
 * </dl>
 * A poll cannot be changed in place and its request block is in use until it completes, so
 * {@code modify} cancels and the new poll is submitted only once the cancelled one has come back.
 * {@code deregister} forgets the socket at once (its events become stale), but its slot is
 * released only when the outstanding poll completes: a slot is never reused while the driver may
 * still write into its request block.
 *
 * <p>Level-triggered registrations are polled again after each report, before the next wait (not
 * at once: the caller first gets to read what was reported). AFD polls report states, not
 * transitions, so {@link Interest#EDGE} registrations are polled the same way: an edge-triggered
 * caller, which reads until "would block", sees extra reports but misses none.
 */
final class AfdPollStateMachine {
    static final byte FREE = 0;
    static final byte IDLE = 1;
    static final byte PENDING = 2;
    static final byte CANCELLING = 3;

    private final Registrations table;
    private final AfdPort port;
    private final SocketSlots slotsBySocket = new SocketSlots();

    private byte[] states = new byte[16];
    private long[] sockets = new long[16];
    private long[] baseSockets = new long[16];
    /** The AFD events of the outstanding poll. */
    private int[] polledEvents = new int[16];
    private boolean[] deleted = new boolean[16];
    private boolean[] armed = new boolean[16];
    private boolean[] queued = new boolean[16];

    /** Slots to poll again before the next wait. */
    private int[] updateQueue = new int[16];
    private int updateCount;
    private int[] freeSlots = new int[16];
    private int freeCount;
    private int slotCount;
    /** Polls accepted by the driver and not yet dequeued. */
    private int outstanding;
    /** Whether the last {@link #collect} dequeued a wakeup. */
    private boolean wakeupSeen;

    /** Every method is called under the lock of {@code registrations}. */
    AfdPollStateMachine(AfdPort port, Registrations registrations) {
        this.port = port;
        this.table = registrations;
    }

    void register(long socket, int interest, long token) throws SystemCallException {
        if (slotsBySocket.get(socket) >= 0) {
            throw WindowsErrors.lastError("register(socket=" + socket + ")", Afd.ERROR_ALREADY_EXISTS);
        }
        long base = port.baseSocket(socket);
        int slot = allocateSlot();
        sockets[slot] = socket;
        baseSockets[slot] = base;
        states[slot] = IDLE;
        deleted[slot] = false;
        armed[slot] = true;
        table.put(slot, table.nextGeneration(), interest, token);
        int status = submit(slot);
        if (status != Afd.STATUS_SUCCESS && status != Afd.STATUS_PENDING) {
            table.remove(slot);
            freeSlot(slot);
            throw WindowsErrors.ntStatus("NtDeviceIoControlFile(IOCTL_AFD_POLL, socket=" + socket + ")", status);
        }
        slotsBySocket.put(socket, slot);
    }

    void modify(long socket, int interest, long token) throws SystemCallException {
        int slot = slotOf(socket, "modify");
        table.put(slot, table.generation(slot), interest, token);
        armed[slot] = true;
        switch (states[slot]) {
            case PENDING -> {
                if (afdEvents(interest) != polledEvents[slot]) {
                    cancel(slot);
                }
            }
            case IDLE -> enqueue(slot);
            default -> { } // CANCELLING: the poll after it takes the new interest
        }
    }

    void deregister(long socket) throws SystemCallException {
        int slot = slotOf(socket, "deregister");
        slotsBySocket.remove(socket);
        table.remove(slot);
        deleted[slot] = true;
        switch (states[slot]) {
            case PENDING -> cancel(slot); // the slot is released when the cancelled poll comes back
            case IDLE -> freeSlot(slot);
            default -> { } // CANCELLING: likewise
        }
    }

    /**
     * Submits a poll for every queued slot that is idle and registered. A socket closed without
     * deregister is forgotten: its handle value is refused with STATUS_INVALID_HANDLE, or, if the
     * value already names another kind of object, STATUS_OBJECT_TYPE_MISMATCH. Any other refusal
     * also forgets the socket and is thrown once every other slot has been submitted.
     */
    void flushUpdates() throws SystemCallException {
        SystemCallException first = null;
        for (int i = 0; i < updateCount; i++) {
            int slot = updateQueue[i];
            queued[slot] = false;
            if (states[slot] != IDLE || deleted[slot]) {
                continue;
            }
            int status = submit(slot);
            if (status != Afd.STATUS_SUCCESS && status != Afd.STATUS_PENDING) {
                long socket = sockets[slot];
                forget(slot);
                if (status != Afd.STATUS_INVALID_HANDLE && status != Afd.STATUS_OBJECT_TYPE_MISMATCH && first == null) {
                    first = WindowsErrors.ntStatus("NtDeviceIoControlFile(IOCTL_AFD_POLL, socket=" + socket + ")", status);
                }
            }
        }
        updateCount = 0;
        if (first != null) {
            throw first;
        }
    }

    /**
     * Handles {@code n} dequeued completions in {@code entries} and adds the events they report to
     * {@code events} (null: drop them, when closing). {@link #wakeupSeen()} tells whether a wakeup
     * was among them.
     */
    void collect(MemorySegment entries, int n, EventArray events) {
        wakeupSeen = false;
        for (int i = 0; i < n; i++) {
            long offset = i * Afd.SIZEOF_OVERLAPPED_ENTRY;
            long key = entries.get(JAVA_LONG_UNALIGNED, offset + Afd.OFFSETOF_ENTRY_KEY);
            if (key == Afd.WAKEUP_KEY) {
                wakeupSeen = true;
                continue;
            }
            if (key != Afd.AFD_KEY) {
                continue;
            }
            int slot = AfdPort.slot(entries.get(JAVA_LONG_UNALIGNED, offset + Afd.OFFSETOF_ENTRY_OVERLAPPED));
            if (slot < 0 || slot >= slotCount) {
                continue;
            }
            int generation = table.generation(slot);
            int raw = complete(slot);
            if (raw != 0 && events != null) {
                events.add(Registrations.key(slot, generation), raw);
            }
        }
    }

    boolean wakeupSeen() {
        return wakeupSeen;
    }

    /**
     * The completion of {@code slot}'s poll: returns the portable readiness it reports, or 0.
     * Queues the slot for its next poll unless it is gone; a oneshot registration that reports is
     * disarmed, and its next poll only watches for the socket's close.
     */
    private int complete(int slot) {
        byte state = states[slot];
        if (state != PENDING && state != CANCELLING) {
            return 0; // not ours: no poll outstanding on this slot
        }
        outstanding--;
        states[slot] = IDLE;
        if (deleted[slot]) {
            freeSlot(slot);
            return 0;
        }
        int status = port.pollStatus(slot);
        if (state == CANCELLING || status == Afd.STATUS_CANCELLED) {
            // Cancelled for modify: poll again with the interest modify left.
            enqueue(slot);
            return 0;
        }
        if (!armed[slot]) {
            // A disarmed oneshot's close watch: the close forgets the socket; nothing is reported.
            if (status >= 0 && port.polledHandles(slot) >= 1
                    && (port.polledEvents(slot) & Afd.AFD_POLL_LOCAL_CLOSE) != 0) {
                forget(slot);
            } else if (status >= 0) {
                enqueue(slot);
            }
            return 0;
        }
        int raw;
        if (status < 0) {
            raw = Readiness.ERROR; // the request itself failed
        } else if (port.polledHandles(slot) < 1) {
            enqueue(slot);
            return 0;
        } else {
            int events = port.polledEvents(slot);
            if ((events & Afd.AFD_POLL_LOCAL_CLOSE) != 0) {
                forget(slot); // closed without deregister: as epoll drops a closed descriptor
                return 0;
            }
            raw = readiness(events);
        }
        int interest = table.interestOf(slot);
        if ((interest & Interest.ONESHOT) != 0) {
            armed[slot] = false;
        }
        enqueue(slot);
        return raw;
    }

    /**
     * Cancels every outstanding poll and marks every slot deleted, for closing the poller; then
     * {@link #outstanding()} polls are still to be dequeued (through {@link #collect}) before
     * their request blocks may be freed.
     */
    void cancelAll() {
        for (int slot = 0; slot < slotCount; slot++) {
            if (states[slot] == FREE) continue;
            if (!deleted[slot]) {
                slotsBySocket.remove(sockets[slot]);
                table.remove(slot);
                deleted[slot] = true;
            }
            if (states[slot] == PENDING) {
                port.cancelPoll(slot); // ERROR_NOT_FOUND: it completed already; either way it is dequeued
                states[slot] = CANCELLING;
            } else if (states[slot] == IDLE) {
                freeSlot(slot);
            }
        }
        updateCount = 0;
    }

    int outstanding() {
        return outstanding;
    }

    /** Registered sockets. */
    int registered() {
        return slotsBySocket.size();
    }

    /** Slots in use, including those of deregistered sockets whose poll has not come back. */
    int slotsInUse() {
        return slotCount - freeCount;
    }

    byte state(int slot) {
        return states[slot];
    }

    /** The slot of a registered socket, or -1. */
    int slotOf(long socket) {
        return slotsBySocket.get(socket);
    }

    /** What a registration with {@code interest} asks the driver for. */
    static int afdEvents(int interest) {
        // Hang-up and error are reported whatever the interest (as EPOLLHUP/EPOLLERR are);
        // LOCAL_CLOSE tells that the socket was closed while polled.
        int events = Afd.AFD_POLL_ABORT | Afd.AFD_POLL_CONNECT_FAIL | Afd.AFD_POLL_LOCAL_CLOSE;
        if ((interest & Interest.READABLE) != 0) {
            events |= Afd.AFD_POLL_RECEIVE | Afd.AFD_POLL_ACCEPT | Afd.AFD_POLL_DISCONNECT;
        }
        if ((interest & Interest.WRITABLE) != 0) {
            events |= Afd.AFD_POLL_SEND;
        }
        if ((interest & Interest.PRIORITY) != 0) {
            events |= Afd.AFD_POLL_RECEIVE_EXPEDITED;
        }
        return events;
    }

    /** AFD_POLL_* bits to {@link Readiness} bits, before masking with the interest. */
    static int readiness(int afdEvents) {
        int r = 0;
        if ((afdEvents & (Afd.AFD_POLL_RECEIVE | Afd.AFD_POLL_ACCEPT)) != 0) r |= Readiness.READABLE;
        if ((afdEvents & Afd.AFD_POLL_SEND) != 0) r |= Readiness.WRITABLE;
        if ((afdEvents & Afd.AFD_POLL_DISCONNECT) != 0) r |= Readiness.READ_CLOSED;
        if ((afdEvents & Afd.AFD_POLL_ABORT) != 0) r |= Readiness.HANGUP;
        if ((afdEvents & Afd.AFD_POLL_CONNECT_FAIL) != 0) r |= Readiness.ERROR;
        if ((afdEvents & Afd.AFD_POLL_RECEIVE_EXPEDITED) != 0) r |= Readiness.PRIORITY;
        return r;
    }

    private int submit(int slot) {
        int interest = table.interestOf(slot);
        int events = armed[slot] ? afdEvents(interest) : Afd.AFD_POLL_LOCAL_CLOSE;
        int status = port.submitPoll(slot, baseSockets[slot], events);
        if (status == Afd.STATUS_SUCCESS || status == Afd.STATUS_PENDING) {
            states[slot] = PENDING;
            polledEvents[slot] = events;
            outstanding++;
        }
        return status;
    }

    private void cancel(int slot) throws SystemCallException {
        int error = port.cancelPoll(slot);
        // ERROR_NOT_FOUND: it completed meanwhile; its completion is queued and comes back all the same.
        if (error != 0 && error != Afd.ERROR_NOT_FOUND) {
            throw WindowsErrors.lastError("CancelIoEx(socket=" + sockets[slot] + ")", error);
        }
        states[slot] = CANCELLING;
    }

    /** Drops the registration of an idle slot whose socket is gone, and frees the slot. */
    private void forget(int slot) {
        slotsBySocket.remove(sockets[slot]);
        table.remove(slot);
        freeSlot(slot);
    }

    private int slotOf(long socket, String call) throws SystemCallException {
        int slot = slotsBySocket.get(socket);
        if (slot < 0) {
            throw WindowsErrors.lastError(call + "(socket=" + socket + ")", Afd.ERROR_NOT_FOUND);
        }
        return slot;
    }

    private void enqueue(int slot) {
        if (!queued[slot]) {
            queued[slot] = true;
            if (updateCount == updateQueue.length) {
                updateQueue = Arrays.copyOf(updateQueue, updateCount * 2);
            }
            updateQueue[updateCount++] = slot;
        }
    }

    private int allocateSlot() {
        if (freeCount > 0) {
            return freeSlots[--freeCount];
        }
        if (slotCount == states.length) {
            int n = slotCount * 2;
            states = Arrays.copyOf(states, n);
            sockets = Arrays.copyOf(sockets, n);
            baseSockets = Arrays.copyOf(baseSockets, n);
            polledEvents = Arrays.copyOf(polledEvents, n);
            deleted = Arrays.copyOf(deleted, n);
            armed = Arrays.copyOf(armed, n);
            queued = Arrays.copyOf(queued, n);
            freeSlots = Arrays.copyOf(freeSlots, n);
        }
        return slotCount++;
    }

    private void freeSlot(int slot) {
        states[slot] = FREE;
        armed[slot] = false;
        freeSlots[freeCount++] = slot;
    }
}
