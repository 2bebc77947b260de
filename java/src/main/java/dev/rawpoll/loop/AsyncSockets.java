package dev.rawpoll.loop;

import dev.rawpoll.net.TcpListener;
import dev.rawpoll.net.TcpStream;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CancellationException;

/**
 * Socket operations for the body of a {@link Task}: each tries the non-blocking call first and
 * only when it would block (EAGAIN) suspends the task until the loop sees the socket ready, then
 * tries again (asyncio's {@code sock_recv} and friends).
 *
 * <p><b>What a wait costs.</b> The socket's registration with the poller is made at the first
 * wait and kept while the task runs: if it waits again for the same direction before the loop's
 * next poll (the usual read, write, read of a request/response exchange) that costs no system
 * call; a registration nobody waits on any more is dropped just before the loop's next wait. A
 * read that returns less than it asked for marks the socket as probably drained, and the next
 * read then waits for readiness first instead of paying for a recv that returns EAGAIN (Netty's
 * approach): on a level-triggered registration that costs nothing when more data is there.
 *
 * <p><b>Close.</b> Closing a socket ({@code close()}) on which a task waits wakes that task with
 * a {@link java.net.SocketException} "Socket closed", and the loop deregisters the socket before
 * its descriptor number is released, so a new socket that gets the number never sees an event of
 * the old one (libuv's {@code uv_close} order). From another thread while the loop runs, {@code
 * close()} returns at once with the socket closed for its users, and the loop thread, in its next
 * pass, forgets it, wakes its waiters and only then releases the descriptor (as the JDK defers
 * the close of a channel registered with a selector).
 *
 * <p><b>On io_uring: completions.</b> On a loop whose poller does the I/O itself ({@code
 * EventLoop.open(Poller.openIoUring())}) every method hands its operation to the kernel (recv,
 * send, accept, connect) and suspends the task until the kernel says it is done;
 * the loop's next wait submits every operation of the pass in one system call. Results and
 * exceptions are the same. <b>The buffer rule:</b> memory passed to a method belongs to the kernel
 * until the method returns or throws, and the method never returns or throws before the kernel's
 * completion, even when the task is cancelled (the operation is cancelled with
 * IORING_OP_ASYNC_CANCEL and its completion awaited) or the socket is closed (likewise; its
 * descriptor is released only after the completions). So do not close a segment's arena while a
 * call on it is in flight; an automatic arena is kept alive. A read or write cancelled after the
 * kernel already moved bytes returns them, and the cancellation is thrown by the task's next wait.
 * A heap array or heap segment goes through a native bounce buffer of the loop, at most 64 KiB
 * per call. Other pollers (epoll, kqueue, IOCP) keep readiness.
 * Details: {@code docs/io_uring.md}.
 *
 * <p>One task at a time may wait to read, and one to write, on a socket (another gets {@link
 * IllegalStateException}). Every method throws {@link CancellationException} if the task is
 * cancelled while it waits; bytes already moved by {@link #readFully}/{@link #writeAll} stay
 * moved.
 */
public final class AsyncSockets {
    private AsyncSockets() {}

    /** The first pause of {@link #accept} after a resource shortage; it doubles up to {@link #MAX_ACCEPT_BACKOFF}. */
    static final Duration FIRST_ACCEPT_BACKOFF = Duration.ofMillis(1);
    static final Duration MAX_ACCEPT_BACKOFF = Duration.ofMillis(100);

    /**
     * Waits for and accepts the next connection.
     *
     * <p><b>Out of descriptors or memory</b> ({@link TcpListener#isResourceShortage}: EMFILE,
     * ENFILE, ENOBUFS, ENOMEM) it does not fail and does not spin: the connection stays in the
     * backlog, so it stops watching the listener, sleeps 1 ms, then tries again, doubling the
     * pause up to 100 ms (at most ~10 attempts a second), until an accept succeeds (asyncio logs
     * and retries after 1 s). It reports the shortage once per episode ({@link
     * TcpListener#isShortOfResources}: from the first failure until the backlog has been drained)
     * to the loop's {@link EventLoop#setExceptionHandler exception handler}, as an {@link
     * IOException} whose cause is the {@link dev.rawpoll.SystemCallException}.
     * Clients wait in the backlog meanwhile, or, with a listener that {@link
     * TcpListener#keepReserveDescriptor() keeps a reserve descriptor}, see their connection closed.
     */
    public static TcpStream accept(TcpListener listener) throws IOException {
        Task<?> task = Tasks.current(); // outside a task: fail before touching the socket
        CompletionOps ops = task.loop().completionOps();
        return ops != null ? CompletionSockets.accept(task, ops, listener) : acceptByReadiness(task, listener);
    }

