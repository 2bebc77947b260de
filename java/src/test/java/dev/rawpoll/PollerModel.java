package dev.rawpoll;

import static dev.rawpoll.Interest.EDGE;
import static dev.rawpoll.Interest.ONESHOT;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A reference model of the {@link Poller} contract for pipes and stream socket pairs: what each
 * end of a pair holds (bytes, end of stream, a closed peer), what is registered under which
 * token, and from that, for every registration, the readiness a poll <em>must</em> report and
 * the readiness it <em>may</em> report. Never a token that is not current, never a bit outside
 * "may", never less than "must".
 *
 * <p>The rules, from the contract ({@link Poller}, {@link Interest}, {@link Readiness}):
 * <ul>
 *   <li>level-triggered: every poll reports the interested directions that are ready;
 *   <li>edge-triggered: a poll must report a handle after it became ready (registered or modified
 *       while ready, new data, end of stream, a closed peer), may report it while it is ready if
 *       anything happened on its pair since it was last reported, and must not otherwise; where
 *       the backend reports wake-ups (io_uring), new data must be reported as READABLE, a
 *       direction that was ready all along need not be, and a wake-up may be reported after the
 *       data was drained;
 *   <li>oneshot: like level until reported once, then nothing until modified;
 *   <li>READ_CLOSED, HANGUP and ERROR only while something is closed or shut down (READ_CLOSED
 *       only with a READABLE interest); they also make every interested direction readable or
 *       writable; HANGUP and ERROR whatever the interest (so also for a paused registration);
 *   <li>register, modify and deregister may come from another thread while a poll waits: that
 *       poll may or may not see the change, and what it reports is read under the change;
 *   <li>a handle closed without deregister while a dup keeps its file open stays registered,
 *       with its token, until its number is registered again or deregistered; without a dup it
 *       is dropped.
 * </ul>
 * Writes are small and few per end, so a writable end never fills up.
 */
final class PollerModel {
    static final int R = Readiness.READABLE;
    static final int W = Readiness.WRITABLE;
    static final int ABNORMAL = Readiness.READ_CLOSED | Readiness.HANGUP | Readiness.ERROR;
    /** Unread writes per end: a unix socket charges unread data to the writer's send buffer. */
    static final int MAX_PENDING_WRITES = 8;

    /** A pipe ({@code a} reads, {@code b} writes) or a socket pair. */
    static final class Pair {
        final boolean pipe;
        final End a;
        final End b;
        final int serial;
        /**
         * Registrations of closed numbers that leave this pair undefined ({@link
         * ModelRun.Backend#closeWithoutDeregisterHoldsTheFile}): while there is one, anything may be
         * reported for its ends, nothing must.
         */
        final List<Registration> heldBy = new ArrayList<>();

        Pair(boolean pipe, int serial, int fdA, int fdB) {
            this.pipe = pipe;
            this.serial = serial;
            this.a = new End(this, true, fdA);
            this.b = new End(this, false, fdB);
        }
    }

    /** One end of a pair: the open file behind a descriptor number (and its dups). */
    static final class End {
        final Pair pair;
        final boolean isA;
        final int fd;
        boolean numberOpen = true;
        final List<Integer> dups = new ArrayList<>();
        long buffered;
        int pendingWrites;
        boolean shutOutput;
        /** The socket peer closed with bytes unread: Linux fails the next read with ECONNRESET. */
        boolean resetPending;
        /** The registration of this file, current or kept after its number was closed. */
        Registration registration;

        End(Pair pair, boolean isA, int fd) {
            this.pair = pair;
            this.isA = isA;
            this.fd = fd;
        }

        End peer() {
            return isA ? pair.b : pair.a;
        }

        boolean fileOpen() {
            return numberOpen || !dups.isEmpty();
        }

        boolean canRead() {
            return !pair.pipe || isA;
        }

        boolean canWrite() {
            return !pair.pipe || !isA;
        }

        /** End of stream: a read returns 0 once the buffered bytes are gone. */
        boolean endOfStream() {
            End peer = peer();
            return canRead() && (!peer.fileOpen() || peer.shutOutput);
        }

        @Override
        public String toString() {
            return (pair.pipe ? "pipe" : "sockets") + "#" + pair.serial + (isA ? ".a" : ".b") + "(fd " + fd + ")";
        }
    }

    /** A registration as the poller holds it. */
    static final class Registration {
        final End end;
        final int fd;
        int interest;
        long token;
        boolean edgePending;
        /** The directions whose edge is pending (a backend that reports only woken directions). */
        int edgeBits;
        /** Something happened on its pair since the last report: an edge registration may report. */
        boolean edgeMay;
        boolean armed = true;
        /**
         * Changed by another thread while a poll ran and reported by that poll: the report may
         * have come from before the change, so one more report may come whatever the mode.
         */
        boolean mayRepeat;
        /** Its number was closed without deregister. */
        boolean orphan;

        Registration(End end, int interest, long token) {
            this.end = end;
            this.fd = end.fd;
            this.interest = interest;
            this.token = token;
        }

        @Override
        public String toString() {
            return "token " + token + " " + Interest.toString(interest) + " on " + end + (orphan ? " (number closed)" : "");
        }
    }

    /** The poller's view: descriptor number → registration (orphans included). */
    final Map<Integer, Registration> byNumber = new HashMap<>();
    /** Current tokens. */
    final Map<Long, Registration> byToken = new HashMap<>();
    private long tokenCounter;
    /** Whether an orphan registration whose file a dup keeps open must be reported. */
    private final boolean orphansMustReport;
    /** Whether an edge report must carry only the directions that became ready (io_uring). */
    private final boolean edgeReportsTheWokenDirections;

