package dev.rawpoll.linux;

import dev.rawpoll.Interest;
import dev.rawpoll.Readiness;

/** The bit mappings of {@link UringPoller}: an {@link Interest} to POLL_ADD's mask, a completion's mask to {@link Readiness}. */
final class UringBits {
    private UringBits() {}

    /** POLL_ADD's mask: POLLERR and POLLHUP are always watched; POLLRDHUP goes with reading. */
    static int pollEvents(int interest) {
        int events = 0;
        if ((interest & Interest.READABLE) != 0) events |= Uring.POLLIN | Uring.POLLRDHUP;
        if ((interest & Interest.WRITABLE) != 0) events |= Uring.POLLOUT;
        if ((interest & Interest.PRIORITY) != 0) events |= Uring.POLLPRI;
        return events;
    }

    /** poll(2) bits of a POLL_ADD completion to {@link Readiness} bits, before masking with the interest. */
    static int readiness(int revents) {
        int r = 0;
        if ((revents & Uring.POLLIN) != 0) r |= Readiness.READABLE;
        if ((revents & Uring.POLLOUT) != 0) r |= Readiness.WRITABLE;
        if ((revents & Uring.POLLRDHUP) != 0) r |= Readiness.READ_CLOSED;
        if ((revents & Uring.POLLHUP) != 0) r |= Readiness.HANGUP;
        if ((revents & Uring.POLLERR) != 0) r |= Readiness.ERROR;
        if ((revents & Uring.POLLPRI) != 0) r |= Readiness.PRIORITY;
        return r;
    }
}
