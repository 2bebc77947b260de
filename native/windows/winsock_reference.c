/*
 * C reference of rawpoll's Winsock sockets (dev.rawpoll.windows.WinsockSockets), built with
 * mingw-w64 from winsock.h (the header jextract reads) and run on Windows or under Wine.
 *
 * It prints `name=value` lines: first every size, offset and constant of the socket ABI table,
 * under the names WinsockAbi gives them (the Unix name carrying the Winsock value of the same
 * meaning), then what each step on loopback TCP observed, as `<step>.<what>=<value>`, making the
 * calls with the flags the Java code passes: WSASocketW(WSA_FLAG_OVERLAPPED |
 * WSA_FLAG_NO_HANDLE_INHERIT), ioctlsocket(FIONBIO), connect answered by WSAEWOULDBLOCK and
 * finished by SO_ERROR and getpeername, accept then FIONBIO and SetHandleInformation, send, recv,
 * WSASend of a WSAMSG's buffers, shutdown, a reset, a refused connect; and which binds of a
 * listener's port SO_EXCLUSIVEADDRUSE refuses, before and after its connections reach TIME_WAIT,
 * next to what the SO_REUSEADDR rawpoll set until 2026-11-30 let through. WinsockReferenceTest reads
 * the lines. Nothing here waits with select or a poller: each step retries its non-blocking call
 * with short sleeps (at most 5 s) until it stops answering WSAEWOULDBLOCK.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "winsock.h"

/* Not used by the Java side, so not in winsock.h. */
int32_t WSAStartup(uint16_t wVersionRequested, void *lpWSAData);
int32_t WSAGetLastError(void);
void Sleep(uint32_t dwMilliseconds);

#define P(name, value) printf("%s=%lld\n", name, (long long)(value))
#define AS(name, value) P(name, value)
#define SIZE(name, type) P("sizeof(struct " name ")", sizeof(type))
#define OFF(name, type, field, cfield) P("offsetof(struct " name ", " field ")", offsetof(type, cfield))

static int failures;

static void layouts(void) {
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
    P("sizeof(sa_family_t)", sizeof(((struct sockaddr_storage *)0)->ss_family));
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
    AS("AF_INET", AF_INET); AS("AF_INET6", AF_INET6); AS("SOCK_STREAM", SOCK_STREAM);
    AS("SOL_SOCKET", SOL_SOCKET); AS("SO_REUSEADDR", SO_REUSEADDR); AS("SO_KEEPALIVE", SO_KEEPALIVE);
    AS("SO_EXCLUSIVEADDRUSE", SO_EXCLUSIVEADDRUSE);
    AS("SO_RCVBUF", SO_RCVBUF); AS("SO_SNDBUF", SO_SNDBUF); AS("SO_ERROR", SO_ERROR);
    AS("SO_LINGER", SO_LINGER); AS("SO_OOBINLINE", SO_OOBINLINE);
    AS("IPPROTO_TCP", IPPROTO_TCP); AS("TCP_NODELAY", TCP_NODELAY); AS("MSG_OOB", MSG_OOB);
    AS("SHUT_RD", SD_RECEIVE); AS("SHUT_WR", SD_SEND); AS("SHUT_RDWR", SD_BOTH);
    AS("SIOCATMARK", SIOCATMARK);
    AS("EINTR", WSAEINTR); AS("EAGAIN", WSAEWOULDBLOCK); AS("EINPROGRESS", WSAEWOULDBLOCK);
    AS("ECONNRESET", WSAECONNRESET); AS("EPIPE", WSAESHUTDOWN); AS("ECONNREFUSED", WSAECONNREFUSED);
    AS("ENOTCONN", WSAENOTCONN); AS("ECONNABORTED", WSAECONNRESET /* what accept answers for an aborted connection */); AS("EADDRINUSE", WSAEADDRINUSE);
    AS("EAFNOSUPPORT", WSAEAFNOSUPPORT); AS("EINVAL", WSAEINVAL);
    /* Used by WinsockSockets itself rather than through the table. */
    AS("FIONBIO", FIONBIO); AS("WSA_FLAG_OVERLAPPED", WSA_FLAG_OVERLAPPED);
    AS("WSA_FLAG_NO_HANDLE_INHERIT", WSA_FLAG_NO_HANDLE_INHERIT); AS("HANDLE_FLAG_INHERIT", HANDLE_FLAG_INHERIT);
    AS("INVALID_SOCKET", INVALID_SOCKET); AS("SOCKET_ERROR", SOCKET_ERROR);
}

