/*
 * ABI probe for the TCP sockets (dev.rawpoll.net): compiled from the real system headers, it
 * prints `name=value` for every struct size, field offset and constant the Java side uses.
 * SocketAbiProbeTest runs it and compares each line with what the Java side was built with.
 * Values are printed as signed long long: every constant here is a positive int.
 */
#include <stdalign.h>
#include <stddef.h>
#include <stdio.h>
#include "socket.h"

#define P(name, value) printf("%s=%lld\n", name, (long long)(value))
#define C(name) P(#name, name)
#define SIZEOF(type) P("sizeof(" #type ")", sizeof(type))
#define OFFSETOF(type, field) P("offsetof(" #type ", " #field ")", offsetof(type, field))

int main(void) {
    SIZEOF(struct sockaddr_in);
    OFFSETOF(struct sockaddr_in, sin_family);
    OFFSETOF(struct sockaddr_in, sin_port);
    OFFSETOF(struct sockaddr_in, sin_addr);
    SIZEOF(struct in_addr);
    SIZEOF(struct sockaddr_in6);
    OFFSETOF(struct sockaddr_in6, sin6_family);
    OFFSETOF(struct sockaddr_in6, sin6_port);
    OFFSETOF(struct sockaddr_in6, sin6_flowinfo);
    OFFSETOF(struct sockaddr_in6, sin6_addr);
    OFFSETOF(struct sockaddr_in6, sin6_scope_id);
    SIZEOF(struct in6_addr);
    SIZEOF(struct sockaddr_storage);
    P("alignof(struct sockaddr_storage)", alignof(struct sockaddr_storage));
    OFFSETOF(struct sockaddr_storage, ss_family);
    SIZEOF(struct linger);
    OFFSETOF(struct linger, l_onoff);
    OFFSETOF(struct linger, l_linger);
    SIZEOF(struct iovec);
    OFFSETOF(struct iovec, iov_base);
    OFFSETOF(struct iovec, iov_len);
    P("sizeof(iov_len)", sizeof(((struct iovec *)0)->iov_len));
    SIZEOF(struct msghdr);
    P("alignof(struct msghdr)", alignof(struct msghdr));
    OFFSETOF(struct msghdr, msg_iov);
    OFFSETOF(struct msghdr, msg_iovlen);
    P("sizeof(msg_iovlen)", sizeof(((struct msghdr *)0)->msg_iovlen));
    SIZEOF(sa_family_t);
    SIZEOF(in_port_t);
    SIZEOF(socklen_t);
    C(AF_INET); C(AF_INET6); C(SOCK_STREAM); C(SOCK_NONBLOCK); C(SOCK_CLOEXEC);
    C(SOL_SOCKET); C(SO_REUSEADDR); C(SO_REUSEPORT); C(SO_KEEPALIVE); C(SO_RCVBUF); C(SO_SNDBUF);
    C(SO_ERROR); C(SO_LINGER); C(IPPROTO_TCP); C(TCP_NODELAY);
    C(MSG_NOSIGNAL); C(SHUT_RD); C(SHUT_WR); C(SHUT_RDWR);
    C(F_GETFL); C(F_SETFL); C(F_GETFD); C(F_SETFD); C(O_NONBLOCK); C(FD_CLOEXEC);
    C(EINTR); C(EAGAIN); C(EINPROGRESS); C(ECONNRESET); C(EPIPE); C(ECONNREFUSED); C(ENOTCONN);
    C(UIO_MAXIOV);
    C(ECONNABORTED); C(EADDRINUSE); C(EAFNOSUPPORT);
    C(MSG_OOB); C(SO_OOBINLINE); C(SIOCATMARK); C(EINVAL);
    C(SYS_recvfrom); C(SYS_sendto);
    return 0;
}
