/*
 * soakgen: the load side of the soak (./rawpoll soak). Keeps CONNECTIONS connections open to an
 * echo server on 127.0.0.1:PORT and churns them: each connection exchanges a random number of
 * messages of random size (every echoed byte checked), then ends in one of the ways a real peer
 * ends, at most CHURN endings per second:
 *
 *   close       close() after its last echo (the server reads end of stream)
 *   half-close  send a last message and shutdown(SHUT_WR) at once: the server must still echo it,
 *               then close on end of stream; the client reads the echo, then end of stream
 *   reset       send a message and close with SO_LINGER 0 before the echo: an RST reaches a server
 *               that is reading or writing
 *   idle        no ending: send nothing for 1-5 s, then go on (a quiet connection must stay open)
 *
 * and a slot that ended is connected again (at most 256 connects in flight). It runs until its
 * standard input reaches end of file, or MAX seconds, whichever comes first, then resets every
 * connection and prints the totals.
 *
 *   soakgen -p PORT [-c CONNECTIONS] [-r CHURN_PER_S] [-d MAX_S] [-a ADDRESS]
 *
 * Output, one flat JSON object of numbers per line: {"event":"ready",...} once every slot has
 * connected once, then one line a second, then {"event":"done",...}; the counters are totals:
 *
 *   "t_s","open","round_trips","connects","closes","half_closes","resets","idles",
 *   "err_connect","err_reset","err_eof","err_mismatch","err_unexpected","err_stalled","err_other"
 *
 * err_reset: the server reset a connection; err_eof: the server closed one before echoing all of
 * it; err_mismatch: a byte echoed wrong; err_unexpected: data while idle or after a half-close's
 * echo; err_stalled: an echo that had not come back after 10 s (the connection is then reset).
 * The first error of each kind is described on stderr. Exit status 0 unless the setup failed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_EVENTS 1024
#define MAX_SIZE 2048
#define CONNECTING_AT_ONCE 256
#define STALL_NS (10ull * 1000000000ull)
#define PATTERN_SHIFTS 251
#define STDIN_TOKEN UINT64_MAX

enum state { FREE, CONNECTING, EXCHANGING, HALF_CLOSED, IDLE };
enum ending { END_CLOSE, END_HALF_CLOSE, END_RESET, END_IDLE };

struct connection {
    int fd;
    enum state state;
    uint32_t message;     /* sequence number of the message in flight */
    size_t size;          /* its size */
    size_t sent, received;
    int exchanges_left;   /* before an ending is chosen */
    int waiting_out;
    uint64_t since_ns;    /* when the message was sent, or the idle time ends */
};

enum error_kind { ERR_CONNECT, ERR_RESET, ERR_EOF, ERR_MISMATCH, ERR_UNEXPECTED, ERR_STALLED, ERR_OTHER, ERR_KINDS };
static const char *const error_names[ERR_KINDS] = {"connect", "reset", "eof", "mismatch", "unexpected", "stalled", "other"};
static uint64_t errors[ERR_KINDS];
static uint64_t round_trips, connects, closes, half_closes, resets, idles;
static long open_count, connecting_count;

static int epfd;
static struct sockaddr_in server;
static struct connection *all;
static int connections = 10000;
static unsigned char pattern[MAX_SIZE + PATTERN_SHIFTS];
static uint64_t random_state = 0x9e3779b97f4a7c15ull;

