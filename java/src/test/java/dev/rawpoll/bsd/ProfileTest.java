package dev.rawpoll.bsd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The per-platform differences that native/bsd/kqueue.h declares under distinct names, as the
 * profiles pick them (runs everywhere: it reads bindings, not a kqueue). The real headers are
 * compared by KqueueAbiProbeTest on each platform where one exists.
 */
class ProfileTest {

    @Test
    void eachProfileHasItsPlatformsLayoutAndEvfiltUser() {
        // Published ABI: macOS 32-byte struct kevent and EVFILT_USER -10; FreeBSD 12+ 64 bytes
        // (ext[4]) and -11; libkqueue macOS's layout with FreeBSD's EVFILT_USER.
        assertEquals(32, Profile.MACOS.keventSize);
        assertEquals(-10, Profile.MACOS.evfiltUser);
        assertEquals(64, Profile.FREEBSD.keventSize);
        assertEquals(-11, Profile.FREEBSD.evfiltUser);
        assertEquals(32, Profile.LIBKQUEUE.keventSize);
        assertEquals(-11, Profile.LIBKQUEUE.evfiltUser);
        for (Profile p : Profile.values()) {
            assertEquals(24, p.udataOffset, p + ": udata follows the 64-bit data in both layouts");
        }
    }

    @Test
    void timerUnitsDifferBetweenMacosAndFreebsd() {
        assertEquals(4, Profile.MACOS.noteNanoseconds);
        assertEquals(0, Profile.MACOS.noteMilliseconds, "macOS has no NOTE_MSECONDS: milliseconds is the default");
        assertEquals(8, Profile.FREEBSD.noteNanoseconds);
        assertEquals(2, Profile.FREEBSD.noteMilliseconds);
        assertEquals(Profile.MACOS.noteNanoseconds, Profile.LIBKQUEUE.noteNanoseconds);
    }

    @Test
    void detectionIsExplicit() {
        String os = System.getProperty("os.name");
        Optional<Profile> expected = os.startsWith("Mac") ? Optional.of(Profile.MACOS)
                : os.startsWith("FreeBSD") ? Optional.of(Profile.FREEBSD)
                : os.startsWith("Linux") && Profile.libkqueuePath().isPresent() ? Optional.of(Profile.LIBKQUEUE)
                : Optional.empty();
        assertEquals(expected, Profile.detect());
    }
}
