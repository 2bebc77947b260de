package dev.rawpoll.linux;

import dev.rawpoll.Poller;
import dev.rawpoll.PollerPeerScenariosTest;
import java.io.IOException;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** The peer scenarios on epoll. */
@EnabledOnOs(OS.LINUX)
class EpollPollerPeerScenariosTest extends PollerPeerScenariosTest {

    @Override
    protected Poller openPoller() throws IOException {
        return EpollPoller.open();
    }
}
