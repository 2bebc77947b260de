package dev.rawpoll.windows;

import dev.rawpoll.SystemCallException;
import java.lang.foreign.MemorySegment;

/**
 * The native side of the IOCP backend, as the state machine ({@link AfdPollStateMachine}) sees it:
 * one completion port, one {@code \Device\Afd} handle associated with it under {@link Afd#AFD_KEY},
 * and a request block per slot (an {@code IO_STATUS_BLOCK} and an {@code AFD_POLL_INFO}) that holds
 * at most one poll at a time. {@link IocpPort} makes the real calls; the unit tests use a fake
 * that behaves as {@code native/windows/afd_reference.c} showed under Wine.
 *
 * <p>What the C reference showed, and what the state machine relies on:
 * <ul>
 *   <li>every accepted poll completes exactly once, through the port, carrying the slot's context
 *       ({@code slot + 1}) as {@code lpOverlapped}: when its events happen, when it is cancelled
 *       ({@code STATUS_CANCELLED}, the events field left as submitted), or when the socket is
 *       closed ({@code AFD_POLL_LOCAL_CLOSE});</li>
 *   <li>a poll whose events already hold is accepted with {@code STATUS_SUCCESS} and still
 *       completes through the port; one that must wait is accepted with {@code STATUS_PENDING};
 *       any other status means it was refused and nothing will complete;</li>
 *   <li>cancelling a poll that already completed fails with {@code ERROR_NOT_FOUND}.</li>
 * </ul>
 */
interface AfdPort {

    /** The base service provider socket of {@code socket} (WSAIoctl SIO_BASE_HANDLE). */
    long baseSocket(long socket) throws SystemCallException;

    /**
     * Submits IOCTL_AFD_POLL for {@code afdEvents} on {@code baseSocket}, in {@code slot}'s request
     * block, which must hold no poll. Returns the NTSTATUS of NtDeviceIoControlFile.
     */
    int submitPoll(int slot, long baseSocket, int afdEvents);

    /** CancelIoEx of {@code slot}'s poll: 0 when requested, otherwise the GetLastError code. */
    int cancelPoll(int slot);

    /** The NTSTATUS of {@code slot}'s completed poll (its IO_STATUS_BLOCK). */
    int pollStatus(int slot);

    /** How many handles {@code slot}'s completed poll reported (0 or 1). */
    int polledHandles(int slot);

    /** The AFD_POLL_* events {@code slot}'s completed poll reported. */
    int polledEvents(int slot);

    /**
     * Dequeues up to {@code capacity} completions into {@code entries} (an OVERLAPPED_ENTRY array),
     * waiting at most {@code timeoutMillis} (negative: forever). Returns how many; 0 on timeout.
     */
    int dequeue(MemorySegment entries, int capacity, int timeoutMillis) throws SystemCallException;

    /** Posts a completion with {@code key} and no overlapped (PostQueuedCompletionStatus). Any thread. */
    void post(long key) throws SystemCallException;

    /** Closes the \Device\Afd handle (ending its polls) and the port. */
    void close();

    /** The lpOverlapped value a completion of {@code slot}'s poll carries. */
    static long context(int slot) {
        return slot + 1L;
    }

    /** The slot of a completion carrying {@code context}. */
    static int slot(long context) {
        return (int) (context - 1);
    }
}
