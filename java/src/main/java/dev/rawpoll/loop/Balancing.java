package dev.rawpoll.loop;

import java.util.Locale;

/** How a {@link GroupServer} spreads connections over the loops of an {@link EventLoopGroup}. */
public enum Balancing {
    /**
     * Each loop has its own listening socket on the same port ({@code SO_REUSEPORT}); the kernel
     * spreads new connections over them (Linux hashes each connection's addresses and ports;
     * FreeBSD needs {@code SO_REUSEPORT_LB} for that). No thread hands anything over.
     */
    REUSEPORT,
    /**
     * One loop accepts every connection and hands each to the next loop in turn ({@link
     * EventLoop#execute}), the stream changing threads once, before anyone uses it. For systems
     * whose kernel does not balance (macOS, Windows); on Linux it can be chosen to compare.
     */
    HAND_OFF;

    /** {@link #REUSEPORT} on Linux, {@link #HAND_OFF} elsewhere. */
    public static Balancing forThisOs() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux") ? REUSEPORT : HAND_OFF;
    }
}
