package dev.rawpoll.loop;

import dev.rawpoll.Poller;
import dev.rawpoll.TestPollers;
import java.io.IOException;
import org.junit.jupiter.api.BeforeAll;

/** Every test of {@link TaskTest} on an io_uring Poller. */
class TaskOnIoUringTest extends TaskTest {
    @BeforeAll
    static void requireIoUring() {
        TestPollers.requireIoUring("TaskOnIoUringTest");
    }

    @Override
    Poller openPoller() throws IOException {
        return TestPollers.openIoUring();
    }
}
