package dev.rawpoll.loop;

import java.util.function.Consumer;

/**
 * How an {@link EventLoop} runs user code and reports what it throws: every callback goes through
 * {@link #run}, and whatever it throws, and the failures the loop finds itself (a task's failure
 * nobody observed, an accept out of resources), goes to the handler through {@link #report}. The
 * policy is {@link EventLoop#setExceptionHandler}'s: asyncio's {@code call_exception_handler} (the
 * loop goes on, a handler that throws is logged), with {@link VirtualMachineError} rethrown as
 * the JDK's executors do. Split out of {@code EventLoop}, whose API it serves; loop thread only.
 *
 * <p>{@link #run} is called straight from the walk over the poller's events and from the run
 * phase ({@link FdWatchers#dispatch}, {@code LoopPass.runReady}), at the depth {@code
 * EventLoop.runCallback} was: a callback's read or write must stay within C2's inlining depth
 * ({@link dev.rawpoll.internal.OutOfLineDowncall}, ReadWriteAllocationTest).
 */
final class LoopFaults {
    /** {@link DefaultReports#HANDLER} unless set: reading the field readies the logger (see there). */
    Consumer<Throwable> handler = DefaultReports.HANDLER;

    /** Runs {@code callback} (nothing if null); what it throws is {@link #report reported}. */
    void run(Runnable callback) {
        if (callback == null) {
            return;
        }
        try {
            callback.run();
        } catch (Throwable e) { // checked ones too, thrown sneakily: nothing may end the pass early
            report(e);
        }
    }

    /**
     * Hands {@code e}, thrown by user code the loop ran, to the exception handler; a handler
     * that throws is logged with {@code e} and the loop goes on. A {@link VirtualMachineError} is
     * rethrown instead (see {@link EventLoop#setExceptionHandler}).
     */
    void report(Throwable e) {
        if (e instanceof VirtualMachineError fatal) {
            throw fatal;
        }
        try {
            handler.accept(e);
        } catch (Throwable handlerFailure) {
            if (handlerFailure instanceof VirtualMachineError fatal) {
                throw fatal;
            }
            DefaultReports.HANDLER.accept(e);
            DefaultReports.error("the exception handler itself failed (on " + e + ")", handlerFailure);
        }
    }
}
