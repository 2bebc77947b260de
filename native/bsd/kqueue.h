/*
 * The kqueue ABI rawpoll's kqueue backend uses, written from the published headers (macOS:
 * xnu bsd/sys/event.h; FreeBSD: sys/sys/event.h; libkqueue: include/sys/event.h.in) because no
 * BSD sysroot exists on the Linux machines that generate the bindings. It includes no system
 * header (only the freestanding <stdint.h> for fixed-width types), so jextract run anywhere sees
 * exactly these LP64 layouts.
 *
 * Where the platforms differ, both variants are declared under distinct names and the Java side
 * picks one explicitly (dev.rawpoll.bsd.Profile), never by luck:
 *   - struct kevent: 32 bytes on macOS (and FreeBSD <= 11, and libkqueue), 64 bytes on
 *     FreeBSD 12+ (data widened to int64_t, plus uint64_t ext[4]);
 *   - EVFILT_USER: -10 on macOS, -11 on FreeBSD (and libkqueue);
 *   - EVFILT_TIMER unit flags: macOS (and libkqueue) count seconds/us/ns as 1/2/4, FreeBSD
 *     seconds/ms/us/ns as 1/2/4/8.
 * The ABI probe (abi_probe.c), compiled against a real <sys/event.h>, checks the profile in use.
 */
#ifndef RAWPOLL_KQUEUE_H
#define RAWPOLL_KQUEUE_H

#include <stdint.h>

/* macOS struct kevent (intptr_t data is 64-bit on LP64): 32 bytes. Also libkqueue's layout. */
struct kevent_macos {
    uint64_t ident;   /* uintptr_t: the file descriptor, or the EVFILT_USER identifier */
    int16_t filter;   /* EVFILT_* */
    uint16_t flags;   /* EV_* */
    uint32_t fflags;  /* filter flags (NOTE_*); the socket error with EV_EOF */
    int64_t data;     /* intptr_t: filter data; the errno with EV_ERROR */
    uint64_t udata;   /* void *: opaque to the kernel; rawpoll stores its registration key */
};

/* FreeBSD 12+ struct kevent: 64 bytes. */
struct kevent_freebsd {
    uint64_t ident;
    int16_t filter;
    uint16_t flags;
    uint32_t fflags;
    int64_t data;
    uint64_t udata;
    uint64_t ext[4];  /* extensions; zero for the filters rawpoll uses */
};

/* LP64 struct timespec (time_t and long are 64-bit on every platform this backend targets). */
struct timespec {
    int64_t tv_sec;
    long tv_nsec;
};

/* Filters: the same on every platform except EVFILT_USER. */
#define EVFILT_READ (-1)
#define EVFILT_WRITE (-2)
#define EVFILT_TIMER (-7)
#define EVFILT_USER_MACOS (-10)
#define EVFILT_USER_FREEBSD (-11)

/* Actions and flags (the same on every platform). */
#define EV_ADD 0x0001
#define EV_DELETE 0x0002
#define EV_ONESHOT 0x0010
#define EV_CLEAR 0x0020
#define EV_RECEIPT 0x0040
/* Returned flags. */
#define EV_ERROR 0x4000
#define EV_EOF 0x8000

/* EVFILT_USER (the same on every platform). */
#define NOTE_FFNOP 0x00000000
#define NOTE_TRIGGER 0x01000000

/* EVFILT_TIMER units: macOS (and libkqueue); the default unit is milliseconds on both. */
#define NOTE_SECONDS_MACOS 0x00000001
#define NOTE_USECONDS_MACOS 0x00000002
#define NOTE_NSECONDS_MACOS 0x00000004
/* EVFILT_TIMER units: FreeBSD. */
#define NOTE_SECONDS_FREEBSD 0x00000001
#define NOTE_MSECONDS_FREEBSD 0x00000002
#define NOTE_USECONDS_FREEBSD 0x00000004
#define NOTE_NSECONDS_FREEBSD 0x00000008

/* errno values the backend acts on or reports itself: below 35 they agree on Linux, macOS and
 * FreeBSD (11 does not, and is not used). */
#define ENOENT 2
#define EINTR 4
#define EBADF 9
#define EEXIST 17
#define EINVAL 22

int kqueue(void);
/* changelist and eventlist are arrays of the platform's struct kevent. */
int kevent(int kq, const void *changelist, int nchanges, void *eventlist, int nevents,
           const struct timespec *timeout);
int close(int fd);

#endif
