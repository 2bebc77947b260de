package dev.rawpoll.bsd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rawpoll.AbiProbes;
import dev.rawpoll.internal.Errno;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runs native/bsd/abi_probe.c, compiled by CMake from the platform's real {@code <sys/event.h>}
 * (libkqueue's on Linux), and compares every size, offset and constant it prints with the {@link
 * KqueueAbi} the backend picks here, whose values come from native/bsd/kqueue.h, written without a
 * BSD sysroot. On macOS this is what checks the MACOS profile (in the GitHub macOS job).
 */
class KqueueAbiProbeTest {
    private static KqueueAbi profile;

    @BeforeAll
    static void requireKqueue() {
        profile = KqueueSupport.requireKqueue("KqueueAbiProbeTest");
    }

    /** What the Java side uses for {@code p}, by the probe's names. */
    static Map<String, Long> javaSide(KqueueAbi p) {
        Map<String, Long> m = new TreeMap<>();
        m.put("sizeof(struct kevent)", p.keventSize);
        m.put("offsetof(struct kevent, ident)", p.identOffset);
        m.put("offsetof(struct kevent, filter)", p.filterOffset);
        m.put("offsetof(struct kevent, flags)", p.flagsOffset);
        m.put("offsetof(struct kevent, fflags)", p.fflagsOffset);
        m.put("offsetof(struct kevent, data)", p.dataOffset);
        m.put("offsetof(struct kevent, udata)", p.udataOffset);
        m.put("sizeof(struct timespec)", Kqueue.SIZEOF_TIMESPEC);
        m.put("offsetof(struct timespec, tv_sec)", Kqueue.OFFSETOF_TV_SEC);
        m.put("offsetof(struct timespec, tv_nsec)", Kqueue.OFFSETOF_TV_NSEC);
        m.put("EVFILT_READ", (long) Kqueue.EVFILT_READ);
        m.put("EVFILT_WRITE", (long) Kqueue.EVFILT_WRITE);
        m.put("EVFILT_TIMER", (long) dev.rawpoll.bsd.bindings.kqueue_h.EVFILT_TIMER());
        m.put("EVFILT_USER", (long) p.evfiltUser);
        // C prints the flags as unsigned short values (EV_EOF is 0x8000).
        m.put("EV_ADD", u(Kqueue.EV_ADD));
        m.put("EV_DELETE", u(Kqueue.EV_DELETE));
        m.put("EV_ONESHOT", u(Kqueue.EV_ONESHOT));
        m.put("EV_CLEAR", u(Kqueue.EV_CLEAR));
        m.put("EV_RECEIPT", u(Kqueue.EV_RECEIPT));
        m.put("EV_ERROR", u(Kqueue.EV_ERROR));
        m.put("EV_EOF", u(Kqueue.EV_EOF));
        m.put("NOTE_FFNOP", (long) dev.rawpoll.bsd.bindings.kqueue_h.NOTE_FFNOP());
        m.put("NOTE_TRIGGER", (long) Kqueue.NOTE_TRIGGER);
        m.put("NOTE_SECONDS", (long) p.noteSeconds);
        m.put("NOTE_USECONDS", (long) p.noteMicroseconds);
        m.put("NOTE_NSECONDS", (long) p.noteNanoseconds);
        if (p.noteMilliseconds != 0) {
            m.put("NOTE_MSECONDS", (long) p.noteMilliseconds);
        }
        m.put("ENOENT", (long) Kqueue.ENOENT);
        m.put("EINTR", (long) Kqueue.EINTR);
        m.put("EBADF", (long) dev.rawpoll.bsd.bindings.kqueue_h.EBADF());
        m.put("EEXIST", (long) Kqueue.EEXIST);
        m.put("EINVAL", (long) dev.rawpoll.bsd.bindings.kqueue_h.EINVAL());
        return m;
    }

    private static long u(short value) {
        return Short.toUnsignedLong(value);
    }

    static Map<String, Long> probe() throws Exception {
        return AbiProbes.run("abi_probe_kqueue", "CMake builds it from the system's <sys/event.h>"
                + " on macOS/FreeBSD, and on Linux from libkqueue's include/sys/event.h next to RAWPOLL_LIBKQUEUE"
                + " (or -DRAWPOLL_LIBKQUEUE_INCLUDE)");
    }

    @Test
    void profileMatchesTheRealHeader() throws Exception {
        Map<String, Long> probed = new TreeMap<>(probe());
        probed.keySet().removeIf(name -> name.startsWith("errno."));
        assertEquals(javaSide(profile), probed, "profile " + profile);
    }

    /** macOS and FreeBSD: the errno names rawpoll reports come from a table; check it against <errno.h>. */
    @Test
    void errnoNamesMatchTheRealHeader() throws Exception {
        Map<String, Long> errnos = new TreeMap<>(probe());
        errnos.keySet().removeIf(name -> !name.startsWith("errno."));
        if (profile == KqueueAbi.LIBKQUEUE) {
            assertTrue(errnos.isEmpty(), "Linux names come from glibc, the probe prints no table");
            assertEquals("EBADF", Errno.name(dev.rawpoll.bsd.bindings.kqueue_h.EBADF()));
            return;
        }
        assertTrue(!errnos.isEmpty(), "the probe printed no errno table");
        errnos.forEach((name, value) -> assertEquals(name.substring("errno.".length()), Errno.name(value.intValue()),
                "errno " + value));
    }
}
