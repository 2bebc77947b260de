package dev.rawpoll.bsd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * What can be checked of the BSD sockets where no BSD runs (here, on Linux): that the tables
 * {@link BsdSockets} builds from the jextract bindings of native/bsd/socket.h hold, entry for
 * entry, the values of the published headers, transcribed below a second time with the line each
 * comes from. The macOS lines are from apple-oss-distributions/xnu at
 * e3723e1f17661b24996789d8afc084c0c3303b26; the FreeBSD ones from freebsd/freebsd-src (the commits
 * are named in native/bsd/socket.h). This checks the transcription and the generated layouts, not
 * the kernels: {@link BsdSocketAbiProbeTest}, compiled against the real headers, does that in the
 * macOS (and a FreeBSD) CI job. It never ran here.
 */
class BsdSocketHeaderValuesTest {

    /** {name, macOS value, FreeBSD value (null: absent there), where it is written}. */
    private static final Object[][] ROWS = {
        // struct sockaddr_in: xnu bsd/netinet/in.h:385-391; FreeBSD sys/netinet/in.h "struct sockaddr_in {"
        // (u_char sin_len; u_char sin_family; u_short sin_port; struct in_addr sin_addr; char sin_zero[8])
        {"sizeof(struct sockaddr_in)", 16L, 16L, "1 + 1 + 2 + 4 + 8"},
        {"offsetof(struct sockaddr_in, sin_len)", 0L, 0L, "first field"},
        {"offsetof(struct sockaddr_in, sin_family)", 1L, 1L, "after one byte"},
        {"offsetof(struct sockaddr_in, sin_port)", 2L, 2L, ""},
        {"offsetof(struct sockaddr_in, sin_addr)", 4L, 4L, ""},
        {"sizeof(struct in_addr)", 4L, 4L, "in_addr_t s_addr (uint32_t)"},
        // struct sockaddr_in6: xnu bsd/netinet6/in6.h:181-188; FreeBSD sys/netinet6/in6.h
        // (uint8_t sin6_len; sa_family_t sin6_family; in_port_t sin6_port; uint32_t sin6_flowinfo;
        //  struct in6_addr sin6_addr; uint32_t sin6_scope_id)
        {"sizeof(struct sockaddr_in6)", 28L, 28L, "1 + 1 + 2 + 4 + 16 + 4"},
        {"offsetof(struct sockaddr_in6, sin6_len)", 0L, 0L, ""},
        {"offsetof(struct sockaddr_in6, sin6_family)", 1L, 1L, ""},
        {"offsetof(struct sockaddr_in6, sin6_port)", 2L, 2L, ""},
        {"offsetof(struct sockaddr_in6, sin6_flowinfo)", 4L, 4L, ""},
        {"offsetof(struct sockaddr_in6, sin6_addr)", 8L, 8L, ""},
        {"offsetof(struct sockaddr_in6, sin6_scope_id)", 24L, 24L, ""},
        {"sizeof(struct in6_addr)", 16L, 16L, ""},
        // struct sockaddr_storage: xnu bsd/sys/socket.h:480-497 (_SS_MAXSIZE 128, _SS_ALIGNSIZE
        // sizeof(__int64_t)); FreeBSD sys/sys/_sockaddr_storage.h (_SS_MAXSIZE 128U)
        {"sizeof(struct sockaddr_storage)", 128L, 128L, "_SS_MAXSIZE"},
        {"alignof(struct sockaddr_storage)", 8L, 8L, "__int64_t __ss_align"},
        {"offsetof(struct sockaddr_storage, ss_family)", 1L, 1L, "after __uint8_t ss_len"},
        {"sizeof(sa_family_t)", 1L, 1L, "__uint8_t"},
        // struct linger { int l_onoff; int l_linger; }: xnu bsd/sys/socket.h; FreeBSD sys/sys/socket.h
        {"sizeof(struct linger)", 8L, 8L, ""},
        {"offsetof(struct linger, l_onoff)", 0L, 0L, ""},
        {"offsetof(struct linger, l_linger)", 4L, 4L, ""},
        // struct iovec { void *iov_base; size_t iov_len; }: xnu bsd/sys/_types/_iovec_t.h:31-34
        {"sizeof(struct iovec)", 16L, 16L, ""},
        {"offsetof(struct iovec, iov_base)", 0L, 0L, ""},
        {"offsetof(struct iovec, iov_len)", 8L, 8L, ""},
        // struct msghdr: xnu bsd/sys/socket.h:603-611; FreeBSD sys/sys/socket.h "struct msghdr {"
        // (void *msg_name; socklen_t msg_namelen; struct iovec *msg_iov; int msg_iovlen;
        //  void *msg_control; socklen_t msg_controllen; int msg_flags)
        {"sizeof(struct msghdr)", 48L, 48L, "8 + 4(+4) + 8 + 4(+4) + 8 + 4 + 4"},
        {"alignof(struct msghdr)", 8L, 8L, ""},
        {"offsetof(struct msghdr, msg_iov)", 16L, 16L, ""},
        {"offsetof(struct msghdr, msg_iovlen)", 24L, 24L, ""},
        {"sizeof(msg_iovlen)", 4L, 4L, "int, where Linux has size_t"},
        {"UIO_MAXIOV", 1024L, 1024L, "xnu bsd/sys/uio.h:258 #define UIO_MAXIOV 1024"},
        // constants: xnu bsd/sys/socket.h; FreeBSD sys/sys/socket.h at 00b5ffde8e0f
        {"AF_INET", 2L, 2L, "xnu socket.h:391; FreeBSD #define AF_INET 2"},
        {"AF_INET6", 30L, 28L, "xnu socket.h:422 #define AF_INET6 30; FreeBSD #define AF_INET6 28"},
        {"SOCK_STREAM", 1L, 1L, "xnu socket.h:113"},
        {"SOCK_NONBLOCK", null, 0x20000000L, "FreeBSD #define SOCK_NONBLOCK 0x20000000 (macOS: none)"},
        {"SOCK_CLOEXEC", null, 0x10000000L, "FreeBSD #define SOCK_CLOEXEC 0x10000000 (macOS: none)"},
        {"MSG_NOSIGNAL", null, 0x20000L, "FreeBSD #define MSG_NOSIGNAL 0x20000 (macOS: SO_NOSIGPIPE instead)"},
        {"SO_NOSIGPIPE", 0x1022L, null, "xnu socket.h:174 #define SO_NOSIGPIPE 0x1022"},
        {"SOL_SOCKET", 0xffffL, 0xffffL, "xnu socket.h:380"},
        {"SO_REUSEADDR", 0x4L, 0x4L, "xnu socket.h:126"},
        {"SO_KEEPALIVE", 0x8L, 0x8L, "xnu socket.h:127"},
        {"SO_LINGER", 0x1080L, 0x80L, "xnu socket.h:133 SO_LINGER_SEC 0x1080 (SO_LINGER 0x0080 counts ticks); FreeBSD SO_LINGER 0x0080"},
        {"SO_OOBINLINE", 0x100L, 0x100L, "xnu socket.h:137"},
        {"SO_REUSEPORT", 0x200L, 0x200L, "xnu socket.h:139"},
        {"SO_SNDBUF", 0x1001L, 0x1001L, "xnu socket.h:160"},
        {"SO_RCVBUF", 0x1002L, 0x1002L, "xnu socket.h:161"},
        {"SO_ERROR", 0x1007L, 0x1007L, "xnu socket.h:166"},
        {"MSG_OOB", 0x1L, 0x1L, "xnu socket.h:613"},
        {"SHUT_RD", 0L, 0L, "xnu socket.h:737"},
        {"SHUT_WR", 1L, 1L, "xnu socket.h:738"},
        {"SHUT_RDWR", 2L, 2L, "xnu socket.h:739"},
        {"IPPROTO_TCP", 6L, 6L, "xnu bsd/netinet/in.h:117; FreeBSD sys/netinet/in.h #define IPPROTO_TCP 6"},
        {"TCP_NODELAY", 1L, 1L, "xnu bsd/netinet/tcp.h:221 #define TCP_NODELAY 0x01"},
        {"F_GETFD", 1L, 1L, "xnu bsd/sys/fcntl.h:279"},
        {"F_SETFD", 2L, 2L, "xnu bsd/sys/fcntl.h:280"},
        {"F_GETFL", 3L, 3L, "xnu bsd/sys/fcntl.h:281"},
        {"F_SETFL", 4L, 4L, "xnu bsd/sys/fcntl.h:282"},
        {"O_NONBLOCK", 4L, 4L, "xnu bsd/sys/fcntl.h:115 #define O_NONBLOCK 0x00000004"},
        {"FD_CLOEXEC", 1L, 1L, "xnu bsd/sys/fcntl.h:450"},
        {"SIOCATMARK", 0x40047307L, 0x40047307L,
            "xnu bsd/sys/sockio.h:79 _IOR('s', 7, int); bsd/sys/ioccom.h:83,91,94 IOC_OUT 0x40000000 | 4 << 16 | 's' << 8 | 7"},
        // errno: xnu bsd/sys/errno.h (FreeBSD sys/sys/errno.h has the same 4.4BSD numbers)
        {"EINTR", 4L, 4L, "errno.h:93"},
        {"EINVAL", 22L, 22L, "errno.h:114"},
        {"EPIPE", 32L, 32L, "errno.h:124"},
        {"EAGAIN", 35L, 35L, "errno.h:131"},
        {"EINPROGRESS", 36L, 36L, "errno.h:133"},
        {"EAFNOSUPPORT", 47L, 47L, "errno.h:162"},
        {"EADDRINUSE", 48L, 48L, "errno.h:163"},
        {"ECONNABORTED", 53L, 53L, "errno.h:170"},
        {"ECONNRESET", 54L, 54L, "errno.h:171"},
        {"ENOTCONN", 57L, 57L, "errno.h:174"},
        {"ECONNREFUSED", 61L, 61L, "errno.h:180"},
    };