    /** {@link #accept} with readiness: try accept4, wait until the listener is readable when nothing is pending. */
    static TcpStream acceptByReadiness(Task<?> task, TcpListener listener) throws IOException {
        Duration backoff = null; // not null while out of resources
        for (;;) {
            TcpStream stream;
            boolean alreadyShort = listener.isShortOfResources();
            try {
                stream = listener.accept();
            } catch (IOException e) {
                if (!TcpListener.isResourceShortage(e)) {
                    throw e;
                }
                if (!alreadyShort) {
                    task.loop().reportException(new IOException(listener + ": accept is out of resources ("
                            + e.getMessage() + "); retrying with pauses of up to " + MAX_ACCEPT_BACKOFF.toMillis()
                            + " ms, reported once until the backlog is drained", e));
                }
                backoff = backoff == null ? FIRST_ACCEPT_BACKOFF
                        : backoff.multipliedBy(2).compareTo(MAX_ACCEPT_BACKOFF) < 0 ? backoff.multipliedBy(2) : MAX_ACCEPT_BACKOFF;
                Tasks.sleep(backoff); // not watching: a level-triggered listener with a backlog stays readable
                continue;
            }
            if (stream != null) {
                return stream;
            }
            SocketWaits.await(task, task.loop().watchers(), listener.handle(), FdWatchers.READ);
        }
    }

    /**
     * Connects to {@code remote}, waiting until the connection is established.
     *
     * @throws dev.rawpoll.net.ConnectionRefusedException if nothing listens there
     */
    public static TcpStream connect(InetSocketAddress remote) throws IOException {
        Task<?> task = Tasks.current();
        CompletionOps ops = task.loop().completionOps();
        if (ops != null) {
            return CompletionSockets.connect(task, ops, remote);
        }
        TcpStream stream = TcpStream.connect(remote);
        try {
            while (!stream.finishConnect()) {
                SocketWaits.await(task, task.loop().watchers(), stream.handle(), FdWatchers.WRITE);
            }
            return stream;
        } catch (IOException | RuntimeException | Error e) {
            stream.close();
            throw e;
        }
    }

    /**
     * Reads what is there into {@code dst}, waiting until something is.
     *
     * @return bytes read ({@code > 0}; 0 only if {@code dst} is empty) or {@link TcpStream#END_OF_STREAM}
     */
    public static int read(TcpStream stream, MemorySegment dst) throws IOException {
        Task<?> task = Tasks.current(); // outside a task: fails before touching the socket
        CompletionOps ops = task.loop().completionOps();
        if (ops != null) {
            return CompletionSockets.read(task, ops, stream, dst, 0, dst.byteSize());
        }
        FdWatchers watchers = task.loop().watchers();
        long handle = stream.handle();
        boolean wait = dst.byteSize() > 0 && watchers.drained(handle);
        for (;; wait = true) {
            if (wait) {
                SocketWaits.await(task, watchers, handle, FdWatchers.READ);
            }
            int n = stream.read(dst);
            if (n != TcpStream.WOULD_BLOCK) {
                SocketWaits.readReturned(watchers, handle, dst.byteSize(), n);
                return n;
            }
        }
    }

    /**
     * {@link #read(TcpStream, MemorySegment)} into {@code dst[offset, offset + length)}: no slice
     * to make, nothing allocated per call.
     *
     * @throws IndexOutOfBoundsException if the range is outside {@code dst}
     */
    public static int read(TcpStream stream, MemorySegment dst, long offset, long length) throws IOException {
        Task<?> task = Tasks.current(); // outside a task: fails before touching the socket
        java.util.Objects.checkFromIndexSize(offset, length, dst.byteSize());
        CompletionOps ops = task.loop().completionOps();
        if (ops != null) {
            return CompletionSockets.read(task, ops, stream, dst, offset, length);
        }
        FdWatchers watchers = task.loop().watchers();
        long handle = stream.handle();
        boolean wait = length > 0 && watchers.drained(handle);
        for (;; wait = true) {
            if (wait) {
                SocketWaits.await(task, watchers, handle, FdWatchers.READ);
            }
            int n = stream.read(dst, offset, length);
            if (n != TcpStream.WOULD_BLOCK) {
                SocketWaits.readReturned(watchers, handle, length, n);
                return n;
            }
        }
    }

    /** {@link #read(TcpStream, MemorySegment)} into {@code b[off, off + len)}. */
    public static int read(TcpStream stream, byte[] b, int off, int len) throws IOException {
        Task<?> task = Tasks.current(); // outside a task: fails before touching the socket
        CompletionOps ops = task.loop().completionOps();
        if (ops != null) {
            return CompletionSockets.read(task, ops, stream, b, off, len);
        }
        FdWatchers watchers = task.loop().watchers();
        long handle = stream.handle();
        boolean wait = len > 0 && watchers.drained(handle);
        for (;; wait = true) {
            if (wait) {
                SocketWaits.await(task, watchers, handle, FdWatchers.READ);
            }
            int n = stream.read(b, off, len); // no segment per call: TcpStream reuses one per array
            if (n != TcpStream.WOULD_BLOCK) {
                SocketWaits.readReturned(watchers, handle, len, n);
                return n;
            }
        }
    }

