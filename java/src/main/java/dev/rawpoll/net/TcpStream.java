package dev.rawpoll.net;

import static dev.rawpoll.net.SocketHandle.ABI;
import static dev.rawpoll.net.SocketHandle.RAW;
import dev.rawpoll.SystemCallException;
import dev.rawpoll.internal.Native;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A TCP connection (IPv4 or IPv6), non-blocking and close-on-exec, called through the FFM API:
 * made by {@link #connect} or {@link TcpListener#accept()}.
 *
 * <h2>Non-blocking results</h2>
 * No method blocks. {@link #read} returns the number of bytes read, {@link #END_OF_STREAM} once
 * the peer shut down its sending side, or {@link #WOULD_BLOCK} when nothing is there yet (EAGAIN
 * is not an error). {@link #write} returns the number of bytes written, possibly fewer than
 * offered, or {@link #WOULD_BLOCK} when the send buffer is full. Wait for {@link
 * dev.rawpoll.Interest#READABLE}/{@link dev.rawpoll.Interest#WRITABLE} of {@link #handle()} with a
 * {@link dev.rawpoll.Poller} and try again.
 *
 * <h2>Empty input</h2>
 * A read or write of nothing — an empty segment, an empty segment or array range, no segments or only
 * empty ones in a gathering write — returns 0 at once, in every state of the connection
 * (connecting, connected, at end of stream, reset), without a system call: so it never reports
 * {@link #END_OF_STREAM}, {@link #WOULD_BLOCK} or an error of the connection (the next non-empty
 * call does). The arguments are still checked (bounds, read-only, heap segments in a gathering
 * write), and a closed stream still throws {@link IllegalStateException}. The rule of {@link
 * java.io.InputStream#read(byte[], int, int)}: "if len is zero, then no bytes are read and 0 is
 * returned".
 *
 * <h2>Errors</h2>
 * A failed call throws {@link SystemCallException} naming the call and the errno, e.g. {@code
 * recv(fd=7): ECONNRESET (Connection reset by peer)}. The three a caller typically handles apart
 * have subclasses: {@link ConnectionResetException} (ECONNRESET), {@link BrokenPipeException}
 * (EPIPE) and {@link ConnectionRefusedException} (ECONNREFUSED). Writes use {@code send(...,
 * MSG_NOSIGNAL)} (on macOS, which lacks it, each socket has SO_NOSIGPIPE set): writing to a
 * connection the peer closed gives EPIPE or ECONNRESET, never a SIGPIPE. The same API on x86-64
 * Linux, macOS and FreeBSD (the errno numbers are the OS's; the names are the same). Any use after {@link #close()} throws {@link IllegalStateException}.
 *
 * <h2>Threads</h2>
 * A stream is used by one thread at a time (it keeps its errno and address scratch memory in
 * itself, not synchronized); it may be handed from one thread to another. {@link #close()} must
 * not run while another thread is inside a method of the same stream.
 */
public final class TcpStream implements AutoCloseable {
    /** {@link #read}: the peer shut down its sending side; nothing more will come. */
    public static final int END_OF_STREAM = -1;
    /** {@link #read}/{@link #write}: the call would have blocked (EAGAIN); wait for readiness. */
    public static final int WOULD_BLOCK = -2;

    private final SocketHandle socket;
    /** The connect target, or the peer once known; for remoteAddress() and error messages. */
    private InetSocketAddress remote;
    private boolean connected;
    /** The errno of a failed connect, reported again by every later finishConnect. */
    private int connectError;
    /**
     * The last array given to read, and to write, and their segments: a caller that reuses its
     * buffers gets the wrappers for free, even where the JIT cannot scalar-replace them. Dropped
     * by close.
     */
    private byte[] lastReadArray;
    private MemorySegment lastReadArraySegment;
    private byte[] lastWriteArray;
    private MemorySegment lastWriteArraySegment;
    /** Made on first use of {@link #urgentData()}. */
    private UrgentData urgentData;

    private TcpStream(SocketHandle socket, InetSocketAddress remote, boolean connected) {
        this.socket = socket;
        this.remote = remote;
        this.connected = connected;
    }

    static TcpStream accepted(SocketHandle socket) {
        return new TcpStream(socket, null, true);
    }

    /** A socket whose connect to {@code remote} the event loop submits itself (io_uring); see finishConnect. */
    static TcpStream connecting(SocketHandle socket, InetSocketAddress remote) {
        return new TcpStream(socket, remote, false);
    }

    // ---- connecting -------------------------------------------------------------------------

    /**
     * Starts connecting to {@code remote} and returns at once; the connection completes in the
     * background. Wait for the {@link #handle()} to become {@link dev.rawpoll.Interest#WRITABLE},
     * then call {@link #finishConnect()}. (On loopback the kernel may complete or refuse at once:
     * a refusal it already knows is thrown here.)
     *
     * @throws ConnectionRefusedException if the kernel already knows nothing listens there
     * @throws SystemCallException for other errors, e.g. {@code connect([::1]:80): ENETUNREACH (...)}
     * @throws IllegalArgumentException if the address is unresolved
     */
    public static TcpStream connect(InetSocketAddress remote) throws IOException {
        SocketHandle.checkPlatform();
        int family = SocketAddresses.family(remote);
        SocketHandle socket = SocketHandle.open(family);
        try {
            int length = SocketAddresses.write(remote, socket.sockaddr);
            boolean connected = RAW.connect(socket.errno, socket.fd(), socket.sockaddr, length) == 0;
            if (!connected) {
                int errno = Native.errno(socket.errno);
                // EINTR: a non-blocking connect goes on in the background just the same.
                if (errno != ABI.EINPROGRESS && errno != ABI.EINTR) {
                    throw SocketHandle.error("connect(" + SocketAddresses.format(remote) + ")", errno);
                }
            }
            return new TcpStream(socket, remote, connected);
        } catch (IOException | RuntimeException | Error e) {
            socket.close();
            throw e;
        }
    }

    /**
     * Whether the connection started by {@link #connect} is established: {@code true} once it is
     * (and on every later call; always for accepted streams), {@code false} while it is still in
     * progress.
     *
     * @throws ConnectionRefusedException the connect failed with ECONNREFUSED: {@code
     *     connect(127.0.0.1:1): ECONNREFUSED (Connection refused)}; so does every later call
     * @throws SystemCallException the connect failed otherwise (SO_ERROR, e.g. ETIMEDOUT)
     */
    public boolean finishConnect() throws IOException {
        socket.fd(); // a closed stream throws
        if (connected) {
            return true;
        }
        if (connectError == 0) {
            connectError = socket.getIntOption(ABI.SOL_SOCKET, ABI.SO_ERROR, "SO_ERROR");
        }
        if (connectError != 0) {
            throw SocketHandle.error("connect(" + SocketAddresses.format(remote) + ")", connectError);
        }
        // No error so far: established once the kernel knows the peer (ENOTCONN while SYN_SENT).
        InetSocketAddress peer = socket.peerAddressOrNull();
        if (peer == null) {
            return false;
        }
        remote = peer;
        connected = true;
        return true;
    }

    // ---- reading and writing ----------------------------------------------------------------

    /**
     * Reads into {@code dst}, native or heap, from its start: recv(2).
     *
     * @return bytes read ({@code > 0}; 0 only if {@code dst} is empty), {@link #END_OF_STREAM} or
     *     {@link #WOULD_BLOCK}
     * @throws ConnectionResetException if the peer reset the connection: once, after the bytes
     *     that arrived before the reset have been read; later reads return {@link #END_OF_STREAM}
     * @throws IllegalArgumentException if {@code dst} is read-only
     */
    public int read(MemorySegment dst) throws IOException {
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("cannot read into a read-only segment");
        }
        return socket.recv(dst, Math.min(dst.byteSize(), Integer.MAX_VALUE));
    }

    /**
     * Reads into {@code dst[offset, offset + length)} (native or heap; at most {@link
     * Integer#MAX_VALUE} bytes), with no slice for the caller to make.
     *
     * @return as {@link #read(MemorySegment)}
     * @throws IndexOutOfBoundsException if the range is outside {@code dst} (or negative)
     * @throws IllegalArgumentException if {@code dst} is read-only
     */
    public int read(MemorySegment dst, long offset, long length) throws IOException {
        Objects.checkFromIndexSize(offset, length, dst.byteSize());
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("cannot read into a read-only segment");
        }
        return socket.recv(dst, offset, Math.min(length, Integer.MAX_VALUE));
    }

    /**
     * Reads into {@code b[off, off + len)}; the array is handed to recv(2) in place, which
     * measured faster than a copy through native memory (bench: HeapArrayIoBench).
     *
     * @return as {@link #read(MemorySegment)}
     * @throws IndexOutOfBoundsException if the range is outside {@code b}
     */
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        return socket.recv(readSegmentOf(b), off, len);
    }

    /**
     * {@code b} as a heap segment, passed to recv in place (critical downcall); kept for the next
     * read into {@code b}. Reads and writes keep one each: a stream that reads into one array and
     * writes from another makes no segment per call.
     */
    private MemorySegment readSegmentOf(byte[] b) {
        if (b != lastReadArray) {
            lastReadArraySegment = MemorySegment.ofArray(b);
            lastReadArray = b;
        }
        return lastReadArraySegment;
    }

    /** {@code b} as a heap segment for send, as {@link #readSegmentOf}. */
    private MemorySegment writeSegmentOf(byte[] b) {
        if (b != lastWriteArray) {
            lastWriteArraySegment = MemorySegment.ofArray(b);
            lastWriteArray = b;
        }
        return lastWriteArraySegment;
    }

    /**
     * Writes from {@code src}, native or heap: send(2) with MSG_NOSIGNAL.
     *
     * @return bytes written ({@code > 0}, possibly fewer than {@code src} holds; 0 only if {@code
     *     src} is empty) or {@link #WOULD_BLOCK}
     * @throws BrokenPipeException or {@link ConnectionResetException} if the connection is gone:
     *     ECONNRESET once for a reset not yet reported, EPIPE on every write after that
     */
    public int write(MemorySegment src) throws IOException {
        return socket.send(src, Math.min(src.byteSize(), Integer.MAX_VALUE));
    }

    /**
     * Writes from {@code src[offset, offset + length)} (native or heap; at most {@link
     * Integer#MAX_VALUE} bytes), with no slice for the caller to make.
     *
     * @return as {@link #write(MemorySegment)}: possibly fewer bytes than {@code length}
     * @throws IndexOutOfBoundsException if the range is outside {@code src} (or negative)
     */
    public int write(MemorySegment src, long offset, long length) throws IOException {
        Objects.checkFromIndexSize(offset, length, src.byteSize());
        return socket.send(src, offset, Math.min(length, Integer.MAX_VALUE));
    }

    /**
     * Writes from {@code b[off, off + len)}, handed to send(2) in place.
     *
     * @return as {@link #write(MemorySegment)}
     * @throws IndexOutOfBoundsException if the range is outside {@code b}
     */
    public int write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        return socket.send(writeSegmentOf(b), off, len);
    }

    /**
     * Gathering write: sends {@code srcs[offset, offset + length)} in order with one sendmsg(2)
     * (MSG_NOSIGNAL), as if they were one buffer. The segments must be native (the kernel is
     * given their addresses) and their arenas must stay open during the call.
     *
     * @return bytes written ({@code >= 0}, possibly ending inside any segment; 0 at once if the
     *     range holds no bytes) or {@link #WOULD_BLOCK}
     * @throws IllegalArgumentException for a heap segment, or more than {@code UIO_MAXIOV} (1024) segments
     * @throws IndexOutOfBoundsException if the range is outside {@code srcs}
     */
    public long write(MemorySegment[] srcs, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, srcs.length);
        if (length > ABI.UIO_MAXIOV) {
            throw new IllegalArgumentException("at most " + ABI.UIO_MAXIOV + " segments per write: " + length);
        }
        return socket.sendmsg(srcs, offset, length);
    }

    /** Half-close: sends FIN; the peer reads end of stream, and this side can still read. */
    public void shutdownOutput() throws IOException {
        shutdown(ABI.SHUT_WR, "SHUT_WR");
    }

    /** Stops reading: later reads return {@link #END_OF_STREAM}. Data that still arrives is dropped. */
    public void shutdownInput() throws IOException {
        shutdown(ABI.SHUT_RD, "SHUT_RD");
    }

    private void shutdown(int how, String name) throws SystemCallException {
        int fd = socket.fd();
        if (RAW.shutdown(socket.errno, fd, how) != 0) {
            throw SocketHandle.error("shutdown(fd=" + fd + ", " + name + ")", Native.errno(socket.errno));
        }
    }

    /**
     * TCP urgent ("out-of-band") data of this stream: send and read the urgent byte, find the
     * mark, SO_OOBINLINE. Rarely wanted; see {@link UrgentData} for its caveats (one byte, RFC 6093).
     */
    public UrgentData urgentData() {
        socket.fd(); // a closed stream throws
        if (urgentData == null) {
            urgentData = new UrgentData(socket);
        }
        return urgentData;
    }

    // ---- options ----------------------------------------------------------------------------

    /** TCP_NODELAY: send small writes at once instead of coalescing them (Nagle off). */
    public void setNoDelay(boolean on) throws IOException {
        socket.setIntOption(ABI.IPPROTO_TCP, ABI.TCP_NODELAY, "TCP_NODELAY", on ? 1 : 0);
    }

    public boolean getNoDelay() throws IOException {
        return socket.getIntOption(ABI.IPPROTO_TCP, ABI.TCP_NODELAY, "TCP_NODELAY") != 0;
    }

    /** SO_KEEPALIVE: probe an idle connection (after the system's tcp_keepalive_time). */
    public void setKeepAlive(boolean on) throws IOException {
        socket.setIntOption(ABI.SOL_SOCKET, ABI.SO_KEEPALIVE, "SO_KEEPALIVE", on ? 1 : 0);
    }

    public boolean getKeepAlive() throws IOException {
        return socket.getIntOption(ABI.SOL_SOCKET, ABI.SO_KEEPALIVE, "SO_KEEPALIVE") != 0;
    }

    /**
     * SO_RCVBUF. Linux doubles the value (for its bookkeeping) and clamps it to {@code
     * net.core.rmem_max}; {@link #getReceiveBufferSize()} reports what the kernel uses.
     *
     * @throws IllegalArgumentException if {@code bytes <= 0}
     */
    public void setReceiveBufferSize(int bytes) throws IOException {
        socket.setIntOption(ABI.SOL_SOCKET, ABI.SO_RCVBUF, "SO_RCVBUF", positive(bytes));
    }

    public int getReceiveBufferSize() throws IOException {
        return socket.getIntOption(ABI.SOL_SOCKET, ABI.SO_RCVBUF, "SO_RCVBUF");
    }

    /** SO_SNDBUF; doubled and clamped (to {@code net.core.wmem_max}) like {@link #setReceiveBufferSize}. */
    public void setSendBufferSize(int bytes) throws IOException {
        socket.setIntOption(ABI.SOL_SOCKET, ABI.SO_SNDBUF, "SO_SNDBUF", positive(bytes));
    }

    public int getSendBufferSize() throws IOException {
        return socket.getIntOption(ABI.SOL_SOCKET, ABI.SO_SNDBUF, "SO_SNDBUF");
    }

    /**
     * SO_REUSEADDR as the OS defines it (Winsock's on Windows, which {@link SocketOptions}
     * explains); meaningful only before a bind, so mostly for {@link SocketOptions}.
     */
    public void setReuseAddress(boolean on) throws IOException {
        socket.setIntOption(ABI.SOL_SOCKET, ABI.SO_REUSEADDR, "SO_REUSEADDR", on ? 1 : 0);
    }

    public boolean getReuseAddress() throws IOException {
        return socket.getIntOption(ABI.SOL_SOCKET, ABI.SO_REUSEADDR, "SO_REUSEADDR") != 0;
    }

    /** SO_REUSEPORT; meaningful before a bind, so mostly for {@link SocketOptions}. */
    public void setReusePort(boolean on) throws IOException {
        socket.setIntOption(ABI.SOL_SOCKET, ABI.SO_REUSEPORT, "SO_REUSEPORT", on ? 1 : 0);
    }

    public boolean getReusePort() throws IOException {
        return socket.getIntOption(ABI.SOL_SOCKET, ABI.SO_REUSEPORT, "SO_REUSEPORT") != 0;
    }

    /**
     * SO_LINGER. Negative (the default): close returns at once and the kernel sends what is
     * left in the background. 0: close drops unsent data and <em>resets</em> the connection (the
     * peer gets ECONNRESET). Positive: close blocks up to that many seconds to send what is left.
     */
    public void setLinger(int seconds) throws IOException {
        socket.setLinger(seconds);
    }

    /** The SO_LINGER time in seconds, or -1 when lingering is off. */
    public int getLinger() throws IOException {
        return socket.getLinger();
    }

    private static int positive(int bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("buffer size must be positive: " + bytes);
        }
        return bytes;
    }

    // ---- addresses, handle, close -----------------------------------------------------------

    /**
     * This side's address: getsockname(2). On a connection of an IPv4 client to a dual-stack
     * listener (bound to {@code [::]}) this is the {@link java.net.Inet4Address} the client
     * connected to, not its IPv4-mapped form {@code ::ffff:a.b.c.d} (as java.nio reports it).
     */
    public InetSocketAddress localAddress() throws IOException {
        return socket.localAddress();
    }

    /**
     * The peer's address: the {@link #connect} target, or getpeername(2) for an accepted stream
     * (remembered, so it stays known after the peer is gone). An IPv4 client of a dual-stack
     * listener (bound to {@code [::]}) is reported as the {@link java.net.Inet4Address} {@code
     * a.b.c.d}, not as {@code ::ffff:a.b.c.d}, as in java.nio: so {@code isLoopbackAddress()}
     * and comparisons with IPv4 addresses work.
     *
     * @throws SystemCallException ENOTCONN if an accepted stream's peer is already gone
     */
    public InetSocketAddress remoteAddress() throws IOException {
        if (remote == null) {
            InetSocketAddress peer = socket.peerAddressOrNull();
            if (peer == null) {
                throw SocketHandle.error("getpeername(fd=" + socket.fd() + ")", ABI.ENOTCONN);
            }
            remote = peer;
        }
        socket.fd(); // closed streams throw like every other method
        return remote;
    }

    /** The file descriptor, for {@link dev.rawpoll.Poller#register}. */
    public long handle() {
        return socket.fd();
    }

    /** Whether {@link #close()} has not been called yet. */
    public boolean isOpen() {
        return !socket.isClosed();
    }

    /**
     * Closes the socket (see {@link #setLinger}) and frees its native memory. Deregister the
     * {@link #handle()} from any poller first. Idempotent.
     */
    @Override
    public void close() {
        socket.close();
        lastReadArray = null;
        lastReadArraySegment = null;
        lastWriteArray = null;
        lastWriteArraySegment = null;
    }

    @Override
    public String toString() {
        if (socket.isClosed()) {
            return "TcpStream[closed]";
        }
        return "TcpStream[fd=" + socket.fd() + (remote == null ? "" : ", remote=" + SocketAddresses.format(remote)) + "]";
    }
}
