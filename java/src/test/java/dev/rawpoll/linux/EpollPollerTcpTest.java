package dev.rawpoll.linux;

import dev.rawpoll.Poller;
import dev.rawpoll.TcpPollerContractTest;
import java.io.IOException;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * The contract on epoll over loopback TCP: the suite the Windows job runs on IOCP, run here with
 * the same test code (only the socket calls are linked from libc instead of ws2_32).
 */
@EnabledOnOs(OS.LINUX) // epoll
class EpollPollerTcpTest extends TcpPollerContractTest {

    @Override
    protected Poller openPoller() throws IOException {
        return EpollPoller.open();
    }
}
