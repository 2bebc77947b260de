package dev.rawpoll.vthread;

import dev.rawpoll.net.TcpStream;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;

/**
 * A connected TCP socket whose reads and writes block the calling (virtual) thread by parking it
 * until the socket is ready; see {@link BlockingSockets}.
 */
public final class BlockingTcpStream implements AutoCloseable {
    private final BlockingSockets sockets;
    private final TcpStream stream;

    BlockingTcpStream(BlockingSockets sockets, TcpStream stream) {
        this.sockets = sockets;
        this.stream = stream;
    }

    /** Reads at least one byte; returns how many, or -1 at end of stream; 0 at once if {@code len} is 0. */
    public int read(byte[] b, int off, int len) throws IOException {
        for (;;) {
            int n = stream.read(b, off, len);
            if (n != TcpStream.WOULD_BLOCK) return n;
            sockets.readers.await(stream.handle());
        }
    }

    /** Reads at least one byte into {@code dst}; returns how many, or -1 at end of stream; 0 at once if {@code dst} is empty. */
    public int read(MemorySegment dst) throws IOException {
        for (;;) {
            int n = stream.read(dst);
            if (n != TcpStream.WOULD_BLOCK) return n;
            sockets.readers.await(stream.handle());
        }
    }

    /** Reads exactly {@code b.length} bytes. */
    public byte[] readFully(byte[] b) throws IOException {
        for (int off = 0; off < b.length; ) {
            int n = read(b, off, b.length - off);
            if (n < 0) throw new EOFException("end of stream after " + off + " of " + b.length + " bytes");
            off += n;
        }
        return b;
    }

    /** Writes at least one byte; returns how many; 0 at once if {@code len} is 0. */
    public int write(byte[] b, int off, int len) throws IOException {
        for (;;) {
            int n = stream.write(b, off, len);
            if (n != TcpStream.WOULD_BLOCK) return n;
            sockets.writers.await(stream.handle());
        }
    }

    /** Writes all of {@code b}. */
    public void writeAll(byte[] b) throws IOException {
        for (int off = 0; off < b.length; ) {
            off += write(b, off, b.length - off);
        }
    }

    public void shutdownOutput() throws IOException {
        stream.shutdownOutput();
    }

    public InetSocketAddress localAddress() throws IOException {
        return stream.localAddress();
    }

    public InetSocketAddress remoteAddress() throws IOException {
        return stream.remoteAddress();
    }

    /** The non-blocking socket underneath, for options. */
    public TcpStream stream() {
        return stream;
    }

    /** Withdraws the socket from the pollers, then closes it. Idempotent. */
    @Override
    public void close() {
        if (stream.isOpen()) {
            sockets.forget(stream.handle());
            stream.close();
        }
    }
}
