package dev.rawpoll.loop;

import dev.rawpoll.internal.StreamBridge;
import dev.rawpoll.net.SocketOptions;
import dev.rawpoll.net.TcpListener;
import dev.rawpoll.net.TcpStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A TCP server on every loop of an {@link EventLoopGroup}, made by {@link EventLoopGroup#serve}.
 * Each accepted connection is served by a task of {@link Handler} on one loop, which owns the
 * stream from then on and closes it when the handler returns or throws. How connections reach the
 * loops is the {@link Balancing}: one listener per loop with {@code SO_REUSEPORT}, or one
 * accepting loop that hands each stream to the next loop. Accepting is {@link
 * AsyncSockets#accept}'s, with what it does when descriptors run out (report once per listener
 * and episode, back off), and each listener {@link TcpListener#keepReserveDescriptor() keeps a
 * reserve descriptor}, so that the connections it cannot take then are closed at once.
 *
 * <p>{@link #close()} (any thread but a loop thread of the group) stops accepting on every loop,
 * closes the listeners and returns when that is done; connections being served go on until their
 * handlers end or the group closes. From a loop thread of the group (a handler included) it throws
 * {@link IllegalStateException}, as {@link EventLoopGroup#close()} does, since it would wait for
 * itself.
 *
 * <p>What a handler throws goes to its loop's exception handler, as an {@link
 * UnobservedTaskException}. With {@link Balancing#REUSEPORT} and a port other than 0, the port is
 * first bound once without {@code SO_REUSEPORT} and closed, so that a port another listener holds
 * fails with {@code EADDRINUSE}: a {@code SO_REUSEPORT} listener of the same user too, which a
 * {@code SO_REUSEPORT} bind would join silently, the kernel sharing the connections between the
 * two servers. A listener bound between that check and the group's binds is not seen.
 */
public final class GroupServer implements AutoCloseable {
    /** Serves one connection, as a task on the loop that owns {@code stream}. */
    @FunctionalInterface
    public interface Handler {
        void serve(TcpStream stream) throws Exception;
    }

    private final EventLoopGroup group;
    private final Balancing balancing;
    private final InetSocketAddress localAddress;
    /** Per loop: its listener, or null (HAND_OFF: all but loop 0). */
    private final List<TcpListener> listeners;
    /** Per loop: the accept task, set on the loop's thread. */
    private final Task<?>[] acceptors;
    /** Per loop: connections it was given to serve. */
    private final AtomicLongArray served;
    /** Counted down by each accept task when it has ended and closed its listener. */
    private final CountDownLatch acceptorsEnded;
    private volatile boolean closed;

    private GroupServer(EventLoopGroup group, Balancing balancing, List<TcpListener> listeners) throws IOException {
        this.group = group;
        this.balancing = balancing;
        this.listeners = listeners;
        this.localAddress = listeners.get(0).localAddress();
        this.acceptors = new Task<?>[group.size()];
        this.served = new AtomicLongArray(group.size());
        this.acceptorsEnded = new CountDownLatch((int) listeners.stream().filter(l -> l != null).count());
    }

    static GroupServer start(EventLoopGroup group, InetSocketAddress address, int backlog, Balancing balancing, Handler handler)
            throws IOException {
        List<TcpListener> listeners = new ArrayList<>();
        try {
            if (balancing == Balancing.REUSEPORT) {
                // SO_REUSEPORT would join a port that another SO_REUSEPORT listener holds (another
                // server of the same user) without an error: a plain bind says EADDRINUSE first.
                StreamBridge.net().checkPortFree(address);
                SocketOptions options = SocketOptions.DEFAULTS.withReusePort(true);
                TcpListener first = TcpListener.bind(address, backlog, options);
                listeners.add(first);
                // Port 0 picked an ephemeral port: the other listeners join that one.
                InetSocketAddress same = new InetSocketAddress(address.getAddress(), first.localAddress().getPort());
                for (int i = 1; i < group.size(); i++) {
                    listeners.add(TcpListener.bind(same, backlog, options));
                }
            } else {
                listeners.add(TcpListener.bind(address, backlog));
                for (int i = 1; i < group.size(); i++) {
                    listeners.add(null);
                }
            }
            for (TcpListener listener : listeners) {
                if (listener != null) {
                    listener.keepReserveDescriptor(); // out of descriptors, close what cannot be served
                }
            }
            GroupServer server = new GroupServer(group, balancing, listeners);
            for (int i = 0; i < listeners.size(); i++) {
                if (listeners.get(i) != null) {
                    server.startAccepting(i, handler);
                }
            }
            return server;
        } catch (IOException | RuntimeException | Error e) {
            listeners.forEach(l -> {
                if (l != null) l.close();
            });
            throw e;
        }
    }

    private void startAccepting(int index, Handler handler) {
        EventLoop loop = group.loop(index);
        TcpListener listener = listeners.get(index);
        Runnable start = () -> {
            Task<Object> acceptor = loop.spawn(() -> {
                for (;;) {
                    TcpStream stream = AsyncSockets.accept(listener);
                    int target = balancing == Balancing.REUSEPORT ? index : indexOf(group.next());
                    EventLoop owner = group.loop(target);
                    served.incrementAndGet(target);
                    if (owner == loop) {
                        serveOn(owner, stream, handler);
                    } else {
                        owner.execute(() -> serveOn(owner, stream, handler)); // the stream changes threads once, here
                    }
                }
            });
            acceptors[index] = acceptor;
            // Once the task is done (cancelled, also before it started, or failed), its wait is
            // over: the loop watches the listener no more, so it can be closed.
            acceptor.onDone(task -> {
                Throwable failure = task.exception();
                if (failure != null && !task.isCancelled()) {
                    // through the loop's handler: where the user sends reports, and safe out of descriptors
                    loop.reportException(new IOException("accepting on " + listener + " ended", failure));
                }
                listener.close();
                acceptorsEnded.countDown();
            });
        };
        try {
            loop.execute(start);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            listener.close();
            acceptorsEnded.countDown();
            throw e;
        }
    }

    private int indexOf(EventLoop loop) {
        for (int i = 0; i < group.size(); i++) {
            if (group.loop(i) == loop) return i;
        }
        throw new IllegalStateException("not a loop of the group");
    }

    private static void serveOn(EventLoop loop, TcpStream stream, Handler handler) {
        loop.spawn(() -> {
            try (stream) {
                handler.serve(stream);
            }
            return null;
        });
    }

    /** Where the server listens (the port chosen when it was asked for port 0). */
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    /** The balancing in use. */
    public Balancing balancing() {
        return balancing;
    }

    /** How many connections loop {@code index} was given to serve so far. */
    public long served(int index) {
        return served.get(index);
    }

    /**
     * Stops accepting on every loop and closes the listeners; returns when that is done. Idempotent.
     *
     * @throws IllegalStateException on a loop thread of the group (it would wait for itself)
     */
    @Override
    public void close() throws InterruptedException {
        if (group.isLoopThread(Thread.currentThread())) {
            throw new IllegalStateException("a loop of the group cannot close its server (it would wait for itself): use another thread");
        }
        if (closed) {
            return;
        }
        closed = true;
        for (int i = 0; i < listeners.size(); i++) {
            int index = i;
            if (listeners.get(i) == null) continue;
            try {
                group.loop(index).execute(() -> {
                    Task<?> acceptor = acceptors[index];
                    if (acceptor != null) acceptor.cancel();
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // The loop closed: closing it cancelled the accept task, which closed its listener.
            }
        }
        acceptorsEnded.await();
    }
}
