package dev.rawpoll.bsd;

import dev.rawpoll.Poller;
import dev.rawpoll.PollerPeerScenariosTest;
import java.io.IOException;
import org.junit.jupiter.api.BeforeAll;

/**
 * The peer scenarios on kqueue: natively on macOS and FreeBSD, on Linux against libkqueue when
 * {@code RAWPOLL_LIBKQUEUE} names it (otherwise reported as not run, with the reason).
 */
class KqueuePollerPeerScenariosTest extends PollerPeerScenariosTest {
    private static KqueueAbi profile;

    @BeforeAll
    static void requireKqueue() throws IOException {
        profile = KqueueSupport.requireKqueue("KqueuePollerPeerScenariosTest");
        // libkqueue keeps some descriptors for good once the first kqueue is open: before any count
        KqueuePoller.open(profile).close();
    }

    @Override
    protected Poller openPoller() throws IOException {
        return KqueuePoller.open(profile);
    }

    /** libkqueue frees a closed kqueue's descriptors in another thread: finish that before counting. */
    @Override
    protected void settle() {
        if (profile != null && profile.closeIsAsynchronous) {
            Kqueue.drainPendingClose();
        }
    }

    /** kqueue polls regular files: EVFILT_READ reports them readable (data left to read). */
    @Override
    protected boolean regularFilesAreRefused() {
        return false;
    }
}
