package dev.rawpoll.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link Native#takeCapture()}: global-arena capture segments (a downcall acquires nothing for
 * them), one cache line each, never handed out twice at once, reused once given back.
 */
class CapturePoolTest {

    @Test
    void segmentsInUseAreDistinctAlignedGlobalAndTheCaptureSize() {
        List<MemorySegment> taken = new ArrayList<>();
        try {
            Set<Long> lines = new HashSet<>();
            for (int i = 0; i < 200; i++) { // more than one slab
                MemorySegment s = Native.takeCapture();
                taken.add(s);
                assertEquals(0, s.address() % 64, "a cache line of its own");
                assertTrue(lines.add(s.address()), "no segment is handed out twice while in use");
                assertEquals(Linker.Option.captureStateLayout().byteSize(), s.byteSize());
                assertSame(Arena.global().scope(), s.scope(), "from the global arena: no session work per call");
            }
        } finally {
            taken.forEach(Native::returnCapture);
        }
    }

    @Test
    void aSegmentGivenBackIsHandedOutAgain() {
        MemorySegment first = Native.takeCapture();
        Native.returnCapture(first);
        MemorySegment again = Native.takeCapture();
        try {
            assertEquals(first.address(), again.address(), "the pool reuses before it allocates");
            MemorySegment other = Native.takeCapture();
            assertNotEquals(again.address(), other.address());
            Native.returnCapture(other);
        } finally {
            Native.returnCapture(again);
        }
    }
}
