/*
 * The Winsock calls, structures and constants of rawpoll's TCP sockets on Windows
 * (dev.rawpoll.windows.WinsockSockets), written with fixed-width types and without <winsock2.h>,
 * as iocp.h is, so that jextract run on Linux produces the Windows x64 (LLP64) layouts: u_long
 * and DWORD are uint32_t, a SOCKET is a ULONG_PTR (`unsigned long long`, never uint64_t: see
 * iocp.h), socklen_t is int.
 *
 * Every value is the one of mingw-w64's headers (Debian mingw-w64-common 10.0.0, the files named
 * beside each group), which restate the Windows SDK's; winsock_reference.c compiles this header
 * and prints every size, offset and constant, abi_probe_winsock.c prints the same names from
 * mingw-w64's own <winsock2.h>, <ws2ipdef.h> and <windows.h>, and WinsockReferenceTest checks both
 * against the Java side. winsock.jextract lists what is extracted.
 */
#ifndef RAWPOLL_WINSOCK_H
#define RAWPOLL_WINSOCK_H

#include <stdint.h>

typedef unsigned long long SOCKET; /* UINT_PTR */

/* ---- structures (ws2def.h, ws2ipdef.h, inaddr.h, in6addr.h, winsock2.h) ---- */

typedef struct in_addr {
    uint8_t s_b[4];               /* the union S_un, in network byte order */
} in_addr;

/* 16 bytes; no sin_len (that is the BSDs'). */
typedef struct sockaddr_in {
    uint16_t sin_family;          /* ADDRESS_FAMILY: an unsigned short */
    uint16_t sin_port;            /* network byte order */
    struct in_addr sin_addr;
    char sin_zero[8];
} sockaddr_in;

typedef struct in6_addr {
    uint8_t s6_addr[16];
} in6_addr;

/* 28 bytes. */
typedef struct sockaddr_in6 {
    uint16_t sin6_family;
    uint16_t sin6_port;
    uint32_t sin6_flowinfo;
    struct in6_addr sin6_addr;
    uint32_t sin6_scope_id;       /* a union with SCOPE_ID, also 32 bits */
} sockaddr_in6;

/* 128 bytes, 8-aligned. */
typedef struct sockaddr_storage {
    uint16_t ss_family;
    char ss_pad1[6];
    long long ss_align;
    char ss_pad2[112];
} sockaddr_storage;

/* Two u_shorts (4 bytes), not the two ints of Unix. */
typedef struct linger {
    uint16_t l_onoff;
    uint16_t l_linger;            /* seconds */
} linger;

/* WSABUF: the iovec of WSASend, 16 bytes; the length comes first and is a u_long. */
typedef struct WSABUF {
    uint32_t len;
    char *buf;
} WSABUF;

/* WSAMSG: the msghdr of Winsock, 56 bytes; rawpoll fills lpBuffers and dwBufferCount and passes
 * those two to WSASend. */
typedef struct WSAMSG {
    void *name;
    int32_t namelen;
    WSABUF *lpBuffers;
    uint32_t dwBufferCount;
    WSABUF Control;
    uint32_t dwFlags;
} WSAMSG;

