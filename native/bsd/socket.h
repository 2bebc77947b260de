/*
 * The BSD socket ABI rawpoll's TCP sockets (dev.rawpoll.net) use on macOS and FreeBSD, written
 * with fixed-width types from the published headers, because no BSD sysroot exists on the Linux
 * machines that generate the bindings. Only <stdint.h> is included, so jextract run anywhere sees
 * exactly these LP64 layouts. No code is copied: only numeric values and field orders.
 *
 * Sources (the values, and the line each came from, are listed in
 * java/src/test/java/dev/rawpoll/bsd/BsdSocketHeaderValuesTest.java, which checks this file):
 *   macOS:   apple-oss-distributions/xnu at e3723e1f17661b24996789d8afc084c0c3303b26
 *            bsd/sys/socket.h, bsd/netinet/in.h, bsd/netinet6/in6.h, bsd/netinet/tcp.h,
 *            bsd/sys/errno.h, bsd/sys/fcntl.h, bsd/sys/uio.h, bsd/sys/_types/_iovec_t.h,
 *            bsd/sys/sockio.h, bsd/sys/ioccom.h
 *   FreeBSD: freebsd/freebsd-src, sys/sys/socket.h at 00b5ffde8e0f31c936d10583daa9a958e1d1ebbb,
 *            sys/sys/_sockaddr_storage.h at 3af9b944c7933f967a15d014fa5e412d4540a22f,
 *            sys/netinet/in.h at 0148b3e8af7292584d24676cae4fd8c94cd6992c,
 *            sys/netinet6/in6.h and sys/sys/sockio.h (struct sockaddr_in6 and SIOCATMARK read
 *            from the stored copies; no commit could be pinned for them).
 *   Values not re-read from FreeBSD's own files (errno, fcntl, UIO_MAXIOV, TCP_NODELAY) are the
 *   4.4BSD values both systems share; the ABI probe (abi_probe_socket.c), compiled against the
 *   real headers in the macOS/FreeBSD CI jobs, is what checks them there.
 *
 * Where the two differ, both values are declared under distinct names and the Java side
 * (dev.rawpoll.bsd.BsdSockets) picks one by OS:
 *   - AF_INET6: 30 on macOS, 28 on FreeBSD;
 *   - SO_LINGER: on macOS (with _DARWIN_C_SOURCE, the default) SO_LINGER 0x0080 counts clock
 *     ticks; SO_LINGER_SEC 0x1080 counts seconds, as FreeBSD's SO_LINGER 0x0080 does;
 *   - SIGPIPE: macOS sets SO_NOSIGPIPE (0x1022) per socket (older releases have no
 *     MSG_NOSIGNAL; xnu at the commit above declares it as 0x80000 for newer ones);
 *     FreeBSD passes MSG_NOSIGNAL 0x20000 to every send;
 *   - FreeBSD has accept4 and SOCK_NONBLOCK/SOCK_CLOEXEC in socket(2); macOS has neither, and
 *     uses fcntl(2) after socket and accept.
 */
#ifndef RAWPOLL_BSD_SOCKET_H
#define RAWPOLL_BSD_SOCKET_H

#include <stdint.h>

/* struct sockaddr_in: sin_len first, a one-byte family. 16 bytes on both. */
struct sockaddr_in_bsd {
    uint8_t sin_len;
    uint8_t sin_family;     /* sa_family_t is uint8_t on the BSDs */
    uint16_t sin_port;      /* network byte order */
    uint32_t sin_addr;      /* struct in_addr: network byte order */
    uint8_t sin_zero[8];
};

/* struct sockaddr_in6: 28 bytes on both. */
struct sockaddr_in6_bsd {
    uint8_t sin6_len;
    uint8_t sin6_family;
    uint16_t sin6_port;
    uint32_t sin6_flowinfo;
    uint8_t sin6_addr[16];  /* struct in6_addr */
    uint32_t sin6_scope_id;
};

