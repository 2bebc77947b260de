/*
 * C reference of the IOCP + AFD poll call sequence rawpoll's Windows backend makes, built with
 * mingw-w64 from iocp.h (the header jextract reads) and run on Windows or under Wine.
 *
 * It prints `name=value` lines: first every size, offset and constant of iocp.h the Java side
 * uses (IocpReferenceTest compares them with the generated bindings), then what each scenario on
 * loopback TCP sockets observed, as `scenario.<name>.<what>=<value>`: the NTSTATUS returned by
 * NtDeviceIoControlFile, the dequeued completion (key, context, status) and the AFD events. The
 * fake port of the Java unit tests behaves as these lines show.
 *
 * Winsock is declared here with fixed-width types rather than through <winsock2.h>, which would
 * pull in <windows.h> and clash with iocp.h's own declarations of the same functions.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "iocp.h"

/* ---- the few Winsock and kernel32 calls the scenarios need ---- */
#define AF_INET 2
#define SOCK_STREAM 1
#define IPPROTO_TCP 6
#define SD_SEND 1
#define SOL_SOCKET 0xffff
#define SO_LINGER 0x0080
#define INVALID_SOCKET (~(ULONG_PTR)0)

struct sockaddr_in4 {
    uint16_t sin_family;
    uint16_t sin_port;   /* network byte order */
    uint32_t sin_addr;   /* network byte order */
    uint8_t sin_zero[8];
};
struct linger2 { uint16_t l_onoff; uint16_t l_linger; };

int32_t WSACleanup(void);
int32_t WSAGetLastError(void);
ULONG_PTR socket(int32_t af, int32_t type, int32_t protocol);
int32_t bind(ULONG_PTR s, const void *name, int32_t namelen);
int32_t listen(ULONG_PTR s, int32_t backlog);
ULONG_PTR accept(ULONG_PTR s, void *addr, int32_t *addrlen);
int32_t connect(ULONG_PTR s, const void *name, int32_t namelen);
int32_t getsockname(ULONG_PTR s, void *name, int32_t *namelen);
int32_t send(ULONG_PTR s, const char *buf, int32_t len, int32_t flags);
int32_t recv(ULONG_PTR s, char *buf, int32_t len, int32_t flags);
int32_t shutdown(ULONG_PTR s, int32_t how);
int32_t closesocket(ULONG_PTR s);
int32_t setsockopt(ULONG_PTR s, int32_t level, int32_t optname, const void *optval, int32_t optlen);
uint32_t GetLastError(void);

#define P(name, value) printf("%s=%lld\n", name, (long long)(value))
#define C(name) P(#name, name)
#define SIZE(type) P("sizeof(" #type ")", sizeof(type))
#define OFF(type, field) P("offsetof(" #type ", " #field ")", offsetof(type, field))

/* The completion key the AFD device handle is associated with, and the one of wakeups. */
#define AFD_KEY 1
#define WAKEUP_KEY 2

static void *port;
static void *afd;
static int failures;

/* One poll request: the IO_STATUS_BLOCK and the AFD_POLL_INFO must stay put until it completes. */
struct request {
    IO_STATUS_BLOCK iosb;
    AFD_POLL_INFO info;
};

