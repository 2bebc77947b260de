package dev.rawpoll.vthread;

import dev.rawpoll.Interest;
import dev.rawpoll.net.TcpListener;
import dev.rawpoll.net.TcpStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import dev.rawpoll.Poller;

/**
 * Blocking-style rawpoll sockets for virtual threads: a read, write, accept or connect that would
 * block arms a oneshot registration of the socket from the calling thread (one {@code epoll_ctl}:
 * ADD on the socket's first wait in that direction, MOD after) and parks it ({@link
 * java.util.concurrent.locks.LockSupport#park}); a poller reports the socket ready and unparks
 * it, and it retries: the way the JDK's own poller serves virtual threads. The pollers are, as in
 * the JDK's default mode ({@code jdk.pollerMode=2}), virtual threads ("sub-pollers", one {@link
 * dev.rawpoll.Poller} each: four per processor for reads, one for writes) that poll without
 * blocking while they find work and park on one platform "master" thread asleep in {@code
 * epoll_wait} when they find none; so a busy adapter wakes its threads without any platform
 * thread, and 10,000 virtual threads waiting on 10,000 sockets need one platform thread. {@link
 * #open()} names the settings. Platform threads can use the sockets too; they simply park.
 *
 * <pre>{@code
 * byte[] echoed;
 * BlockingSockets io = BlockingSockets.shared();
 * try (BlockingTcpListener listener = io.bind(new InetSocketAddress("127.0.0.1", 0), 128)) {
 *     Thread server = Thread.ofVirtual().start(() -> {
 *         try (BlockingTcpStream c = listener.accept()) {      // parks until a client comes
 *             c.writeAll(c.readFully(new byte[4]));             // parks until 4 bytes arrive
 *         } catch (Exception e) {
 *             throw new RuntimeException(e);
 *         }
 *     });
 *     try (BlockingTcpStream s = io.connect(listener.localAddress())) {
 *         s.writeAll("ping".getBytes());
 *         echoed = s.readFully(new byte[4]);                    // "ping"
 *     }
 *     server.join();
 * }
 * }</pre>
 *
 * <p><b>Thread rules.</b> Each socket serves one reading thread (read, readFully, accept) and one
 * writing thread (write, writeAll, connect) at a time, which may run at once; two threads reading
 * the same socket at once are not supported. {@code close()}, {@code setSoTimeout}, {@code
 * isOpen()} and {@link #close() closing the adapter} may be called from any thread at any time.
 * Any number of sockets may be used by any number of threads at once.
 *
 * <p><b>Closing from another thread</b> works as java.net's: {@code close()} marks the socket
 * closed, a thread parked in an operation on it ends with {@code SocketException("Socket closed")},
 * and the descriptor is withdrawn from the pollers and closed by whichever thread leaves the
 * socket last (the closer itself when no operation is in flight), so no system call ever sees a
 * closed or reused descriptor number.
 *
 * <p><b>Interrupts</b> follow java.net on a virtual thread, for virtual and platform threads alike:
 * an operation that has to wait while its thread is interrupted (interrupted before the call, or
 * while parked) closes the socket and throws {@code SocketException("Closed by interrupt")}, with
 * the interrupt status still set. An operation that does not have to wait (data already there)
 * completes as usual.
 *
 * <p><b>Timeouts</b> as java.net's: {@code setSoTimeout} bounds each wait of a read or an accept,
 * {@link #connect(InetSocketAddress, int)} the connect; they throw {@link
 * java.net.SocketTimeoutException}. A read or accept that timed out leaves the socket open; a
 * connect that timed out closes it.
 */
public final class BlockingSockets implements AutoCloseable {
    private static volatile BlockingSockets shared;

    /**
     * Who polls: {@code "virtual"} (virtual-thread sub-pollers parked on one platform master, the
     * JDK's {@code jdk.pollerMode=2}) or {@code "platform"} (one platform thread per direction, the
     * JDK's {@code jdk.pollerMode=1}); read by {@link #open()}.
     */
    static final String MODE_PROPERTY = "dev.rawpoll.vthread.pollerMode";
    /** How many read sub-pollers in the virtual mode (a power of two); read by {@link #open()}. */
    static final String READ_POLLERS_PROPERTY = "dev.rawpoll.vthread.readPollers";

    /** Indexed by descriptor number modulo their count (a power of two). */
    private final ReadinessThread[] readers;
    private final ReadinessThread[] writers;
    /** The platform thread the sub-pollers park on, or null in the platform mode. */
    private final ReadinessThread master;

    BlockingSockets(ReadinessThread readers, ReadinessThread writers) {
        this(null, new ReadinessThread[] {readers}, new ReadinessThread[] {writers});
    }

    BlockingSockets(ReadinessThread master, ReadinessThread[] readers, ReadinessThread[] writers) {
        this.master = master;
        this.readers = readers;
        this.writers = writers;
    }

    /** The platform thread the sub-pollers park on; null with platform poller threads. */
    ReadinessThread master() {
        return master;
    }

    ReadinessThread reader(long handle) {
        return readers[(int) handle & (readers.length - 1)];
    }

    ReadinessThread writer(long handle) {
        return writers[(int) handle & (writers.length - 1)];
    }

