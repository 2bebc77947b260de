package dev.rawpoll.linux;

import dev.rawpoll.Poller;
import dev.rawpoll.TcpPollerContractTest;
import java.io.IOException;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** The contract on io_uring over loopback TCP: the suite {@link EpollPollerTcpTest} runs on epoll. */
@EnabledOnOs(OS.LINUX)
class UringPollerTcpTest extends TcpPollerContractTest {

    @Override
    protected Poller openPoller() throws IOException {
        return Poller.openIoUring();
    }
}
