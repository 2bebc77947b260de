/*
 * loadgen: the load generator of the echo benchmarks, in C so that the client is never what is
 * measured. CONNECTIONS connections to 127.0.0.1:PORT each keep one message of SIZE bytes in
 * flight: send it, wait until all of it has come back (checking every byte), send the next. After
 * WARMUP seconds it counts round trips for DURATION seconds and prints one JSON line:
 *
 *   loadgen -p PORT [-c CONNECTIONS] [-s SIZE] [-d DURATION] [-w WARMUP] [-P SERVER_PID] [-a ADDRESS]
 *
 *   {"connections":4,"size":64,"duration_s":1.000,"round_trips":123,"round_trips_per_s":123.0,
 *    "bytes_verified":..., "p50_us":..,"p90_us":..,"p99_us":..,"p999_us":..,"max_us":..,
 *    "server_utime_ticks":..,"server_stime_ticks":..,"ticks_per_s":100}
 *
 * With -P, the server's user and system CPU time (from /proc/PID/stat, in clock ticks) over the
 * measured window is included. When the window opens it prints {"event":"measuring"} first, so
 * that a caller can start its own counters (perf, the server's JIT log) then, and
 * {"event":"measured"} when it closes. Exit status 1 on any error, including a byte echoed wrong
 * or a connection the server closed or reset (the message names the connection, the call and the
 * errno); 2 on bad arguments. Connections are reset (SO_LINGER 0) at the end so that repeated
 * runs do not leave tens of thousands of ports in TIME_WAIT.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
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
#define READ_BUFFER_SIZE (64 * 1024)
/* Messages start at a different offset of one pattern, so that a misplaced byte is caught. */
#define PATTERN_SHIFTS 251

struct connection {
    int fd;
    uint64_t message;  /* sequence number of the message in flight */
    size_t sent;       /* bytes of it written so far */
    size_t received;   /* bytes of it read back so far */
    uint64_t started_ns;
    int waiting_out;   /* registered for EPOLLOUT because a write was short */
};

/* Latencies in a log-linear histogram: 16 sub-buckets per power of two of nanoseconds (~6 %). */
#define SUB_BITS 4
#define BUCKETS (64 << SUB_BITS)
static uint64_t histogram[BUCKETS];
static uint64_t max_latency_ns;

static int bucket_of(uint64_t ns) {
    if (ns < (1u << SUB_BITS)) return (int)ns;
    int high = 63 - __builtin_clzll(ns);
    int sub = (int)((ns >> (high - SUB_BITS)) & ((1u << SUB_BITS) - 1));
    return ((high - SUB_BITS + 1) << SUB_BITS) + sub;
}

/* The largest latency a bucket holds. */
static uint64_t bucket_limit(int bucket) {
    if (bucket < (1 << SUB_BITS)) return (uint64_t)bucket;
    int high = (bucket >> SUB_BITS) + SUB_BITS - 1;
    uint64_t sub = (uint64_t)(bucket & ((1 << SUB_BITS) - 1));
    return ((((uint64_t)1 << SUB_BITS) | sub) + 1) << (high - SUB_BITS);
}

static double percentile_us(uint64_t total, double fraction) {
    uint64_t rank = (uint64_t)(fraction * (double)total);
    if (rank >= total) rank = total - 1;
    uint64_t seen = 0;
    for (int b = 0; b < BUCKETS; b++) {
        seen += histogram[b];
        if (seen > rank) {
            uint64_t limit = bucket_limit(b);
            return (double)(limit < max_latency_ns ? limit : max_latency_ns) / 1000.0;
        }
    }
    return (double)max_latency_ns / 1000.0;
}

static void die(const char *what) {
    perror(what);
    exit(1);
}

/* A call on connection INDEX failed with errno: the run is over (exit status 1). */
static void connection_failed(size_t index, const char *call) {
    int error = errno;
    fprintf(stderr, "connection %zu: %s: %s (errno %d)\n", index, call, strerror(error), error);
    exit(1);
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* utime and stime (fields 14 and 15) of /proc/PID/stat; the name field may hold spaces. */
static void server_cpu(int pid, long long *utime, long long *stime) {
    char path[64], line[4096];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (f == NULL) die(path);
    if (fgets(line, sizeof line, f) == NULL) die("read /proc/PID/stat");
    fclose(f);
    char *p = strrchr(line, ')');
    if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lld %lld", utime, stime) != 2) {
        fprintf(stderr, "cannot parse %s\n", path);
        exit(1);
    }
}

