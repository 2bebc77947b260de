package dev.rawpoll.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import dev.rawpoll.Events;
import dev.rawpoll.Readiness;
import dev.rawpoll.internal.FdTable;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/** An array of {@code struct epoll_event}, read in place; see {@link Events}. */
public final class EpollEvents extends Events {
    final EpollPoller poller;
    final MemorySegment array;
    final int capacity;
    int count;

    EpollEvents(EpollPoller poller, MemorySegment array, int capacity) {
        this.poller = poller;
        this.array = array;
        this.capacity = capacity;
    }

    @Override
    public int count() {
        return count;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public long token(int i) {
        return poller.table.token(key(Objects.checkIndex(i, count)));
    }

    @Override
    public int readiness(int i) {
        long offset = Objects.checkIndex(i, count) * Epoll.SIZEOF_EPOLL_EVENT;
        int events = array.get(JAVA_INT_UNALIGNED, offset + Epoll.OFFSETOF_EVENTS);
        long key = array.get(JAVA_LONG_UNALIGNED, offset + Epoll.OFFSETOF_DATA);
        return FdTable.mask(portable(events), poller.table.interest(key));
    }

    long key(int i) {
        return array.get(JAVA_LONG_UNALIGNED, i * Epoll.SIZEOF_EPOLL_EVENT + Epoll.OFFSETOF_DATA);
    }

    /** epoll bits to {@link Readiness} bits, before masking with the interest. */
    static int portable(int events) {
        int r = 0;
        if ((events & Epoll.EPOLLIN) != 0) r |= Readiness.READABLE;
        if ((events & Epoll.EPOLLOUT) != 0) r |= Readiness.WRITABLE;
        if ((events & Epoll.EPOLLRDHUP) != 0) r |= Readiness.READ_CLOSED;
        if ((events & Epoll.EPOLLHUP) != 0) r |= Readiness.HANGUP;
        if ((events & Epoll.EPOLLERR) != 0) r |= Readiness.ERROR;
        return r;
    }
}
