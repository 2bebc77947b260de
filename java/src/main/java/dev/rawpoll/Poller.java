package dev.rawpoll;

import java.io.IOException;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * Readiness notification from the operating system: epoll on Linux, kqueue on macOS and
 * FreeBSD, an I/O completion port with AFD polls on Windows. A poller watches handles (file
 * descriptors, or sockets on Windows) and tells its caller which of them are ready to read or
 * write, without blocking on any one of them.
 *
 * <pre>{@code
 * List<String> seen = new ArrayList<>();
 * try (Poller poller = Poller.open();                   // epoll on Linux, kqueue on macOS
 *      TcpListener listener = TcpListener.bind(new InetSocketAddress("127.0.0.1", 0), 16)) {
 *     Events events = poller.newEvents(64);             // native array, reused by every poll
 *     poller.register(listener.handle(), Interest.READABLE, 42L); // 42 comes back with each event
 *
 *     try (TcpStream client = TcpStream.connect(listener.localAddress())) { // a client knocks
 *         int n = poller.poll(events, 1, TimeUnit.SECONDS);             // waits at most 1 s
 *         for (int i = 0; i < n; i++) {
 *             int ready = events.readiness(i);
 *             if (ready == 0) continue;                 // stale: deregistered meanwhile
 *             seen.add(events.token(i) + " " + Readiness.toString(ready));
 *         }
 *         try (TcpStream accepted = listener.accept()) {
 *             // serve it (accept() returns null when nothing is pending)
 *         }
 *     }
 *     poller.deregister(listener.handle());             // always before closing the handle
 * }
 * // seen: [42 READABLE]
 * }</pre>
 *
 * <h2>Handles and tokens</h2>
 * A handle is a {@code long} so that one interface fits a file descriptor and a 64-bit Windows
 * {@code SOCKET}; on Unix it must be in {@code [0, Integer.MAX_VALUE]}. A handle is registered at
 * most once per poller. The token is any {@code long} the caller chooses except {@link
 * Events#NO_TOKEN}; it comes back with every event of the handle (mio's {@code Token}, epoll's
 * {@code data.u64}). The poller owns no handle: it never closes one.
 *
 * <h2>Modes and readiness</h2>
 * Level-triggered by default, edge-triggered or oneshot per registration: see {@link Interest}.
 * A level-triggered or oneshot report gives the readiness at the poll (a handle drained since it
 * became ready is not reported). An edge-triggered report gives what woke the handle: epoll polls
 * the handle again when it reports (all ready directions, and nothing if drained since), io_uring
 * reports the wake-up as it came (new data is {@code READABLE} even if also writable, and may be
 * reported after the data was read): an edge-triggered caller reads until "would block" anyway.
 * What each reported bit means on each OS: see {@link Readiness}. An interest of 0 pauses a
 * registration, but epoll (and AFD) still report HANGUP and ERROR for it: a paused registration
 * of a dead socket makes every poll return at once. The poller keeps such a registration as it
 * is (it does not turn interest 0 into a deregistration, as NIO does, so that {@code modify}
 * keeps working and the owner learns of the error); whoever pauses a socket deregisters or closes
 * it once HANGUP or ERROR is reported.
 *
 * <h2>Timeouts</h2>
 * {@link #poll(Events, long, TimeUnit) poll} with a negative timeout waits until an event or a
 * {@link #wakeup()}; with 0 it returns at once; a positive timeout is rounded <em>up</em> to the
 * backend's granularity (milliseconds for epoll, so 1 ns waits 1 ms), never down. A signal that
 * interrupts the wait (EINTR) does not end it: the wait resumes for the time that is left. A poll
 * may still return 0 events before its timeout (a wakeup, or only stale events): a caller that
 * waits for a deadline re-checks its clock.
 *
 * <h2>Wakeup</h2>
 * {@link #wakeup()} makes a poll that is blocked return, or, if none is, the next poll return at
 * once. Wakeups coalesce: any number of calls before the poll that consumes them cost at most one
 * system call and end at most one wait, so they cannot be counted. A wakeup that races with a poll
 * that is returning anyway may be consumed by that poll: the owner checks its own work queue
 * after every poll, as an event loop does.
 *
 * <h2>Events of a handle deregistered or closed earlier in the same batch</h2>
 * Events are read in place after a poll returns, and the caller may deregister, modify or
 * re-register handles while it goes through them. Each registration carries a generation, and
 * every event is checked against the handle's <em>current</em> registration when it is read
 * (the libuv rule): an event whose registration was removed or replaced since it was collected
 * reads as readiness {@code 0} and token {@link Events#NO_TOKEN}; {@code READABLE}/{@code
 * WRITABLE} bits no longer in the current interest are masked off, and the token is the current
 * one. So an event never reaches the new owner of a reused descriptor number. An event read after
 * a modify follows the rules of a fresh poll of the new interest: a level-triggered or oneshot
 * event keeps the readiness of the poll, masked; an io_uring edge wake-up modified to level,
 * oneshot or 0 gets the handle's readiness polled then ({@code poll(2)}), since its bits say what
 * woke the handle, not what is ready.
 *
 * <p>A handle closed without {@link #deregister} is dropped by epoll only once the last descriptor
 * of its open file is closed: while a {@code dup}'d copy stays open the kernel keeps the
 * registration and keeps reporting it. kqueue drops it when that descriptor number is closed, but
 * libkqueue keeps it, and re-registering the number then fails with EEXIST until it is
 * deregistered. On io_uring ({@link #openIoUring()}) a poll request in flight holds the open file
 * and the registration follows the number: a descriptor closed without deregister is not closed
 * (a socket's peer sees no end of stream) while its poll is armed, the number's registration may
 * go on reporting under its token whatever file takes the number next, and re-registering the
 * number fails with EEXIST, until the number is deregistered. rawpoll's own {@code TcpStream} and
 * {@code TcpListener} are exempt: closing one drops its registrations from every io_uring poller
 * first, so it closes as on epoll. Always deregister before closing.
 *
 * <h2>Threads</h2>
 * {@link #register register}, {@link #modify modify}, {@link #deregister deregister}, {@link
 * #wakeup()}, {@link #isOpen()}, {@link #newEvents newEvents} and {@link #close()} may be called
 * from any thread, also while another thread is blocked in {@link #poll poll} (mio's registry and
 * the JDK's EPollPoller allow the same). A registration made during a poll is seen by that poll
 * if the kernel reports the handle before the wait ends, and its events are never lost or
 * reported as stale: the registration is recorded before the kernel is told. One thread polls at
 * a time: a second thread calling {@code poll} while one is inside gets {@link
 * IllegalStateException}. An {@link Events} is read by the thread that polled into it.
 *
 * <h2>Interrupts</h2>
 * As the JDK's {@code Selector}: {@link Thread#interrupt()} of a thread blocked in {@code poll}
 * (a platform or a virtual thread) ends the wait, and a {@code poll} started in a thread whose
 * interrupt status is set returns at once; {@code poll} then returns normally (with whatever
 * events it has, often 0), throws nothing, and leaves the interrupt status set. A caller that
 * keeps polling in an interrupted thread therefore never blocks: it must clear the status ({@link
 * Thread#interrupted()}) or stop. A poll with timeout 0 is not affected. (The interrupt reaches the
 * wait through a {@code java.nio.channels.spi.AbstractSelector}'s {@code begin}/{@code end}, the
 * JDK's public hook for interruptible blocking calls; no NIO selector or channel is created.)
 *
 * <h2>Closing</h2>
 * {@link #close()} from another thread while a poll is blocked wakes that poll, which returns 0;
 * the OS objects and native memory are released by whichever of the two leaves last, so
 * {@code close} does not wait for the poll, and every later call but {@link #wakeup()} and
 * {@link #isOpen()} throws {@link IllegalStateException}, as does reading the poller's {@link
 * Events}.
 *
 * <h2>Errors</h2>
 * A failed system call throws {@link SystemCallException} naming the call, its arguments and the
 * errno ({@code epoll_ctl(ADD, fd=7): EEXIST (File exists)}) and a portable {@link
 * SystemCallException#kind() kind}: registering a handle twice gives EEXIST ({@code
 * ALREADY_REGISTERED}), modifying or deregistering an unknown one ENOENT ({@code NOT_REGISTERED}),
 * a bad descriptor EBADF ({@code BAD_HANDLE}); the Windows names differ, the kinds do not. Bad
 * arguments (unknown interest bits, an out-of-range handle — negative, or above {@code
 * Integer.MAX_VALUE} on Unix —, capacity &le; 0) throw {@link
 * IllegalArgumentException}; any use of a closed poller or of its {@link Events} throws {@link
 * IllegalStateException}. Nothing crashes the JVM.
 */
public interface Poller extends AutoCloseable {

    /**
     * Opens a poller with the backend of the running OS.
     *
     * @throws UnsupportedOperationException naming the OS and architecture where rawpoll has no backend
     * @throws SystemCallException if the OS refuses (e.g. EMFILE, out of descriptors)
     */
    static Poller open() throws IOException {
        return dev.rawpoll.internal.Platform.openPoller();
    }

    /**
     * Opens a poller on io_uring (Linux 5.13 or later): readiness through {@code IORING_OP_POLL_ADD}
     * requests in one ring, every change of a pass submitted with the wait in one {@code
     * io_uring_enter}. Only on explicit request: {@link #open()} stays on epoll. Where it differs from
     * epoll is listed in {@code dev.rawpoll.linux.UringPoller}.
     *
     * @throws UnsupportedOperationException on an OS other than Linux (x86-64, aarch64)
     * @throws SystemCallException where io_uring is unavailable (ENOSYS: too old a kernel; EPERM: the
     *     {@code kernel.io_uring_disabled} sysctl or a seccomp filter): the message names the errno
     *     and says that epoll ({@link #open()}) works
     */
    static Poller openIoUring() throws IOException {
        return dev.rawpoll.internal.Platform.openIoUringPoller();
    }

    /** The backend's name: {@code "epoll"}, {@code "io_uring"}, {@code "kqueue"} or {@code "iocp"}. */
    String backend();

    /**
     * Starts watching {@code handle} for {@code interest} (see {@link Interest}).
     *
     * @throws SystemCallException EEXIST if already registered, EBADF for a bad descriptor,
     *     EPERM for a file that cannot be polled (a regular file on Linux)
     */
    void register(long handle, int interest, long token) throws IOException;

    /**
     * Replaces the interest and token of a registered handle; re-arms a {@link Interest#ONESHOT}
     * registration.
     *
     * @throws SystemCallException ENOENT if the handle is not registered
     */
    void modify(long handle, int interest, long token) throws IOException;

    /**
     * Stops watching {@code handle}. Its events still unread in an {@link Events} read as stale.
     *
     * @throws SystemCallException ENOENT if the handle is not registered, EBADF if it was closed
     *     (the poller forgets it either way)
     */
    void deregister(long handle) throws IOException;

    /**
     * A reusable event array of {@code capacity} entries, in native memory owned by this poller
     * and freed when it closes. A poll fills at most {@code capacity} events; the rest are
     * reported by the next poll.
     *
     * @throws IllegalArgumentException if {@code capacity <= 0}
     */
    Events newEvents(int capacity);

    /**
     * Waits until at least one registered handle is ready, {@link #wakeup()} is called, or the
     * timeout passes, and fills {@code events}.
     *
     * Returns early, with the interrupt status left set, if the calling thread is interrupted (or
     * already was), and with 0 if another thread closes the poller meanwhile.
     *
     * @param timeout negative: wait forever; 0: do not wait; positive: rounded up to the backend's granularity
     * @return the number of events in {@code events} (also {@link Events#count()})
     * @throws IllegalArgumentException if {@code events} was made by another poller
     * @throws IllegalStateException if the poller is closed, or another thread is polling it
     */
    int poll(Events events, long timeout, TimeUnit unit) throws IOException;

    /**
     * The OS object behind this poller, for a foreign event loop to watch: it becomes readable when
     * this poller has events (or a {@link #wakeup()} is pending), and the foreign loop then calls
     * {@link #poll poll} with timeout 0 on this poller's thread. The epoll descriptor on Linux; the
     * kqueue descriptor on macOS and FreeBSD. Empty where the backend cannot be nested: libkqueue's
     * descriptor never becomes readable, and an I/O completion port is not a waitable handle.
     * The poller keeps owning it: do not close it.
     */
    default OptionalLong backendHandle() {
        return OptionalLong.empty();
    }

    /** Makes a blocked {@link #poll} return, or the next one return at once. Any thread; coalesced. */
    void wakeup();

    /** Whether {@link #close()} has not been called yet. Any thread. */
    boolean isOpen();

    /**
     * Closes the OS object and frees all native memory, including every {@link Events} of this
     * poller. Registered handles are not closed. Idempotent; any thread. If another thread is
     * blocked in {@link #poll poll}, that poll is woken and returns 0, and the release happens when
     * it leaves (this call does not wait for it).
     */
    @Override
    void close();
}
