/*
 * ABI probe for the TCP sockets on macOS and FreeBSD: compiled from the system's real headers
 * (never from native/bsd/socket.h), it prints `name=value` for every struct size, field offset and
 * constant dev.rawpoll.bsd.BsdSockets uses, under the names of its table. BsdSocketAbiProbeTest
 * runs it in the macOS/FreeBSD CI jobs and compares each line with the Java side.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/sockio.h>
#include <sys/uio.h>

#define P(name, value) printf("%s=%lld\n", name, (long long)(value))
#define C(name) P(#name, name)
#define SIZEOF(type) P("sizeof(" #type ")", sizeof(type))
#define OFFSETOF(type, field) P("offsetof(" #type ", " #field ")", offsetof(type, field))

int main(void) {
    SIZEOF(struct sockaddr_in);
    OFFSETOF(struct sockaddr_in, sin_len);
    OFFSETOF(struct sockaddr_in, sin_family);
    OFFSETOF(struct sockaddr_in, sin_port);
    OFFSETOF(struct sockaddr_in, sin_addr);
    SIZEOF(struct in_addr);
    SIZEOF(struct sockaddr_in6);
    OFFSETOF(struct sockaddr_in6, sin6_len);
    OFFSETOF(struct sockaddr_in6, sin6_family);
    OFFSETOF(struct sockaddr_in6, sin6_port);
    OFFSETOF(struct sockaddr_in6, sin6_flowinfo);
    OFFSETOF(struct sockaddr_in6, sin6_addr);
    OFFSETOF(struct sockaddr_in6, sin6_scope_id);
    SIZEOF(struct in6_addr);
    SIZEOF(struct sockaddr_storage);
    P("alignof(struct sockaddr_storage)", alignof(struct sockaddr_storage));
    OFFSETOF(struct sockaddr_storage, ss_family);
    SIZEOF(sa_family_t);
    SIZEOF(struct linger);
    OFFSETOF(struct linger, l_onoff);
    OFFSETOF(struct linger, l_linger);
    SIZEOF(struct iovec);
    OFFSETOF(struct iovec, iov_base);
    OFFSETOF(struct iovec, iov_len);
    SIZEOF(struct msghdr);
    P("alignof(struct msghdr)", alignof(struct msghdr));
    OFFSETOF(struct msghdr, msg_iov);
    OFFSETOF(struct msghdr, msg_iovlen);
    P("sizeof(msg_iovlen)", sizeof(((struct msghdr *)0)->msg_iovlen));
    C(UIO_MAXIOV);
    C(AF_INET); C(AF_INET6); C(SOCK_STREAM);
#if defined(__APPLE__)
    /* No SOCK_NONBLOCK/SOCK_CLOEXEC; SIGPIPE off per socket; SO_LINGER counts ticks. */
    C(SO_NOSIGPIPE);
    P("SO_LINGER", SO_LINGER_SEC);
#else
    C(SOCK_NONBLOCK); C(SOCK_CLOEXEC); C(MSG_NOSIGNAL);
    C(SO_LINGER);
#endif
    C(SOL_SOCKET); C(SO_REUSEADDR); C(SO_REUSEPORT); C(SO_KEEPALIVE); C(SO_RCVBUF); C(SO_SNDBUF);
    C(SO_ERROR); C(SO_OOBINLINE); C(IPPROTO_TCP); C(TCP_NODELAY);
    C(MSG_OOB); C(SHUT_RD); C(SHUT_WR); C(SHUT_RDWR);
    C(F_GETFL); C(F_SETFL); C(F_GETFD); C(F_SETFD); C(O_NONBLOCK); C(FD_CLOEXEC);
    P("SIOCATMARK", (unsigned long)SIOCATMARK);
    C(EINTR); C(EAGAIN); C(EINPROGRESS); C(ECONNRESET); C(EPIPE); C(ECONNREFUSED); C(ENOTCONN);
    C(ECONNABORTED); C(EADDRINUSE); C(EAFNOSUPPORT); C(EINVAL);
    return 0;
}