static void layouts(void) {
    SIZE(OVERLAPPED);
    OFF(OVERLAPPED, Internal); OFF(OVERLAPPED, InternalHigh); OFF(OVERLAPPED, hEvent);
    SIZE(OVERLAPPED_ENTRY);
    OFF(OVERLAPPED_ENTRY, lpCompletionKey); OFF(OVERLAPPED_ENTRY, lpOverlapped);
    OFF(OVERLAPPED_ENTRY, Internal); OFF(OVERLAPPED_ENTRY, dwNumberOfBytesTransferred);
    SIZE(IO_STATUS_BLOCK);
    OFF(IO_STATUS_BLOCK, Status); OFF(IO_STATUS_BLOCK, Information);
    SIZE(UNICODE_STRING);
    OFF(UNICODE_STRING, Length); OFF(UNICODE_STRING, MaximumLength); OFF(UNICODE_STRING, Buffer);
    SIZE(OBJECT_ATTRIBUTES);
    OFF(OBJECT_ATTRIBUTES, Length); OFF(OBJECT_ATTRIBUTES, RootDirectory);
    OFF(OBJECT_ATTRIBUTES, ObjectName); OFF(OBJECT_ATTRIBUTES, Attributes);
    OFF(OBJECT_ATTRIBUTES, SecurityDescriptor); OFF(OBJECT_ATTRIBUTES, SecurityQualityOfService);
    SIZE(AFD_POLL_HANDLE_INFO);
    OFF(AFD_POLL_HANDLE_INFO, Handle); OFF(AFD_POLL_HANDLE_INFO, Events); OFF(AFD_POLL_HANDLE_INFO, Status);
    SIZE(AFD_POLL_INFO);
    OFF(AFD_POLL_INFO, Timeout); OFF(AFD_POLL_INFO, NumberOfHandles); OFF(AFD_POLL_INFO, Exclusive);
    OFF(AFD_POLL_INFO, Handles);
    C(AFD_POLL_RECEIVE); C(AFD_POLL_RECEIVE_EXPEDITED); C(AFD_POLL_SEND); C(AFD_POLL_DISCONNECT);
    C(AFD_POLL_ABORT); C(AFD_POLL_LOCAL_CLOSE); C(AFD_POLL_ACCEPT); C(AFD_POLL_CONNECT_FAIL);
    C(IOCTL_AFD_POLL); C(SIO_BASE_HANDLE); C(SOCKET_ERROR);
    C(SYNCHRONIZE); C(FILE_SHARE_READ); C(FILE_SHARE_WRITE); C(FILE_OPEN); C(FILE_SKIP_SET_EVENT_ON_HANDLE);
    P("INFINITE", (int32_t)INFINITE);
    C(STATUS_SUCCESS); C(STATUS_PENDING); C(STATUS_CANCELLED); C(STATUS_NOT_FOUND);
    C(STATUS_INVALID_HANDLE); C(STATUS_OBJECT_NAME_NOT_FOUND); C(STATUS_OBJECT_TYPE_MISMATCH);
    C(ERROR_INVALID_HANDLE); C(ERROR_NOT_ENOUGH_MEMORY); C(ERROR_ALREADY_EXISTS); C(ERROR_INVALID_PARAMETER); C(WAIT_TIMEOUT);
    C(ERROR_OPERATION_ABORTED); C(ERROR_IO_PENDING); C(ERROR_NOT_FOUND); C(ERROR_ABANDONED_WAIT_0);
    C(WSAENOTSOCK); C(WSANOTINITIALISED);
}

static void check(int ok, const char *what) {
    if (!ok) {
        printf("FAILED: %s (GetLastError=%lu, WSAGetLastError=%ld)\n", what,
               (unsigned long)GetLastError(), (long)WSAGetLastError());
        failures++;
    }
}

/* \Device\Afd opened as a plain file, with no endpoint: a handle to talk to the AFD driver. */
static void *open_afd(void) {
    static uint16_t name[] = u"\\Device\\Afd\\rawpoll";
    UNICODE_STRING ustr = { (uint16_t)(sizeof name - 2), (uint16_t)sizeof name, name };
    OBJECT_ATTRIBUTES attributes = { sizeof(OBJECT_ATTRIBUTES), NULL, &ustr, 0, NULL, NULL };
    IO_STATUS_BLOCK iosb;
    void *handle = NULL;
    int32_t status = NtCreateFile(&handle, SYNCHRONIZE, &attributes, &iosb, NULL, 0,
                                  FILE_SHARE_READ | FILE_SHARE_WRITE, FILE_OPEN, 0, NULL, 0);
    P("open.NtCreateFile.status", status);
    return status == STATUS_SUCCESS ? handle : NULL;
}

static ULONG_PTR base_socket(ULONG_PTR s) {
    ULONG_PTR base = INVALID_SOCKET;
    uint32_t bytes = 0;
    if (WSAIoctl(s, SIO_BASE_HANDLE, NULL, 0, &base, sizeof base, &bytes, NULL, NULL) == SOCKET_ERROR) {
        return INVALID_SOCKET;
    }
    return base;
}

/* Submits a poll for `events` on base socket `base`, with `context` as the ApcContext the
 * completion carries. */