static void die(const char *what) {
    perror(what);
    exit(1);
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* xorshift64*: reproducible, no libc state. */
static uint32_t random_below(uint32_t bound) {
    random_state ^= random_state >> 12;
    random_state ^= random_state << 25;
    random_state ^= random_state >> 27;
    return (uint32_t)(((random_state * 0x2545f4914f6cdd1dull) >> 32) % bound);
}

static void error(enum error_kind kind, struct connection *c, const char *detail) {
    if (errors[kind]++ == 0) {
        fprintf(stderr, "soakgen: first %s error (connection %ld): %s\n", error_names[kind], (long)(c - all), detail);
    }
}

static const unsigned char *message_bytes(const struct connection *c) {
    return pattern + ((size_t)(c - all) * 17 + c->message) % PATTERN_SHIFTS;
}

static void watch(int op, struct connection *c, uint32_t events) {
    struct epoll_event event = {.events = events, .data.u64 = (uint64_t)(c - all)};
    if (epoll_ctl(epfd, op, c->fd, &event) != 0) die("epoll_ctl");
}

/* Closes the descriptor (with an RST if reset) and frees the slot for a new connection. */
static void finish(struct connection *c, int reset) {
    if (reset) {
        struct linger linger = {.l_onoff = 1, .l_linger = 0};
        setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &linger, sizeof linger);
    }
    close(c->fd); /* also removes it from the epoll set: nothing else holds this description */
    if (c->state == CONNECTING) connecting_count--;
    else open_count--;
    c->fd = -1;
    c->state = FREE;
}

static void start_connect(struct connection *c) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error(ERR_CONNECT, c, strerror(errno));
        return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->fd = fd;
    c->state = CONNECTING;
    c->waiting_out = 0;
    connecting_count++;
    if (connect(fd, (struct sockaddr *)&server, sizeof server) != 0 && errno != EINPROGRESS) {
        error(ERR_CONNECT, c, strerror(errno));
        finish(c, 1);
        return;
    }
    watch(EPOLL_CTL_ADD, c, EPOLLOUT);
}

/* Writes what is left of the message in flight; waits for EPOLLOUT when the socket is full. */
static int send_rest(struct connection *c) {
    const unsigned char *bytes = message_bytes(c);
    while (c->sent < c->size) {
        ssize_t n = send(c->fd, bytes + c->sent, c->size - c->sent, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) {
                if (!c->waiting_out) watch(EPOLL_CTL_MOD, c, EPOLLIN | EPOLLOUT);
                c->waiting_out = 1;
                return 0;
            }
            error(errno == ECONNRESET || errno == EPIPE ? ERR_RESET : ERR_OTHER, c, strerror(errno));
            finish(c, 1);
            return -1;
        }
        c->sent += (size_t)n;
    }
    if (c->waiting_out) watch(EPOLL_CTL_MOD, c, EPOLLIN);
    c->waiting_out = 0;
    return 0;
}

static int send_message(struct connection *c) {
    c->message++;
    c->size = 1 + random_below(MAX_SIZE);
    c->sent = c->received = 0;
    c->since_ns = now_ns();
    return send_rest(c);
}

/* Token bucket of endings: at most CHURN a second. */
static double churn_per_s = 300, churn_tokens;
static uint64_t churn_refilled_ns;

static int take_churn_token(void) {
    uint64_t now = now_ns();
    churn_tokens += (double)(now - churn_refilled_ns) * churn_per_s / 1e9;
    if (churn_tokens > churn_per_s) churn_tokens = churn_per_s;
    churn_refilled_ns = now;
    if (churn_tokens < 1) return 0;
    churn_tokens -= 1;
    return 1;
}

/* After a completed echo: the next message, or an ending. */
static void next_step(struct connection *c) {
    if (--c->exchanges_left > 0 || !take_churn_token()) {
        if (c->exchanges_left <= 0) c->exchanges_left = 1 + (int)random_below(50);
        send_message(c);
        return;
    }
    c->exchanges_left = 1 + (int)random_below(200);
    switch ((enum ending)random_below(4)) {
        case END_CLOSE:
            closes++;
            finish(c, 0);
            break;
        case END_HALF_CLOSE:
            if (send_message(c) != 0) return;
            half_closes++;
            if (c->waiting_out) { /* rare with 2 KiB at most: end it as a reset instead */
                resets++;
                finish(c, 1);
                return;
            }
            if (shutdown(c->fd, SHUT_WR) != 0) {
                error(ERR_OTHER, c, strerror(errno));
                finish(c, 1);
                return;
            }
            c->state = HALF_CLOSED;
            break;
        case END_RESET:
            resets++;
            if (send_message(c) != 0) return;
            finish(c, 1);
            break;
        case END_IDLE:
            idles++;
            c->state = IDLE;
            c->since_ns = now_ns() + 1000000000ull + random_below(4000) * 1000000ull;
            break;
    }
}

