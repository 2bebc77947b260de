package dev.rawpoll.loop;

import dev.rawpoll.Poller;
import dev.rawpoll.TestPollers;
import java.io.IOException;
import org.junit.jupiter.api.BeforeAll;

/** Every test of {@link TaskTest} on a kqueue Poller (libkqueue on Linux). */
class TaskOnKqueueTest extends TaskTest {
    @BeforeAll
    static void requireKqueue() throws IOException {
        TestPollers.requireKqueue("TaskOnKqueueTest");
    }

    @Override
    Poller openPoller() throws IOException {
        return TestPollers.openKqueue();
    }
}
