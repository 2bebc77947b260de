package dev.rawpoll.linux;

import dev.rawpoll.ModelRun;
import dev.rawpoll.Poller;
import dev.rawpoll.PollerModelTest;
import java.io.IOException;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** The model test on epoll. */
@EnabledOnOs(OS.LINUX)
class EpollPollerModelTest extends PollerModelTest {

    @Override
    protected ModelRun.Backend backend() {
        return new ModelRun.Backend() {
            @Override
            public Poller open() throws IOException {
                return EpollPoller.open();
            }

            @Override
            public String toString() {
                return "epoll";
            }
        };
    }
}