    PollerModel(boolean orphansMustReport, boolean edgeReportsTheWokenDirections) {
        this.orphansMustReport = orphansMustReport;
        this.edgeReportsTheWokenDirections = edgeReportsTheWokenDirections;
    }

    /** A fresh token, spread over the whole {@code long} range, never {@link Events#NO_TOKEN}. */
    long nextToken() {
        long t;
        do {
            t = ++tokenCounter * 0x9E37_79B9_7F4A_7C15L;
        } while (t == Events.NO_TOKEN);
        return t;
    }

    /** The directions a level-triggered poll sees ready on {@code end}, whatever the interest. */
    static int ready(End end) {
        int r = 0;
        if (end.canRead() && (end.buffered > 0 || end.endOfStream())) r |= R;
        if (end.canWrite()) r |= W; // never filled
        return r;
    }

    /** Whether READ_CLOSED, HANGUP or ERROR may be reported for {@code end}. */
    static boolean abnormal(End end) {
        End peer = end.peer();
        if (end.pair.pipe) return !peer.fileOpen();
        return !peer.fileOpen() || peer.shutOutput || end.shutOutput;
    }

    static int directions(int interest) {
        return interest & (R | W);
    }

    static int level(Registration reg) {
        return ready(reg.end) & directions(reg.interest);
    }

    /** Whether the kernel still holds the registration's file. */
    static boolean alive(Registration reg) {
        return reg.end.fileOpen();
    }

    /** What a fresh poll must report for {@code reg}. */
    int must(Registration reg) {
        if (!reg.end.pair.heldBy.isEmpty()) return 0;
        if (!alive(reg) || (reg.orphan && !orphansMustReport)) return 0;
        int level = level(reg);
        if ((reg.interest & EDGE) != 0) {
            if (!reg.edgePending) return 0;
            return edgeReportsTheWokenDirections ? level & reg.edgeBits : level;
        }
        if ((reg.interest & ONESHOT) != 0) return reg.armed ? level : 0;
        return level;
    }

    /** What a fresh poll may report for {@code reg}. */
    int may(Registration reg) {
        if (!reg.end.pair.heldBy.isEmpty()) return -1; // undefined: any bit
        if (!alive(reg)) return 0;
        if (edgeReportsTheWokenDirections && (reg.interest & EDGE) != 0 && (reg.edgeMay || reg.mayRepeat)) {
            // a wake-up since the last report, reported even if the data was drained since
            int may = directions(reg.interest);
            if (abnormal(reg.end)) {
                may |= Readiness.HANGUP | Readiness.ERROR;
                if ((reg.interest & Interest.READABLE) != 0) may |= Readiness.READ_CLOSED;
            }
            return may;
        }
        if (!reg.mayRepeat) {
            if ((reg.interest & ONESHOT) != 0 && !reg.armed) return 0;
            if ((reg.interest & EDGE) != 0 && !reg.edgePending && !reg.edgeMay) return 0; // no new edge
        }
        if (!abnormal(reg.end)) return level(reg);
        int extras = Readiness.HANGUP | Readiness.ERROR;
        if ((reg.interest & Interest.READABLE) != 0) extras |= Readiness.READ_CLOSED;
        return directions(reg.interest) | extras;
    }

    /** After a register or modify: an edge registration that is ready must be reported. */
    static void armed(Registration reg) {
        reg.armed = true;
        reg.edgePending = level(reg) != 0;
        reg.edgeBits = level(reg);
        reg.edgeMay = true;
    }

    /** Any I/O on {@code pair}: the kernel may wake an edge registration of either end. */
    static void activity(Pair pair) {
        for (End end : new End[] {pair.a, pair.b}) {
            if (end.registration != null) end.registration.edgeMay = true;
        }
    }

    /** {@code end} received data: an edge registration reading it must be reported. */
    static void dataArrived(End end) {
        Registration reg = end.registration;
        if (reg != null && (level(reg) & R) != 0) {
            reg.edgePending = true;
            reg.edgeBits |= R;
        }
    }

    /** {@code end}'s peer closed or shut down: every interested registration is woken. */
    static void peerChanged(End end) {
        Registration reg = end.registration;
        if (reg != null && level(reg) != 0) {
            reg.edgePending = true;
            reg.edgeBits |= level(reg);
        }
    }

    /** A poll reported {@code reg}: its edge is consumed, a oneshot disarmed. */
    static void reported(Registration reg) {
        reg.edgePending = false;
        reg.edgeBits = 0;
        reg.edgeMay = false;
        reg.mayRepeat = false;
        if ((reg.interest & ONESHOT) != 0) reg.armed = false;
    }

    Registration register(End end, int interest, long token) {
        Registration old = byNumber.remove(end.fd);
        if (old != null) forget(old);
        Registration reg = new Registration(end, interest, token);
        end.registration = reg;
        byNumber.put(end.fd, reg);
        byToken.put(token, reg);
        armed(reg);
        return reg;
    }

    void modify(Registration reg, int interest, long token) {
        byToken.remove(reg.token);
        reg.interest = interest;
        reg.token = token;
        byToken.put(token, reg);
        armed(reg);
    }

    /** The poller forgets {@code number} (a deregister, successful or not). */
    void deregister(int number) {
        Registration reg = byNumber.remove(number);
        if (reg != null) forget(reg);
    }

    private void forget(Registration reg) {
        byToken.remove(reg.token);
        if (reg.end.registration == reg) reg.end.registration = null;
    }

    /** Registrations whose number was closed without deregister. */
    List<Registration> orphans() {
        List<Registration> list = new ArrayList<>();
        for (Registration reg : byNumber.values()) {
            if (reg.orphan) list.add(reg);
        }
        list.sort((x, y) -> Integer.compare(x.fd, y.fd));
        return list;
    }
}
