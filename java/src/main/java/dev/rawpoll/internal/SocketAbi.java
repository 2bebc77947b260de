package dev.rawpoll.internal;

import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeMap;

/**
 * The socket constants and struct layouts of one OS, built from a table keyed by the names the
 * ABI probes print ({@code "AF_INET6"}, {@code "sizeof(struct sockaddr_in6)"}, {@code
 * "offsetof(struct msghdr, msg_iovlen)"}), so that a probe's output can be compared with {@link
 * #values()} as a whole. The fields carry the C names. Read once into {@code static final} fields
 * by the callers on hot paths.
 *
 * <p>Optional entries, absent on some systems: {@code SOCK_NONBLOCK}/{@code SOCK_CLOEXEC} (0:
 * socket(2) takes no such flags, fcntl(2) does their work), {@code MSG_NOSIGNAL} (0: none; then
 * {@code SO_NOSIGPIPE} is set per socket), {@code SO_NOSIGPIPE} (-1: not used), the {@code
 * sin_len}/{@code sin6_len} offsets (-1: Linux and Windows have no length byte), {@code
 * SO_REUSEPORT} (-1: Windows has none, and setting it fails there), {@code SO_EXCLUSIVEADDRUSE}
 * (-1: Windows only; listeners get it there instead of SO_REUSEADDR), the fcntl names {@code
 * F_GETFL}, {@code F_SETFL}, {@code F_GETFD}, {@code F_SETFD}, {@code O_NONBLOCK}, {@code
 * FD_CLOEXEC} (-1: Windows has no fcntl), {@code sizeof(l_onoff)} (4 when absent: two {@code
 * u_short}s on Windows). {@code SO_LINGER} is the option that counts seconds (macOS:
 * SO_LINGER_SEC).
 *
 * <p>On Windows the Unix names carry the Winsock value of the same meaning: SHUT_RD/WR/RDWR are
 * SD_RECEIVE/SEND/BOTH, {@code struct iovec} and {@code struct msghdr} are WSABUF and WSAMSG, the
 * errno names are the WSAGetLastError codes (EAGAIN is WSAEWOULDBLOCK; EINPROGRESS, what a
 * non-blocking connect under way returns, is WSAEWOULDBLOCK too; EPIPE, a send after
 * shutdown, is WSAESHUTDOWN; ECONNABORTED, what accept answers for a connection given up before
 * it was accepted, is WSAECONNRESET): see {@code windows.WinsockAbi}.
 */
public final class SocketAbi {
    private final Map<String, Long> values;

    // struct layouts
    public final long SIZEOF_SOCKADDR_IN, OFFSETOF_SIN_LEN, OFFSETOF_SIN_FAMILY, OFFSETOF_SIN_PORT, OFFSETOF_SIN_ADDR;
    public final long SIZEOF_IN_ADDR;
    public final long SIZEOF_SOCKADDR_IN6, OFFSETOF_SIN6_LEN, OFFSETOF_SIN6_FAMILY, OFFSETOF_SIN6_PORT,
            OFFSETOF_SIN6_FLOWINFO, OFFSETOF_SIN6_ADDR, OFFSETOF_SIN6_SCOPE_ID;
    public final long SIZEOF_IN6_ADDR;
    public final long SIZEOF_SOCKADDR_STORAGE, ALIGNOF_SOCKADDR_STORAGE, OFFSETOF_SS_FAMILY;
    /** 2 on Linux, 1 on the BSDs (which put a length byte before it). */
    public final long SIZEOF_SA_FAMILY_T;
    public final long SIZEOF_LINGER, OFFSETOF_L_ONOFF, OFFSETOF_L_LINGER;
    /** The size of each of l_onoff and l_linger: 4 (int) on Unix, 2 (u_short) on Windows. */
    public final long SIZEOF_L_ONOFF;
    public final long SIZEOF_IOVEC, OFFSETOF_IOV_BASE, OFFSETOF_IOV_LEN;
    public final long SIZEOF_MSGHDR, ALIGNOF_MSGHDR, OFFSETOF_MSG_IOV, OFFSETOF_MSG_IOVLEN;
    /** 8 on Linux (size_t), 4 on the BSDs (int). */
    public final long SIZEOF_MSG_IOVLEN;
    public final int UIO_MAXIOV;

