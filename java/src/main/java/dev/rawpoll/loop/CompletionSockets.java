package dev.rawpoll.loop;

import dev.rawpoll.internal.Errno;
import dev.rawpoll.internal.StreamBridge;
import dev.rawpoll.net.TcpListener;
import dev.rawpoll.net.TcpStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;

/**
 * {@link AsyncSockets} on a loop whose poller does the I/O itself (io_uring): each call hands one
 * operation to the kernel and suspends the task until its completion (asyncio's proactor), where
 * the readiness path tries the call and waits for readiness when it would block. The operation is
 * submitted by the loop's next wait, together with every other operation and registration change
 * of the pass, in one system call. Results and errors are those of the readiness path: an
 * {@code -errno} becomes the same exception, naming the same call ({@code recv(fd=7):
 * ECONNRESET (Connection reset by peer)}). The buffer rule is {@link CompletionOps}'.
 */
final class CompletionSockets {
    private CompletionSockets() {}

    /** accept: IORING_OP_ACCEPT with SOCK_NONBLOCK | SOCK_CLOEXEC. */
    static TcpStream accept(Task<?> task, CompletionOps ops, TcpListener listener) throws IOException {
        for (;;) {
            if (!listener.isShortOfResources()) {
                int fd = (int) listener.handle();
                ops.unhook(fd); // the readiness path below may have taken the listener's close hook away
                int id = ops.begin(task, fd, CompletionOps.READ, null);
                try {
                    ops.ring.accept(id, fd);
                } catch (IOException | RuntimeException e) {
                    ops.abandon(id);
                    throw e;
                }
                int res = ops.await(task, id, "accept on");
                if (res >= 0) {
                    return StreamBridge.net().adoptAccepted(res);
                }
            }
            // An error, or a shortage episode: the readiness path calls accept4 again, which names
            // the error as it always does, skips an aborted connection, and on EMFILE & co. backs
            // off, reports once and uses the reserve descriptor (AsyncSockets.accept).
            TcpStream stream = AsyncSockets.acceptByReadiness(task, listener);
            if (stream != null) {
                return stream;
            }
        }
    }

    /**
     * connect: IORING_OP_CONNECT on a new non-blocking socket; its completion is the outcome
     * (ECONNREFUSED: {@link dev.rawpoll.net.ConnectionRefusedException}, as on epoll).
     */
    static TcpStream connect(Task<?> task, CompletionOps ops, InetSocketAddress remote) throws IOException {
        StreamBridge.Net net = StreamBridge.net();
        StreamBridge.Connecting connecting = net.connecting(remote);
        TcpStream stream = connecting.stream();
        try {
            int fd = (int) stream.handle();
            int id = ops.begin(task, fd, CompletionOps.WRITE, null); // the sockaddr lives as long as the stream
            try {
                ops.ring.connect(id, fd, connecting.sockaddr(), connecting.length());
            } catch (IOException | RuntimeException e) {
                ops.abandon(id);
                throw e;
            }
            int res = ops.await(task, id, "connect");
            if (res < 0) {
                throw net.connectError(remote, -res);
            }
            while (!stream.finishConnect()) { // connected: finishConnect learns the peer at once
                id = ops.begin(task, fd, CompletionOps.WRITE, null);
                try {
                    ops.ring.awaitWritable(id, fd);
                } catch (IOException | RuntimeException e) {
                    ops.abandon(id);
                    throw e;
                }
                ops.await(task, id, "connect");
            }
            return stream;
        } catch (IOException | RuntimeException | Error e) {
            stream.close();
            throw e;
        }
    }

