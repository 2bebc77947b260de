package dev.rawpoll.loop;

import java.util.Arrays;

/**
 * A binary min-heap of {@link TimerHandle}s ordered by deadline, then by schedule order (libuv's
 * timer heap, asyncio's {@code _scheduled}). Cancelled timers stay in the heap until they reach
 * the top or {@link #removeCancelled()} compacts it; each handle knows its index.
 */
final class TimerHeap {
    /** asyncio's thresholds: compact a heap of over 100 timers when more than half are cancelled. */
    private static final int MIN_SIZE_TO_COMPACT = 100;

    private TimerHandle[] heap = new TimerHandle[16];
    private int size;
    /** Cancelled timers still in the heap. */
    private int cancelled;
    private long nextSequence;

    /** The schedule order of the next timer: ties of equal deadlines go by it. */
    long nextSequence() {
        return nextSequence++;
    }

    /** Notes that {@code timer} was cancelled; it stays in the heap until dropped. */
    void cancelled(TimerHandle timer) {
        if (timer.index >= 0) {
            cancelled++;
        }
    }

    /** Drops every cancelled timer if they are most of a large heap. */
    void compactIfMostlyCancelled() {
        if (size > MIN_SIZE_TO_COMPACT && cancelled * 2 > size) {
            cancelled -= removeCancelled();
        }
    }

    /** The earliest timer not cancelled, dropping cancelled ones from the top; null if none. */
    TimerHandle firstPending() {
        TimerHandle first;
        while ((first = peek()) != null && !first.isPending()) {
            poll();
            cancelled--;
        }
        return first;
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** The earliest timer, or null. */
    TimerHandle peek() {
        return size == 0 ? null : heap[0];
    }

    void add(TimerHandle timer) {
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        heap[size] = timer;
        timer.index = size;
        siftUp(size++);
    }

    /** Removes and returns the earliest timer, or null. */
    TimerHandle poll() {
        if (size == 0) {
            return null;
        }
        TimerHandle top = heap[0];
        TimerHandle last = heap[--size];
        heap[size] = null;
        if (size > 0) {
            heap[0] = last;
            last.index = 0;
            siftDown(0);
        }
        top.index = -1;
        return top;
    }

    /** Drops every cancelled timer and rebuilds the heap in O(n). Returns how many were dropped. */
    int removeCancelled() {
        int kept = 0;
        for (int i = 0; i < size; i++) {
            TimerHandle t = heap[i];
            if (t.isPending()) {
                heap[kept] = t;
                t.index = kept++;
            } else {
                t.index = -1;
            }
        }
        int dropped = size - kept;
        Arrays.fill(heap, kept, size, null);
        size = kept;
        for (int i = (size >>> 1) - 1; i >= 0; i--) {
            siftDown(i);
        }
        return dropped;
    }

    void clear() {
        for (int i = 0; i < size; i++) {
            heap[i].index = -1;
        }
        Arrays.fill(heap, 0, size, null);
        size = 0;
        cancelled = 0;
    }

    private void siftUp(int i) {
        TimerHandle t = heap[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            TimerHandle p = heap[parent];
            if (!t.before(p)) {
                break;
            }
            heap[i] = p;
            p.index = i;
            i = parent;
        }
        heap[i] = t;
        t.index = i;
    }

    private void siftDown(int i) {
        TimerHandle t = heap[i];
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int right = child + 1;
            if (right < size && heap[right].before(heap[child])) {
                child = right;
            }
            if (!heap[child].before(t)) {
                break;
            }
            heap[i] = heap[child];
            heap[i].index = i;
            i = child;
        }
        heap[i] = t;
        t.index = i;
    }
}
