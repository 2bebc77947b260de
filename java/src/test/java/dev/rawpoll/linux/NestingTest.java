package dev.rawpoll.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rawpoll.Events;
import dev.rawpoll.Interest;
import dev.rawpoll.Poller;
import dev.rawpoll.Readiness;
import dev.rawpoll.TestFds;
import dev.rawpoll.UnixHandles;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * A poller's backend handle watched by a foreign loop: a second rawpoll poller, and a plain
 * epoll_wait loop linked here straight from libc. Events arrive through both levels.
 */
@EnabledOnOs(OS.LINUX) // epoll
class NestingTest {

    @Test
    void pollerInsideAnotherPoller() throws Exception {
        long fdsBefore = TestFds.openFdCount();
        try (Poller inner = Poller.open(); Poller outer = Poller.open(); TestFds.Pair pipe = TestFds.pipe()) {
            Events innerEvents = inner.newEvents(8);
            Events outerEvents = outer.newEvents(8);
            inner.register(pipe.a(), Interest.READABLE, 7);
            outer.register(inner.backendHandle().orElseThrow(), Interest.READABLE, 1);

            assertEquals(0, outer.poll(outerEvents, 50, MILLISECONDS), "nothing ready yet");
            TestFds.write(pipe.b(), 3);

            assertEquals(1, outer.poll(outerEvents, 1000, MILLISECONDS));
            assertEquals(1, outerEvents.token(0), "the outer poller reports the inner one");
            assertEquals(1, inner.poll(innerEvents, 0, MILLISECONDS), "then the inner poll(0) has the event");
            assertEquals(7, innerEvents.token(0));
            assertEquals(Readiness.READABLE, innerEvents.readiness(0));

            UnixHandles.INSTANCE.drain(pipe.a());
            assertEquals(0, outer.poll(outerEvents, 50, MILLISECONDS), "drained: the inner poller is idle again");

            inner.wakeup(); // a pending wakeup also makes the backend handle readable
            assertEquals(1, outer.poll(outerEvents, 1000, MILLISECONDS));
            assertEquals(0, inner.poll(innerEvents, 0, MILLISECONDS), "a wakeup is not an event");
            assertEquals(0, outer.poll(outerEvents, 50, MILLISECONDS), "and it was consumed");
            outer.deregister(inner.backendHandle().orElseThrow());
        }
        assertEquals(fdsBefore, TestFds.openFdCount());
    }

    /**
     * epoll_wait as a C loop calls it: retried on EINTR. A thread that used io_uring pollers earlier
     * in this JVM gets task work from the kernel when their rings are torn down (in a kernel
     * worker, later), delivered like a signal, which ends its next blocking call with EINTR (see
     * docs/io_uring.md). Any other error fails, naming the errno.
     */
    private static int waitRetryingEintr(MethodHandle wait, int epfd, MemorySegment events, int millis) throws Throwable {
        StructLayout capture = Linker.Option.captureStateLayout();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(capture);
            VarHandle errno = capture.varHandle(MemoryLayout.PathElement.groupElement("errno"));
            for (int attempt = 0; ; attempt++) {
                int rc = (int) wait.invokeExact(state, epfd, events, 4, millis);
                int err = (int) errno.get(state, 0L);
                if (rc != -1 || err != 4 /* EINTR */ || attempt == 1000) {
                    assertTrue(rc != -1, "epoll_wait: errno " + err);
                    return rc;
                }
            }
        }
    }

    @Test
    void pollerInsideAPlainEpollWaitLoop() throws Throwable {
        Linker linker = Linker.nativeLinker();
        MethodHandle create = linker.downcallHandle(linker.defaultLookup().find("epoll_create1").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        MethodHandle ctl = linker.downcallHandle(linker.defaultLookup().find("epoll_ctl").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
        MethodHandle wait = linker.downcallHandle(linker.defaultLookup().find("epoll_wait").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.captureCallState("errno"));
        int epollIn = 1, ctlAdd = 1;
        // struct epoll_event: packed on x86-64 (12 bytes, data at 4), 16 bytes with data at 8 on aarch64.
        boolean packed = System.getProperty("os.arch").equals("amd64");
        int sizeofEvent = packed ? 12 : 16, dataOffset = packed ? 4 : 8;

        long fdsBefore = TestFds.openFdCount();
        int foreign = (int) create.invokeExact(0);
        assertTrue(foreign >= 0);
        try (Arena arena = Arena.ofConfined(); Poller inner = Poller.open(); TestFds.Pair pipe = TestFds.pipe()) {
            Events innerEvents = inner.newEvents(8);
            inner.register(pipe.a(), Interest.READABLE, 9);
            int innerFd = (int) inner.backendHandle().orElseThrow();
            MemorySegment ev = arena.allocate(sizeofEvent * 4L);
            ev.set(JAVA_INT_UNALIGNED, 0, epollIn);
            ev.set(JAVA_LONG_UNALIGNED, dataOffset, 0xC0FFEEL);
            assertEquals(0, (int) ctl.invokeExact(foreign, ctlAdd, innerFd, ev));

            assertEquals(0, waitRetryingEintr(wait, foreign, ev, 50));
            TestFds.write(pipe.b(), 1);
            assertEquals(1, waitRetryingEintr(wait, foreign, ev, 1000));
            assertEquals(0xC0FFEEL, ev.get(JAVA_LONG_UNALIGNED, dataOffset), "the foreign loop sees the inner poller");
            assertEquals(1, inner.poll(innerEvents, 0, MILLISECONDS));
            assertEquals(9, innerEvents.token(0));
        } finally {
            TestFds.close(foreign);
        }
        assertEquals(fdsBefore, TestFds.openFdCount());
    }
}
