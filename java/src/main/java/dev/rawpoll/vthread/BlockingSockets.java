package dev.rawpoll.vthread;

import dev.rawpoll.Interest;
import dev.rawpoll.net.TcpListener;
import dev.rawpoll.net.TcpStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;

/**
 * Blocking-style rawpoll sockets for virtual threads: a read, write, accept or connect that would
 * block parks the calling thread ({@link java.util.concurrent.locks.LockSupport#park}) until a
 * poller thread reports the socket ready, then retries, the way the JDK's own poller serves
 * virtual threads. The carrier thread is free meanwhile, so 10,000 virtual threads waiting on
 * 10,000 sockets need two platform threads (one {@link dev.rawpoll.Poller} for reads, one for
 * writes). Platform threads can use it too; they simply park.
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
 * <p>Each socket supports one reading and one writing thread at a time. Close a socket through its
 * {@code close()}: it first withdraws the socket from the pollers (a thread still parked on it gets
 * an {@link IOException}), then closes the descriptor, so a reused descriptor number never
 * inherits a registration. Not supported yet: closing a socket while another thread is
 * <em>inside</em> a read or write on it (not parked): {@code close()} then throws {@link
 * IllegalStateException} because that call still holds the socket's native memory.
 */
public final class BlockingSockets implements AutoCloseable {
    private static volatile BlockingSockets shared;

    final ReadinessThread readers;
    final ReadinessThread writers;

    private BlockingSockets(ReadinessThread readers, ReadinessThread writers) {
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

    /** Connects, parking until the connection is established or refused. */
    public BlockingTcpStream connect(InetSocketAddress remote) throws IOException {
        TcpStream stream = TcpStream.connect(remote);
        BlockingTcpStream blocking = new BlockingTcpStream(this, stream);
        try {
            while (!stream.finishConnect()) {
                writers.await(stream.handle());
            }
            return blocking;
        } catch (IOException | RuntimeException e) {
            blocking.close();
            throw e;
        }
    }

    /** Binds a listening socket (SO_REUSEADDR on; port 0 picks a free one). */
    public BlockingTcpListener bind(InetSocketAddress local, int backlog) throws IOException {
        return new BlockingTcpListener(this, TcpListener.bind(local, backlog));
    }

    /** Withdraws {@code handle} from both pollers; returns when done, before its descriptor closes. */
    void forget(long handle) {
        try {
            readers.forget(handle);
            writers.forget(handle);
        } catch (IOException e) {
            // forget releases waiters and deregisters; an error there leaves nothing registered
        }
    }

    /** Stops the poller threads; threads still parked get an {@link IOException}. */
    @Override
    public void close() {
        readers.close();
        writers.close();
    }
}