/* ---- constants (winsock2.h unless said) ---- */
#define AF_INET                    2
#define AF_INET6                   23
#define SOCK_STREAM                1
#define IPPROTO_TCP                6
#define TCP_NODELAY                0x0001
#define SOL_SOCKET                 0xffff
#define SO_REUSEADDR               0x0004
/* no other socket may bind the address, whatever its options (winsock2.h: ((int)(~SO_REUSEADDR))) */
#define SO_EXCLUSIVEADDRUSE        ((int32_t)(~SO_REUSEADDR))
#define SO_KEEPALIVE               0x0008
#define SO_LINGER                  0x0080
#define SO_OOBINLINE               0x0100
#define SO_SNDBUF                  0x1001
#define SO_RCVBUF                  0x1002
#define SO_ERROR                   0x1007
#define MSG_OOB                    0x1
#define SD_RECEIVE                 0x00
#define SD_SEND                    0x01
#define SD_BOTH                    0x02
#define FIONBIO                    ((int32_t)0x8004667E) /* _IOW('f',126,u_long) */
#define SIOCATMARK                 0x40047307            /* _IOR('s',7,u_long) */
#define WSA_FLAG_OVERLAPPED        0x01
#define WSA_FLAG_NO_HANDLE_INHERIT 0x80
#define INVALID_SOCKET             (-1)                  /* (SOCKET)(~0): all ones */
#define SOCKET_ERROR               (-1)
#define HANDLE_FLAG_INHERIT        0x1                   /* winbase.h */

/* ---- WSAGetLastError values (psdk_inc/_wsa_errnos.h: WSABASEERR 10000 + n) ---- */
#define WSAEINTR                   10004
#define WSAEBADF                   10009
#define WSAEACCES                  10013
#define WSAEFAULT                  10014
#define WSAEINVAL                  10022
#define WSAEMFILE                  10024
#define WSAEWOULDBLOCK             10035
#define WSAEINPROGRESS             10036
#define WSAEALREADY                10037
#define WSAENOTSOCK                10038
#define WSAEMSGSIZE                10040
#define WSAENOPROTOOPT             10042
#define WSAEOPNOTSUPP              10045
#define WSAEAFNOSUPPORT            10047
#define WSAEADDRINUSE              10048
#define WSAEADDRNOTAVAIL           10049
#define WSAENETDOWN                10050
#define WSAENETUNREACH             10051
#define WSAENETRESET               10052
#define WSAECONNABORTED            10053
#define WSAECONNRESET              10054
#define WSAENOBUFS                 10055
#define WSAEISCONN                 10056
#define WSAENOTCONN                10057
#define WSAESHUTDOWN               10058
#define WSAETIMEDOUT               10060
#define WSAECONNREFUSED            10061
#define WSAEHOSTUNREACH            10065
#define WSANOTINITIALISED          10093

/* ---- ws2_32 ---- */
/* protocolInfo is a WSAPROTOCOL_INFOW *, always NULL here. */
SOCKET WSASocketW(int32_t af, int32_t type, int32_t protocol, void *lpProtocolInfo, uint32_t g, uint32_t dwFlags);
int32_t ioctlsocket(SOCKET s, int32_t cmd, uint32_t *argp);
int32_t bind(SOCKET s, void *name, int32_t namelen);
int32_t listen(SOCKET s, int32_t backlog);
SOCKET accept(SOCKET s, void *addr, int32_t *addrlen);
int32_t connect(SOCKET s, void *name, int32_t namelen);
int32_t recv(SOCKET s, char *buf, int32_t len, int32_t flags);
int32_t send(SOCKET s, char *buf, int32_t len, int32_t flags);
int32_t WSASend(SOCKET s, WSABUF *lpBuffers, uint32_t dwBufferCount, uint32_t *lpNumberOfBytesSent,
                uint32_t dwFlags, void *lpOverlapped, void *lpCompletionRoutine);
int32_t shutdown(SOCKET s, int32_t how);
int32_t closesocket(SOCKET s);
int32_t setsockopt(SOCKET s, int32_t level, int32_t optname, char *optval, int32_t optlen);
int32_t getsockopt(SOCKET s, int32_t level, int32_t optname, char *optval, int32_t *optlen);
int32_t getsockname(SOCKET s, void *name, int32_t *namelen);
int32_t getpeername(SOCKET s, void *name, int32_t *namelen);

/* ---- kernel32 (winbase.h) ---- */
int32_t SetHandleInformation(void *hObject, uint32_t dwMask, uint32_t dwFlags);
int32_t GetHandleInformation(void *hObject, uint32_t *lpdwFlags);

#endif