static void raise_fd_limit(rlim_t needed) {
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) die("getrlimit");
    if (limit.rlim_cur >= needed) return;
    if (limit.rlim_max < needed) {
        fprintf(stderr, "need %llu descriptors, the hard limit is %llu\n",
                (unsigned long long)needed, (unsigned long long)limit.rlim_max);
        exit(1);
    }
    limit.rlim_cur = needed;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) die("setrlimit");
}

static int connect_to(const char *address, int port) {
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, address, &sin.sin_addr) != 1) {
        fprintf(stderr, "not an IPv4 address: %s\n", address);
        exit(2);
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket");
    /* Blocking connect, one at a time: no SYN floods the server's backlog. */
    if (connect(fd, (struct sockaddr *)&sin, sizeof sin) != 0) die("connect");
    int one = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) die("setsockopt(TCP_NODELAY)");
    if (fcntl(fd, F_SETFL, O_NONBLOCK) != 0) die("fcntl(O_NONBLOCK)");
    return fd;
}

static const unsigned char *pattern; /* SIZE + PATTERN_SHIFTS bytes */

static const unsigned char *message_bytes(size_t index, uint64_t message) {
    return pattern + (index * 17 + message) % PATTERN_SHIFTS;
}

static int epfd;

static void watch(int op, struct connection *c, uint32_t events) {
    struct epoll_event event = {.events = events, .data.ptr = c};
    if (epoll_ctl(epfd, op, c->fd, &event) != 0) die("epoll_ctl");
}

/* Writes what is left of the message in flight; waits for EPOLLOUT if the socket is full. */
static void send_rest(struct connection *c, size_t index, size_t size) {
    const unsigned char *bytes = message_bytes(index, c->message);
    while (c->sent < size) {
        ssize_t n = write(c->fd, bytes + c->sent, size - c->sent);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) connection_failed(index, "write");
            if (!c->waiting_out) {
                watch(EPOLL_CTL_MOD, c, EPOLLIN | EPOLLOUT);
                c->waiting_out = 1;
            }
            return;
        }
        c->sent += (size_t)n;
    }
    if (c->waiting_out) {
        watch(EPOLL_CTL_MOD, c, EPOLLIN);
        c->waiting_out = 0;
    }
}

static void usage(const char *program) {
    fprintf(stderr, "usage: %s -p PORT [-c CONNECTIONS] [-s SIZE] [-d DURATION_S] [-w WARMUP_S] "
                    "[-P SERVER_PID] [-a ADDRESS]\n", program);
    exit(2);
}

