package dev.rawpoll.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
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
@EnabledOnOs(value = OS.LINUX, architectures = "amd64", disabledReason = "rawpoll's TCP sockets (dev.rawpoll.net) exist for Linux x86-64 only so far")
class SocketAbiProbeTest {

    private static Map<String, Long> javaValues() {
        Map<String, Long> v = new LinkedHashMap<>();
        v.put("sizeof(struct sockaddr_in)", Sockets.SIZEOF_SOCKADDR_IN);
        v.put("offsetof(struct sockaddr_in, sin_family)", Sockets.OFFSETOF_SIN_FAMILY);
        v.put("offsetof(struct sockaddr_in, sin_port)", Sockets.OFFSETOF_SIN_PORT);
        v.put("offsetof(struct sockaddr_in, sin_addr)", Sockets.OFFSETOF_SIN_ADDR);
        v.put("sizeof(struct in_addr)", Sockets.SIZEOF_IN_ADDR);
        v.put("sizeof(struct sockaddr_in6)", Sockets.SIZEOF_SOCKADDR_IN6);
        v.put("offsetof(struct sockaddr_in6, sin6_family)", Sockets.OFFSETOF_SIN6_FAMILY);
        v.put("offsetof(struct sockaddr_in6, sin6_port)", Sockets.OFFSETOF_SIN6_PORT);
        v.put("offsetof(struct sockaddr_in6, sin6_flowinfo)", Sockets.OFFSETOF_SIN6_FLOWINFO);
        v.put("offsetof(struct sockaddr_in6, sin6_addr)", Sockets.OFFSETOF_SIN6_ADDR);
        v.put("offsetof(struct sockaddr_in6, sin6_scope_id)", Sockets.OFFSETOF_SIN6_SCOPE_ID);
        v.put("sizeof(struct in6_addr)", Sockets.SIZEOF_IN6_ADDR);
        v.put("sizeof(struct sockaddr_storage)", Sockets.SIZEOF_SOCKADDR_STORAGE);
        v.put("alignof(struct sockaddr_storage)", Sockets.ALIGNOF_SOCKADDR_STORAGE);
        v.put("offsetof(struct sockaddr_storage, ss_family)", Sockets.OFFSETOF_SS_FAMILY);
        v.put("sizeof(struct linger)", Sockets.SIZEOF_LINGER);
        v.put("offsetof(struct linger, l_onoff)", Sockets.OFFSETOF_L_ONOFF);
        v.put("offsetof(struct linger, l_linger)", Sockets.OFFSETOF_L_LINGER);
        v.put("sizeof(struct iovec)", Sockets.SIZEOF_IOVEC);
        v.put("offsetof(struct iovec, iov_base)", Sockets.OFFSETOF_IOV_BASE);
        v.put("offsetof(struct iovec, iov_len)", Sockets.OFFSETOF_IOV_LEN);
        v.put("sizeof(struct msghdr)", Sockets.SIZEOF_MSGHDR);
        v.put("alignof(struct msghdr)", Sockets.ALIGNOF_MSGHDR);
        v.put("offsetof(struct msghdr, msg_iov)", Sockets.OFFSETOF_MSG_IOV);
        v.put("offsetof(struct msghdr, msg_iovlen)", Sockets.OFFSETOF_MSG_IOVLEN);
        // The widths dev.rawpoll.net reads and writes these types and fields with.
        v.put("sizeof(iov_len)", JAVA_LONG.byteSize());
        v.put("sizeof(msg_iovlen)", JAVA_LONG.byteSize());
        v.put("sizeof(sa_family_t)", JAVA_SHORT.byteSize());
        v.put("sizeof(in_port_t)", JAVA_SHORT.byteSize());
        v.put("sizeof(socklen_t)", JAVA_INT.byteSize());
        constant(v, "AF_INET", Sockets.AF_INET);
        constant(v, "AF_INET6", Sockets.AF_INET6);
        constant(v, "SOCK_STREAM", Sockets.SOCK_STREAM);
        constant(v, "SOCK_NONBLOCK", Sockets.SOCK_NONBLOCK);
        constant(v, "SOCK_CLOEXEC", Sockets.SOCK_CLOEXEC);
        constant(v, "SOL_SOCKET", Sockets.SOL_SOCKET);
        constant(v, "SO_REUSEADDR", Sockets.SO_REUSEADDR);
        constant(v, "SO_REUSEPORT", Sockets.SO_REUSEPORT);
        constant(v, "SO_KEEPALIVE", Sockets.SO_KEEPALIVE);
        constant(v, "SO_RCVBUF", Sockets.SO_RCVBUF);
        constant(v, "SO_SNDBUF", Sockets.SO_SNDBUF);
        constant(v, "SO_ERROR", Sockets.SO_ERROR);
        constant(v, "SO_LINGER", Sockets.SO_LINGER);
        constant(v, "IPPROTO_TCP", Sockets.IPPROTO_TCP);
        constant(v, "TCP_NODELAY", Sockets.TCP_NODELAY);
        constant(v, "MSG_NOSIGNAL", Sockets.MSG_NOSIGNAL);
        constant(v, "SHUT_RD", Sockets.SHUT_RD);
        constant(v, "SHUT_WR", Sockets.SHUT_WR);
        constant(v, "SHUT_RDWR", Sockets.SHUT_RDWR);
        constant(v, "F_GETFL", Sockets.F_GETFL);
        constant(v, "F_SETFL", Sockets.F_SETFL);
        constant(v, "F_GETFD", Sockets.F_GETFD);
        constant(v, "F_SETFD", Sockets.F_SETFD);
        constant(v, "O_NONBLOCK", Sockets.O_NONBLOCK);
        constant(v, "FD_CLOEXEC", Sockets.FD_CLOEXEC);
        constant(v, "EINTR", Sockets.EINTR);
        constant(v, "EAGAIN", Sockets.EAGAIN);
        constant(v, "EINPROGRESS", Sockets.EINPROGRESS);
        constant(v, "ECONNRESET", Sockets.ECONNRESET);
        constant(v, "EPIPE", Sockets.EPIPE);
        constant(v, "ECONNREFUSED", Sockets.ECONNREFUSED);
        constant(v, "ENOTCONN", Sockets.ENOTCONN);
        constant(v, "UIO_MAXIOV", Sockets.UIO_MAXIOV);
        constant(v, "ECONNABORTED", Sockets.ECONNABORTED);
        constant(v, "EADDRINUSE", Sockets.EADDRINUSE);
        constant(v, "EAFNOSUPPORT", Sockets.EAFNOSUPPORT);
        constant(v, "MSG_OOB", Sockets.MSG_OOB);
        constant(v, "SO_OOBINLINE", Sockets.SO_OOBINLINE);
        constant(v, "SIOCATMARK", Sockets.SIOCATMARK);
        constant(v, "EINVAL", Sockets.EINVAL);
        return v;
    }

    /** C prints constants as non-negative numbers. */
    private static void constant(Map<String, Long> values, String name, int value) {
        values.put(name, Integer.toUnsignedLong(value));
    }

    @Test
    void javaLayoutsAndConstantsMatchTheSystemHeaders() throws Exception {
        assertEquals(new TreeMap<>(javaValues()), AbiProbeTest.probe("abi_probe_socket_linux"));
    }
}
