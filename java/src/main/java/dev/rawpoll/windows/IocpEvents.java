package dev.rawpoll.windows;

import dev.rawpoll.Events;
import dev.rawpoll.internal.FdTable;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * The events of an IOCP poll; see {@link Events}. Completions are dequeued into a native
 * OVERLAPPED_ENTRY array, and the events they report (some report none: a cancelled poll, a
 * wakeup) are kept as an FdTable key and the portable bits, checked against the current
 * registration when read.
 */
public final class IocpEvents extends Events {
    final IocpPoller poller;
    /** OVERLAPPED_ENTRY[capacity], filled by GetQueuedCompletionStatusEx. */
    final MemorySegment entries;
    final long[] keys;
    final int[] readiness;
    final int capacity;
    int count;

    IocpEvents(IocpPoller poller, MemorySegment entries, int capacity) {
        this.poller = poller;
        this.entries = entries;
        this.capacity = capacity;
        this.keys = new long[capacity];
        this.readiness = new int[capacity];
    }

    @Override
    public int count() {
        poller.ensureOpen();
        return count;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public long token(int i) {
        poller.ensureOpen();
        return table().token(keys[Objects.checkIndex(i, count)]);
    }

    @Override
    public int readiness(int i) {
        poller.ensureOpen();
        long key = keys[Objects.checkIndex(i, count)];
        return FdTable.mask(readiness[i], table().interest(key));
    }

    private FdTable table() {
        return poller.machine.table;
    }
}
