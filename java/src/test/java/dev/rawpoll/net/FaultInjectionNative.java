package dev.rawpoll.net;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The libc calls {@link FaultInjection} makes faults with, linked straight from libc (not
 * through rawpoll): the descriptor limit, and SIGPIPE held pending where it can be seen. x86-64
 * Linux only, like the sockets under test.
 */
final class FaultInjectionNative {
    private FaultInjectionNative() {}

    /** getrlimit/setrlimit of RLIMIT_NOFILE, linked straight from libc. */
    static final class Rlimit {
        private static final int RLIMIT_NOFILE = 7; // Linux, every architecture
        private static final Linker LINKER = Linker.nativeLinker();
        private static final MethodHandle GETRLIMIT = LINKER.downcallHandle(
                LINKER.defaultLookup().find("getrlimit").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
        private static final MethodHandle SETRLIMIT = LINKER.downcallHandle(
                LINKER.defaultLookup().find("setrlimit").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));

        private static final MethodHandle DUP = LINKER.downcallHandle(
                LINKER.defaultLookup().find("dup").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        private static final MethodHandle CLOSE = LINKER.downcallHandle(
                LINKER.defaultLookup().find("close").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT));

        /** dup(2) returns the lowest free number: that one, closed again at once. */
        static int lowestFreeFd() throws Throwable {
            int fd = (int) DUP.invokeExact(0);
            if (fd < 0) {
                throw new IllegalStateException("dup(0) failed");
            }
            int ignored = (int) CLOSE.invokeExact(fd);
            return fd;
        }

        /** Sets the soft limit to {@code soft}; returns the old soft limit. */
        static long lowerNoFile(long soft) throws Throwable {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment rlim = arena.allocate(16, 8); // struct rlimit { rlim_t cur, max; }
                if ((int) GETRLIMIT.invokeExact(RLIMIT_NOFILE, rlim) != 0) {
                    throw new IllegalStateException("getrlimit failed");
                }
                long old = rlim.get(JAVA_LONG, 0);
                rlim.set(JAVA_LONG, 0, Math.min(soft, rlim.get(JAVA_LONG, 8)));
                if ((int) SETRLIMIT.invokeExact(RLIMIT_NOFILE, rlim) != 0) {
                    throw new IllegalStateException("setrlimit failed");
                }
                return old;
            }
        }

        static void restoreNoFile(long soft) throws Throwable {
            lowerNoFile(soft);
        }
    }

    /** SIGPIPE blocked in this thread, so that one raised by a send stays pending and visible. */
    static final class Signals {
        private static final int SIG_BLOCK = 0;
        private static final int SIG_UNBLOCK = 1;
        private static final int SIGPIPE = 13;
        private static final Linker LINKER = Linker.nativeLinker();
        private static final MethodHandle PTHREAD_SIGMASK = link("pthread_sigmask", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        private static final MethodHandle SIGTIMEDWAIT = link("sigtimedwait", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        private static final MethodHandle SEND = LINKER.downcallHandle(LINKER.defaultLookup().find("send").orElseThrow(),
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), Linker.Option.captureCallState("errno"));
        private static final Arena ARENA = Arena.ofAuto();
        private static final MemorySegment SET = ARENA.allocate(128, 8); // sigset_t
        private static final MemorySegment ZERO_TIMEOUT = ARENA.allocate(16, 8); // struct timespec {0, 0}
        private static final MemorySegment ERRNO = ARENA.allocate(Linker.Option.captureStateLayout());

        static {
            SET.set(JAVA_LONG, 0, 1L << (SIGPIPE - 1));
        }

        private static MethodHandle link(String name, FunctionDescriptor descriptor) {
            return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor);
        }

        static void blockSigpipe() throws Throwable {
            if ((int) PTHREAD_SIGMASK.invokeExact(SIG_BLOCK, SET, MemorySegment.NULL) != 0) {
                throw new IllegalStateException("pthread_sigmask failed");
            }
        }

        static void unblockSigpipe() throws Throwable {
            consumeSigpipe();
            if ((int) PTHREAD_SIGMASK.invokeExact(SIG_UNBLOCK, SET, MemorySegment.NULL) != 0) {
                throw new IllegalStateException("pthread_sigmask failed");
            }
        }

        /** Takes a pending SIGPIPE, if any, so that it is never delivered. */
        static void consumeSigpipe() throws Throwable {
            while ((int) SIGTIMEDWAIT.invokeExact(SET, MemorySegment.NULL, ZERO_TIMEOUT) == SIGPIPE) {
                // taken
            }
        }

        /** Whether SIGPIPE is pending for this thread or the process (/proc/thread-self/status). */
        static boolean sigpipePending() throws IOException {
            long pending = 0;
            for (String line : Files.readAllLines(Path.of("/proc/thread-self/status"))) {
                if (line.startsWith("SigPnd:") || line.startsWith("ShdPnd:")) {
                    pending |= Long.parseUnsignedLong(line.substring(7).trim(), 16);
                }
            }
            return (pending & (1L << (SIGPIPE - 1))) != 0;
        }

        static long plainSend(int fd, MemorySegment buf) throws Throwable {
            return (long) SEND.invokeExact(ERRNO, fd, buf, buf.byteSize(), 0);
        }

        static int lastErrno() {
            return ERRNO.get(JAVA_INT, Linker.Option.captureStateLayout().byteOffset(
                    MemoryLayout.PathElement.groupElement("errno")));
        }
    }
}
