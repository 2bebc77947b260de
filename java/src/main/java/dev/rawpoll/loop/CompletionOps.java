package dev.rawpoll.loop;

import dev.rawpoll.internal.CloseHooks;
import dev.rawpoll.internal.Completions;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.SocketException;
import java.util.Arrays;
import java.util.concurrent.CancellationException;

/**
 * The operations a loop on a {@link Completions completion} poller (io_uring) has handed to the
 * kernel for its tasks ({@link CompletionSockets}), by id: who waits, on which descriptor, what
 * came back, and the native bounce buffers of heap arrays. Loop thread only (and, like the rest
 * of the loop, any one thread while nothing runs it).
 *
 * <p><b>The buffer rule.</b> Memory handed to the kernel with an operation stays allocated and
 * untouched until the operation's completion has been read: the task that started it stays
 * suspended until then, whatever happens meanwhile. A task cancelled while it waits asks the
 * kernel to cancel (IORING_OP_ASYNC_CANCEL) and goes on waiting for the completion; a socket
 * closed while operations on it are in flight has them cancelled, and its descriptor is released
 * only after their completions (so the number cannot be reused under them); {@link #drain} at loop
 * close cancels and waits for everything still in flight before the ring and the bounce buffers
 * are freed. The segment a task passed is kept reachable meanwhile (its scope), so an automatic
 * arena cannot free it under the kernel.
 */
final class CompletionOps implements Completions.Handler {
    static final int READ = 0;
    static final int WRITE = 1;
    /** Largest bounce buffer for a heap array: a longer read or write moves at most this much per operation. */
    static final int MAX_BOUNCE = 64 * 1024;
    private static final byte FREE = 0;
    private static final byte IN_FLIGHT = 1;
    private static final byte DONE = 2;
    /** Passes {@link #drain} waits for cancelled operations before it gives up (each polls at most 10 ms). */
    private static final int DRAIN_PASSES = 500;

    final Completions ring;
    private final EventLoop loop;
    private final CloseHooks.Hook hook;
    private final Arena bounceArena = Arena.ofShared();

    // ---- per operation id ----
    private Task<?>[] waiters = new Task<?>[16];
    /** What keeps the task's memory alive until the completion: its segment's scope, or the bounce buffer. */
    private Object[] pinned = new Object[16];
    private MemorySegment[] bounce = new MemorySegment[16];
    private int[] results = new int[16];
    private byte[] states = new byte[16];
    private boolean[] cancelSent = new boolean[16];
    private boolean[] socketClosed = new boolean[16];
    private int[] fds = new int[16];
    private int[] freeIds = new int[16];
    private int freeCount;
    private int ids;
    /** Descriptors with at least one operation in flight. */
    private int busyHandles;

    // ---- per descriptor ----
    /** The operation of each direction in flight, as id + 1 (0: none). */
    private int[][] opOfFd = {new int[64], new int[64]};
    /** Whether the loop's close hook is set for the descriptor (so a close tells the loop first). */
    private boolean[] hooked = new boolean[64];
    /** A close waiting for the operations of the descriptor to complete before it releases the number. */
    private Runnable[] releases = new Runnable[64];

    CompletionOps(Completions ring, EventLoop loop, CloseHooks.Hook hook) {
        this.ring = ring;
        this.loop = loop;
        this.hook = hook;
        ring.setHandler(this);
    }

    /**
     * Reserves an operation of {@code task} on {@code fd} in {@code direction}, pinning {@code pin}.
     *
     * @throws IllegalStateException if another operation of that direction is in flight on it
     */
    int begin(Task<?> task, int fd, int direction, Object pin) {
        ensureFd(fd);
        if (opOfFd[direction][fd] != 0) {
            throw new IllegalStateException("handle " + fd + " already has a " + (direction == READ ? "reader" : "writer"));
        }
        if (!hooked[fd]) {
            hooked[fd] = true;
            CloseHooks.set(fd, hook);
        }
        int id = freeCount > 0 ? freeIds[--freeCount] : newId();
        waiters[id] = task;
        pinned[id] = pin;
        states[id] = IN_FLIGHT;
        cancelSent[id] = false;
        socketClosed[id] = false;
        fds[id] = fd;
        if (opOfFd[READ][fd] == 0 && opOfFd[WRITE][fd] == 0) {
            busyHandles++;
        }
        opOfFd[direction][fd] = id + 1;
        return id;
    }

    /** Makes the loop's close hook be set again by the next {@link #begin} (the readiness path may have removed it). */
    void unhook(int fd) {
        if (fd < hooked.length) {
            hooked[fd] = false;
        }
    }

    /** A native buffer of operation {@code id} with room for {@code min(size, MAX_BOUNCE)} bytes, reused across operations. */
    MemorySegment bounce(int id, long size) {
        long want = Math.max(1, Math.min(size, MAX_BOUNCE));
        MemorySegment b = bounce[id];
        if (b == null || b.byteSize() < want) {
            b = bounceArena.allocate(Math.max(4096, Long.highestOneBit(want - 1) << 1), 16);
            bounce[id] = b;
        }
        pinned[id] = b;
        return b;
    }

