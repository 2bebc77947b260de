package dev.rawpoll;

/**
 * What a registration asks the OS to watch, as bits of an {@code int}: {@link #READABLE}, {@link
 * #WRITABLE} and/or {@link #PRIORITY}, optionally combined with one trigger mode, {@link #EDGE} or {@link #ONESHOT}.
 * Without a mode bit a registration is level-triggered.
 *
 * <p>An interest of {@code 0} (or of only a mode bit) is allowed: the handle stays registered and
 * only {@link Readiness#ERROR} and {@link Readiness#HANGUP} can be reported for it, which is how
 * a registration is paused without losing it. Those two are reported whatever the interest (epoll
 * always watches EPOLLHUP and EPOLLERR; AFD always ABORT and CONNECT_FAIL; kqueue, which holds no
 * knote for interest 0, reports nothing): a paused registration of a socket whose peer reset makes
 * every poll return at once with {@code HANGUP|ERROR} until it is deregistered, so deregister a
 * paused socket when that is reported (NIO avoids it by turning interest 0 into EPOLL_CTL_DEL).
 *
 * <h2>Modes</h2>
 * <dl>
 *   <dt>level-triggered (default)</dt>
 *   <dd>Every {@link Poller#poll poll} reports the handle for as long as it is ready. Reading only
 *       part of the available data is fine: the rest is reported again.</dd>
 *   <dt>{@link #EDGE}</dt>
 *   <dd>The handle is reported when it <em>becomes</em> ready (new data arrives, buffer space
 *       frees up). The caller must read or write until the call reports "would block"; data left
 *       behind is not reported again until more arrives. On Windows (IOCP) there is no edge mode:
 *       an AFD poll reports states, so EDGE is served level-triggered there, with extra reports
 *       and none missed for a caller that reads until "would block".</dd>
 *   <dt>{@link #ONESHOT}</dt>
 *   <dd>The handle is reported at most once, then disarmed but still registered; {@link
 *       Poller#modify modify} re-arms it, {@link Poller#deregister deregister} removes it.</dd>
 * </dl>
 */
public final class Interest {
    /** Report when a read would not block (data, a pending connection, or end of stream). */
    public static final int READABLE = 1;
    /** Report when a write would not block (buffer space, or a completed connect). */
    public static final int WRITABLE = 1 << 1;
    /**
     * Report urgent (out-of-band) data, as {@link Readiness#PRIORITY}: TCP data sent with MSG_OOB
     * (EPOLLPRI on Linux, AFD_POLL_RECEIVE_EXPEDITED on Windows; mio's {@code Interest::PRIORITY},
     * libuv's {@code UV_PRIORITIZED}). kqueue has no portable filter for it (macOS's EVFILT_EXCEPT
     * is not bound, FreeBSD has none): {@code KqueuePoller} refuses it with {@link
     * UnsupportedOperationException}. Usually combined with {@link #READABLE}.
     */
    public static final int PRIORITY = 1 << 2;
    /** Edge-triggered: report transitions, not states. */
    public static final int EDGE = 1 << 8;
    /** Report once, then disarm until {@link Poller#modify modify} re-arms. */
    public static final int ONESHOT = 1 << 9;

    static final int ALL = READABLE | WRITABLE | PRIORITY | EDGE | ONESHOT;

    private Interest() {}

    /**
     * Checks {@code interest} and returns it.
     *
     * @throws IllegalArgumentException if it has unknown bits or both {@link #EDGE} and {@link #ONESHOT}
     */
    public static int check(int interest) {
        if ((interest & ~ALL) != 0) {
            throw new IllegalArgumentException("unknown interest bits: 0x" + Integer.toHexString(interest & ~ALL));
        }
        if ((interest & (EDGE | ONESHOT)) == (EDGE | ONESHOT)) {
            throw new IllegalArgumentException("EDGE and ONESHOT cannot be combined");
        }
        return interest;
    }

    /** {@code "READABLE|WRITABLE|EDGE"} and the like; {@code "NONE"} for 0. */
    public static String toString(int interest) {
        StringBuilder sb = new StringBuilder();
        append(sb, interest, READABLE, "READABLE");
        append(sb, interest, WRITABLE, "WRITABLE");
        append(sb, interest, PRIORITY, "PRIORITY");
        append(sb, interest, EDGE, "EDGE");
        append(sb, interest, ONESHOT, "ONESHOT");
        return sb.isEmpty() ? "NONE" : sb.toString();
    }

    static void append(StringBuilder sb, int bits, int bit, String name) {
        if ((bits & bit) != 0) {
            if (!sb.isEmpty()) sb.append('|');
            sb.append(name);
        }
    }
}
