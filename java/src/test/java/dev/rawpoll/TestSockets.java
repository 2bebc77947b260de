package dev.rawpoll;

import dev.rawpoll.internal.Platform;

/**
 * Where {@code dev.rawpoll.net} has TCP sockets (Linux, macOS, FreeBSD, Windows x64): the condition of
 * the socket tests, {@code @EnabledIf(TestSockets.AVAILABLE)}. Elsewhere they report themselves
 * skipped, with {@link #REASON}.
 */
public final class TestSockets {
    /** For {@code @EnabledIf}. */
    public static final String AVAILABLE = "dev.rawpoll.TestSockets#available";
    public static final String REASON = "dev.rawpoll.net has no TCP sockets on this OS/architecture yet";

    private TestSockets() {}

    public static boolean available() {
        try {
            Platform.sockets();
            return true;
        } catch (UnsupportedOperationException none) {
            return false;
        }
    }
}
