package dev.rawpoll.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static dev.rawpoll.linux.AbiProbeTest.field;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.Test;

/**
 * Runs {@code abi_probe_socket_linux} (native/linux/abi_probe_socket.c, built by CMake from the
 * real headers) and compares every size, offset and constant it prints with what {@link Sockets}
 * and {@code dev.rawpoll.net} use. Fails on any difference, and on a value printed by one side only.
 */
@EnabledOnOs(value = OS.LINUX, architectures = {"amd64", "aarch64"}, disabledReason = "rawpoll's TCP sockets (dev.rawpoll.net) exist for Linux x86-64 and aarch64 only so far")
class SocketAbiProbeTest {

    /** The values {@code sockets} (a {@link Sockets}, possibly initialised for another architecture) holds. */
    static Map<String, Long> javaValues(Class<?> sockets) {
        Map<String, Long> v = new LinkedHashMap<>();
        v.put("sizeof(struct sockaddr_in)", field(sockets, "SIZEOF_SOCKADDR_IN"));
        v.put("offsetof(struct sockaddr_in, sin_family)", field(sockets, "OFFSETOF_SIN_FAMILY"));
        v.put("offsetof(struct sockaddr_in, sin_port)", field(sockets, "OFFSETOF_SIN_PORT"));
        v.put("offsetof(struct sockaddr_in, sin_addr)", field(sockets, "OFFSETOF_SIN_ADDR"));
        v.put("sizeof(struct in_addr)", field(sockets, "SIZEOF_IN_ADDR"));
        v.put("sizeof(struct sockaddr_in6)", field(sockets, "SIZEOF_SOCKADDR_IN6"));
        v.put("offsetof(struct sockaddr_in6, sin6_family)", field(sockets, "OFFSETOF_SIN6_FAMILY"));
        v.put("offsetof(struct sockaddr_in6, sin6_port)", field(sockets, "OFFSETOF_SIN6_PORT"));
        v.put("offsetof(struct sockaddr_in6, sin6_flowinfo)", field(sockets, "OFFSETOF_SIN6_FLOWINFO"));
        v.put("offsetof(struct sockaddr_in6, sin6_addr)", field(sockets, "OFFSETOF_SIN6_ADDR"));
        v.put("offsetof(struct sockaddr_in6, sin6_scope_id)", field(sockets, "OFFSETOF_SIN6_SCOPE_ID"));
        v.put("sizeof(struct in6_addr)", field(sockets, "SIZEOF_IN6_ADDR"));
        v.put("sizeof(struct sockaddr_storage)", field(sockets, "SIZEOF_SOCKADDR_STORAGE"));
        v.put("alignof(struct sockaddr_storage)", field(sockets, "ALIGNOF_SOCKADDR_STORAGE"));
        v.put("offsetof(struct sockaddr_storage, ss_family)", field(sockets, "OFFSETOF_SS_FAMILY"));
        v.put("sizeof(struct linger)", field(sockets, "SIZEOF_LINGER"));
        v.put("offsetof(struct linger, l_onoff)", field(sockets, "OFFSETOF_L_ONOFF"));
        v.put("offsetof(struct linger, l_linger)", field(sockets, "OFFSETOF_L_LINGER"));
        v.put("sizeof(struct iovec)", field(sockets, "SIZEOF_IOVEC"));
        v.put("offsetof(struct iovec, iov_base)", field(sockets, "OFFSETOF_IOV_BASE"));
        v.put("offsetof(struct iovec, iov_len)", field(sockets, "OFFSETOF_IOV_LEN"));
        v.put("sizeof(struct msghdr)", field(sockets, "SIZEOF_MSGHDR"));
        v.put("alignof(struct msghdr)", field(sockets, "ALIGNOF_MSGHDR"));
        v.put("offsetof(struct msghdr, msg_iov)", field(sockets, "OFFSETOF_MSG_IOV"));
        v.put("offsetof(struct msghdr, msg_iovlen)", field(sockets, "OFFSETOF_MSG_IOVLEN"));
        // The widths dev.rawpoll.net reads and writes these types and fields with.
        v.put("sizeof(iov_len)", JAVA_LONG.byteSize());
        v.put("sizeof(msg_iovlen)", JAVA_LONG.byteSize());
        v.put("sizeof(sa_family_t)", JAVA_SHORT.byteSize());
        v.put("sizeof(in_port_t)", JAVA_SHORT.byteSize());
        v.put("sizeof(socklen_t)", JAVA_INT.byteSize());
        v.put("AF_INET", field(sockets, "AF_INET"));
        v.put("AF_INET6", field(sockets, "AF_INET6"));
        v.put("SOCK_STREAM", field(sockets, "SOCK_STREAM"));
        v.put("SOCK_NONBLOCK", field(sockets, "SOCK_NONBLOCK"));
        v.put("SOCK_CLOEXEC", field(sockets, "SOCK_CLOEXEC"));
        v.put("SOL_SOCKET", field(sockets, "SOL_SOCKET"));
        v.put("SO_REUSEADDR", field(sockets, "SO_REUSEADDR"));
        v.put("SO_REUSEPORT", field(sockets, "SO_REUSEPORT"));
        v.put("SO_KEEPALIVE", field(sockets, "SO_KEEPALIVE"));
        v.put("SO_RCVBUF", field(sockets, "SO_RCVBUF"));
        v.put("SO_SNDBUF", field(sockets, "SO_SNDBUF"));
        v.put("SO_ERROR", field(sockets, "SO_ERROR"));
        v.put("SO_LINGER", field(sockets, "SO_LINGER"));
        v.put("IPPROTO_TCP", field(sockets, "IPPROTO_TCP"));
        v.put("TCP_NODELAY", field(sockets, "TCP_NODELAY"));
        v.put("MSG_NOSIGNAL", field(sockets, "MSG_NOSIGNAL"));
        v.put("SHUT_RD", field(sockets, "SHUT_RD"));
        v.put("SHUT_WR", field(sockets, "SHUT_WR"));
        v.put("SHUT_RDWR", field(sockets, "SHUT_RDWR"));
        v.put("F_GETFL", field(sockets, "F_GETFL"));
        v.put("F_SETFL", field(sockets, "F_SETFL"));
        v.put("F_GETFD", field(sockets, "F_GETFD"));
        v.put("F_SETFD", field(sockets, "F_SETFD"));
        v.put("O_NONBLOCK", field(sockets, "O_NONBLOCK"));
        v.put("FD_CLOEXEC", field(sockets, "FD_CLOEXEC"));
        v.put("EINTR", field(sockets, "EINTR"));
        v.put("EAGAIN", field(sockets, "EAGAIN"));
        v.put("EINPROGRESS", field(sockets, "EINPROGRESS"));
        v.put("ECONNRESET", field(sockets, "ECONNRESET"));
        v.put("EPIPE", field(sockets, "EPIPE"));
        v.put("ECONNREFUSED", field(sockets, "ECONNREFUSED"));
        v.put("ENOTCONN", field(sockets, "ENOTCONN"));
        v.put("UIO_MAXIOV", field(sockets, "UIO_MAXIOV"));
        v.put("ECONNABORTED", field(sockets, "ECONNABORTED"));
        v.put("EADDRINUSE", field(sockets, "EADDRINUSE"));
        v.put("EAFNOSUPPORT", field(sockets, "EAFNOSUPPORT"));
        v.put("MSG_OOB", field(sockets, "MSG_OOB"));
        v.put("SO_OOBINLINE", field(sockets, "SO_OOBINLINE"));
        v.put("SIOCATMARK", field(sockets, "SIOCATMARK"));
        v.put("EINVAL", field(sockets, "EINVAL"));
        v.put("SYS_recvfrom", field(sockets, "SYS_RECVFROM"));
        v.put("SYS_sendto", field(sockets, "SYS_SENDTO"));
        return v;
    }

    @Test
    void javaLayoutsAndConstantsMatchTheSystemHeaders() throws Exception {
        assertEquals(new TreeMap<>(javaValues(Sockets.class)), AbiProbeTest.probe("abi_probe_socket_linux"));
    }

    /**
     * The table {@code dev.rawpoll.net} reads on Linux (through {@link LinuxSockets}, the seam
     * shared with the BSD sockets) holds exactly the probed values, entry by entry.
     */
    @Test
    void theSocketCallsOfNetUseTheProbedValues() throws Exception {
        Map<String, Long> probed = AbiProbeTest.probe("abi_probe_socket_linux");
        Map<String, Long> seam = LinuxSockets.INSTANCE.abi().values();
        assertEquals(39 + 28, seam.size(), "entries: " + seam.keySet());
        seam.forEach((name, value) -> assertEquals(probed.get(name), value, name));
    }
}