    private static Map<String, Long> expected(int column) {
        Map<String, Long> m = new TreeMap<>();
        for (Object[] row : ROWS) {
            if (row[column] != null) {
                m.put((String) row[0], (Long) row[column]);
            }
        }
        return m;
    }

    @Test
    void macosTableIsTheXnuHeaders() {
        assertEquals(expected(1), BsdSockets.MACOS.abi().values());
        assertEquals(false, BsdSockets.MACOS.hasAccept4(), "macOS has no accept4");
    }

    @Test
    void freebsdTableIsTheFreebsdHeaders() {
        assertEquals(expected(2), BsdSockets.FREEBSD.abi().values());
        assertEquals(true, BsdSockets.FREEBSD.hasAccept4(), "FreeBSD has accept4");
    }

    /** The table's names are the ones the Linux side uses too: net reads one set of names everywhere. */
    @Test
    void theBsdTablesNameWhatLinuxNames() {
        java.util.Set<String> linux = new java.util.TreeSet<>(dev.rawpoll.internal.Platform.sockets().abi().values().keySet());
        java.util.Set<String> freebsd = new java.util.TreeSet<>(BsdSockets.FREEBSD.abi().values().keySet());
        freebsd.removeAll(java.util.Set.of("offsetof(struct sockaddr_in, sin_len)", "offsetof(struct sockaddr_in6, sin6_len)"));
        assertEquals(linux, freebsd);
    }
}
