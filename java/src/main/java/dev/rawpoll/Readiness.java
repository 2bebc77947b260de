package dev.rawpoll;

/**
 * What {@link Events#readiness(int)} reports for a handle, as bits of an {@code int}. The bits are
 * portable; what raises each one differs per OS and is listed here.
 *
 * <p>{@link #READABLE} and {@link #WRITABLE} are reported only while they are in the handle's
 * current {@link Interest}, and {@link #PRIORITY} only while the interest has {@code PRIORITY};
 * {@link #HANGUP} and {@link #ERROR} are reported whatever the interest,
 * and {@link #READ_CLOSED} whenever the interest has {@code READABLE} (it is watched along with
 * reading: EPOLLRDHUP, EVFILT_READ, AFD_POLL_DISCONNECT). Each of the three also makes the
 * interested directions ready, since a read or write then returns at once (end of stream or the
 * error): a peer's shutdown reads as {@code READABLE|READ_CLOSED} on every backend, though AFD
 * reports the disconnect alone. A readiness of {@code 0} marks an event that must be skipped (see
 * {@link Events}).
 *
 * <table class="striped">
 *   <caption>Where each bit comes from</caption>
 *   <thead><tr><th>bit</th><th>epoll (Linux)</th><th>kqueue (macOS, BSD)</th><th>IOCP + AFD (Windows)</th></tr></thead>
 *   <tbody>
 *   <tr><td>{@link #READABLE}</td><td>EPOLLIN</td><td>EVFILT_READ</td><td>AFD_POLL_RECEIVE, _ACCEPT</td></tr>
 *   <tr><td>{@link #WRITABLE}</td><td>EPOLLOUT</td><td>EVFILT_WRITE</td><td>AFD_POLL_SEND</td></tr>
 *   <tr><td>{@link #READ_CLOSED}</td><td>EPOLLRDHUP (peer shut down its writing side)</td><td>EV_EOF on EVFILT_READ</td><td>AFD_POLL_DISCONNECT</td></tr>
 *   <tr><td>{@link #HANGUP}</td><td>EPOLLHUP (both directions closed, or a pipe's other end closed)</td><td>EV_EOF on EVFILT_WRITE</td><td>AFD_POLL_ABORT</td></tr>
 *   <tr><td>{@link #PRIORITY}</td><td>EPOLLPRI (urgent data, MSG_OOB)</td><td>not reported (no filter bound)</td><td>AFD_POLL_RECEIVE_EXPEDITED</td></tr>
 *   <tr><td>{@link #ERROR}</td><td>EPOLLERR (a pending socket error; a pipe whose reader is gone)</td><td>EV_EOF with a non-zero fflags (the socket error)</td><td>AFD_POLL_CONNECT_FAIL</td></tr>
 *   </tbody>
 * </table>
 *
 * <p>{@link #READ_CLOSED} and {@link #HANGUP} are hints, as in mio: after {@code READ_CLOSED} a
 * read returns the remaining data and then end of stream, while writing may still work (a
 * half-closed TCP connection). A server must not treat {@code READ_CLOSED} as "close now" and
 * must not keep polling a handle it has finished with: that is how event loops spin.
 */
public final class Readiness {
    public static final int READABLE = 1;
    public static final int WRITABLE = 1 << 1;
    public static final int READ_CLOSED = 1 << 2;
    public static final int HANGUP = 1 << 3;
    public static final int ERROR = 1 << 4;
    /**
     * Urgent (out-of-band) data is waiting: read it with {@code recv(MSG_OOB)}. Reported only with
     * an {@link Interest#PRIORITY} interest, and never on kqueue.
     */
    public static final int PRIORITY = 1 << 5;

    private Readiness() {}

    /** {@code "READABLE|READ_CLOSED"} and the like; {@code "NONE"} for 0. */
    public static String toString(int readiness) {
        StringBuilder sb = new StringBuilder();
        Interest.append(sb, readiness, READABLE, "READABLE");
        Interest.append(sb, readiness, WRITABLE, "WRITABLE");
        Interest.append(sb, readiness, READ_CLOSED, "READ_CLOSED");
        Interest.append(sb, readiness, HANGUP, "HANGUP");
        Interest.append(sb, readiness, ERROR, "ERROR");
        Interest.append(sb, readiness, PRIORITY, "PRIORITY");
        return sb.isEmpty() ? "NONE" : sb.toString();
    }
}