static int32_t submit_base(struct request *r, ULONG_PTR base, uint32_t events, ULONG_PTR context) {
    memset(r, 0, sizeof *r);
    r->iosb.Status = STATUS_PENDING;
    r->info.Timeout = INT64_MAX;
    r->info.NumberOfHandles = 1;
    r->info.Exclusive = 0;
    r->info.Handles[0].Handle = (void *)base;
    r->info.Handles[0].Events = events;
    return NtDeviceIoControlFile(afd, NULL, NULL, (void *)context, &r->iosb, IOCTL_AFD_POLL,
                                 &r->info, sizeof r->info, &r->info, sizeof r->info);
}

/* The same for socket `s`, through its base socket (SIO_BASE_HANDLE), as a registration does. */
static int32_t submit(struct request *r, ULONG_PTR s, uint32_t events, ULONG_PTR context) {
    return submit_base(r, base_socket(s), events, context);
}

/* Dequeues one completion, waiting at most `ms`, and prints it under `scenario`. Returns 1 if one came. */
static int dequeue(const char *scenario, uint32_t ms, OVERLAPPED_ENTRY *entry) {
    uint32_t removed = 0;
    char name[128];
    memset(entry, 0, sizeof *entry);
    int32_t ok = GetQueuedCompletionStatusEx(port, entry, 1, &removed, ms, 0);
    if (!ok) {
        snprintf(name, sizeof name, "scenario.%s.dequeue.error", scenario);
        P(name, GetLastError());
        return 0;
    }
    snprintf(name, sizeof name, "scenario.%s.dequeue.count", scenario); P(name, removed);
    snprintf(name, sizeof name, "scenario.%s.dequeue.key", scenario); P(name, entry->lpCompletionKey);
    snprintf(name, sizeof name, "scenario.%s.dequeue.context", scenario); P(name, (ULONG_PTR)entry->lpOverlapped);
    snprintf(name, sizeof name, "scenario.%s.dequeue.status", scenario); P(name, (int32_t)entry->Internal);
    return 1;
}

static void print_result(const char *scenario, const struct request *r) {
    char name[128];
    snprintf(name, sizeof name, "scenario.%s.iosb.status", scenario); P(name, r->iosb.Status);
    snprintf(name, sizeof name, "scenario.%s.handles", scenario); P(name, r->info.NumberOfHandles);
    snprintf(name, sizeof name, "scenario.%s.events", scenario); P(name, r->info.Handles[0].Events);
    snprintf(name, sizeof name, "scenario.%s.handle.status", scenario); P(name, r->info.Handles[0].Status);
}

static void submitted(const char *scenario, int32_t status) {
    char name[128];
    snprintf(name, sizeof name, "scenario.%s.submit", scenario);
    P(name, status);
}

/* Runs one poll: submit, optional action, dequeue, print. */
static void poll_once(const char *scenario, ULONG_PTR s, uint32_t events, ULONG_PTR context,
                      void (*action)(ULONG_PTR), ULONG_PTR action_arg, uint32_t wait_ms) {
    struct request r;
    OVERLAPPED_ENTRY entry;
    submitted(scenario, submit(&r, s, events, context));
    if (action) action(action_arg);
    if (dequeue(scenario, wait_ms, &entry)) print_result(scenario, &r);
}

static ULONG_PTR listener, client, server;
static struct sockaddr_in4 address;

static void do_connect(ULONG_PTR s) {
    check(connect(s, &address, sizeof address) == 0, "connect");
}
static void do_send(ULONG_PTR s) {
    check(send(s, "x", 1, 0) == 1, "send");
}
static void do_shutdown(ULONG_PTR s) {
    check(shutdown(s, SD_SEND) == 0, "shutdown");
}
static void do_close(ULONG_PTR s) {
    check(closesocket(s) == 0, "closesocket");
}

