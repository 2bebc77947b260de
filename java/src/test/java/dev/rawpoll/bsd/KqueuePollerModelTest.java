package dev.rawpoll.bsd;

import dev.rawpoll.ModelRun;
import dev.rawpoll.Poller;
import dev.rawpoll.PollerModelTest;
import java.io.IOException;
import org.junit.jupiter.api.BeforeAll;

/**
 * The model test on kqueue: natively on macOS and FreeBSD, on Linux against libkqueue when
 * {@code RAWPOLL_LIBKQUEUE} names it (otherwise reported as not run, with the reason).
 */
class KqueuePollerModelTest extends PollerModelTest {
    private static KqueueAbi profile;

    @BeforeAll
    static void requireKqueue() throws IOException {
        profile = KqueueSupport.requireKqueue("KqueuePollerModelTest");
    }

    @Override
    protected ModelRun.Backend backend() {
        return new ModelRun.Backend() {
            @Override
            public Poller open() throws IOException {
                return KqueuePoller.open(profile);
            }

            /** The poller cannot tell that a closed number changed hands: EEXIST until deregistered. */
            @Override
            public boolean closedNumberStaysRegistered() {
                return true;
            }

            /** BSD drops the knotes with the number; libkqueue keeps them. */
            @Override
            public boolean duplicatedFileKeepsReporting() {
                return false;
            }

            /**
             * libkqueue keeps the knotes of a closed number, and its epoll registration of the
             * file, which a dup keeps open: once that knote is gone (a oneshot report), the file's
             * events come back carrying a later registration of another descriptor (an event for
             * a socket with no data read READABLE|READ_CLOSED). BSD drops the knotes on close.
             */
            @Override
            public boolean skipCloseWithoutDeregisterOfADuplicatedFile() {
                return profile == KqueueAbi.LIBKQUEUE;
            }

            @Override
            public String toString() {
                return "kqueue (" + profile + ")";
            }
        };
    }
}
