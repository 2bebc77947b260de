package dev.rawpoll.bsd;

import dev.rawpoll.bsd.bindings.kevent_freebsd;
import dev.rawpoll.bsd.bindings.kevent_macos;
import dev.rawpoll.bsd.bindings.kqueue_h;
import dev.rawpoll.internal.Platform;
import java.util.Optional;

/**
 * Which kqueue ABI and behaviour the backend is talking to, picked explicitly from the OS (and,
 * on Linux, from {@code RAWPOLL_LIBKQUEUE}), never guessed from what a call returns. Layouts and
 * constants come from the jextract bindings of {@code native/bsd/kqueue.h}, which declares each
 * platform's variant under its own name; the ABI probe checks the profile in use against the
 * platform's real {@code <sys/event.h>}.
 */
public enum KqueueAbi {
    /** macOS: 32-byte struct kevent, EVFILT_USER -10, timer units s/us/ns = 1/2/4. */
    MACOS(Layout.MACOS, (short) kqueue_h.EVFILT_USER_MACOS(),
            kqueue_h.NOTE_SECONDS_MACOS(), 0, kqueue_h.NOTE_USECONDS_MACOS(), kqueue_h.NOTE_NSECONDS_MACOS(),
            false, false),
    /** FreeBSD 12+: 64-byte struct kevent (with ext[4]), EVFILT_USER -11, timer units s/ms/us/ns = 1/2/4/8. */
    FREEBSD(Layout.FREEBSD, (short) kqueue_h.EVFILT_USER_FREEBSD(),
            kqueue_h.NOTE_SECONDS_FREEBSD(), kqueue_h.NOTE_MSECONDS_FREEBSD(), kqueue_h.NOTE_USECONDS_FREEBSD(),
            kqueue_h.NOTE_NSECONDS_FREEBSD(),
            false, false),
    /**
     * libkqueue on Linux: macOS's 32-byte struct with FreeBSD's EVFILT_USER -11 and macOS's timer
     * units. Its quirks: the fflags of an EV_EOF on EVFILT_WRITE is a hard-coded EIO for a pipe
     * whose reader closed (BSD: 0), not a socket error; closing a kqueue releases its descriptors
     * asynchronously unless {@code libkqueue_drain_pending_close()} is called. A limitation no
     * caller can work around: it asks epoll for as many descriptors as there are kevent slots and
     * drops the second kevent of a descriptor that does not fit, so an edge-triggered (EV_CLEAR)
     * read-and-write registration can lose a direction when more is ready than a poll takes.
     */
    LIBKQUEUE(Layout.MACOS, (short) kqueue_h.EVFILT_USER_FREEBSD(),
            kqueue_h.NOTE_SECONDS_MACOS(), 0, kqueue_h.NOTE_USECONDS_MACOS(), kqueue_h.NOTE_NSECONDS_MACOS(),
            true, true);

    /** The environment variable naming a built libkqueue.so, which selects {@link #LIBKQUEUE} on Linux. */
    public static final String LIBKQUEUE_ENV = "RAWPOLL_LIBKQUEUE";

    /** Byte size and field offsets of this platform's {@code struct kevent}. */
    final long keventSize;
    final long identOffset;
    final long filterOffset;
    final long flagsOffset;
    final long fflagsOffset;
    final long dataOffset;
    final long udataOffset;
    /** EVFILT_USER. */
    final short evfiltUser;
    /** EVFILT_TIMER unit flags; 0 where the platform has none (milliseconds is the default unit). */
    final int noteSeconds;
    final int noteMilliseconds;
    final int noteMicroseconds;
    final int noteNanoseconds;
    /** EVFILT_WRITE's fflags with EV_EOF is not a socket error (libkqueue: a fixed EIO for pipes). */
    final boolean writeEofFflagsMeaningless;
    /** close(kq) frees the kqueue's resources in another thread, later; a drain call makes it synchronous. */
    final boolean closeIsAsynchronous;

    KqueueAbi(Layout layout, short evfiltUser, int noteSeconds, int noteMilliseconds, int noteMicroseconds,
            int noteNanoseconds, boolean writeEofFflagsMeaningless, boolean closeIsAsynchronous) {
        this.keventSize = layout.size;
        this.identOffset = layout.ident;
        this.filterOffset = layout.filter;
        this.flagsOffset = layout.flags;
        this.fflagsOffset = layout.fflags;
        this.dataOffset = layout.data;
        this.udataOffset = layout.udata;
        this.evfiltUser = evfiltUser;
        this.noteSeconds = noteSeconds;
        this.noteMilliseconds = noteMilliseconds;
        this.noteMicroseconds = noteMicroseconds;
        this.noteNanoseconds = noteNanoseconds;
        this.writeEofFflagsMeaningless = writeEofFflagsMeaningless;
        this.closeIsAsynchronous = closeIsAsynchronous;
    }

    /**
     * The profile of the running platform: {@link #MACOS} on macOS, {@link #FREEBSD} on FreeBSD,
     * {@link #LIBKQUEUE} on Linux when {@value #LIBKQUEUE_ENV} names a library; empty otherwise.
     */
    public static Optional<KqueueAbi> detect() {
        return switch (Platform.OS) {
            case MACOS -> Optional.of(MACOS);
            case FREEBSD -> Optional.of(FREEBSD);
            case LINUX -> libkqueuePath().isPresent() ? Optional.of(LIBKQUEUE) : Optional.empty();
            default -> Optional.empty();
        };
    }

    /** The libkqueue.so that {@value #LIBKQUEUE_ENV} names, if it is set and not blank. */
    public static Optional<String> libkqueuePath() {
        String path = System.getenv(LIBKQUEUE_ENV);
        return path == null || path.isBlank() ? Optional.empty() : Optional.of(path);
    }

    /** The two struct kevent layouts, read from the bindings. */
    private enum Layout {
        MACOS(kevent_macos.sizeof(), kevent_macos.ident$offset(), kevent_macos.filter$offset(),
                kevent_macos.flags$offset(), kevent_macos.fflags$offset(), kevent_macos.data$offset(),
                kevent_macos.udata$offset()),
        FREEBSD(kevent_freebsd.sizeof(), kevent_freebsd.ident$offset(), kevent_freebsd.filter$offset(),
                kevent_freebsd.flags$offset(), kevent_freebsd.fflags$offset(), kevent_freebsd.data$offset(),
                kevent_freebsd.udata$offset());

        final long size, ident, filter, flags, fflags, data, udata;

        Layout(long size, long ident, long filter, long flags, long fflags, long data, long udata) {
            this.size = size;
            this.ident = ident;
            this.filter = filter;
            this.flags = flags;
            this.fflags = fflags;
            this.data = data;
            this.udata = udata;
        }
    }
}
