/*
 * ABI probe of rawpoll's Winsock table from mingw-w64's own headers (<winsock2.h>,
 * <ws2ipdef.h>, <windows.h>; not winsock.h): prints every size, offset and constant under the
 * names winsock_reference.c prints from winsock.h, so that WinsockReferenceTest holds
 * winsock.h's hand-written fixed-width declarations, and the Java table, to the real headers.
 */
#define WIN32_LEAN_AND_MEAN
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <winsock2.h>
#include <ws2ipdef.h>
#include <windows.h>

#define P(name, value) printf("%s=%lld\n", name, (long long)(value))
#define SIZE(name, type) P("sizeof(struct " name ")", sizeof(type))
#define OFF(name, type, field, cfield) P("offsetof(struct " name ", " field ")", offsetof(type, cfield))

int main(void) {
    SIZE("sockaddr_in", struct sockaddr_in);
    OFF("sockaddr_in", struct sockaddr_in, "sin_family", sin_family);
    OFF("sockaddr_in", struct sockaddr_in, "sin_port", sin_port);
    OFF("sockaddr_in", struct sockaddr_in, "sin_addr", sin_addr);
    SIZE("in_addr", struct in_addr);
    SIZE("sockaddr_in6", struct sockaddr_in6);
    OFF("sockaddr_in6", struct sockaddr_in6, "sin6_family", sin6_family);
    OFF("sockaddr_in6", struct sockaddr_in6, "sin6_port", sin6_port);
    OFF("sockaddr_in6", struct sockaddr_in6, "sin6_flowinfo", sin6_flowinfo);
    OFF("sockaddr_in6", struct sockaddr_in6, "sin6_addr", sin6_addr);
    OFF("sockaddr_in6", struct sockaddr_in6, "sin6_scope_id", sin6_scope_id);
    SIZE("in6_addr", struct in6_addr);
    SIZE("sockaddr_storage", struct sockaddr_storage);
    P("alignof(struct sockaddr_storage)", _Alignof(struct sockaddr_storage));
    OFF("sockaddr_storage", struct sockaddr_storage, "ss_family", ss_family);
    P("sizeof(sa_family_t)", sizeof(ADDRESS_FAMILY));
    SIZE("linger", struct linger);
    OFF("linger", struct linger, "l_onoff", l_onoff);
    OFF("linger", struct linger, "l_linger", l_linger);
    P("sizeof(l_onoff)", sizeof(((struct linger *)0)->l_onoff));
    SIZE("iovec", WSABUF);
    OFF("iovec", WSABUF, "iov_base", buf);
    OFF("iovec", WSABUF, "iov_len", len);
    SIZE("msghdr", WSAMSG);
    P("alignof(struct msghdr)", _Alignof(WSAMSG));
    OFF("msghdr", WSAMSG, "msg_iov", lpBuffers);
    OFF("msghdr", WSAMSG, "msg_iovlen", dwBufferCount);
    P("sizeof(msg_iovlen)", sizeof(((WSAMSG *)0)->dwBufferCount));
    P("AF_INET", AF_INET); P("AF_INET6", AF_INET6); P("SOCK_STREAM", SOCK_STREAM);
    P("SOL_SOCKET", SOL_SOCKET); P("SO_REUSEADDR", SO_REUSEADDR); P("SO_KEEPALIVE", SO_KEEPALIVE);
    P("SO_EXCLUSIVEADDRUSE", SO_EXCLUSIVEADDRUSE);
    P("SO_RCVBUF", SO_RCVBUF); P("SO_SNDBUF", SO_SNDBUF); P("SO_ERROR", SO_ERROR);
    P("SO_LINGER", SO_LINGER); P("SO_OOBINLINE", SO_OOBINLINE);
    P("IPPROTO_TCP", IPPROTO_TCP); P("TCP_NODELAY", TCP_NODELAY); P("MSG_OOB", MSG_OOB);
    P("SHUT_RD", SD_RECEIVE); P("SHUT_WR", SD_SEND); P("SHUT_RDWR", SD_BOTH);
    P("SIOCATMARK", SIOCATMARK);
    P("EINTR", WSAEINTR); P("EAGAIN", WSAEWOULDBLOCK); P("EINPROGRESS", WSAEWOULDBLOCK);
    P("ECONNRESET", WSAECONNRESET); P("EPIPE", WSAESHUTDOWN); P("ECONNREFUSED", WSAECONNREFUSED);
    P("ENOTCONN", WSAENOTCONN); P("ECONNABORTED", WSAECONNRESET /* what accept answers for an aborted connection */); P("EADDRINUSE", WSAEADDRINUSE);
    P("EAFNOSUPPORT", WSAEAFNOSUPPORT); P("EINVAL", WSAEINVAL);
    P("FIONBIO", (int32_t)FIONBIO); P("WSA_FLAG_OVERLAPPED", WSA_FLAG_OVERLAPPED);
    P("WSA_FLAG_NO_HANDLE_INHERIT", WSA_FLAG_NO_HANDLE_INHERIT); P("HANDLE_FLAG_INHERIT", HANDLE_FLAG_INHERIT);
    P("INVALID_SOCKET", (long long)INVALID_SOCKET); P("SOCKET_ERROR", SOCKET_ERROR);
    /* The error codes WinsockErrors names. */
    P("WSAEINTR", WSAEINTR); P("WSAEBADF", WSAEBADF); P("WSAEACCES", WSAEACCES); P("WSAEFAULT", WSAEFAULT);
    P("WSAEINVAL", WSAEINVAL); P("WSAEMFILE", WSAEMFILE); P("WSAEWOULDBLOCK", WSAEWOULDBLOCK);
    P("WSAEINPROGRESS", WSAEINPROGRESS); P("WSAEALREADY", WSAEALREADY); P("WSAENOTSOCK", WSAENOTSOCK);
    P("WSAEMSGSIZE", WSAEMSGSIZE); P("WSAENOPROTOOPT", WSAENOPROTOOPT); P("WSAEOPNOTSUPP", WSAEOPNOTSUPP);
    P("WSAEAFNOSUPPORT", WSAEAFNOSUPPORT); P("WSAEADDRINUSE", WSAEADDRINUSE); P("WSAEADDRNOTAVAIL", WSAEADDRNOTAVAIL);
    P("WSAENETDOWN", WSAENETDOWN); P("WSAENETUNREACH", WSAENETUNREACH); P("WSAENETRESET", WSAENETRESET);
    P("WSAECONNABORTED", WSAECONNABORTED); P("WSAECONNRESET", WSAECONNRESET); P("WSAENOBUFS", WSAENOBUFS);
    P("WSAEISCONN", WSAEISCONN); P("WSAENOTCONN", WSAENOTCONN); P("WSAESHUTDOWN", WSAESHUTDOWN);
    P("WSAETIMEDOUT", WSAETIMEDOUT); P("WSAECONNREFUSED", WSAECONNREFUSED); P("WSAEHOSTUNREACH", WSAEHOSTUNREACH);
    P("WSANOTINITIALISED", WSANOTINITIALISED);
    return 0;
}