    /**
     * Writes some of {@code src}, waiting until the socket takes at least one byte.
     *
     * @return bytes written ({@code > 0}; 0 only if {@code src} is empty)
     */
    public static int write(TcpStream stream, MemorySegment src) throws IOException {
        Task<?> task = Tasks.current();
        CompletionOps ops = task.loop().completionOps();
        if (ops != null) {
            return CompletionSockets.write(task, ops, stream, src, 0, src.byteSize());
        }
        for (;;) {
            int n = stream.write(src);
            if (n != TcpStream.WOULD_BLOCK && (n > 0 || src.byteSize() == 0)) {
                return n;
            }
            SocketWaits.await(task, task.loop().watchers(), stream.handle(), FdWatchers.WRITE);
        }
    }

    /**
     * {@link #write(TcpStream, MemorySegment)} from {@code src[offset, offset + length)}: no slice
     * to make, nothing allocated per call.
     *
     * @throws IndexOutOfBoundsException if the range is outside {@code src}
     */
    public static int write(TcpStream stream, MemorySegment src, long offset, long length) throws IOException {
        Task<?> task = Tasks.current();
        java.util.Objects.checkFromIndexSize(offset, length, src.byteSize());
        CompletionOps ops = task.loop().completionOps();
        if (ops != null) {
            return CompletionSockets.write(task, ops, stream, src, offset, length);
        }
        for (;;) {
            int n = stream.write(src, offset, length);
            if (n != TcpStream.WOULD_BLOCK && (n > 0 || length == 0)) {
                return n;
            }
            SocketWaits.await(task, task.loop().watchers(), stream.handle(), FdWatchers.WRITE);
        }
    }

    /** {@link #write(TcpStream, MemorySegment)} from {@code b[off, off + len)}. */
    public static int write(TcpStream stream, byte[] b, int off, int len) throws IOException {
        Task<?> task = Tasks.current();
        CompletionOps ops = task.loop().completionOps();
        if (ops != null) {
            return CompletionSockets.write(task, ops, stream, b, off, len);
        }
        for (;;) {
            int n = stream.write(b, off, len);
            if (n != TcpStream.WOULD_BLOCK && (n > 0 || len == 0)) {
                return n;
            }
            SocketWaits.await(task, task.loop().watchers(), stream.handle(), FdWatchers.WRITE);
        }
    }

    /**
     * Fills {@code dst} completely; an empty {@code dst} returns at once.
     *
     * @throws EOFException if the stream ends first (saying how many bytes came)
     */
    public static void readFully(TcpStream stream, MemorySegment dst) throws IOException {
        readFully(stream, dst, 0, dst.byteSize());
    }

    /**
     * {@link #readFully(TcpStream, MemorySegment)} into {@code dst[offset, offset + length)}.
     *
     * @throws IndexOutOfBoundsException if the range is outside {@code dst}
     */
    public static void readFully(TcpStream stream, MemorySegment dst, long offset, long length) throws IOException {
        java.util.Objects.checkFromIndexSize(offset, length, dst.byteSize());
        for (long done = 0; done < length; ) {
            int n = read(stream, dst, offset + done, length - done);
            if (n == TcpStream.END_OF_STREAM) {
                throw new EOFException("end of stream after " + done + " of " + length + " bytes");
            }
            done += n;
        }
    }

    /** {@link #readFully(TcpStream, MemorySegment)} into {@code b[off, off + len)}. */
    public static void readFully(TcpStream stream, byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        for (int done = 0; done < len; ) {
            int n = read(stream, b, off + done, len - done);
            if (n == TcpStream.END_OF_STREAM) {
                throw new EOFException("end of stream after " + done + " of " + len + " bytes");
            }
            done += n;
        }
    }

    /** Writes all of {@code src}; an empty {@code src} returns at once. */
    public static void writeAll(TcpStream stream, MemorySegment src) throws IOException {
        writeAll(stream, src, 0, src.byteSize());
    }

    /**
     * {@link #writeAll(TcpStream, MemorySegment)} from {@code src[offset, offset + length)}: the
     * echo server's call, with nothing allocated per call.
     *
     * @throws IndexOutOfBoundsException if the range is outside {@code src}
     */
    public static void writeAll(TcpStream stream, MemorySegment src, long offset, long length) throws IOException {
        java.util.Objects.checkFromIndexSize(offset, length, src.byteSize());
        for (long done = 0; done < length; ) {
            done += write(stream, src, offset + done, length - done);
        }
    }

    /** {@link #writeAll(TcpStream, MemorySegment)} from {@code b[off, off + len)}. */
    public static void writeAll(TcpStream stream, byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        for (int done = 0; done < len; ) {
            done += write(stream, b, off + done, len - done);
        }
    }
}