static void on_connected(struct connection *c) {
    int so_error = 0;
    socklen_t length = sizeof so_error;
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &so_error, &length) != 0) so_error = errno;
    if (so_error != 0) {
        error(ERR_CONNECT, c, strerror(so_error));
        finish(c, 1);
        return;
    }
    connecting_count--;
    open_count++;
    connects++;
    c->state = EXCHANGING;
    c->exchanges_left = 1 + (int)random_below(200);
    watch(EPOLL_CTL_MOD, c, EPOLLIN);
    send_message(c);
}

static void on_readable(struct connection *c) {
    static unsigned char buffer[64 * 1024];
    ssize_t got = recv(c->fd, buffer, sizeof buffer, 0);
    if (got < 0) {
        if (errno == EAGAIN || errno == EINTR) return;
        error(errno == ECONNRESET ? ERR_RESET : ERR_OTHER, c, strerror(errno));
        finish(c, 1);
        return;
    }
    if (got == 0) {
        if (c->state == HALF_CLOSED && c->received == c->size) {
            finish(c, 0); /* the echo, then the server's end of stream: as it should be */
        } else {
            error(ERR_EOF, c, c->state == HALF_CLOSED ? "end of stream before the half-close's echo" : "server closed");
            finish(c, 1);
        }
        return;
    }
    if (c->state == IDLE || c->received + (size_t)got > c->sent) {
        error(ERR_UNEXPECTED, c, c->state == IDLE ? "data while idle" : "more bytes echoed than sent");
        finish(c, 1);
        return;
    }
    if (memcmp(buffer, message_bytes(c) + c->received, (size_t)got) != 0) {
        error(ERR_MISMATCH, c, "a byte echoed wrong");
        finish(c, 1);
        return;
    }
    c->received += (size_t)got;
    if (c->received < c->size) return;
    round_trips++;
    if (c->state == EXCHANGING) next_step(c);
}

/* Every 100 ms: wake idle connections, reset stalled ones, start connects for free slots. */
static void tend(uint64_t now) {
    for (int i = 0; i < connections; i++) {
        struct connection *c = &all[i];
        if (c->state == IDLE && now >= c->since_ns) {
            c->state = EXCHANGING;
            send_message(c);
        } else if ((c->state == HALF_CLOSED || (c->state == EXCHANGING && c->received < c->size))
                   && now - c->since_ns > STALL_NS) {
            error(ERR_STALLED, c, c->state == HALF_CLOSED ? "no echo or end of stream 10 s after a half-close" : "no echo for 10 s");
            finish(c, 1);
        }
        if (c->state == FREE && connecting_count < CONNECTING_AT_ONCE) start_connect(c);
    }
}

static void report(const char *event, uint64_t start) {
    printf("{");
    if (event != NULL) printf("\"event\":\"%s\",", event);
    printf("\"t_s\":%.3f,\"open\":%ld,\"round_trips\":%llu,\"connects\":%llu,\"closes\":%llu,\"half_closes\":%llu,"
           "\"resets\":%llu,\"idles\":%llu",
           (double)(now_ns() - start) / 1e9, open_count, (unsigned long long)round_trips,
           (unsigned long long)connects, (unsigned long long)closes, (unsigned long long)half_closes,
           (unsigned long long)resets, (unsigned long long)idles);
    for (int k = 0; k < ERR_KINDS; k++) printf(",\"err_%s\":%llu", error_names[k], (unsigned long long)errors[k]);
    printf("}\n");
    fflush(stdout);
}

