package dev.rawpoll.linux;

import dev.rawpoll.Poller;
import dev.rawpoll.PollerContractTest;
import java.io.IOException;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** The whole contract on io_uring, over pipes and socket pairs. */
@EnabledOnOs(OS.LINUX)
class UringPollerTest extends PollerContractTest {

    @Override
    protected Poller openPoller() throws IOException {
        return Poller.openIoUring();
    }
}
