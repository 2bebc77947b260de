package dev.rawpoll.linux;

import dev.rawpoll.ModelRun;
import dev.rawpoll.Poller;
import dev.rawpoll.PollerModelTest;
import java.io.IOException;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** The model test on io_uring ({@code Poller.openIoUring()}). */
@EnabledOnOs(OS.LINUX)
class UringPollerModelTest extends PollerModelTest {

    @Override
    protected ModelRun.Backend backend() {
        return new ModelRun.Backend() {
            @Override
            public Poller open() throws IOException {
                return Poller.openIoUring();
            }

            /**
             * As on kqueue: the poller keeps the registration of a number closed without
             * deregister, so the reused number gives EEXIST until it is deregistered. The
             * contract: always deregister a descriptor before closing it.
             */
            @Override
            public boolean closedNumberStaysRegistered() {
                return true;
            }

            /**
             * The poll request in flight holds the file (the close does not close it), and the
             * registration follows the number: until it is deregistered, the closed file and the
             * one that takes the number next are undefined.
             */
            @Override
            public boolean closeWithoutDeregisterHoldsTheFile() {
                return true;
            }

            /**
             * A multishot poll completes with the waker's mask (POLLIN for new data, not POLLOUT
             * too), and a completion from before a drain is reported: EDGE reports wake-ups.
             */
            @Override
            public boolean edgeReportsTheWokenDirections() {
                return true;
            }

            @Override
            public String toString() {
                return "io_uring";
            }
        };
    }
}