/* struct sockaddr_storage: 128 bytes, 8-byte aligned (__ss_align is an int64_t). */
struct sockaddr_storage_bsd {
    uint8_t ss_len;
    uint8_t ss_family;
    uint8_t ss_pad1[6];
    int64_t ss_align;
    uint8_t ss_pad2[112];
};

struct linger_bsd {
    int32_t l_onoff;
    int32_t l_linger;
};

struct iovec_bsd {
    uint64_t iov_base;      /* void * */
    uint64_t iov_len;       /* size_t */
};

/* struct msghdr: msg_iovlen is an int here (size_t on Linux). 48 bytes. */
struct msghdr_bsd {
    uint64_t msg_name;      /* void * */
    uint32_t msg_namelen;   /* socklen_t */
    uint64_t msg_iov;       /* struct iovec * */
    int32_t msg_iovlen;
    uint64_t msg_control;   /* void * */
    uint32_t msg_controllen;
    int32_t msg_flags;
};

/* The same on macOS and FreeBSD. */
#define AF_INET 2
#define SOCK_STREAM 1
#define SOL_SOCKET 0xffff
#define SO_REUSEADDR 0x0004
#define SO_KEEPALIVE 0x0008
#define SO_OOBINLINE 0x0100
#define SO_REUSEPORT 0x0200
#define SO_SNDBUF 0x1001
#define SO_RCVBUF 0x1002
#define SO_ERROR 0x1007
#define IPPROTO_TCP 6
#define TCP_NODELAY 0x01
#define MSG_OOB 0x1
#define SHUT_RD 0
#define SHUT_WR 1
#define SHUT_RDWR 2
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define O_NONBLOCK 0x0004
#define FD_CLOEXEC 1
/* _IOR('s', 7, int) = IOC_OUT 0x40000000 | sizeof(int) << 16 | 's' << 8 | 7 */
#define SIOCATMARK 0x40047307
#define UIO_MAXIOV 1024

/* Where they differ. */
#define AF_INET6_MACOS 30
#define AF_INET6_FREEBSD 28
#define SO_LINGER_SEC_MACOS 0x1080
#define SO_LINGER_FREEBSD 0x0080
#define SO_NOSIGPIPE_MACOS 0x1022
#define MSG_NOSIGNAL_FREEBSD 0x20000
#define SOCK_NONBLOCK_FREEBSD 0x20000000
#define SOCK_CLOEXEC_FREEBSD 0x10000000

/* errno values the sockets act on: the same on macOS and FreeBSD. */
#define EINTR 4
#define EINVAL 22
#define EPIPE 32
#define EAGAIN 35
#define EINPROGRESS 36
#define EAFNOSUPPORT 47
#define EADDRINUSE 48
#define ECONNABORTED 53
#define ECONNRESET 54
#define ENOTCONN 57
#define ECONNREFUSED 61

/* Pointers are passed as void *, socklen_t as uint32_t, size_t/ssize_t as 64-bit. */
int socket(int domain, int type, int protocol);
int bind(int fd, const void *addr, uint32_t addrlen);
int listen(int fd, int backlog);
int accept(int fd, void *addr, uint32_t *addrlen);
int accept4(int fd, void *addr, uint32_t *addrlen, int flags);  /* FreeBSD only */
int connect(int fd, const void *addr, uint32_t addrlen);
int64_t recv(int fd, void *buf, uint64_t len, int flags);
int64_t send(int fd, const void *buf, uint64_t len, int flags);
int64_t sendmsg(int fd, const struct msghdr_bsd *msg, int flags);
int shutdown(int fd, int how);
int setsockopt(int fd, int level, int optname, const void *optval, uint32_t optlen);
int getsockopt(int fd, int level, int optname, void *optval, uint32_t *optlen);
int getsockname(int fd, void *addr, uint32_t *addrlen);
int getpeername(int fd, void *addr, uint32_t *addrlen);
int close(int fd);
int fcntl(int fd, int cmd, ...);
int ioctl(int fd, uint64_t request, ...);  /* unsigned long request */

#endif
