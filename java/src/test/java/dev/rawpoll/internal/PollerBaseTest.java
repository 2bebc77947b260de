package dev.rawpoll.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The shared base's arithmetic; its behaviour is checked on every backend by the contract suite. */
class PollerBaseTest {

    @Test
    void millisecondsAreRoundedUp() {
        assertEquals(-1, PollerBase.toMillisRoundingUp(-5));
        assertEquals(0, PollerBase.toMillisRoundingUp(0));
        assertEquals(1, PollerBase.toMillisRoundingUp(1));
        assertEquals(1, PollerBase.toMillisRoundingUp(1_000_000));
        assertEquals(2, PollerBase.toMillisRoundingUp(1_000_001));
        assertEquals(Integer.MAX_VALUE, PollerBase.toMillisRoundingUp(Long.MAX_VALUE));
    }

    @Test
    void handleRangesAreDecidedPerOs() {
        Platform.Handles.FILE_DESCRIPTORS.check(0);
        Platform.Handles.FILE_DESCRIPTORS.check(Integer.MAX_VALUE);
        Platform.Handles.SOCKETS.check(0x1_0000_0007L);
        for (long bad : new long[] {-1, Integer.MIN_VALUE, 1L << 32}) {
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> Platform.Handles.FILE_DESCRIPTORS.check(bad));
        }
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Platform.Handles.SOCKETS.check(-1));
    }
}
