package dev.rawpoll.internal;

import java.lang.invoke.MethodHandle;

/**
 * A downcall handle for a call made on every round trip (recv, send, sendmsg), held so that the
 * JIT compiles the handle's own code apart from its callers: {@code OUT_OF_LINE.handle().invokeExact(...)}.
 *
 * <p>Why: a handle linked with {@code captureCallState} slices the capture segment on every call
 * ({@code SharedUtils.checkCaptureSegment} → {@code asSlice}, JDK 25), and the slice object costs
 * nothing only if C2 inlines the whole chain down to {@code Object.<init>} and escape analysis
 * then removes it. That chain is 12 calls deep below {@code invokeExact} (the handle's lambda
 * forms, {@code checkCaptureSegment}, {@code asSlice} ×2, {@code asSliceNoCheck}, {@code dup} ×2,
 * the segment's constructors), and C2 inlines only {@code -XX:MaxInlineLevel} (15) calls deep
 * below the method it compiles: the {@code @ForceInline} frames are inlined deeper, but {@code
 * Object.<init>} then fails with "inlining too deep", the new slice escapes into that call, and
 * every call allocates a 40-byte segment. A handle held in a {@code static final} field is a
 * constant, so its chain is inlined into the caller wherever the caller is compiled: from a task's
 * body (shallow) it was free, from a callback ({@code LoopFaults.run}, {@code
 * EventLoop.runCallback} when this was measured, → the watcher → the callback → {@code
 * TcpStream.read} → ... → {@code invokeExact}, 9 deep) it cost 78 bytes per echo round trip (issue
 * 11; the {@code -XX:+PrintInlining} trees are quoted in bench/results/profiles/README.md).
 *
 * <p>Here the handle is in a field that is not final, so it is never a compile-time constant: C2
 * does not inline through it ("receiver not constant") and calls the handle's lambda form, which
 * the JDK customises for this one handle after a few calls and C2 compiles on its own, with the
 * capture slice one call below its root, where escape analysis removes it. The price is one
 * indirect call per system call; the caller's depth no longer matters. errno is still captured by
 * the downcall itself, right after the call, as before.
 */
public final class OutOfLineDowncall {
    /** Not final on purpose (see the class comment); written once, by the constructor. */
    private MethodHandle handle;

    public OutOfLineDowncall(MethodHandle handle) {
        this.handle = handle;
    }

    /** The handle, to call with {@code invokeExact}: never a constant to the JIT. */
    public MethodHandle handle() {
        return handle;
    }
}
