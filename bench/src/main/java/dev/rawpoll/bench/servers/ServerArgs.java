package dev.rawpoll.bench.servers;

import java.net.InetSocketAddress;

/**
 * The command line every Java echo server of the comparison takes:
 * {@code PORT [BIND_ADDRESS] [--loops N] [--hand-off] [--io-uring]}. {@code --loops N} runs N
 * event loops (selector threads, Netty event loop threads) on N threads, where the server
 * supports it; {@code --hand-off} (rawpoll's servers) gives them one listener whose connections
 * are handed to the loops in turn instead of one {@code SO_REUSEPORT} listener per loop; {@code
 * --io-uring} puts the server on io_uring instead of epoll, where it supports that.
 */
record ServerArgs(InetSocketAddress address, int loops, boolean ioUring, boolean handOff) {
    /** Parses {@code args}; prints the usage of {@code server} and exits with status 2 on a bad one. */
    static ServerArgs parse(String server, String[] args, boolean loopsSupported, boolean ioUringSupported) {
        return parse(server, args, loopsSupported, ioUringSupported, false);
    }

    /** As above; {@code handOffSupported}: the server takes {@code --hand-off} (with {@code --loops N}). */
    static ServerArgs parse(String server, String[] args, boolean loopsSupported, boolean ioUringSupported,
                            boolean handOffSupported) {
        int port = -1;
        String host = "127.0.0.1";
        int loops = 1;
        boolean ioUring = false;
        boolean handOff = false;
        int positional = 0;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--loops" -> {
                        if (!loopsSupported) throw new IllegalArgumentException("--loops");
                        loops = Integer.parseInt(args[++i]);
                        if (loops < 1) throw new IllegalArgumentException("--loops " + loops);
                    }
                    case "--hand-off" -> {
                        if (!handOffSupported) throw new IllegalArgumentException("--hand-off");
                        handOff = true;
                    }
                    case "--io-uring" -> {
                        if (!ioUringSupported) throw new IllegalArgumentException("--io-uring");
                        ioUring = true;
                    }
                    default -> {
                        if (positional == 0) port = Integer.parseInt(args[i]);
                        else if (positional == 1) host = args[i];
                        else throw new IllegalArgumentException(args[i]);
                        positional++;
                    }
                }
            }
            if (positional == 0) throw new IllegalArgumentException("no PORT");
        } catch (RuntimeException e) {
            System.err.println(server + ": bad argument (" + e.getMessage() + "); usage: " + server + " PORT [BIND_ADDRESS]"
                    + (loopsSupported ? " [--loops N]" : "") + (handOffSupported ? " [--hand-off]" : "")
                    + (ioUringSupported ? " [--io-uring]" : ""));
            System.exit(2);
        }
        return new ServerArgs(new InetSocketAddress(host, port), loops, ioUring, handOff);
    }
}