    // constants
    public final int AF_INET, AF_INET6, SOCK_STREAM, SOCK_NONBLOCK, SOCK_CLOEXEC;
    public final int SOL_SOCKET, SO_REUSEADDR, SO_REUSEPORT, SO_EXCLUSIVEADDRUSE, SO_KEEPALIVE, SO_RCVBUF,
            SO_SNDBUF, SO_ERROR, SO_LINGER, SO_OOBINLINE, SO_NOSIGPIPE, IPPROTO_TCP, TCP_NODELAY;
    public final int MSG_NOSIGNAL, MSG_OOB, SHUT_RD, SHUT_WR, SHUT_RDWR;
    public final int F_GETFL, F_SETFL, F_GETFD, F_SETFD, O_NONBLOCK, FD_CLOEXEC;
    public final long SIOCATMARK;
    public final int EINTR, EAGAIN, EINPROGRESS, ECONNRESET, EPIPE, ECONNREFUSED, ENOTCONN, ECONNABORTED,
            EADDRINUSE, EAFNOSUPPORT, EINVAL;

    /** @throws NoSuchElementException naming the first required entry {@code values} lacks */
    public SocketAbi(Map<String, Long> values) {
        this.values = new TreeMap<>(values);
        SIZEOF_SOCKADDR_IN = get("sizeof(struct sockaddr_in)");
        OFFSETOF_SIN_LEN = optional("offsetof(struct sockaddr_in, sin_len)", -1);
        OFFSETOF_SIN_FAMILY = get("offsetof(struct sockaddr_in, sin_family)");
        OFFSETOF_SIN_PORT = get("offsetof(struct sockaddr_in, sin_port)");
        OFFSETOF_SIN_ADDR = get("offsetof(struct sockaddr_in, sin_addr)");
        SIZEOF_IN_ADDR = get("sizeof(struct in_addr)");
        SIZEOF_SOCKADDR_IN6 = get("sizeof(struct sockaddr_in6)");
        OFFSETOF_SIN6_LEN = optional("offsetof(struct sockaddr_in6, sin6_len)", -1);
        OFFSETOF_SIN6_FAMILY = get("offsetof(struct sockaddr_in6, sin6_family)");
        OFFSETOF_SIN6_PORT = get("offsetof(struct sockaddr_in6, sin6_port)");
        OFFSETOF_SIN6_FLOWINFO = get("offsetof(struct sockaddr_in6, sin6_flowinfo)");
        OFFSETOF_SIN6_ADDR = get("offsetof(struct sockaddr_in6, sin6_addr)");
        OFFSETOF_SIN6_SCOPE_ID = get("offsetof(struct sockaddr_in6, sin6_scope_id)");
        SIZEOF_IN6_ADDR = get("sizeof(struct in6_addr)");
        SIZEOF_SOCKADDR_STORAGE = get("sizeof(struct sockaddr_storage)");
        ALIGNOF_SOCKADDR_STORAGE = get("alignof(struct sockaddr_storage)");
        OFFSETOF_SS_FAMILY = get("offsetof(struct sockaddr_storage, ss_family)");
        SIZEOF_SA_FAMILY_T = get("sizeof(sa_family_t)");
        SIZEOF_LINGER = get("sizeof(struct linger)");
        OFFSETOF_L_ONOFF = get("offsetof(struct linger, l_onoff)");
        OFFSETOF_L_LINGER = get("offsetof(struct linger, l_linger)");
        SIZEOF_L_ONOFF = optional("sizeof(l_onoff)", 4);
        SIZEOF_IOVEC = get("sizeof(struct iovec)");
        OFFSETOF_IOV_BASE = get("offsetof(struct iovec, iov_base)");
        OFFSETOF_IOV_LEN = get("offsetof(struct iovec, iov_len)");
        SIZEOF_MSGHDR = get("sizeof(struct msghdr)");
        ALIGNOF_MSGHDR = get("alignof(struct msghdr)");
        OFFSETOF_MSG_IOV = get("offsetof(struct msghdr, msg_iov)");
        OFFSETOF_MSG_IOVLEN = get("offsetof(struct msghdr, msg_iovlen)");
        SIZEOF_MSG_IOVLEN = get("sizeof(msg_iovlen)");
        UIO_MAXIOV = (int) get("UIO_MAXIOV");
        AF_INET = (int) get("AF_INET");
        AF_INET6 = (int) get("AF_INET6");
        SOCK_STREAM = (int) get("SOCK_STREAM");
        SOCK_NONBLOCK = (int) optional("SOCK_NONBLOCK", 0);
        SOCK_CLOEXEC = (int) optional("SOCK_CLOEXEC", 0);
        SOL_SOCKET = (int) get("SOL_SOCKET");
        SO_REUSEADDR = (int) get("SO_REUSEADDR");
        SO_REUSEPORT = (int) optional("SO_REUSEPORT", -1);
        SO_EXCLUSIVEADDRUSE = (int) optional("SO_EXCLUSIVEADDRUSE", -1);
        SO_KEEPALIVE = (int) get("SO_KEEPALIVE");
        SO_RCVBUF = (int) get("SO_RCVBUF");
        SO_SNDBUF = (int) get("SO_SNDBUF");
        SO_ERROR = (int) get("SO_ERROR");
        SO_LINGER = (int) get("SO_LINGER");
        SO_OOBINLINE = (int) get("SO_OOBINLINE");
        SO_NOSIGPIPE = (int) optional("SO_NOSIGPIPE", -1);
        IPPROTO_TCP = (int) get("IPPROTO_TCP");
        TCP_NODELAY = (int) get("TCP_NODELAY");
        MSG_NOSIGNAL = (int) optional("MSG_NOSIGNAL", 0);
        MSG_OOB = (int) get("MSG_OOB");
        SHUT_RD = (int) get("SHUT_RD");
        SHUT_WR = (int) get("SHUT_WR");
        SHUT_RDWR = (int) get("SHUT_RDWR");
        F_GETFL = (int) optional("F_GETFL", -1);
        F_SETFL = (int) optional("F_SETFL", -1);
        F_GETFD = (int) optional("F_GETFD", -1);
        F_SETFD = (int) optional("F_SETFD", -1);
        O_NONBLOCK = (int) optional("O_NONBLOCK", -1);
        FD_CLOEXEC = (int) optional("FD_CLOEXEC", -1);
        SIOCATMARK = get("SIOCATMARK");
        EINTR = (int) get("EINTR");
        EAGAIN = (int) get("EAGAIN");
        EINPROGRESS = (int) get("EINPROGRESS");
        ECONNRESET = (int) get("ECONNRESET");
        EPIPE = (int) get("EPIPE");
        ECONNREFUSED = (int) get("ECONNREFUSED");
        ENOTCONN = (int) get("ENOTCONN");
        ECONNABORTED = (int) get("ECONNABORTED");
        EADDRINUSE = (int) get("EADDRINUSE");
        EAFNOSUPPORT = (int) get("EAFNOSUPPORT");
        EINVAL = (int) get("EINVAL");
    }

    private long get(String name) {
        Long value = values.get(name);
        if (value == null) {
            throw new NoSuchElementException("socket ABI table lacks " + name);
        }
        return value;
    }

    private long optional(String name, long absent) {
        return values.getOrDefault(name, absent);
    }

    /** The whole table, by the probes' names (sorted, unmodifiable). */
    public Map<String, Long> values() {
        return java.util.Collections.unmodifiableMap(values);
    }
}
