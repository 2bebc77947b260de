/*
 * ABI probe for the kqueue backend: compiled from a real <sys/event.h> (macOS's or FreeBSD's
 * own, or libkqueue's on Linux), it prints `name=value` for every struct size, field offset and
 * constant the Java side's Profile uses. KqueueAbiProbeTest runs it and compares each line with
 * the profile of the platform, whose values come from native/bsd/kqueue.h (written without a
 * BSD sysroot): this is where a mistake in that header shows up.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>
#include <sys/event.h>

#define P(name, value) printf("%s=%lld\n", name, (long long)(value))
#define C(name) P(#name, name)
#define OFFSET(type, field) P("offsetof(" #type ", " #field ")", offsetof(type, field))

int main(void) {
    P("sizeof(struct kevent)", sizeof(struct kevent));
    OFFSET(struct kevent, ident);
    OFFSET(struct kevent, filter);
    OFFSET(struct kevent, flags);
    OFFSET(struct kevent, fflags);
    OFFSET(struct kevent, data);
    OFFSET(struct kevent, udata);
    P("sizeof(struct timespec)", sizeof(struct timespec));
    OFFSET(struct timespec, tv_sec);
    OFFSET(struct timespec, tv_nsec);

    C(EVFILT_READ); C(EVFILT_WRITE); C(EVFILT_TIMER); C(EVFILT_USER);
    C(EV_ADD); C(EV_DELETE); C(EV_ONESHOT); C(EV_CLEAR); C(EV_RECEIPT);
    C(EV_ERROR); C(EV_EOF);
    C(NOTE_FFNOP); C(NOTE_TRIGGER);
    C(NOTE_SECONDS); C(NOTE_USECONDS); C(NOTE_NSECONDS);
#ifdef NOTE_MSECONDS
    C(NOTE_MSECONDS); /* FreeBSD only: milliseconds is the default unit elsewhere */
#endif
    C(ENOENT); C(EINTR); C(EBADF); C(EEXIST); C(EINVAL);

#ifndef __linux__
    /* The errno names rawpoll's internal Errno table gives macOS and FreeBSD (Linux: glibc). */
#define E(name) P("errno." #name, name)
    E(EPERM); E(ENOENT); E(ESRCH); E(EINTR); E(EIO); E(ENXIO); E(E2BIG); E(ENOEXEC); E(EBADF);
    E(ECHILD); E(EDEADLK); E(ENOMEM); E(EACCES); E(EFAULT); E(ENOTBLK); E(EBUSY); E(EEXIST);
    E(EXDEV); E(ENODEV); E(ENOTDIR); E(EISDIR); E(EINVAL); E(ENFILE); E(EMFILE); E(ENOTTY);
    E(ETXTBSY); E(EFBIG); E(ENOSPC); E(ESPIPE); E(EROFS); E(EMLINK); E(EPIPE); E(EDOM);
    E(ERANGE); E(EAGAIN); E(EINPROGRESS); E(EALREADY); E(ENOTSOCK); E(EDESTADDRREQ);
    E(EMSGSIZE); E(EPROTOTYPE); E(ENOPROTOOPT); E(EPROTONOSUPPORT); E(ESOCKTNOSUPPORT);
#ifdef __APPLE__
    E(ENOTSUP); E(EOPNOTSUPP); /* 45 and 102 on macOS; one number (45) on FreeBSD */
#else
    E(EOPNOTSUPP);
#endif
    E(EPFNOSUPPORT); E(EAFNOSUPPORT); E(EADDRINUSE); E(EADDRNOTAVAIL);
    E(ENETDOWN); E(ENETUNREACH); E(ENETRESET); E(ECONNABORTED); E(ECONNRESET); E(ENOBUFS);
    E(EISCONN); E(ENOTCONN); E(ESHUTDOWN); E(ETOOMANYREFS); E(ETIMEDOUT); E(ECONNREFUSED);
    E(ELOOP); E(ENAMETOOLONG); E(EHOSTDOWN); E(EHOSTUNREACH); E(ENOTEMPTY);
#endif
    return 0;
}