static void expect(const char *what, int ok) {
    if (!ok) {
        printf("# FAILED: %s (WSAGetLastError %d)\n", what, (int)WSAGetLastError());
        failures++;
    }
}

/* WinsockSockets.socket, then SocketHandle's makeNonBlockingAndCloseOnExec. */
static SOCKET new_socket(void) {
    SOCKET s = WSASocketW(AF_INET, SOCK_STREAM, 0, NULL, 0, WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
    expect("WSASocketW", s != (SOCKET)~0ULL);
    uint32_t on = 1;
    expect("ioctlsocket(FIONBIO)", ioctlsocket(s, FIONBIO, &on) == 0);
    return s;
}

/* new_socket, printing `<step>.inherit`. */
static SOCKET open_socket(const char *step) {
    char name[64];
    SOCKET s = new_socket();
    uint32_t flags = 0xff;
    snprintf(name, sizeof name, "%s.inherit", step);
    P(name, GetHandleInformation((void *)s, &flags) ? (long long)(flags & HANDLE_FLAG_INHERIT) : -1);
    return s;
}

static struct sockaddr_in loopback(uint16_t port_network_order) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = port_network_order;
    a.sin_addr.s_b[0] = 127; a.sin_addr.s_b[3] = 1;
    return a;
}

/* Sets a boolean socket option to 1; SOCKET_ERROR's WSAGetLastError, or 0. */
static long long option_on(SOCKET s, int32_t option) {
    int32_t one = 1;
    return setsockopt(s, SOL_SOCKET, option, (char *)&one, 4) == SOCKET_ERROR ? WSAGetLastError() : 0;
}

/* bind's WSAGetLastError (0: bound). */
static long long bind_error(SOCKET s, struct sockaddr_in at) {
    return bind(s, &at, sizeof at) == SOCKET_ERROR ? WSAGetLastError() : 0;
}

/* What a bind of 127.0.0.1 (or 0.0.0.0) at `port` answers, from a new socket with `option` on (0: none). */
static long long second_bind(uint16_t port, int32_t option, int wildcard) {
    SOCKET s = new_socket();
    if (option != 0) {
        expect("setsockopt before the second bind", option_on(s, option) == 0);
    }
    struct sockaddr_in at;
    memset(&at, 0, sizeof at);
    at.sin_family = AF_INET;
    at.sin_port = port;
    if (!wildcard) {
        at.sin_addr.s_b[0] = 127; at.sin_addr.s_b[3] = 1;
    }
    long long error = bind_error(s, at);
    expect("closesocket (second bind)", closesocket(s) == 0);
    return error;
}

