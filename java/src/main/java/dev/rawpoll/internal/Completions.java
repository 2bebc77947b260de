package dev.rawpoll.internal;

import dev.rawpoll.Poller;
import java.io.IOException;

/**
 * The completion capability of a poller whose kernel does socket I/O itself and says when it is
 * done (io_uring), where readiness only says when the caller may do it. A poller that has it
 * implements {@link Provider}; the event loop discovers it with {@link #of} and, where it finds
 * it, runs its tasks' socket calls as submitted operations (asyncio's proactor loop). Readiness
 * (register, poll) stays available on the same poller for callback users.
 *
 * <p>Every operation is named by an {@code id} of the caller's choice ({@code 0 <= id <
 * 2^31}), reported back once, by {@link Handler#completed}, during a {@link Poller#poll} of the
 * poller's polling thread: the operations queued since the last poll are submitted by that
 * poll's one system call, which also waits. Methods are called on the polling thread only.
 *
 * <p><b>Buffers.</b> An operation that carries a buffer address hands that memory to the kernel
 * until its completion is reported: the caller keeps it allocated and does not touch it until
 * then, even after {@link #cancel} (a cancelled operation still completes, with ECANCELED or with
 * what it did before the cancel reached it). Closing the poller with operations in flight is the
 * caller's error: drain them first.
 */
public interface Completions {
    /** What a poller that has completions implements. */
    interface Provider {
        Completions completions();
    }

    /** Told of each completion, on the polling thread, inside {@link Poller#poll}. */
    @FunctionalInterface
    interface Handler {
        /**
         * Operation {@code id} is done: {@code result} is what the system call would have returned
         * (bytes, a descriptor, 0), or {@code -errno}. The kernel no longer uses its buffer.
         */
        void completed(int id, int result);
    }

    /** The completions of {@code poller}, or null if it has none (epoll, kqueue, IOCP here). */
    static Completions of(Poller poller) {
        return poller instanceof Provider p ? p.completions() : null;
    }

    /** Where completions go; set once, before the first operation. */
    void setHandler(Handler handler);

    /** recv(2) of at most {@code length} bytes into {@code address}. */
    void recv(int id, int fd, long address, int length) throws IOException;

    /** send(2) with MSG_NOSIGNAL of {@code length} bytes from {@code address}. */
    void send(int id, int fd, long address, int length) throws IOException;

    /** accept4(2) with SOCK_NONBLOCK | SOCK_CLOEXEC, no peer address: the result is the new descriptor. */
    void accept(int id, int fd) throws IOException;

    /** connect(2) of {@code fd} to the {@code length}-byte sockaddr at {@code sockaddr}: 0 once connected. */
    void connect(int id, int fd, long sockaddr, int length) throws IOException;

    /** Completes when {@code fd} is writable (or has an error or hang-up): a connect in progress has ended. */
    void awaitWritable(int id, int fd) throws IOException;

    /**
     * Asks the kernel to cancel operation {@code id}; its completion still comes (ECANCELED, or
     * its result if it finished first). Nothing is reported for the cancel request itself.
     */
    void cancel(int id) throws IOException;

    /** Operations submitted or queued whose completion has not been reported yet. */
    int inFlight();
}