int main(int argc, char **argv) {
    int port = -1, connections = 1, server_pid = 0;
    size_t size = 64;
    double duration_s = 5, warmup_s = 1;
    const char *address = "127.0.0.1";
    int option;
    while ((option = getopt(argc, argv, "p:c:s:d:w:P:a:")) != -1) {
        switch (option) {
            case 'p': port = atoi(optarg); break;
            case 'c': connections = atoi(optarg); break;
            case 's': size = (size_t)atol(optarg); break;
            case 'd': duration_s = atof(optarg); break;
            case 'w': warmup_s = atof(optarg); break;
            case 'P': server_pid = atoi(optarg); break;
            case 'a': address = optarg; break;
            default: usage(argv[0]);
        }
    }
    if (port <= 0 || port > 65535 || connections <= 0 || size == 0 || duration_s <= 0 || warmup_s < 0) {
        usage(argv[0]);
    }
    raise_fd_limit((rlim_t)connections + 64);
    /* A write to a server whose reset came after its end of stream fails with EPIPE and raises
     * SIGPIPE, whose default action ended loadgen silently (exit status 141): ignored, the write
     * returns the error and it is reported with its connection (LoadgenTest). */
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) die("signal(SIGPIPE)");

    unsigned char *pattern_buffer = malloc(size + PATTERN_SHIFTS);
    if (pattern_buffer == NULL) die("malloc");
    for (size_t i = 0; i < size + PATTERN_SHIFTS; i++) {
        pattern_buffer[i] = (unsigned char)(i * 31 + (i >> 8) + 7);
    }
    pattern = pattern_buffer;

    struct connection *all = calloc((size_t)connections, sizeof *all);
    if (all == NULL) die("calloc");
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) die("epoll_create1");
    for (int i = 0; i < connections; i++) {
        all[i].fd = connect_to(address, port);
        watch(EPOLL_CTL_ADD, &all[i], EPOLLIN);
    }

    uint64_t start = now_ns();
    uint64_t measure_from = start + (uint64_t)(warmup_s * 1e9);
    uint64_t measure_until = measure_from + (uint64_t)(duration_s * 1e9);
    for (int i = 0; i < connections; i++) {
        all[i].started_ns = now_ns();
        send_rest(&all[i], (size_t)i, size);
    }

    static unsigned char buffer[READ_BUFFER_SIZE];
    struct epoll_event events[MAX_EVENTS];
    uint64_t round_trips = 0, bytes_verified = 0;
    long long utime_before = 0, stime_before = 0, utime_after = 0, stime_after = 0;
    int measuring = 0;
    for (;;) {
        uint64_t now = now_ns();
        if (!measuring && now >= measure_from) {
            measuring = 1;
            if (server_pid > 0) server_cpu(server_pid, &utime_before, &stime_before);
            printf("{\"event\":\"measuring\"}\n");
            fflush(stdout);
        }
        if (measuring && now >= measure_until) {
            if (server_pid > 0) server_cpu(server_pid, &utime_after, &stime_after);
            printf("{\"event\":\"measured\"}\n");
            fflush(stdout);
            break;
        }
        uint64_t next = measuring ? measure_until : measure_from;
        int timeout_ms = (int)((next - now + 999999) / 1000000);
        int n = epoll_wait(epfd, events, MAX_EVENTS, timeout_ms);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int e = 0; e < n; e++) {
            struct connection *c = events[e].data.ptr;
            size_t index = (size_t)(c - all);
            if (events[e].events & EPOLLOUT) send_rest(c, index, size);
            if (!(events[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
            ssize_t got = read(c->fd, buffer, sizeof buffer);
            if (got < 0) {
                if (errno == EAGAIN || errno == EINTR) continue;
                connection_failed(index, "read");
            }
            if (got == 0) {
                fprintf(stderr, "connection %zu closed by the server\n", index);
                return 1;
            }
            if (c->received + (size_t)got > c->sent) {
                fprintf(stderr, "connection %zu: %zu bytes echoed, only %zu sent\n",
                        index, c->received + (size_t)got, c->sent);
                return 1;
            }
            if (memcmp(buffer, message_bytes(index, c->message) + c->received, (size_t)got) != 0) {
                fprintf(stderr, "connection %zu: message %llu echoed wrong near byte %zu\n",
                        index, (unsigned long long)c->message, c->received);
                return 1;
            }
            c->received += (size_t)got;
            bytes_verified += (uint64_t)got;
            if (c->received == size) {
                uint64_t done = now_ns();
                if (measuring && done < measure_until) {
                    uint64_t latency = done - c->started_ns;
                    histogram[bucket_of(latency)]++;
                    if (latency > max_latency_ns) max_latency_ns = latency;
                    round_trips++;
                }
                c->message++;
                c->sent = 0;
                c->received = 0;
                c->started_ns = done;
                send_rest(c, index, size);
            }
        }
    }

    struct linger reset = {.l_onoff = 1, .l_linger = 0};
    for (int i = 0; i < connections; i++) {
        if (setsockopt(all[i].fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset) != 0) die("setsockopt(SO_LINGER)");
        close(all[i].fd);
    }
    close(epfd);
    if (round_trips == 0) {
        fprintf(stderr, "no round trip completed in %.3f s\n", duration_s);
    }
    printf("{\"connections\":%d,\"size\":%zu,\"duration_s\":%.3f,\"round_trips\":%llu,"
           "\"round_trips_per_s\":%.1f,\"bytes_verified\":%llu,"
           "\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,\"max_us\":%.1f",
           connections, size, duration_s, (unsigned long long)round_trips,
           (double)round_trips / duration_s, (unsigned long long)bytes_verified,
           round_trips ? percentile_us(round_trips, 0.50) : 0.0,
           round_trips ? percentile_us(round_trips, 0.90) : 0.0,
           round_trips ? percentile_us(round_trips, 0.99) : 0.0,
           round_trips ? percentile_us(round_trips, 0.999) : 0.0,
           (double)max_latency_ns / 1000.0);
    if (server_pid > 0) {
        printf(",\"server_utime_ticks\":%lld,\"server_stime_ticks\":%lld,\"ticks_per_s\":%ld",
               utime_after - utime_before, stime_after - stime_before, sysconf(_SC_CLK_TCK));
    }
    printf("}\n");
    free(all);
    free(pattern_buffer);
    return round_trips > 0 ? 0 : 1;
}