/* Retries a non-blocking call while it answers WSAEWOULDBLOCK: 500 x 10 ms at most. */
#define RETRY(result, call, failed) \
    for (int tries_ = 0; ((result) = (call)), (failed) && WSAGetLastError() == WSAEWOULDBLOCK && tries_ < 500; tries_++) Sleep(10)

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    layouts();
    char wsadata[512];
    P("startup", WSAStartup(0x0202, wsadata));

    /* A listener as TcpListener.bind makes it on Windows: SO_EXCLUSIVEADDRUSE, never SO_REUSEADDR. */
    SOCKET listener = open_socket("listener");
    int32_t one = 1;
    P("listener.SO_EXCLUSIVEADDRUSE", option_on(listener, SO_EXCLUSIVEADDRUSE));
    struct sockaddr_in at = loopback(0);
    expect("bind", bind(listener, &at, sizeof at) == 0);
    expect("listen", listen(listener, 16) == 0);
    struct sockaddr_storage bound;
    int32_t boundLength = sizeof bound;
    expect("getsockname", getsockname(listener, &bound, &boundLength) == 0);
    P("listener.family", bound.ss_family);
    P("listener.length", boundLength);
    for (int i = 0; i < boundLength; i++) { /* compared with what SocketAddresses writes */
        char name[32];
        snprintf(name, sizeof name, "listener.sockaddr.%d", i);
        P(name, ((unsigned char *)&bound)[i]);
    }
    uint16_t port = ((struct sockaddr_in *)&bound)->sin_port;
    SOCKET none = accept(listener, NULL, NULL);
    P("listener.accept_none", none == (SOCKET)~0ULL ? WSAGetLastError() : 0);

    /* Other binds of its port: a second rawpoll listener, a socket with SO_REUSEADDR (which takes
     * the port from a listener that set SO_REUSEADDR too, on Windows), one with no option, the
     * same on the wildcard address; and both options on one socket. */
    P("exclusive.second.SO_EXCLUSIVEADDRUSE", second_bind(port, SO_EXCLUSIVEADDRUSE, 0));
    P("exclusive.second.SO_REUSEADDR", second_bind(port, SO_REUSEADDR, 0));
    P("exclusive.second.none", second_bind(port, 0, 0));
    P("exclusive.second_wildcard.SO_EXCLUSIVEADDRUSE", second_bind(port, SO_EXCLUSIVEADDRUSE, 1));
    P("exclusive.second_wildcard.SO_REUSEADDR", second_bind(port, SO_REUSEADDR, 1));
    SOCKET both = new_socket();
    expect("SO_REUSEADDR", option_on(both, SO_REUSEADDR) == 0);
    P("exclusive.after_SO_REUSEADDR", option_on(both, SO_EXCLUSIVEADDRUSE));
    expect("closesocket(both)", closesocket(both) == 0);

    /* The flags rawpoll used until 2026-11-30: SO_REUSEADDR on the listener. On Windows a second
     * socket with SO_REUSEADDR binds its port (0 here): the hijack SO_EXCLUSIVEADDRUSE prevents. */
    SOCKET shared = new_socket();
    expect("SO_REUSEADDR (old listener)", option_on(shared, SO_REUSEADDR) == 0);
    struct sockaddr_in anyPort = loopback(0);
    expect("bind (old listener)", bind_error(shared, anyPort) == 0);
    expect("listen (old listener)", listen(shared, 4) == 0);
    struct sockaddr_storage sharedAt;
    int32_t sharedLength = sizeof sharedAt;
    expect("getsockname (old listener)", getsockname(shared, &sharedAt, &sharedLength) == 0);
    P("reuseaddr.second.SO_REUSEADDR", second_bind(((struct sockaddr_in *)&sharedAt)->sin_port, SO_REUSEADDR, 0));
    expect("closesocket(shared)", closesocket(shared) == 0);

    /* TcpStream.connect: WSAEWOULDBLOCK, then SO_ERROR 0 and getpeername once connected. */
    SOCKET client = open_socket("client");
    struct sockaddr_in to = loopback(port);
    int32_t r = connect(client, &to, sizeof to);
    P("connect.result", r);
    P("connect.error", r == SOCKET_ERROR ? WSAGetLastError() : 0);
    struct sockaddr_storage peer;
    int32_t peerLength = sizeof peer;
    r = getpeername(client, &peer, &peerLength);
    P("connect.early_getpeername", r == SOCKET_ERROR ? WSAGetLastError() : 0); /* 0 or WSAENOTCONN */

    /* TcpListener.accept: accept, then FIONBIO and SetHandleInformation(HANDLE_FLAG_INHERIT, 0). */
    SOCKET accepted;
    RETRY(accepted, accept(listener, NULL, NULL), accepted == (SOCKET)~0ULL);
    expect("accept", accepted != (SOCKET)~0ULL);
    P("accept.fits_in_31_bits", accepted <= 0x7fffffffULL);
    uint32_t flags = 0xff;
    P("accept.inherit_before", GetHandleInformation((void *)accepted, &flags) ? (long long)(flags & HANDLE_FLAG_INHERIT) : -1);
    uint32_t on = 1;
    expect("accept FIONBIO", ioctlsocket(accepted, FIONBIO, &on) == 0);
    expect("SetHandleInformation", SetHandleInformation((void *)accepted, HANDLE_FLAG_INHERIT, 0) != 0);
    P("accept.inherit", GetHandleInformation((void *)accepted, &flags) ? (long long)(flags & HANDLE_FLAG_INHERIT) : -1);

    int32_t soError = -1, soErrorLength = 4;
    expect("SO_ERROR", getsockopt(client, SOL_SOCKET, SO_ERROR, (char *)&soError, &soErrorLength) == 0);
    P("connect.SO_ERROR", soError);
    RETRY(r, getpeername(client, &peer, &peerLength), r == SOCKET_ERROR);
    P("connect.getpeername", r);

    /* recv with nothing there, send, recv. */
    char buffer[64];
    r = recv(accepted, buffer, sizeof buffer, 0);
    P("recv.empty.result", r);
    P("recv.empty.error", r == SOCKET_ERROR ? WSAGetLastError() : 0);
    P("send.result", send(client, "hello", 5, 0));
    RETRY(r, recv(accepted, buffer, sizeof buffer, 0), r == SOCKET_ERROR);
    P("recv.result", r);
    P("recv.hello", r == 5 && memcmp(buffer, "hello", 5) == 0);

    /* TcpStream.write(MemorySegment[]): WSASend of the WSAMSG's buffers, the count into dwFlags. */
    WSABUF parts[2] = {{3, "abc"}, {4, "defg"}};
    WSAMSG msg;
    memset(&msg, 0, sizeof msg);
    msg.lpBuffers = parts;
    msg.dwBufferCount = 2;
    r = WSASend(accepted, msg.lpBuffers, msg.dwBufferCount, &msg.dwFlags, 0, NULL, NULL);
    P("wsasend.result", r);
    P("wsasend.sent", msg.dwFlags);
    RETRY(r, recv(client, buffer, sizeof buffer, 0), r == SOCKET_ERROR);
    P("wsasend.received", r == 7 && memcmp(buffer, "abcdefg", 7) == 0 ? 7 : -r);

    /* Options: TCP_NODELAY's length, linger as two u_shorts. */
    int32_t nodelay = 0, nodelayLength = 4;
    expect("setsockopt(TCP_NODELAY)", setsockopt(client, IPPROTO_TCP, TCP_NODELAY, (char *)&one, 4) == 0);
    expect("getsockopt(TCP_NODELAY)", getsockopt(client, IPPROTO_TCP, TCP_NODELAY, (char *)&nodelay, &nodelayLength) == 0);
    P("option.TCP_NODELAY", nodelay != 0);
    P("option.TCP_NODELAY.length", nodelayLength);
    struct linger lingerValue = {1, 7}, lingerRead = {0, 0};
    int32_t lingerLength = sizeof lingerRead;
    expect("setsockopt(SO_LINGER)", setsockopt(client, SOL_SOCKET, SO_LINGER, (char *)&lingerValue, sizeof lingerValue) == 0);
    expect("getsockopt(SO_LINGER)", getsockopt(client, SOL_SOCKET, SO_LINGER, (char *)&lingerRead, &lingerLength) == 0);
    P("option.SO_LINGER.l_onoff", lingerRead.l_onoff);
    P("option.SO_LINGER.l_linger", lingerRead.l_linger);

    /* shutdown(SD_SEND): the peer reads end of stream, a later send fails with WSAESHUTDOWN. */
    expect("shutdown", shutdown(client, SD_SEND) == 0);
    RETRY(r, recv(accepted, buffer, sizeof buffer, 0), r == SOCKET_ERROR);
    P("shutdown.peer_recv", r);
    r = send(client, "x", 1, 0);
    P("shutdown.send.result", r);
    P("shutdown.send.error", r == SOCKET_ERROR ? WSAGetLastError() : 0);

    /* shutdown(SD_RECEIVE), then recv: WSAESHUTDOWN on Windows (Unix returns 0); WinsockSockets.recv
     * reports end of stream for it. */
    expect("shutdown(SD_RECEIVE)", shutdown(accepted, SD_RECEIVE) == 0);
    r = recv(accepted, buffer, sizeof buffer, 0);
    P("shutdown_rd.recv.result", r);
    P("shutdown_rd.recv.error", r == SOCKET_ERROR ? WSAGetLastError() : 0);

    expect("closesocket(accepted)", closesocket(accepted) == 0);
    expect("closesocket(client)", closesocket(client) == 0);

    /* A reset, on a second connection: linger {1, 0} and closesocket. */
    SOCKET victim = open_socket("reset");
    r = connect(victim, &to, sizeof to);
    SOCKET resetter;
    RETRY(resetter, accept(listener, NULL, NULL), resetter == (SOCKET)~0ULL);
    expect("accept (reset)", resetter != (SOCKET)~0ULL);
    RETRY(r, getpeername(victim, &peer, &peerLength), r == SOCKET_ERROR);
    /* On Windows this is WSAECONNRESET; under Wine 8 the peer mostly reads end of stream instead
     * (Wine's closesocket), so WinsockReferenceTest prints this step without asserting it. */
    struct linger abortive = {1, 0};
    expect("setsockopt(SO_LINGER 0)", setsockopt(resetter, SOL_SOCKET, SO_LINGER, (char *)&abortive, sizeof abortive) == 0);
    expect("closesocket(resetter)", closesocket(resetter) == 0);
    RETRY(r, recv(victim, buffer, sizeof buffer, 0), r == SOCKET_ERROR);
    P("reset.recv.result", r);
    P("reset.recv.error", r == SOCKET_ERROR ? WSAGetLastError() : 0);
    expect("closesocket(victim)", closesocket(victim) == 0);

    /* A refused connect: the listener's port once the listener is closed. */
    expect("closesocket(listener)", closesocket(listener) == 0);
    SOCKET refused = open_socket("refused");
    r = connect(refused, &to, sizeof to);
    P("refused.connect.error", r == SOCKET_ERROR ? WSAGetLastError() : 0);
    soError = 0;
    for (int tries = 0; tries < 500 && soError == 0; tries++) {
        soErrorLength = 4;
        expect("SO_ERROR", getsockopt(refused, SOL_SOCKET, SO_ERROR, (char *)&soError, &soErrorLength) == 0);
        if (soError == 0) Sleep(10);
    }
    P("refused.SO_ERROR", soError);
    expect("closesocket(refused)", closesocket(refused) == 0);

    /* Errors on a closed socket. */
    r = send(refused, "x", 1, 0);
    P("closed.send.error", r == SOCKET_ERROR ? WSAGetLastError() : 0);

    /* Restart with the old connection in TIME_WAIT: an exclusive listener accepts, its side closes
     * first (so its end of the connection waits in TIME_WAIT), the listener closes, and a new
     * exclusive listener binds the same port; then a socket with no option tries the same. */
    SOCKET first = new_socket();
    expect("SO_EXCLUSIVEADDRUSE (first)", option_on(first, SO_EXCLUSIVEADDRUSE) == 0);
    expect("bind (first)", bind_error(first, anyPort) == 0);
    expect("listen (first)", listen(first, 4) == 0);
    struct sockaddr_storage firstAt;
    int32_t firstLength = sizeof firstAt;
    expect("getsockname (first)", getsockname(first, &firstAt, &firstLength) == 0);
    uint16_t firstPort = ((struct sockaddr_in *)&firstAt)->sin_port;
    SOCKET peerSide = new_socket();
    struct sockaddr_in toFirst = loopback(firstPort);
    connect(peerSide, &toFirst, sizeof toFirst);
    SOCKET serverSide;
    RETRY(serverSide, accept(first, NULL, NULL), serverSide == (SOCKET)~0ULL);
    expect("accept (time_wait)", serverSide != (SOCKET)~0ULL);
    RETRY(r, getpeername(peerSide, &peer, &peerLength), r == SOCKET_ERROR);
    expect("shutdown (time_wait)", shutdown(serverSide, SD_SEND) == 0);
    RETRY(r, recv(peerSide, buffer, sizeof buffer, 0), r == SOCKET_ERROR);
    P("time_wait.peer_recv", r);
    expect("closesocket(peerSide)", closesocket(peerSide) == 0);
    RETRY(r, recv(serverSide, buffer, sizeof buffer, 0), r == SOCKET_ERROR); /* the peer's FIN */
    P("time_wait.server_recv", r);
    expect("closesocket(serverSide)", closesocket(serverSide) == 0);
    expect("closesocket(first)", closesocket(first) == 0);
    P("time_wait.port", (uint16_t)((firstPort >> 8) | (firstPort << 8))); /* host byte order */
    P("time_wait.rebind.SO_EXCLUSIVEADDRUSE", second_bind(firstPort, SO_EXCLUSIVEADDRUSE, 0));
    P("time_wait.rebind.none", second_bind(firstPort, 0, 0));

    P("failures", failures);
    return 0;
}
