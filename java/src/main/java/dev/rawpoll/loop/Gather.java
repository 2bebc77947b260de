package dev.rawpoll.loop;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;

/**
 * The promise of {@link Tasks#gather}: the children's values in order once all have them; the
 * first child's failure (or cancellation) as soon as it happens, the others running on (asyncio's
 * {@code gather} without {@code return_exceptions}). Cancelling it cancels every child.
 */
final class Gather<T> extends Promise<List<T>> {
    private final List<? extends Promise<? extends T>> children;
    private final Object[] values;
    private int remaining;

    Gather(EventLoop loop, List<? extends Promise<? extends T>> children) {
        super(loop);
        this.children = List.copyOf(children);
        this.values = new Object[this.children.size()];
        this.remaining = values.length;
        if (remaining == 0) {
            settle(List.of(), null);
            return;
        }
        for (int i = 0; i < this.children.size(); i++) {
            Promise<? extends T> child = this.children.get(i);
            if (child.loop() != loop) {
                throw new IllegalArgumentException("gather of promises from different loops");
            }
            int index = i;
            Consumer<Promise<? extends T>> onChild = p -> childDone(index, p);
            subscribe(child, onChild);
        }
    }

    @SuppressWarnings("unchecked")
    private static <V> void subscribe(Promise<V> child, Consumer<? super Promise<? extends V>> callback) {
        child.onDone((Consumer<? super Promise<V>>) (Consumer<?>) callback);
    }

    private void childDone(int index, Promise<? extends T> child) {
        if (isDone()) {
            return;
        }
        Throwable failure = child.exception();
        if (failure != null) {
            settle(null, failure);
            return;
        }
        try {
            values[index] = child.result();
        } catch (Exception e) {
            throw new AssertionError(e); // cannot happen: exception() was null
        }
        if (--remaining == 0) {
            @SuppressWarnings("unchecked")
            List<T> list = (List<T>) Collections.unmodifiableList(new ArrayList<>(Arrays.asList(values)));
            settle(list, null);
        }
    }

    /** Cancels this promise, then every child not done yet. */
    @Override
    public boolean cancel() {
        if (!super.cancel()) {
            return false;
        }
        for (Promise<? extends T> child : children) {
            child.cancel();
        }
        return true;
    }
}
