package dev.rawpoll.bench.servers;

import dev.rawpoll.Poller;
import dev.rawpoll.loop.EventLoop;
import dev.rawpoll.loop.EventLoopGroup;
import dev.rawpoll.net.SocketOptions;
import dev.rawpoll.net.TcpListener;
import dev.rawpoll.net.TcpStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The rawpoll echo server on the {@link EventLoop}'s fd callbacks alone (no tasks), written for
 * speed: each connection owns its two callbacks, made once at accept, so a round trip (readable →
 * recv → send) allocates nothing. Like the C server: one thread, level-triggered, TCP_NODELAY, one
 * read buffer for all connections (from the global arena, whose segments cost the downcalls no
 * liveness check: the profile showed a confined arena's check at about 7 % of this server's CPU);
 * what a send cannot take is copied to the connection's own pending buffer (made on first need),
 * and the connection then waits for writability and reads nothing until it is flushed.
 *
 * <p>{@code --loops N} (N > 1) runs N loops of an {@link EventLoopGroup}, each with its own
 * {@code SO_REUSEPORT} listener on the same port, its own read buffer and this same connection
 * code: the kernel spreads the connections, no thread hands anything over. With {@code
 * --hand-off}, one listener on the first loop, whose server hands each accepted stream to the
 * loops in turn ({@link EventLoop#execute}), as Netty's 2 loops do. {@code --io-uring}
 * runs the one loop on {@link Poller#openIoUring()} (readiness through io_uring) instead of epoll.
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -cp bench/target/rawpoll-bench-*-all.jar dev.rawpoll.bench.servers.RawpollCallbackEchoServer PORT [BIND_ADDRESS] [--loops N [--hand-off] | --io-uring]</pre>
 *
 * Prints {@code listening on PORT} when ready; runs until killed (SIGTERM ends it, printing what
 * each loop thread allocated).
 */
public final class RawpollCallbackEchoServer {
    /** The largest message of the comparison: one read takes a whole message. */
    static final int BUFFER_BYTES = 16 * 1024;
    /** The longest pause of {@link #acceptAll} while out of descriptors. */
    private static final long MAX_ACCEPT_PAUSE_MILLIS = 100;

    private final EventLoop loop;
    private final TcpListener listener;
    /** Every read lands here and is sent straight back: one loop thread, so one buffer. */
    private final MemorySegment readBuffer = Arena.global().allocate(BUFFER_BYTES);
    /** Made on the loop's thread: it counts that thread's allocations. */
    private final LoopThreadAllocation allocation = new LoopThreadAllocation();
    private final Runnable acceptAll = this::acceptAll;
    private final Runnable resumeAccepting = this::resumeAccepting;
    /** The current pause of {@link #acceptAll} after a shortage; 0 while accepts succeed. */
    private long acceptPauseMillis;

    /**
     * Where {@link #acceptAll} sends each accepted stream ({@code --hand-off}: the loops of the
     * group in turn), or null: this server serves what it accepts.
     */
    private RawpollCallbackEchoServer[] handOffTargets;
    private int nextTarget;

    /** Call on {@code loop}'s thread: starts accepting on {@code listener} (null: this loop only serves). */
    private RawpollCallbackEchoServer(EventLoop loop, TcpListener listener, String name) throws IOException {
        this.loop = loop;
        this.listener = listener;
        if (listener != null) {
            loop.addReader(listener.handle(), acceptAll);
        }
        allocation.reportAtExit(name);
        IoThreads.register();
    }

    public static void main(String[] args) throws Exception {
        ServerArgs a = ServerArgs.parse("RawpollCallbackEchoServer", args, true, true, true);
        IoThreads.answerOnStdin();
        if (a.loops() > 1 && a.ioUring()) {
            System.err.println("RawpollCallbackEchoServer: --loops and --io-uring together are not supported");
            System.exit(2);
        }
        if (a.loops() > 1) {
            serveOnGroup(a);
            return;
        }
        try (EventLoop loop = a.ioUring() ? EventLoop.open(Poller.openIoUring()) : EventLoop.open();
             TcpListener listener = TcpListener.bind(a.address(), 4096)) {
            new RawpollCallbackEchoServer(loop, listener, "RawpollCallbackEchoServer");
            System.out.println("listening on " + listener.localAddress().getPort());
            System.out.flush();
            loop.run();
        }
    }

    /**
     * One server per loop of a group, each on its own SO_REUSEPORT listener, or ({@code
     * --hand-off}) one listener on loop 1 whose server hands each stream to the loops in turn;
     * runs until killed.
     */
    private static void serveOnGroup(ServerArgs a) throws Exception {
        SocketOptions reusePort = SocketOptions.DEFAULTS.withReusePort(true);
        List<TcpListener> listeners = new ArrayList<>();
        listeners.add(TcpListener.bind(a.address(), 4096, a.handOff() ? SocketOptions.DEFAULTS : reusePort));
        InetSocketAddress same = new InetSocketAddress(a.address().getAddress(), listeners.get(0).localAddress().getPort());
        for (int i = 1; i < a.loops(); i++) {
            listeners.add(a.handOff() ? null : TcpListener.bind(same, 4096, reusePort));
        }
        // The group's loop threads are not daemons: they keep the JVM up after main returns.
        EventLoopGroup group = EventLoopGroup.open(a.loops());
        RawpollCallbackEchoServer[] servers = new RawpollCallbackEchoServer[a.loops()];
        CountDownLatch started = new CountDownLatch(a.loops());
        AtomicReference<IOException> failed = new AtomicReference<>();
        for (int i = 0; i < a.loops(); i++) {
            EventLoop loop = group.loop(i);
            TcpListener listener = listeners.get(i);
            String name = "RawpollCallbackEchoServer loop " + (i + 1);
            int index = i;
            loop.execute(() -> {
                try {
                    servers[index] = new RawpollCallbackEchoServer(loop, listener, name);
                } catch (IOException e) {
                    failed.set(e);
                } finally {
                    started.countDown();
                }
            });
        }
        started.await();
        if (failed.get() != null) {
            System.err.println("RawpollCallbackEchoServer: " + failed.get().getMessage());
            System.exit(1);
        }
        if (a.handOff()) {
            // Set before the first connection can arrive: the port is announced below.
            group.loop(0).execute(() -> servers[0].handOffTargets = servers);
        }
        System.out.println("listening on " + same.getPort());
        System.out.flush();
    }

    /**
     * The listener's reader. Out of descriptors or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM) the
     * connection stays in the backlog and the level-triggered listener stays readable, so trying
     * again at once would spin: it stops watching the listener, and watches it again after a
     * pause (1 ms, doubling up to 100 ms while the shortage lasts), reporting once per episode
     * ({@link TcpListener#isShortOfResources}). The recipe for any callback server on a listener.
     */
    private void acceptAll() {
        boolean alreadyShort = listener.isShortOfResources();
        try {
            TcpStream stream;
            while ((stream = listener.accept()) != null) {
                acceptPauseMillis = 0;
                stream.setNoDelay(true);
                if (handOffTargets == null) {
                    new Connection(stream).start();
                } else {
                    handOff(stream);
                }
            }
        } catch (IOException e) {
            if (!TcpListener.isResourceShortage(e)) {
                System.err.println("accept: " + e.getMessage()); // keep serving the others
                return;
            }
            if (!alreadyShort) {
                System.err.println("accept: " + e.getMessage() + "; pausing accepts (up to "
                        + MAX_ACCEPT_PAUSE_MILLIS + " ms at a time), reported once until the backlog is drained");
            }
            acceptPauseMillis = Math.min(Math.max(1, 2 * acceptPauseMillis), MAX_ACCEPT_PAUSE_MILLIS);
            loop.removeReader(listener.handle());
            loop.callLater(acceptPauseMillis, TimeUnit.MILLISECONDS, resumeAccepting);
        }
    }

    /** Gives {@code stream} to the next loop's server, which starts serving it on its own thread. */
    private void handOff(TcpStream stream) throws IOException {
        RawpollCallbackEchoServer target = handOffTargets[nextTarget];
        nextTarget = (nextTarget + 1) % handOffTargets.length;
        if (target == this) {
            new Connection(stream).start();
            return;
        }
        target.loop.execute(() -> {
            try {
                target.new Connection(stream).start();
            } catch (IOException e) {
                stream.close();
            }
        });
    }

    private void resumeAccepting() {
        try {
            loop.addReader(listener.handle(), acceptAll);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // the listener is ours and open: cannot happen
        }
    }

    private final class Connection {
        private final TcpStream stream;
        private final long handle;
        private final Runnable onReadable = this::echo;
        private final Runnable onWritable = this::flush;
        /** Made on the first short send, kept for the connection's life; null until then. */
        private Arena pendingArena;
        private MemorySegment pending;
        /** Bytes of {@link #pending} still to send: [pendingFrom, pendingTo). */
        private int pendingFrom;
        private int pendingTo;

        Connection(TcpStream stream) {
            this.stream = stream;
            this.handle = stream.handle();
        }

        void start() throws IOException {
            allocation.connections++;
            loop.addReader(handle, onReadable);
        }

        private void echo() {
            try {
                MemorySegment buffer = readBuffer;
                int n = stream.read(buffer);
                if (n == TcpStream.WOULD_BLOCK) {
                    return;
                }
                if (n == TcpStream.END_OF_STREAM) {
                    close();
                    return;
                }
                allocation.reads++;
                int sent = stream.write(buffer, 0, n);
                if (sent == n) {
                    return;
                }
                if (pending == null) {
                    pendingArena = Arena.ofConfined();
                    pending = pendingArena.allocate(BUFFER_BYTES);
                }
                sent = Math.max(sent, 0);
                MemorySegment.copy(buffer, sent, pending, 0, n - sent);
                pendingFrom = 0;
                pendingTo = n - sent;
                loop.removeReader(handle);
                loop.addWriter(handle, onWritable);
            } catch (IOException e) {
                close(); // typically a reset from the load generator
            }
        }

        private void flush() {
            try {
                int sent = stream.write(pending, pendingFrom, pendingTo - pendingFrom);
                if (sent > 0) {
                    pendingFrom += sent;
                }
                if (pendingFrom == pendingTo) {
                    loop.removeWriter(handle);
                    loop.addReader(handle, onReadable);
                }
            } catch (IOException e) {
                close();
            }
        }

        private void close() {
            loop.removeReader(handle);
            loop.removeWriter(handle);
            stream.close();
            if (pendingArena != null) {
                pendingArena.close();
                pendingArena = null;
            }
        }
    }
}
