package dev.rawpoll.net;

import static dev.rawpoll.net.SocketHandle.ABI;
import static dev.rawpoll.net.SocketHandle.RAW;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.rawpoll.SystemCallException;
import dev.rawpoll.internal.Native;
import java.io.IOException;

/**
 * TCP urgent data ("out-of-band" data) of one {@link TcpStream}, from {@link
 * TcpStream#urgentData()}: send(2) and recv(2) with MSG_OOB, ioctl(2) SIOCATMARK and the
 * SO_OOBINLINE option.
 *
 * <h2>What TCP gives, and what it does not</h2>
 * <ul>
 * <li>There is <em>one</em> urgent byte at a time. {@link #send} sends a single byte (a C
 *     {@code send} of several bytes with MSG_OOB makes only the last one urgent). A newer urgent
 *     byte replaces one the peer has not read yet; Linux then leaves the older byte in the
 *     normal stream as ordinary data, or drops it if it was the very next byte to read.</li>
 * <li>Urgent data is not faster than the stream: it travels in it, in order, only marked (the
 *     "urgent pointer"). What the receiver gets early is the <em>notice</em>: a poller with
 *     {@link dev.rawpoll.Interest#PRIORITY} reports {@link dev.rawpoll.Readiness#PRIORITY}
 *     (EPOLLPRI) once the urgent byte is there; a lone urgent byte does not make the socket
 *     readable.</li>
 * <li>By default the urgent byte is taken out of the stream: {@link #read} returns it, the
 *     stream's normal reads skip it, and a normal read stops just before the mark so that
 *     {@link #atMark()} tells where it was. With {@link #setInline} on, the byte stays in the
 *     stream and is read like any other.</li>
 * <li>RFC 6093 (2011) says new applications should not use urgent data: middleboxes may clear
 *     the urgent flag, and stacks disagree on where the pointer points. It exists for protocols
 *     that already use it (telnet's interrupt process, FTP's abort). java.net has the same
 *     calls ({@code Socket.sendUrgentData}, {@code setOOBInline}) but no way to read the byte
 *     apart.</li>
 * </ul>
 *
 * <p>The same thread rules as the stream: one thread at a time, and every method throws
 * {@link IllegalStateException} once the stream is closed.
 */
public final class UrgentData {
    /** {@link #read}: no urgent byte is pending (EINVAL): none came, it was read, or inline is on. */
    public static final int NONE = -3;

    private final SocketHandle socket;

    UrgentData(SocketHandle socket) {
        this.socket = socket;
    }

    /**
     * Sends {@code value} as the urgent byte: send(2) with MSG_OOB|MSG_NOSIGNAL. It goes into the
     * stream after everything written before it.
     *
     * @return 1, or {@link TcpStream#WOULD_BLOCK} if the send buffer is full
     * @throws BrokenPipeException or {@link ConnectionResetException} if the connection is gone
     */
    public int send(byte value) throws IOException {
        int fd = socket.fd();
        socket.optval.set(JAVA_BYTE, 0, value);
        while (true) {
            long n = RAW.send(socket.errno, fd, socket.optval, 1, ABI.MSG_OOB | SocketHandle.SEND_FLAGS);
            if (n >= 0) {
                return (int) n;
            }
            int errno = Native.errno(socket.errno);
            if (errno == ABI.EAGAIN) {
                return TcpStream.WOULD_BLOCK;
            }
            if (errno != ABI.EINTR) {
                throw SocketHandle.error("send(fd=" + fd + ", MSG_OOB)", errno);
            }
        }
    }

    /**
     * Reads the pending urgent byte apart from the stream: recv(2) of one byte with MSG_OOB.
     *
     * @return the byte (0 to 255); {@link #NONE} if no urgent byte is pending, it was already
     *     read, or {@link #setInline} is on (EINVAL); {@link TcpStream#WOULD_BLOCK} if the peer
     *     announced urgent data that has not arrived yet (EAGAIN); {@link TcpStream#END_OF_STREAM}
     *     if it was announced but the connection ended before it came
     * @throws SystemCallException for other errors, e.g. {@code recv(fd=7, MSG_OOB): ENOTCONN
     *     (...)} on a connection that failed before the urgent byte came
     */
    public int read() throws IOException {
        int fd = socket.fd();
        while (true) {
            long n = RAW.recv(socket.errno, fd, socket.optval, 1, ABI.MSG_OOB);
            if (n == 1) {
                return Byte.toUnsignedInt(socket.optval.get(JAVA_BYTE, 0));
            }
            if (n == 0) {
                return TcpStream.END_OF_STREAM;
            }
            int errno = Native.errno(socket.errno);
            if (errno == ABI.EINVAL) {
                return NONE;
            }
            if (errno == ABI.EAGAIN) {
                return TcpStream.WOULD_BLOCK;
            }
            if (errno != ABI.EINTR) {
                throw SocketHandle.error("recv(fd=" + fd + ", MSG_OOB)", errno);
            }
        }
    }

    /**
     * Whether the next byte of the normal stream is at the urgent mark: ioctl(2) SIOCATMARK. With
     * {@link #setInline} on, that next byte is the urgent byte itself.
     */
    public boolean atMark() throws IOException {
        int fd = socket.fd();
        socket.optval.set(JAVA_INT, 0, 0);
        if (RAW.ioctl(socket.errno, fd, ABI.SIOCATMARK, socket.optval) != 0) {
            throw SocketHandle.error("ioctl(fd=" + fd + ", SIOCATMARK)", Native.errno(socket.errno));
        }
        return socket.optval.get(JAVA_INT, 0) != 0;
    }

    /**
     * SO_OOBINLINE: keep the urgent byte in the normal stream (then {@link #read} returns {@link
     * #NONE}). Off by default, as in java.net ({@code Socket.setOOBInline}). Urgent bytes already
     * received are not moved.
     */
    public void setInline(boolean on) throws IOException {
        socket.setIntOption(ABI.SOL_SOCKET, ABI.SO_OOBINLINE, "SO_OOBINLINE", on ? 1 : 0);
    }

    /** Whether SO_OOBINLINE is on. */
    public boolean isInline() throws IOException {
        return socket.getIntOption(ABI.SOL_SOCKET, ABI.SO_OOBINLINE, "SO_OOBINLINE") != 0;
    }
}
