package dev.rawpoll.internal;

import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.AbstractSelectableChannel;
import java.nio.channels.spi.AbstractSelector;
import java.util.Set;

/**
 * How {@code Thread.interrupt()} reaches a thread blocked in a poll. The JDK delivers interrupts
 * to a blocked native call only through the "blocker" a thread registers before it blocks; the
 * public way to register one is {@link AbstractSelector#begin()}, whose blocker calls {@link
 * #wakeup()} when the thread is interrupted, and which does so at once if the thread is already
 * interrupted. So this class is an {@code AbstractSelector} only for its {@code begin}/{@code
 * end}: it selects nothing, holds no channel and never touches the NIO provider (its provider is
 * null; no selector or channel is created, no NIO class is initialized beyond the abstract ones).
 * The alternative, {@code JavaLangAccess.blockedOn} with a {@code sun.nio.ch.Interruptible},
 * would make every user add two {@code --add-exports} flags.
 *
 * <p>What it costs, checked with {@code -Xlog:class+load}: four classes ({@code Selector}, {@code
 * AbstractSelector} and its interruptor, and {@code sun.nio.ch.SelectorImpl}, loaded by the
 * constructor's type check but not initialized); no {@code SelectorProvider}, no epoll selector.
 * One per poller, made when it opens; {@link #begin()} and {@link #end()} allocate nothing, and a
 * poll with timeout 0 (which cannot block) skips them.
 */
final class InterruptHook extends AbstractSelector {
    private final Runnable wakeup;

    InterruptHook(Runnable wakeup) {
        super(null);
        this.wakeup = wakeup;
    }

    /** Before a blocking wait: an interrupt from now on (or one already pending) calls the poller's wakeup. */
    void beginWait() {
        begin();
    }

    /** After the wait: interrupts no longer reach the poller. The interrupt status is left as it is. */
    void endWait() {
        end();
    }

    @Override
    public Selector wakeup() {
        wakeup.run();
        return this;
    }

    @Override
    protected void implCloseSelector() {}

    @Override
    protected SelectionKey register(AbstractSelectableChannel ch, int ops, Object att) {
        throw new UnsupportedOperationException("an interrupt hook, not a selector");
    }

    @Override
    public Set<SelectionKey> keys() {
        throw new UnsupportedOperationException("an interrupt hook, not a selector");
    }

    @Override
    public Set<SelectionKey> selectedKeys() {
        throw new UnsupportedOperationException("an interrupt hook, not a selector");
    }

    @Override
    public int selectNow() {
        throw new UnsupportedOperationException("an interrupt hook, not a selector");
    }

    @Override
    public int select(long timeout) {
        throw new UnsupportedOperationException("an interrupt hook, not a selector");
    }

    @Override
    public int select() {
        throw new UnsupportedOperationException("an interrupt hook, not a selector");
    }

}