    /**
     * Starts the pollers: by default (and with {@code -Ddev.rawpoll.vthread.pollerMode=virtual})
     * one platform master thread and virtual-thread sub-pollers, {@code
     * dev.rawpoll.vthread.readPollers} (a power of two; default: 4 per processor, rounded down to a
     * power of two, at most 32) for reads and one for writes; with {@code =platform}, two platform
     * threads (reads, writes). {@link #close()} stops them.
     */
    public static BlockingSockets open() throws IOException {
        String mode = System.getProperty(MODE_PROPERTY, "virtual");
        if (!mode.equals("virtual") && !mode.equals("platform")) {
            throw new IllegalArgumentException("-D" + MODE_PROPERTY + " must be virtual or platform: " + mode);
        }
        String count = System.getProperty(READ_POLLERS_PROPERTY);
        int n;
        try {
            n = count == null ? defaultReadPollers(Runtime.getRuntime().availableProcessors()) : Integer.parseInt(count);
        } catch (NumberFormatException e) {
            n = -1;
        }
        if (n <= 0 || Integer.bitCount(n) != 1) {
            throw new IllegalArgumentException("-D" + READ_POLLERS_PROPERTY + " must be a power of two: " + count);
        }
        return open(mode.equals("virtual"), n);
    }

    /**
     * Four read sub-pollers per processor (rounded down to a power of two), at most 32. The JDK
     * has one per processor; on 2 cores, 8 gave 1.4–1.5× the round trips of 2 at 100 and 1,000
     * connections in the same run, with half the CPU per round trip at 1,000: with more of them
     * in the carriers' queues, readiness is found sooner after each yield and the sub-pollers
     * park on the master less often (docs/virtual-threads.md).
     */
    static int defaultReadPollers(int processors) {
        return Math.min(32, 4 * Integer.highestOneBit(Math.max(1, processors)));
    }

    /** {@link #open()} with its settings given: virtual sub-pollers ({@code readPollers} for reads) or platform threads. */
    static BlockingSockets open(boolean virtual, int readPollers) throws IOException {
        int n = readPollers;
        List<ReadinessThread> started = new ArrayList<>();
        try {
            if (virtual) {
                boolean nests;
                try (Poller probe = Poller.open()) {
                    nests = probe.backendHandle().isPresent();
                }
                if (nests) {
                    ReadinessThread master = start(started, new ReadinessThread("rawpoll-master-poller", Interest.READABLE));
                    ReadinessThread[] readers = new ReadinessThread[n];
                    for (int i = 0; i < n; i++) {
                        readers[i] = start(started, subPoller("rawpoll-read-subpoller-" + i, Interest.READABLE, master));
                    }
                    ReadinessThread[] writers = {start(started, subPoller("rawpoll-write-subpoller", Interest.WRITABLE, master))};
                    return new BlockingSockets(master, readers, writers);
                }
                // a backend that cannot be nested (libkqueue, IOCP): platform threads
            }
            ReadinessThread r = start(started, new ReadinessThread("rawpoll-read-poller", Interest.READABLE));
            ReadinessThread w = start(started, new ReadinessThread("rawpoll-write-poller", Interest.WRITABLE));
            return new BlockingSockets(r, w);
        } catch (IOException | RuntimeException e) {
            for (int i = started.size() - 1; i >= 0; i--) started.get(i).close(); // sub-pollers before their master
            throw e;
        }
    }

    private static ReadinessThread subPoller(String name, int interest, ReadinessThread master) throws IOException {
        Poller poller = Poller.open();
        try {
            return new ReadinessThread(name, interest, poller, master);
        } catch (RuntimeException | Error e) {
            poller.close();
            throw e;
        }
    }

    private static ReadinessThread start(List<ReadinessThread> started, ReadinessThread t) {
        started.add(t);
        return t;
    }

    /** A process-wide instance, started on first use and never closed (its threads are daemons). */
    public static BlockingSockets shared() {
        BlockingSockets s = shared;
        if (s == null) {
            synchronized (BlockingSockets.class) {
                s = shared;
                if (s == null) {
                    try {
                        shared = s = open();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            }
        }
        return s;
    }

    /** Connects, parking until the connection is established or refused; {@code connect(remote, 0)}. */
    public BlockingTcpStream connect(InetSocketAddress remote) throws IOException {
        return connect(remote, 0);
    }

    /**
     * Connects, parking until the connection is established or refused, at most {@code
     * timeoutMillis} milliseconds (0: no limit), as java.net's {@code Socket.connect(addr,
     * timeout)}.
     *
     * @throws java.net.SocketTimeoutException "Connect timed out"
     * @throws dev.rawpoll.net.ConnectionRefusedException ECONNREFUSED
     * @throws java.net.SocketException "Closed by interrupt"
     */
    public BlockingTcpStream connect(InetSocketAddress remote, int timeoutMillis) throws IOException {
        if (timeoutMillis < 0) throw new IllegalArgumentException("timeout must not be negative: " + timeoutMillis);
        BlockingTcpStream blocking = new BlockingTcpStream(this, TcpStream.connect(remote));
        blocking.finishConnect(timeoutMillis);
        return blocking;
    }

    /**
     * Binds a listening socket with {@link dev.rawpoll.net.SocketOptions#DEFAULTS} (port 0 picks
     * a free one).
     */
    public BlockingTcpListener bind(InetSocketAddress local, int backlog) throws IOException {
        return new BlockingTcpListener(this, TcpListener.bind(local, backlog));
    }

    /** Stops the poller threads; threads still parked get an {@link IOException}. */
    @Override
    public void close() {
        for (ReadinessThread r : readers) r.close();
        for (ReadinessThread w : writers) w.close();
        if (master != null) master.close(); // last: each sub-poller withdraws its descriptor from it
    }
}