    /**
     * read: IORING_OP_RECV into {@code dst[offset, offset + length)} if native, else into a bounce
     * buffer copied there. The caller has checked the range.
     */
    static int read(Task<?> task, CompletionOps ops, TcpStream stream, MemorySegment dst, long offset, long length)
            throws IOException {
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("cannot read into a read-only segment");
        }
        int fd = (int) stream.handle(); // a closed stream throws
        if (length == 0) {
            return 0;
        }
        boolean direct = dst.isNative();
        for (;;) {
            int id = ops.begin(task, fd, CompletionOps.READ, direct ? dst.scope() : null);
            MemorySegment buffer = direct ? dst : ops.bounce(id, length);
            long start = direct ? offset : 0;
            int len = (int) Math.min(Math.min(length, buffer.byteSize() - start), Integer.MAX_VALUE);
            try {
                ops.ring.recv(id, fd, buffer.address() + start, len);
            } catch (IOException | RuntimeException e) {
                ops.abandon(id);
                throw e;
            }
            int res = ops.await(task, id, "read from");
            if (res > 0) {
                if (!direct) {
                    MemorySegment.copy(buffer, 0, dst, offset, res);
                }
                return res;
            }
            if (res == 0) {
                return TcpStream.END_OF_STREAM;
            }
            if (!retry(res)) {
                throw StreamBridge.net().error("recv(fd=" + fd + ")", -res);
            }
        }
    }

    /** {@link #read(Task, CompletionOps, TcpStream, MemorySegment, long, long)} into {@code b[off, off + len)}. */
    static int read(Task<?> task, CompletionOps ops, TcpStream stream, byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        int fd = (int) stream.handle();
        if (len == 0) {
            return 0;
        }
        for (;;) {
            int id = ops.begin(task, fd, CompletionOps.READ, null);
            MemorySegment buffer = ops.bounce(id, len);
            try {
                ops.ring.recv(id, fd, buffer.address(), (int) Math.min(len, buffer.byteSize()));
            } catch (IOException | RuntimeException e) {
                ops.abandon(id);
                throw e;
            }
            int res = ops.await(task, id, "read from");
            if (res > 0) {
                MemorySegment.copy(buffer, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, b, off, res);
                return res;
            }
            if (res == 0) {
                return TcpStream.END_OF_STREAM;
            }
            if (!retry(res)) {
                throw StreamBridge.net().error("recv(fd=" + fd + ")", -res);
            }
        }
    }

    /**
     * write: IORING_OP_SEND (MSG_NOSIGNAL) from {@code src[offset, offset + length)} if native,
     * else from a bounce buffer. The caller has checked the range.
     */
    static int write(Task<?> task, CompletionOps ops, TcpStream stream, MemorySegment src, long offset, long length)
            throws IOException {
        int fd = (int) stream.handle();
        if (length == 0) {
            return 0;
        }
        boolean direct = src.isNative();
        for (;;) {
            int id = ops.begin(task, fd, CompletionOps.WRITE, direct ? src.scope() : null);
            MemorySegment buffer = direct ? src : ops.bounce(id, length);
            long start = direct ? offset : 0;
            int len = (int) Math.min(Math.min(length, buffer.byteSize() - start), Integer.MAX_VALUE);
            if (!direct) {
                MemorySegment.copy(src, offset, buffer, 0, len);
            }
            try {
                ops.ring.send(id, fd, buffer.address() + start, len);
            } catch (IOException | RuntimeException e) {
                ops.abandon(id);
                throw e;
            }
            int res = ops.await(task, id, "write to");
            if (res > 0) {
                return res;
            }
            if (res < 0 && !retry(res)) {
                throw StreamBridge.net().error("send(fd=" + fd + ")", -res);
            }
        }
    }

    /** {@link #write(Task, CompletionOps, TcpStream, MemorySegment, long, long)} from {@code b[off, off + len)}. */
    static int write(Task<?> task, CompletionOps ops, TcpStream stream, byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        int fd = (int) stream.handle();
        if (len == 0) {
            return 0;
        }
        for (;;) {
            int id = ops.begin(task, fd, CompletionOps.WRITE, null);
            MemorySegment buffer = ops.bounce(id, len);
            int n = (int) Math.min(len, buffer.byteSize());
            MemorySegment.copy(b, off, buffer, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, n);
            try {
                ops.ring.send(id, fd, buffer.address(), n);
            } catch (IOException | RuntimeException e) {
                ops.abandon(id);
                throw e;
            }
            int res = ops.await(task, id, "write to");
            if (res > 0) {
                return res;
            }
            if (res < 0 && !retry(res)) {
                throw StreamBridge.net().error("send(fd=" + fd + ")", -res);
            }
        }
    }

    /**
     * Errors after which the operation is submitted again: EAGAIN (the kernel gave up waiting for
     * readiness itself, rare), EINTR, and ECANCELED not asked for by the task (the kernel cancels
     * a thread's requests when it exits: the loop ran on another thread).
     */
    private static boolean retry(int res) {
        String name = Errno.name(-res); // only on the error path
        return name.equals("EAGAIN") || name.equals("EINTR") || name.equals("ECANCELED");
    }
}
