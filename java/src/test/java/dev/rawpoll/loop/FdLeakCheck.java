package dev.rawpoll.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rawpoll.TestFds;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** Every test leaves the process with as many open descriptors as it found. */
abstract class FdLeakCheck {
    private long fdsBefore;

    @BeforeEach
    void countFds() {
        fdsBefore = TestFds.openFdCount();
    }

    @AfterEach
    void checkFds() {
        assertEquals(fdsBefore, TestFds.openFdCount(), () -> "open descriptors after the test: " + TestFds.describeOpenFds());
    }
}