static void raise_fd_limit(rlim_t needed) {
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) die("getrlimit");
    if (limit.rlim_cur >= needed) return;
    if (limit.rlim_max < needed) {
        fprintf(stderr, "soakgen: need %llu descriptors, the hard limit is %llu\n",
                (unsigned long long)needed, (unsigned long long)limit.rlim_max);
        exit(1);
    }
    limit.rlim_cur = needed;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) die("setrlimit");
}

int main(int argc, char **argv) {
    int port = -1;
    double max_s = 3600;
    const char *address = "127.0.0.1";
    int option;
    while ((option = getopt(argc, argv, "p:c:r:d:a:")) != -1) {
        switch (option) {
            case 'p': port = atoi(optarg); break;
            case 'c': connections = atoi(optarg); break;
            case 'r': churn_per_s = atof(optarg); break;
            case 'd': max_s = atof(optarg); break;
            case 'a': address = optarg; break;
            default: port = -1; optind = argc; break;
        }
    }
    if (port <= 0 || port > 65535 || connections <= 0 || churn_per_s < 0 || max_s <= 0) {
        fprintf(stderr, "usage: %s -p PORT [-c CONNECTIONS] [-r CHURN_PER_S] [-d MAX_S] [-a ADDRESS]\n", argv[0]);
        return 2;
    }
    server.sin_family = AF_INET;
    server.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, address, &server.sin_addr) != 1) {
        fprintf(stderr, "soakgen: not an IPv4 address: %s\n", address);
        return 2;
    }
    raise_fd_limit((rlim_t)connections + 64);
    for (size_t i = 0; i < sizeof pattern; i++) pattern[i] = (unsigned char)(i * 31 + (i >> 8) + 7);
    all = calloc((size_t)connections, sizeof *all);
    if (all == NULL) die("calloc");
    for (int i = 0; i < connections; i++) all[i].fd = -1;
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) die("epoll_create1");
    struct epoll_event stdin_event = {.events = EPOLLIN, .data.u64 = STDIN_TOKEN};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, STDIN_FILENO, &stdin_event) != 0) die("epoll_ctl(stdin)");

    uint64_t start = now_ns(), deadline = start + (uint64_t)(max_s * 1e9);
    uint64_t next_tend = start, next_report = start + 1000000000ull;
    churn_refilled_ns = start;
    int ready = 0, stop = 0;
    struct epoll_event events[MAX_EVENTS];
    while (!stop) {
        uint64_t now = now_ns();
        if (now >= deadline) break;
        if (now >= next_tend) {
            tend(now);
            next_tend = now + 100000000ull;
            if (!ready && connects >= (uint64_t)connections) {
                ready = 1;
                report("ready", start);
            }
        }
        if (now >= next_report) {
            report(NULL, start);
            next_report += 1000000000ull;
        }
        int n = epoll_wait(epfd, events, MAX_EVENTS, (int)((next_tend - now + 999999) / 1000000));
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int e = 0; e < n; e++) {
            if (events[e].data.u64 == STDIN_TOKEN) {
                char discard[256];
                if (read(STDIN_FILENO, discard, sizeof discard) <= 0) stop = 1;
                continue;
            }
            struct connection *c = &all[events[e].data.u64];
            if (c->state == FREE) continue; /* finished earlier in this batch */
            if (c->state == CONNECTING) {
                on_connected(c);
                continue;
            }
            if (events[e].events & EPOLLOUT) {
                if (send_rest(c) != 0) continue;
            }
            if (events[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable(c);
        }
    }
    for (int i = 0; i < connections; i++) {
        if (all[i].state != FREE) finish(&all[i], 1);
    }
    report("done", start);
    close(epfd);
    free(all);
    return 0;
}
