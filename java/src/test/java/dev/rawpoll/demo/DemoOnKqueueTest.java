package dev.rawpoll.demo;

import dev.rawpoll.Poller;
import dev.rawpoll.TestPollers;
import java.io.IOException;
import org.junit.jupiter.api.BeforeAll;

/** {@link DemoTest} on a kqueue Poller (libkqueue on Linux, over Linux sockets). */
class DemoOnKqueueTest extends DemoTest {
    @BeforeAll
    static void requireKqueue() throws IOException {
        TestPollers.requireKqueue("DemoOnKqueueTest");
    }

    @Override
    Poller openPoller() throws IOException {
        return TestPollers.openKqueue();
    }
}