int main(void) {
    static uint8_t wsadata[512];
    OVERLAPPED_ENTRY entry;
    struct request r;
    char buf[16];

    layouts();
    fflush(stdout);
    check(WSAStartup(0x0202, wsadata) == 0, "WSAStartup");

    port = CreateIoCompletionPort((void *)(intptr_t)-1, NULL, 0, 0);
    check(port != NULL, "CreateIoCompletionPort");
    afd = open_afd();
    check(afd != NULL, "NtCreateFile(\\Device\\Afd)");
    if (port == NULL || afd == NULL) return 1;
    check(CreateIoCompletionPort(afd, port, AFD_KEY, 0) == port, "CreateIoCompletionPort(afd)");
    check(SetFileCompletionNotificationModes(afd, FILE_SKIP_SET_EVENT_ON_HANDLE) != 0,
          "SetFileCompletionNotificationModes");

    listener = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    memset(&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_addr = 0x0100007f; /* 127.0.0.1 in network order on a little-endian machine */
    check(bind(listener, &address, sizeof address) == 0, "bind");
    int32_t length = sizeof address;
    check(getsockname(listener, &address, &length) == 0, "getsockname");
    check(listen(listener, 8) == 0, "listen");
    P("base.same", base_socket(listener) == listener);
    P("base.bogus", (long long)base_socket((ULONG_PTR)0x12345678) == (long long)INVALID_SOCKET);
    P("base.bogus.error", WSAGetLastError());

    /* Timeout with nothing queued. */
    dequeue("timeout", 0, &entry);

    /* Wakeup: a posted completion with its own key and no context. */
    check(PostQueuedCompletionStatus(port, 0, WAKEUP_KEY, NULL) != 0, "PostQueuedCompletionStatus");
    dequeue("wakeup", 1000, &entry);

    /* Accept: pending until a client connects. */
    client = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    poll_once("accept", listener, AFD_POLL_RECEIVE | AFD_POLL_ACCEPT, 11, do_connect, client, 2000);
    server = accept(listener, NULL, NULL);
    check(server != INVALID_SOCKET, "accept");

    /* Writable: a fresh connection can send at once. */
    poll_once("writable", server, AFD_POLL_SEND, 12, NULL, 0, 2000);

    /* Readable: pending until the peer sends. */
    poll_once("readable", server, AFD_POLL_RECEIVE | AFD_POLL_DISCONNECT, 13, do_send, client, 2000);
    /* Level: polling again without reading reports again at once. */
    poll_once("readable_again", server, AFD_POLL_RECEIVE | AFD_POLL_DISCONNECT, 14, NULL, 0, 2000);
    check(recv(server, buf, sizeof buf, 0) == 1, "recv");

    /* Cancel: a pending poll cancelled with CancelIoEx on its IO_STATUS_BLOCK. */
    submitted("cancel", submit(&r, server, AFD_POLL_RECEIVE, 15));
    P("scenario.cancel.CancelIoEx", CancelIoEx(afd, (OVERLAPPED *)&r.iosb));
    if (dequeue("cancel", 2000, &entry)) print_result("cancel", &r);
    /* Cancelling again once completed: nothing left to cancel. */
    P("scenario.cancel_after.CancelIoEx", CancelIoEx(afd, (OVERLAPPED *)&r.iosb));
    P("scenario.cancel_after.error", GetLastError());

    /* Disconnect: the peer shuts down its sending side. */
    poll_once("disconnect", server, AFD_POLL_RECEIVE | AFD_POLL_DISCONNECT, 16, do_shutdown, client, 2000);
    check(recv(server, buf, sizeof buf, 0) == 0, "recv end of stream");

    /* Abort: on a second connection, the peer resets it (close with a zero linger time). */
    ULONG_PTR client2 = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    do_connect(client2);
    ULONG_PTR server2 = accept(listener, NULL, NULL);
    check(server2 != INVALID_SOCKET, "accept 2");
    struct linger2 hard = { 1, 0 };
    check(setsockopt(client2, SOL_SOCKET, SO_LINGER, &hard, sizeof hard) == 0, "setsockopt(SO_LINGER)");
    poll_once("abort", server2, AFD_POLL_RECEIVE | AFD_POLL_DISCONNECT | AFD_POLL_ABORT, 17, do_close, client2, 2000);
    closesocket(server2);
    closesocket(client);

    /* Local close: the polled socket itself is closed while its poll is pending. */
    ULONG_PTR server_base = base_socket(server);
    poll_once("local_close", server, AFD_POLL_RECEIVE | AFD_POLL_LOCAL_CLOSE, 18, do_close, server, 2000);

    /* A poll of a closed socket fails at submission. The backend polls again with the base
     * socket it kept from registration (SIO_BASE_HANDLE of a closed socket fails on Windows, and
     * its INVALID_SOCKET would name the current process), so this polls the kept value too. */
    submitted("closed_socket", submit_base(&r, server_base, AFD_POLL_RECEIVE, 19));
    dequeue("closed_socket", 0, &entry);

    closesocket(listener);
    CloseHandle(afd);
    CloseHandle(port);
    WSACleanup();
    P("failures", failures);
    return failures == 0 ? 0 : 1;
}