    /**
     * Waits until operation {@code id} (of the current task) completes and returns its result
     * ({@code >= 0}, or {@code -errno}). A cancellation of the task while it waits cancels the
     * operation and still waits for its completion; then, if the operation did something (a
     * result {@code > 0}: bytes moved, a descriptor accepted), that result is returned and the
     * cancellation is thrown by the task's next wait, so nothing is lost; otherwise {@link
     * CancellationException} is thrown now.
     *
     * @throws SocketException "Socket closed" if the socket was closed while the operation was in flight
     */
    int await(Task<?> task, int id, String what) throws IOException {
        boolean cancelled = false;
        while (states[id] != DONE) {
            try {
                task.suspend();
            } catch (CancellationException e) {
                cancelled = true;
                requestCancel(id);
            }
        }
        int res = results[id];
        boolean closed = socketClosed[id];
        int fd = fds[id];
        release(id);
        if (cancelled) { // the cancellation wins over a close that came with it
            if (res > 0 && !closed) {
                task.restoreCancel();
                return res;
            }
            throw new CancellationException("task cancelled");
        }
        if (closed) {
            throw new SocketException("Socket closed while a task waited to " + what + " it (fd=" + fd + ")");
        }
        return res;
    }

    /** Undoes {@link #begin} of an operation that could not be queued (its submission failed). */
    void abandon(int id) {
        int fd = fds[id];
        for (int d = READ; d <= WRITE; d++) {
            if (opOfFd[d][fd] == id + 1) {
                opOfFd[d][fd] = 0;
                if (opOfFd[READ][fd] == 0 && opOfFd[WRITE][fd] == 0) {
                    busyHandles--;
                }
            }
        }
        release(id);
    }

    /** Frees operation {@code id} (completed and read). */
    private void release(int id) {
        waiters[id] = null;
        pinned[id] = null;
        states[id] = FREE;
        if (freeCount == freeIds.length) {
            freeIds = Arrays.copyOf(freeIds, freeIds.length * 2);
        }
        freeIds[freeCount++] = id;
    }

    private void requestCancel(int id) {
        if (states[id] == IN_FLIGHT && !cancelSent[id]) {
            cancelSent[id] = true;
            try {
                ring.cancel(id);
            } catch (IOException e) {
                cancelSent[id] = false; // the SQ could not be submitted: the next cancellation tries again
                loop.reportException(e);
            }
        }
    }

    /** From the poller's wait: operation {@code id} is done. */
    @Override
    public void completed(int id, int result) {
        results[id] = result;
        states[id] = DONE;
        int fd = fds[id];
        boolean busy = opOfFd[READ][fd] != 0 || opOfFd[WRITE][fd] != 0;
        for (int d = READ; d <= WRITE; d++) {
            if (opOfFd[d][fd] == id + 1) {
                opOfFd[d][fd] = 0;
            }
        }
        if (busy && opOfFd[READ][fd] == 0 && opOfFd[WRITE][fd] == 0) {
            busyHandles--;
        }
        Task<?> task = waiters[id];
        if (task != null && !loop.isClosed()) {
            task.wake();
        }
        Runnable release = releases[fd];
        if (release != null && opOfFd[READ][fd] == 0 && opOfFd[WRITE][fd] == 0) {
            releases[fd] = null;
            release.run(); // the last operation on a closed socket is done: its number may go now
        }
    }

    /**
     * The socket {@code fd} is being closed: if operations are in flight on it, cancels them,
     * marks them closed (their tasks get "Socket closed") and keeps {@code release} until their
     * completions are in; returns whether it kept it.
     */
    boolean closing(long handle, Runnable release) {
        if (handle < 0 || handle >= hooked.length) {
            return false;
        }
        int fd = (int) handle;
        hooked[fd] = false;
        boolean inFlight = false;
        for (int d = READ; d <= WRITE; d++) {
            int op = opOfFd[d][fd];
            if (op != 0) {
                inFlight = true;
                socketClosed[op - 1] = true;
                requestCancel(op - 1);
            }
        }
        if (inFlight) {
            releases[fd] = release;
        }
        return inFlight;
    }

    /** Descriptors with an operation in flight: part of {@link EventLoop#watchedHandles()}. */
    int busyHandles() {
        return busyHandles;
    }

    /** Operations in flight (submitted or queued, completion not read yet). */
    int inFlight() {
        return ring.inFlight();
    }

    /**
     * At loop close: cancels every operation still in flight and polls ({@code pollOnce}) until
     * their completions are in, then frees the bounce buffers. Returns false, keeping the buffers
     * allocated (they would otherwise be written after being freed), if the kernel has not
     * completed them all after {@value #DRAIN_PASSES} polls.
     */
    boolean drain(Runnable pollOnce) {
        for (int pass = 0; ring.inFlight() > 0 && pass < DRAIN_PASSES; pass++) {
            for (int id = 0; id < ids; id++) {
                requestCancel(id);
            }
            pollOnce.run();
        }
        for (int fd = 0; fd < releases.length; fd++) {
            Runnable release = releases[fd];
            if (release != null) { // still in flight after the drain: the kernel holds the file, the number goes
                releases[fd] = null;
                release.run();
            }
        }
        if (ring.inFlight() > 0) {
            return false;
        }
        bounceArena.close();
        return true;
    }

    private int newId() {
        if (ids == states.length) {
            int n = ids * 2;
            waiters = Arrays.copyOf(waiters, n);
            pinned = Arrays.copyOf(pinned, n);
            bounce = Arrays.copyOf(bounce, n);
            results = Arrays.copyOf(results, n);
            states = Arrays.copyOf(states, n);
            cancelSent = Arrays.copyOf(cancelSent, n);
            socketClosed = Arrays.copyOf(socketClosed, n);
            fds = Arrays.copyOf(fds, n);
        }
        return ids++;
    }

    private void ensureFd(int fd) {
        if (fd >= hooked.length) {
            int n = Math.max(fd + 1, hooked.length * 2);
            opOfFd[READ] = Arrays.copyOf(opOfFd[READ], n);
            opOfFd[WRITE] = Arrays.copyOf(opOfFd[WRITE], n);
            hooked = Arrays.copyOf(hooked, n);
            releases = Arrays.copyOf(releases, n);
        }
    }
}
