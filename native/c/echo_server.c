/*
 * echo_server: the C reference for the echo benchmarks. One thread, one level-triggered epoll
 * instance, non-blocking sockets: every byte read from a connection is written back to it.
 *
 *   echo_server PORT [BIND_ADDRESS]      (PORT 0 picks a free port; address default 127.0.0.1)
 *
 * Prints "listening on PORT" once ready and exits with status 0 on SIGTERM or SIGINT, which are
 * received through a signalfd in the same epoll set, so no signal is lost between two waits.
 *
 * Reads go into one shared buffer and are written straight back; only what a write could not
 * take is copied into a per-connection buffer, and the connection then waits for EPOLLOUT and
 * reads nothing until that is sent. 10,000 idle connections thus cost no buffer memory.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define READ_BUFFER_SIZE (64 * 1024)
#define MAX_EVENTS 1024

/* What a write could not take yet: sent before anything more is read. */
struct pending {
    char *data;
    size_t length;
    size_t offset;
};

static struct pending *pending_by_fd; /* indexed by descriptor, sized to RLIMIT_NOFILE */
static size_t pending_slots;
static int epfd;

static void die(const char *what) {
    perror(what);
    exit(1);
}

/* Lifts the soft descriptor limit to the hard one: the benchmark runs up to 10,000 connections. */
static rlim_t raise_fd_limit(void) {
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) die("getrlimit");
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) die("setrlimit");
    return limit.rlim_cur;
}

static void watch(int op, int fd, uint32_t events) {
    struct epoll_event event = {.events = events, .data.fd = fd};
    if (epoll_ctl(epfd, op, fd, &event) != 0) die("epoll_ctl");
}

static void close_connection(int fd) {
    if (epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL) != 0) die("epoll_ctl(DEL)");
    free(pending_by_fd[fd].data);
    pending_by_fd[fd] = (struct pending){0};
    close(fd);
}

static void accept_all(int listen_fd) {
    for (;;) {
        int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNABORTED) return;
            if (errno == EMFILE || errno == ENFILE) {
                /* The connection stays in the backlog and the listening socket stays readable, so
                 * this repeats until a descriptor is freed: the limit is raised to avoid it. */
                perror("accept4");
                return;
            }
            die("accept4");
        }
        if ((size_t)fd >= pending_slots) {
            fprintf(stderr, "descriptor %d beyond the limit\n", fd);
            close(fd);
            continue;
        }
        int one = 1;
        if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) die("setsockopt(TCP_NODELAY)");
        watch(EPOLL_CTL_ADD, fd, EPOLLIN);
    }
}

/* Writes what is pending; returns 1 when all of it went out, 0 if the socket is full, -1 on error. */
static int flush_pending(int fd) {
    struct pending *p = &pending_by_fd[fd];
    while (p->offset < p->length) {
        ssize_t n = write(fd, p->data + p->offset, p->length - p->offset);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
            if (errno == EINTR) continue;
            return -1;
        }
        p->offset += (size_t)n;
    }
    free(p->data);
    *p = (struct pending){0};
    return 1;
}

/* Echoes one read's worth; a short write parks the rest and switches the connection to EPOLLOUT. */
static void echo(int fd, char *buffer) {
    ssize_t n = read(fd, buffer, READ_BUFFER_SIZE);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        close_connection(fd); /* end of stream, or a reset by the load generator */
        return;
    }
    if (n < 0) return;
    size_t written = 0;
    while (written < (size_t)n) {
        ssize_t w = write(fd, buffer + written, (size_t)n - written);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                close_connection(fd);
                return;
            }
            struct pending *p = &pending_by_fd[fd];
            p->length = (size_t)n - written;
            p->offset = 0;
            p->data = malloc(p->length);
            if (p->data == NULL) die("malloc");
            memcpy(p->data, buffer + written, p->length);
            watch(EPOLL_CTL_MOD, fd, EPOLLOUT);
            return;
        }
        written += (size_t)w;
    }
}

static int listen_on(const char *address, int port) {
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, address, &sin.sin_addr) != 1) {
        fprintf(stderr, "not an IPv4 address: %s\n", address);
        exit(2);
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket");
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) die("setsockopt(SO_REUSEADDR)");
    if (bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0) die("bind");
    if (listen(fd, 4096) != 0) die("listen");
    return fd;
}

static int bound_port(int fd) {
    struct sockaddr_in sin;
    socklen_t length = sizeof sin;
    if (getsockname(fd, (struct sockaddr *)&sin, &length) != 0) die("getsockname");
    return ntohs(sin.sin_port);
}

/* SIGTERM and SIGINT, blocked and delivered as a readable descriptor instead. */
static int open_signalfd(void) {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    if (sigprocmask(SIG_BLOCK, &signals, NULL) != 0) die("sigprocmask");
    int fd = signalfd(-1, &signals, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0) die("signalfd");
    return fd;
}

int main(int argc, char **argv) {
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s PORT [BIND_ADDRESS]\n", argv[0]);
        return 2;
    }
    char *end;
    long port = strtol(argv[1], &end, 10);
    if (*end != '\0' || port < 0 || port > 65535) {
        fprintf(stderr, "bad port: %s\n", argv[1]);
        return 2;
    }
    pending_slots = (size_t)raise_fd_limit();
    pending_by_fd = calloc(pending_slots, sizeof *pending_by_fd);
    if (pending_by_fd == NULL) die("calloc");

    /* A write to a peer whose reset came after its end of stream fails with EPIPE and raises
     * SIGPIPE, whose default action would end the server: the error is handled where the write
     * returns it (the connection is closed). Ignoring the signal costs nothing per write. */
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) die("signal(SIGPIPE)");
    int signal_fd = open_signalfd();
    int listen_fd = listen_on(argc == 3 ? argv[2] : "127.0.0.1", (int)port);
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) die("epoll_create1");
    watch(EPOLL_CTL_ADD, listen_fd, EPOLLIN);
    watch(EPOLL_CTL_ADD, signal_fd, EPOLLIN);
    printf("listening on %d\n", bound_port(listen_fd));
    fflush(stdout);

    static char buffer[READ_BUFFER_SIZE];
    struct epoll_event events[MAX_EVENTS];
    for (;;) {
        int n = epoll_wait(epfd, events, MAX_EVENTS, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int i = 0; i < n; i++) {
            int fd = events[i].data.fd;
            if (fd == signal_fd) {
                /* Close whatever is still open so that the exit is as clean as a normal one. */
                for (size_t c = 0; c < pending_slots; c++) {
                    free(pending_by_fd[c].data);
                }
                free(pending_by_fd);
                close(listen_fd);
                close(signal_fd);
                close(epfd);
                return 0;
            }
            if (fd == listen_fd) {
                accept_all(listen_fd);
            } else if (pending_by_fd[fd].data != NULL) {
                int flushed = flush_pending(fd);
                if (flushed < 0) {
                    close_connection(fd);
                } else if (flushed > 0) {
                    watch(EPOLL_CTL_MOD, fd, EPOLLIN);
                }
            } else {
                echo(fd, buffer);
            }
        }
    }
}
