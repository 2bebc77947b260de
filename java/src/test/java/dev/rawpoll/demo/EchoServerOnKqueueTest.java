package dev.rawpoll.demo;

import dev.rawpoll.Poller;
import dev.rawpoll.TestPollers;
import java.io.IOException;
import org.junit.jupiter.api.BeforeAll;

/** {@link EchoServerTest} on a kqueue Poller (libkqueue on Linux, over Linux sockets). */
class EchoServerOnKqueueTest extends EchoServerTest {
    @BeforeAll
    static void requireKqueue() throws IOException {
        TestPollers.requireKqueue("EchoServerOnKqueueTest");
    }

    @Override
    Poller openPoller() throws IOException {
        return TestPollers.openKqueue();
    }
}
