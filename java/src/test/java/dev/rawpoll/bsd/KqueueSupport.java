package dev.rawpoll.bsd;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Optional;

/**
 * Whether the kqueue tests can run here, and saying so plainly when they cannot: natively on
 * macOS and FreeBSD, on Linux only against the libkqueue named by {@code RAWPOLL_LIBKQUEUE}.
 */
final class KqueueSupport {
    static final String DID_NOT_RUN =
            "kqueue tests did not run: set RAWPOLL_LIBKQUEUE=/path/to/libkqueue.so (see README)";

    private KqueueSupport() {}

    /**
     * The profile of this platform, chosen explicitly; aborts the calling test class (reported as
     * skipped, with the reason printed to stdout) where there is no kqueue.
     */
    static KqueueAbi requireKqueue(String testClass) {
        Optional<KqueueAbi> profile = KqueueAbi.detect();
        if (profile.isEmpty()) {
            System.out.println("[" + testClass + "] " + DID_NOT_RUN);
        }
        assumeTrue(profile.isPresent(), DID_NOT_RUN);
        return profile.get();
    }

    /** The profile the tests expect on this OS: what {@link KqueueAbi#detect()} must agree with. */
    static KqueueAbi expectedProfile() {
        String os = System.getProperty("os.name", "");
        if (os.startsWith("Mac")) return KqueueAbi.MACOS;
        if (os.startsWith("FreeBSD")) return KqueueAbi.FREEBSD;
        return KqueueAbi.LIBKQUEUE;
    }
}
