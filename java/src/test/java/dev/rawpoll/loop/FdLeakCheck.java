package dev.rawpoll.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** Every test leaves the process with as many open descriptors as it found. */
abstract class FdLeakCheck {
    private int fdsBefore;

    @BeforeEach
    void countFds() {
        fdsBefore = Pipes.openFds();
    }

    @AfterEach
    void checkFds() {
        assertEquals(fdsBefore, Pipes.openFds(), "open descriptors after the test");
    }
}
