package dev.rawpoll.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;

/**
 * How every backend links its downcalls: with {@code errno} (or {@code GetLastError} on Windows)
 * captured into a caller-owned segment right after the call, so that nothing the JVM does in
 * between can overwrite it. The raw per-OS classes ({@code Epoll}, ...) call {@link #downcall}
 * once per function, in their static initializer, with the descriptor and address taken from the
 * jextract bindings.
 */
public final class Native {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final boolean WINDOWS = Platform.OS == Platform.Os.WINDOWS;
    private static final String CAPTURED = WINDOWS ? "GetLastError" : "errno";
    private static final VarHandle CAPTURED_VALUE =
            CAPTURE_LAYOUT.varHandle(PathElement.groupElement(CAPTURED));

    /** {@link #takeCapture}: one cache line per segment, 64 per slab. */
    private static final long CAPTURE_STRIDE = 64;
    private static final int CAPTURES_PER_SLAB = 64;
    private static final ArrayDeque<MemorySegment> FREE_CAPTURES = new ArrayDeque<>();

    private Native() {}

    /**
     * Links {@code address} with {@code descriptor}; the handle takes the capture segment (from
     * {@link #allocateCapture}) as its first argument. {@code critical} only for calls that cannot
     * block: they skip the thread-state transition.
     */
    public static MethodHandle downcall(MemorySegment address, FunctionDescriptor descriptor, boolean critical) {
        Linker.Option capture = Linker.Option.captureCallState(CAPTURED);
        return critical
                ? LINKER.downcallHandle(address, descriptor, capture, Linker.Option.critical(false))
                : LINKER.downcallHandle(address, descriptor, capture);
    }

    /**
     * Like {@link #downcall} with {@code critical}, and the handle also accepts heap segments
     * ({@code MemorySegment.ofArray}): the array is passed to the C function in place, without a
     * copy. Only for short calls that cannot block (the GC waits for them to return).
     */
    public static MethodHandle downcallWithHeapAccess(MemorySegment address, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(address, descriptor,
                Linker.Option.captureCallState(CAPTURED), Linker.Option.critical(true));
    }

    /**
     * {@code long syscall(long number, ...)} of the C library for one fixed set of arguments
     * ({@code descriptor} starts with the number), linked like {@link #downcallWithHeapAccess}:
     * critical, heap segments passed in place, errno captured. For non-blocking calls only.
     * syscall(2) is no pthread cancellation point, unlike glibc's named wrappers.
     */
    public static MethodHandle syscallWithHeapAccess(FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(libc("syscall"), descriptor, Linker.Option.captureCallState(CAPTURED),
                Linker.Option.critical(true), Linker.Option.firstVariadicArg(1));
    }

    /**
     * {@code handle}, whose parameter {@code segment} is a buffer followed by its length, as a
     * handle that takes the buffer, an offset into it and the length, and passes the C function
     * {@code buffer.asSlice(offset, length)} and the length. The slice is made inside the handle,
     * next to the downcall that unboxes it, so that an {@link OutOfLineDowncall} (compiled apart
     * from its callers) has nothing to allocate: a slice made by the caller and passed to a handle
     * that is not inlined escapes into the call and is allocated on every call.
     */
    public static MethodHandle withRange(MethodHandle handle, int segment) {
        MethodHandle slice;
        try {
            slice = MethodHandles.lookup().findVirtual(MemorySegment.class, "asSlice",
                    MethodType.methodType(MemorySegment.class, long.class, long.class));
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("MemorySegment.asSlice(long, long)", e);
        }
        // (..., buffer, offset, sliceLength, length, ...) → (..., buffer, offset, length, ...), both lengths the same
        MethodHandle sliced = MethodHandles.collectArguments(handle, segment, slice);
        MethodType type = sliced.type().dropParameterTypes(segment + 3, segment + 4);
        int[] reorder = new int[sliced.type().parameterCount()];
        for (int i = 0; i < reorder.length; i++) {
            reorder[i] = i <= segment + 2 ? i : i - 1;
        }
        return MethodHandles.permuteArguments(sliced, type, reorder);
    }

    /**
     * Links a variadic C function ({@code fcntl}) for one fixed set of argument layouts; the
     * arguments from index {@code firstVariadicArg} on are the variadic ones. Never critical.
     */
    public static MethodHandle downcallVariadic(MemorySegment address, FunctionDescriptor descriptor, int firstVariadicArg) {
        return LINKER.downcallHandle(address, descriptor,
                Linker.Option.captureCallState(CAPTURED), Linker.Option.firstVariadicArg(firstVariadicArg));
    }

    /**
     * The address of the C library function {@code name}, from the linker's default lookup. The raw
     * classes use it instead of a jextract function holder's {@code $address()}, whose class
     * initialisation also links a downcall handle of its own that rawpoll never calls.
     *
     * @throws UnsatisfiedLinkError if the C library has no such function
     */
    public static MemorySegment libc(String name) {
        return LINKER.defaultLookup().find(name).orElseThrow(() -> new UnsatisfiedLinkError("no C library function " + name));
    }

    /** A segment for the captured errno, reused for every call made by one thread at a time. */
    public static MemorySegment allocateCapture(SegmentAllocator allocator) {
        return allocator.allocate(CAPTURE_LAYOUT);
    }

    /**
     * A capture segment from the global arena, for an object that makes many calls and lives
     * shorter than the program (a socket): give it back with {@link #returnCapture} when the
     * object is released. Why not from the object's own arena: FFM acquires and releases the
     * session of every segment passed to a downcall, which for a shared arena is two atomic
     * compare-and-set loops per call on a cache line of that socket's own (its session object),
     * a third of the callback echo server's user time at 1,000 connections; a global segment's
     * session does nothing. Each segment has a cache line of its own (no false sharing between
     * the sockets of different loop threads); the pool keeps as many as were ever in use at once
     * (64 B each) and never frees them. Any thread.
     */
    public static MemorySegment takeCapture() {
        synchronized (FREE_CAPTURES) {
            MemorySegment capture = FREE_CAPTURES.pollLast();
            if (capture == null) {
                MemorySegment slab = Arena.global().allocate(CAPTURE_STRIDE * CAPTURES_PER_SLAB, CAPTURE_STRIDE);
                for (int i = CAPTURES_PER_SLAB - 1; i > 0; i--) {
                    FREE_CAPTURES.addLast(slab.asSlice(i * CAPTURE_STRIDE, CAPTURE_LAYOUT.byteSize()));
                }
                capture = slab.asSlice(0, CAPTURE_LAYOUT.byteSize());
            }
            return capture;
        }
    }

    /** Gives back a segment of {@link #takeCapture}, once, when no call can use it any more. Any thread. */
    public static void returnCapture(MemorySegment capture) {
        synchronized (FREE_CAPTURES) {
            FREE_CAPTURES.addLast(capture);
        }
    }

    /** The errno the last call that used {@code capture} left there. */
    public static int errno(MemorySegment capture) {
        return (int) CAPTURED_VALUE.get(capture, 0L);
    }

    /** A {@code Throwable} from {@code invokeExact} of a downcall can only be a bug of ours. */
    public static AssertionError unexpected(Throwable t) {
        return new AssertionError("downcall failed unexpectedly", t);
    }
}
