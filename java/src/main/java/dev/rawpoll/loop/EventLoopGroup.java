package dev.rawpoll.loop;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * N event loops, each with its own {@link dev.rawpoll.Poller} on its own platform thread: how a
 * server uses every core (parallelism), the way Netty's {@code EventLoopGroup} and the JDK's
 * per-core pollers do. Each loop is single-threaded as before; work placed on a loop stays there
 * (a socket belongs to the loop whose task or callback uses it), and other threads reach a loop
 * with {@link EventLoop#execute}. Within one loop, tasks interleave (concurrency); the loops run at
 * the same instant on different cores (parallelism).
 *
 * <pre>{@code
 * String reply;
 * try (EventLoopGroup group = EventLoopGroup.open();           // one loop per available processor
 *      GroupServer server = group.serve(new InetSocketAddress("127.0.0.1", 0), 1024, stream -> {
 *          byte[] b = new byte[4096];                           // a task on the stream's loop
 *          for (int n; (n = AsyncSockets.read(stream, b, 0, b.length)) > 0; ) {
 *              AsyncSockets.writeAll(stream, b, 0, n);
 *          }
 *      })) {
 *     reply = group.spawn(() -> {                               // a client, on the next loop
 *         try (TcpStream s = AsyncSockets.connect(server.localAddress())) {
 *             AsyncSockets.writeAll(s, "ping".getBytes(), 0, 4);
 *             byte[] b = new byte[4];
 *             AsyncSockets.readFully(s, b, 0, 4);
 *             return new String(b);
 *         }
 *     }).get(5, TimeUnit.SECONDS);
 * }
 * // reply: "ping"
 * }</pre>
 *
 * <p>Threads: every method may be called from any thread. {@link #close()} stops every loop,
 * waits for each thread to close its loop (cancelling its tasks, as {@link EventLoop#close()}
 * does) and returns once all threads have ended. A failure that ends a loop's thread is logged at
 * ERROR by the {@link System.Logger} named {@code dev.rawpoll.loop.EventLoopGroup}, and the other
 * loops go on.
 */
public final class EventLoopGroup implements Executor, AutoCloseable {
    private final List<EventLoop> loops;
    private final List<Thread> threads;
    private final AtomicInteger nextIndex = new AtomicInteger();
    private volatile boolean closed;

    private EventLoopGroup(List<EventLoop> loops, Consumer<Throwable> onThreadFailure) {
        this.loops = List.copyOf(loops);
        List<Thread> started = new ArrayList<>();
        for (int i = 0; i < loops.size(); i++) {
            EventLoop loop = loops.get(i);
            started.add(Thread.ofPlatform().name("rawpoll-loop-" + (i + 1)).start(() -> {
                try {
                    loop.run();
                } catch (RuntimeException | Error e) {
                    onThreadFailure.accept(e);
                } finally {
                    loop.close();
                }
            }));
        }
        this.threads = List.copyOf(started);
    }

    /** A group of one loop per {@linkplain Runtime#availableProcessors() available processor}. */
    public static EventLoopGroup open() throws IOException {
        return open(Runtime.getRuntime().availableProcessors());
    }

    /**
     * A group of {@code loops} event loops, each on a new poller of this OS and a platform thread
     * named {@code rawpoll-loop-N}, already running.
     *
     * @throws IllegalArgumentException if {@code loops < 1}
     * @throws dev.rawpoll.SystemCallException if a poller cannot be opened (the ones opened are closed)
     */
    public static EventLoopGroup open(int loops) throws IOException {
        if (loops < 1) {
            throw new IllegalArgumentException("a group needs at least one loop: " + loops);
        }
        List<EventLoop> opened = new ArrayList<>();
        try {
            for (int i = 0; i < loops; i++) {
                opened.add(EventLoop.open());
            }
        } catch (IOException | RuntimeException | Error e) {
            opened.forEach(EventLoop::close);
            throw e;
        }
        return new EventLoopGroup(opened, EventLoopGroup::logThreadFailure);
    }

    /** How many loops the group has. */
    public int size() {
        return loops.size();
    }

    /** Loop {@code index} ({@code 0 <= index < size()}). Use it from its own thread, or through {@code execute}. */
    public EventLoop loop(int index) {
        return loops.get(index);
    }

    /** The loops in turn (round robin): where new work goes. Any thread. */
    public EventLoop next() {
        return loops.get(Math.floorMod(nextIndex.getAndIncrement(), loops.size()));
    }

    /**
     * Runs {@code command} on the {@link #next()} loop.
     *
     * @throws RejectedExecutionException if the group is closed
     */
    @Override
    public void execute(Runnable command) {
        checkOpen();
        next().execute(command);
    }

    /** Starts {@code body} as a task on the {@link #next()} loop; the future completes with its outcome. */
    public <T> CompletableFuture<T> spawn(TaskBody<T> body) {
        checkOpen();
        return spawn(next(), body);
    }

    /**
     * Starts {@code body} as a task on {@code loop} (one of this group's); the future completes
     * on that loop's thread with the task's value or exception ({@link
     * java.util.concurrent.CancellationException} if it was cancelled, as when the group closes).
     */
    public <T> CompletableFuture<T> spawn(EventLoop loop, TaskBody<T> body) {
        if (!loops.contains(loop)) {
            throw new IllegalArgumentException("not a loop of this group: " + loop);
        }
        CompletableFuture<T> future = new CompletableFuture<>();
        loop.execute(() -> loop.spawn(body).onDone(task -> {
            try {
                future.complete(task.result());
            } catch (Exception e) {
                future.completeExceptionally(e);
            }
        }));
        return future;
    }

    /**
     * Serves TCP connections on every loop; see {@link GroupServer} for how connections are spread
     * ({@link Balancing}) and what runs where.
     */
    public GroupServer serve(java.net.InetSocketAddress address, int backlog, GroupServer.Handler handler) throws IOException {
        return serve(address, backlog, Balancing.forThisOs(), handler);
    }

    /** {@link #serve(java.net.InetSocketAddress, int, GroupServer.Handler)} with the balancing chosen. */
    public GroupServer serve(java.net.InetSocketAddress address, int backlog, Balancing balancing, GroupServer.Handler handler)
            throws IOException {
        checkOpen();
        return GroupServer.start(this, address, backlog, balancing, handler);
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Stops every loop and waits until each thread has closed its loop (its tasks cancelled and
     * finished, its poller closed). Idempotent; from any thread but a loop thread of this group
     * (which would wait for itself: {@link IllegalStateException}).
     */
    @Override
    public void close() {
        if (isLoopThread(Thread.currentThread())) {
            throw new IllegalStateException("a loop of the group cannot close its own group: use another thread");
        }
        closed = true;
        for (EventLoop loop : loops) {
            loop.stop();
        }
        boolean interrupted = false;
        for (Thread thread : threads) {
            while (thread.isAlive()) {
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    interrupted = true; // still wait: the loops must not outlive close()
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether {@code thread} runs one of the group's loops. */
    boolean isLoopThread(Thread thread) {
        return threads.contains(thread);
    }

    private void checkOpen() {
        if (closed) {
            throw new RejectedExecutionException("event loop group is closed");
        }
    }

    private static void logThreadFailure(Throwable e) {
        System.getLogger(EventLoopGroup.class.getName()).log(System.Logger.Level.ERROR, "an event loop thread failed", e);
    }

    @Override
    public String toString() {
        return "EventLoopGroup[" + loops.size() + " loops" + (closed ? ", closed]" : "]");
    }
}
