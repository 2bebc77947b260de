package dev.rawpoll.vthread;

import dev.rawpoll.net.TcpStream;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;

/**
 * A connected TCP socket whose reads and writes block the calling (virtual) thread by parking it
 * until the socket is ready; see {@link BlockingSockets} for interrupts, timeouts, closing and the
 * thread rules.
 */
public final class BlockingTcpStream implements AutoCloseable {
    private final BlockingSockets sockets;
    private final TcpStream stream;
    private final SocketState state;
    private volatile int soTimeout;
    // A heap segment over the last array of each side, reused while the array is: a reader and a
    // writer may run at once, so they must not share one cache (TcpStream's is for one thread).
    private byte[] readArray;
    private MemorySegment readSegment;
    private byte[] writeArray;
    private MemorySegment writeSegment;

    BlockingTcpStream(BlockingSockets sockets, TcpStream stream) {
        this.sockets = sockets;
        this.stream = stream;
        this.state = new SocketState(sockets, stream.handle(), stream::close);
    }

    /**
     * Reads at least one byte; returns how many, or -1 at end of stream; 0 at once if {@code len}
     * is 0. Parks while nothing is there, at most {@link #setSoTimeout} milliseconds.
     *
     * @throws SocketTimeoutException "Read timed out" (the socket stays open)
     * @throws java.net.SocketException "Socket closed" or "Closed by interrupt"
     */
    public int read(byte[] b, int off, int len) throws IOException {
        if (b != readArray) {
            readSegment = MemorySegment.ofArray(b);
            readArray = b;
        }
        return read(off == 0 && len == b.length ? readSegment : readSegment.asSlice(off, len));
    }

    /**
     * Reads at least one byte into {@code dst}; returns how many, or -1 at end of stream; 0 at once
     * if {@code dst} is empty. As {@link #read(byte[], int, int)}.
     */
    public int read(MemorySegment dst) throws IOException {
        state.begin(state.reader);
        try {
            long deadline = 0;
            for (;;) {
                int n = stream.read(dst);
                if (n != TcpStream.WOULD_BLOCK) return n;
                if (deadline == 0) deadline = SocketState.deadline(soTimeout);
                state.await(state.reader, deadline, "Read timed out");
            }
        } finally {
            state.end();
        }
    }

    /** Reads exactly {@code b.length} bytes; each wait for more is bounded by {@link #setSoTimeout}. */
    public byte[] readFully(byte[] b) throws IOException {
        for (int off = 0; off < b.length; ) {
            int n = read(b, off, b.length - off);
            if (n < 0) throw new EOFException("end of stream after " + off + " of " + b.length + " bytes");
            off += n;
        }
        return b;
    }

    /**
     * Writes at least one byte; returns how many; 0 at once if {@code len} is 0. Parks while the
     * send buffer is full (no timeout, as java.net).
     */
    public int write(byte[] b, int off, int len) throws IOException {
        if (b != writeArray) {
            writeSegment = MemorySegment.ofArray(b);
            writeArray = b;
        }
        return write(off == 0 && len == b.length ? writeSegment : writeSegment.asSlice(off, len));
    }

    /** Writes at least one byte of {@code src} (all of an empty one: 0); returns how many. */
    public int write(MemorySegment src) throws IOException {
        state.begin(state.writer);
        try {
            for (;;) {
                int n = stream.write(src);
                if (n != TcpStream.WOULD_BLOCK) return n;
                state.await(state.writer, 0, null);
            }
        } finally {
            state.end();
        }
    }

    /** Writes all of {@code b}. */
    public void writeAll(byte[] b) throws IOException {
        for (int off = 0; off < b.length; ) {
            off += write(b, off, b.length - off);
        }
    }

    /**
     * Completes the connect of a stream made by {@link BlockingSockets#connect}: parks until it is
     * established or refused, at most {@code timeoutMillis} (0: no limit). On any failure the
     * stream is closed, as java.net's {@code Socket.connect} does.
     */
    void finishConnect(int timeoutMillis) throws IOException {
        try {
            state.begin(state.writer);
            try {
                long deadline = SocketState.deadline(timeoutMillis);
                while (!stream.finishConnect()) {
                    state.await(state.writer, deadline, "Connect timed out");
                }
            } finally {
                state.end();
            }
        } catch (IOException | RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    /**
     * SO_TIMEOUT, as java.net's {@code Socket.setSoTimeout}: how long a read waits for data, in
     * milliseconds; 0 (the default) waits forever. A read that times out throws {@link
     * SocketTimeoutException} and leaves the socket usable.
     */
    public void setSoTimeout(int millis) {
        if (millis < 0) throw new IllegalArgumentException("timeout must not be negative: " + millis);
        soTimeout = millis;
    }

    public int getSoTimeout() {
        return soTimeout;
    }

    /** Half-close: sends FIN; reading goes on. */
    public void shutdownOutput() throws IOException {
        state.begin(null);
        try {
            stream.shutdownOutput();
        } finally {
            state.end();
        }
    }

    public InetSocketAddress localAddress() throws IOException {
        state.begin(null);
        try {
            return stream.localAddress();
        } finally {
            state.end();
        }
    }

    public InetSocketAddress remoteAddress() throws IOException {
        state.begin(null);
        try {
            return stream.remoteAddress();
        } finally {
            state.end();
        }
    }

    /**
     * The non-blocking socket underneath, for options. Not guarded by the close protocol: use it
     * from a thread that does not race {@link #close()}, and never close it directly.
     */
    public TcpStream stream() {
        return stream;
    }

    /** Whether {@link #close()} has not been called (nor an interrupt closed the socket). */
    public boolean isOpen() {
        return state.isOpen();
    }

    /**
     * Closes the socket; any thread may call it, also while others read or write. A thread parked
     * in a read or write ends with {@code SocketException("Socket closed")}; the descriptor is
     * withdrawn from the pollers and closed once the last operation has left (at once if none is
     * in flight). Idempotent.
     */
    @Override
    public void close() {
        state.close();
    }
}
