package dev.rawpoll.bsd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The per-platform differences that native/bsd/kqueue.h declares under distinct names, as the
 * profiles pick them (runs everywhere: it reads bindings, not a kqueue). The real headers are
 * compared by KqueueAbiProbeTest on each platform where one exists.
 */
class KqueueAbiTest {

    @Test
    void eachProfileHasItsPlatformsLayoutAndEvfiltUser() {
        // Published ABI: macOS 32-byte struct kevent and EVFILT_USER -10; FreeBSD 12+ 64 bytes
        // (ext[4]) and -11; libkqueue macOS's layout with FreeBSD's EVFILT_USER.
        assertEquals(32, KqueueAbi.MACOS.keventSize);
        assertEquals(-10, KqueueAbi.MACOS.evfiltUser);
        assertEquals(64, KqueueAbi.FREEBSD.keventSize);
        assertEquals(-11, KqueueAbi.FREEBSD.evfiltUser);
        assertEquals(32, KqueueAbi.LIBKQUEUE.keventSize);
        assertEquals(-11, KqueueAbi.LIBKQUEUE.evfiltUser);
        for (KqueueAbi p : KqueueAbi.values()) {
            assertEquals(24, p.udataOffset, p + ": udata follows the 64-bit data in both layouts");
        }
    }

    @Test
    void timerUnitsDifferBetweenMacosAndFreebsd() {
        assertEquals(4, KqueueAbi.MACOS.noteNanoseconds);
        assertEquals(0, KqueueAbi.MACOS.noteMilliseconds, "macOS has no NOTE_MSECONDS: milliseconds is the default");
        assertEquals(8, KqueueAbi.FREEBSD.noteNanoseconds);
        assertEquals(2, KqueueAbi.FREEBSD.noteMilliseconds);
        assertEquals(KqueueAbi.MACOS.noteNanoseconds, KqueueAbi.LIBKQUEUE.noteNanoseconds);
    }

    @Test
    void detectionIsExplicit() {
        String os = System.getProperty("os.name");
        Optional<KqueueAbi> expected = os.startsWith("Mac") ? Optional.of(KqueueAbi.MACOS)
                : os.startsWith("FreeBSD") ? Optional.of(KqueueAbi.FREEBSD)
                : os.startsWith("Linux") && KqueueAbi.libkqueuePath().isPresent() ? Optional.of(KqueueAbi.LIBKQUEUE)
                : Optional.empty();
        assertEquals(expected, KqueueAbi.detect());
    }
}
