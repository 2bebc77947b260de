package dev.rawpoll.vthread;

import dev.rawpoll.Interest;
import dev.rawpoll.net.TcpListener;
import dev.rawpoll.net.TcpStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;

/**
 * Blocking-style rawpoll sockets for virtual threads: a read, write, accept or connect that would
 * block arms a oneshot registration of the socket from the calling thread (one {@code epoll_ctl}:
 * ADD on the socket's first wait in that direction, MOD after) and parks it ({@link
 * java.util.concurrent.locks.LockSupport#park}); a poller thread reports the socket ready and
 * unparks it, and it retries: the way the JDK's own poller serves virtual threads. The carrier
 * thread is free meanwhile, so 10,000 virtual threads waiting on 10,000 sockets need two platform
 * threads (one {@link dev.rawpoll.Poller} for reads, one for writes), which only poll and unpark.
 * Platform threads can use it too; they simply park.
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

    final ReadinessThread readers;
    final ReadinessThread writers;

    BlockingSockets(ReadinessThread readers, ReadinessThread writers) {
        this.readers = readers;
        this.writers = writers;
    }

    /** Starts two daemon poller threads; {@link #close()} stops them. */
    public static BlockingSockets open() throws IOException {
        ReadinessThread readers = new ReadinessThread("rawpoll-read-poller", Interest.READABLE);
        try {
            return new BlockingSockets(readers, new ReadinessThread("rawpoll-write-poller", Interest.WRITABLE));
        } catch (IOException | RuntimeException e) {
            readers.close();
            throw e;
        }
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
        readers.close();
        writers.close();
    }
}
