package dev.rawpoll;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Test-only access to real descriptors: pipes, socket pairs, eventfds, and the calls that make them
 * ready, linked straight from libc (independently of the library under test). Unix only; the
 * constants that differ between Linux and macOS/BSD are chosen by OS.
 */
public final class TestFds {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final boolean LINUX = System.getProperty("os.name", "").startsWith("Linux");
    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int F_GETFL = 3;
    private static final int F_SETFL = 4;
    private static final int O_NONBLOCK = LINUX ? 04000 : 0x4;
    private static final int SHUT_WR = 1;

    private static final MethodHandle PIPE = link("pipe", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SOCKETPAIR =
            link("socketpair", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle READ = link("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE = link("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle CLOSE = link("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle DUP = link("dup", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle DUP2 = link("dup2", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SHUTDOWN = link("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle FCNTL =
            link("fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle OPEN =
            link("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle EVENTFD =
            LINUX ? link("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT)) : null;

    private TestFds() {}

    private static MethodHandle link(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        MemorySegment address = LINKER.defaultLookup().find(name).orElseThrow(() -> new AssertionError("no " + name));
        return LINKER.downcallHandle(address, descriptor, options);
    }

    /** Two connected descriptors: {@code [0]} reads what {@code [1]} writes (both non-blocking). */
    public record Pair(int a, int b) implements AutoCloseable {
        @Override
        public void close() {
            TestFds.close(a);
            TestFds.close(b);
        }
    }

    /** A pipe: {@code a} is the read end, {@code b} the write end, both non-blocking. */
    public static Pair pipe() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            check("pipe", (int) PIPE.invokeExact(fds));
            return nonBlocking(new Pair(fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** A blocking pipe: {read end, write end}. */
    public static int[] blockingPipe() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            check("pipe", (int) PIPE.invokeExact(fds));
            return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** A connected AF_UNIX stream socket pair, both non-blocking. */
    public static Pair socketPair() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            check("socketpair", (int) SOCKETPAIR.invokeExact(AF_UNIX, SOCK_STREAM, 0, fds));
            return nonBlocking(new Pair(fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** A non-blocking eventfd (Linux only). */
    public static int eventfd() {
        if (EVENTFD == null) throw new UnsupportedOperationException("eventfd is Linux only");
        try {
            return check("eventfd", (int) EVENTFD.invokeExact(0, O_NONBLOCK));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static Pair nonBlocking(Pair pair) throws Throwable {
        for (int fd : new int[] {pair.a(), pair.b()}) {
            int flags = check("fcntl(F_GETFL)", (int) FCNTL.invokeExact(fd, F_GETFL, 0));
            check("fcntl(F_SETFL)", (int) FCNTL.invokeExact(fd, F_SETFL, flags | O_NONBLOCK));
        }
        return pair;
    }

    /** Writes {@code n} bytes of 'x' (8 for an eventfd: the value n); returns what write returned. */
    public static long write(int fd, int n) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.max(n, 8));
            buf.fill((byte) 'x');
            return (long) WRITE.invokeExact(fd, buf, (long) n);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Writes all of {@code bytes} in one call; fails on a short write. */
    public static void writeBytes(int fd, byte[] bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocateFrom(JAVA_BYTE, bytes);
            if ((long) WRITE.invokeExact(fd, buf, (long) bytes.length) != bytes.length) {
                throw new AssertionError("short write to " + fd);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** One read of at most {@code max} bytes, returned (blocks on a blocking descriptor with nothing to read). */
    public static byte[] readBytes(int fd, int max) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(max);
            long n = (long) READ.invokeExact(fd, buf, (long) max);
            if (n < 0) throw new AssertionError("read from " + fd + " failed");
            return buf.asSlice(0, n).toArray(JAVA_BYTE);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Adds {@code value} to an eventfd's counter. */
    public static void signalEventfd(int fd, long value) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocateFrom(JAVA_LONG, value);
            check("write(eventfd)", (int) (long) WRITE.invokeExact(fd, buf, 8L));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Reads up to {@code max} bytes; returns read's result (-1 on EAGAIN and other errors). */
    public static long read(int fd, int max) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.max(max, 8));
            return (long) READ.invokeExact(fd, buf, (long) max);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Opens an existing file read-only. */
    public static int openReadOnly(Path file) {
        try (Arena arena = Arena.ofConfined()) {
            return check("open", (int) OPEN.invokeExact(arena.allocateFrom(file.toString()), 0, 0));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int dup(int fd) {
        try {
            return check("dup", (int) DUP.invokeExact(fd));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Makes {@code target} a copy of {@code fd}, closing what {@code target} was first. */
    public static void dup2(int fd, int target) {
        try {
            check("dup2", (int) DUP2.invokeExact(fd, target));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void shutdownOutput(int fd) {
        try {
            check("shutdown", (int) SHUTDOWN.invokeExact(fd, SHUT_WR));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Closes each descriptor; fails if one was not open. */
    public static void closeChecked(int... fds) {
        for (int fd : fds) {
            try {
                if ((int) CLOSE.invokeExact(fd) != 0) throw new AssertionError("close(" + fd + ") failed");
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }
    }

    public static void close(int fd) {
        try {
            int unusedResult = (int) CLOSE.invokeExact(fd); // EBADF is fine: tests close twice
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** How many descriptors this process has open, from /proc/self/fd (or /dev/fd). */
    public static long openFdCount() {
        Path dir = Files.isDirectory(Path.of("/proc/self/fd")) ? Path.of("/proc/self/fd") : Path.of("/dev/fd");
        try (Stream<Path> s = Files.list(dir)) {
            return s.count() - 1; // the directory stream's own descriptor
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The open descriptors and what they point at, for failure messages. */
    public static String describeOpenFds() {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path link : (Iterable<Path>) s::iterator) {
                try {
                    sb.append(link.getFileName()).append("->").append(Files.readSymbolicLink(link)).append(' ');
                } catch (IOException e) {
                    // the listing's own descriptor
                }
            }
        } catch (IOException e) {
            return "?";
        }
        return sb.toString();
    }

    private static int check(String call, int rc) {
        if (rc < 0) throw new AssertionError(call + " failed");
        return rc;
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new RuntimeException(t);
    }
}
