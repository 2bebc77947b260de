package dev.rawpoll.windows;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.rawpoll.SystemCallException;
import dev.rawpoll.internal.Native;
import dev.rawpoll.windows.bindings.OBJECT_ATTRIBUTES;
import dev.rawpoll.windows.bindings.UNICODE_STRING;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The real {@link AfdPort}: a completion port, a {@code \Device\Afd} handle associated with it,
 * and the request blocks of the slots, in chunks of native memory that never move (the driver
 * writes into a block until its poll completes). The call sequence is the one of {@code
 * native/windows/afd_reference.c}. Windows only.
 */
final class IocpPort implements AfdPort {
    /** A slot's request block: its IO_STATUS_BLOCK, then its AFD_POLL_INFO. */
    private static final long BLOCK_SIZE = Afd.SIZEOF_IO_STATUS_BLOCK + Afd.SIZEOF_AFD_POLL_INFO;
    private static final long POLL_INFO = Afd.SIZEOF_IO_STATUS_BLOCK;
    private static final int CHUNK_SLOTS = 64;
    /** The name NtCreateFile opens: the AFD device, with a path suffix only for diagnostics. */
    private static final String AFD_DEVICE = "\\Device\\Afd\\rawpoll";

    private final Arena arena;
    private final MemorySegment port;
    private final MemorySegment afd;
    /** GetLastError capture for the calls made under the registrations' lock (submit, cancel, close). */
    private final MemorySegment lastError;
    /** GetLastError capture for {@link #dequeue}, the polling thread's wait, made without the lock. */
    private final MemorySegment dequeueLastError;
    /** GetLastError capture for {@link #post}, called by wakeup() under the poller's lock. */
    private final MemorySegment postLastError;
    private final MemorySegment removed;
    private final MemorySegment baseOut;
    private final MemorySegment bytesOut;
    /** Per slot, made once when its chunk is allocated, so that polling allocates nothing. */
    private MemorySegment[] blocks = new MemorySegment[0];
    private MemorySegment[] pollInfos = new MemorySegment[0];
    private MemorySegment[] contexts = new MemorySegment[0];

    private IocpPort(Arena arena, MemorySegment port, MemorySegment afd, MemorySegment lastError) {
        this.arena = arena;
        this.port = port;
        this.afd = afd;
        this.lastError = lastError;
        this.postLastError = Native.allocateCapture(arena);
        this.dequeueLastError = Native.allocateCapture(arena);
        this.removed = arena.allocate(JAVA_INT);
        this.baseOut = arena.allocate(JAVA_LONG);
        this.bytesOut = arena.allocate(JAVA_INT);
    }

    /**
     * WSAStartup's result, once per process: SIO_BASE_HANDLE fails with WSANOTINITIALISED in a
     * process where nothing started Winsock (a caller handing in sockets made by a library that
     * did its own WSAStartup and WSACleanup, say). Never cleaned up: like the JDK's, Winsock stays
     * up until the process exits.
     */
    private static final class Winsock {
        static final int ERROR;

        static {
            try (Arena temporary = Arena.ofConfined()) {
                ERROR = Iocp.WSAStartup(Native.allocateCapture(temporary), (short) 0x0202, temporary.allocate(Afd.WSADATA_ROOM, 8));
            }
        }
    }

    /** Creates the port, opens \Device\Afd and associates it with the port under {@link Afd#AFD_KEY}. */
    static IocpPort open(Arena arena) throws SystemCallException {
        if (Winsock.ERROR != 0) {
            throw WindowsErrors.lastError("WSAStartup(2.2)", Winsock.ERROR);
        }
        MemorySegment lastError = Native.allocateCapture(arena);
        MemorySegment invalidHandle = MemorySegment.ofAddress(-1L);
        MemorySegment port = Iocp.CreateIoCompletionPort(lastError, invalidHandle, MemorySegment.NULL, 0, 0);
        if (port.equals(MemorySegment.NULL)) {
            throw WindowsErrors.lastError("CreateIoCompletionPort(INVALID_HANDLE_VALUE)", Native.errno(lastError));
        }
        MemorySegment afd = MemorySegment.NULL;
        try {
            afd = openAfd(arena, lastError);
            if (Iocp.CreateIoCompletionPort(lastError, afd, port, Afd.AFD_KEY, 0).equals(MemorySegment.NULL)) {
                throw WindowsErrors.lastError("CreateIoCompletionPort(\\Device\\Afd, port)", Native.errno(lastError));
            }
            if (Iocp.SetFileCompletionNotificationModes(lastError, afd, (byte) Afd.FILE_SKIP_SET_EVENT_ON_HANDLE) == 0) {
                throw WindowsErrors.lastError("SetFileCompletionNotificationModes(\\Device\\Afd)", Native.errno(lastError));
            }
            return new IocpPort(arena, port, afd, lastError);
        } catch (SystemCallException | RuntimeException | Error e) {
            if (!afd.equals(MemorySegment.NULL)) Iocp.CloseHandle(lastError, afd);
            Iocp.CloseHandle(lastError, port);
            throw e;
        }
    }

    /** \Device\Afd opened without extended attributes: a handle to the driver, not a socket. */
    private static MemorySegment openAfd(Arena arena, MemorySegment lastError) throws SystemCallException {
        byte[] utf16 = AFD_DEVICE.getBytes(StandardCharsets.UTF_16LE);
        MemorySegment name = arena.allocate(utf16.length + 2L, 2);
        MemorySegment.copy(MemorySegment.ofArray(utf16), 0, name, 0, utf16.length); // then a zero UTF-16 unit
        MemorySegment unicode = arena.allocate(UNICODE_STRING.layout());
        UNICODE_STRING.Length(unicode, (short) utf16.length);
        UNICODE_STRING.MaximumLength(unicode, (short) (utf16.length + 2));
        UNICODE_STRING.Buffer(unicode, name);
        MemorySegment attributes = arena.allocate(OBJECT_ATTRIBUTES.layout());
        OBJECT_ATTRIBUTES.Length(attributes, (int) OBJECT_ATTRIBUTES.sizeof());
        OBJECT_ATTRIBUTES.ObjectName(attributes, unicode);
        MemorySegment handleOut = arena.allocate(ADDRESS);
        MemorySegment iosb = arena.allocate(Afd.SIZEOF_IO_STATUS_BLOCK, 8);
        int status = Iocp.NtCreateFile(lastError, handleOut, Afd.SYNCHRONIZE, attributes, iosb, MemorySegment.NULL, 0,
                Afd.FILE_SHARE_READ | Afd.FILE_SHARE_WRITE, Afd.FILE_OPEN, 0, MemorySegment.NULL, 0);
        if (status != Afd.STATUS_SUCCESS) {
            throw WindowsErrors.ntStatus("NtCreateFile(" + AFD_DEVICE + ")", status);
        }
        return handleOut.get(ADDRESS, 0);
    }

    @Override
    public long baseSocket(long socket) throws SystemCallException {
        int rc = Iocp.WSAIoctl(lastError, socket, Afd.SIO_BASE_HANDLE, MemorySegment.NULL, 0, baseOut, 8,
                bytesOut, MemorySegment.NULL, MemorySegment.NULL);
        if (rc == Afd.SOCKET_ERROR) {
            throw WindowsErrors.lastError("WSAIoctl(socket=" + socket + ", SIO_BASE_HANDLE)", Native.errno(lastError));
        }
        return baseOut.get(JAVA_LONG, 0);
    }

    @Override
    public int submitPoll(int slot, long baseSocket, int afdEvents) {
        MemorySegment block = block(slot);
        block.set(JAVA_INT, Afd.OFFSETOF_IOSB_STATUS, Afd.STATUS_PENDING);
        long info = POLL_INFO;
        block.set(JAVA_LONG, info + Afd.OFFSETOF_TIMEOUT, Afd.NO_TIMEOUT);
        block.set(JAVA_INT, info + Afd.OFFSETOF_NUMBER_OF_HANDLES, 1);
        block.set(JAVA_INT, info + Afd.OFFSETOF_EXCLUSIVE, 0);
        block.set(JAVA_LONG, info + Afd.OFFSETOF_HANDLE, baseSocket);
        block.set(JAVA_INT, info + Afd.OFFSETOF_EVENTS, afdEvents);
        block.set(JAVA_INT, info + Afd.OFFSETOF_HANDLE_STATUS, 0);
        MemorySegment pollInfo = pollInfos[slot];
        int length = (int) Afd.SIZEOF_AFD_POLL_INFO;
        // The ApcContext comes back as the completion's lpOverlapped: it names the slot.
        return Iocp.NtDeviceIoControlFile(lastError, afd, MemorySegment.NULL, MemorySegment.NULL,
                contexts[slot], block, Afd.IOCTL_AFD_POLL,
                pollInfo, length, pollInfo, length);
    }

    @Override
    public int cancelPoll(int slot) {
        // For a request made with NtDeviceIoControlFile, the "overlapped" is its IO_STATUS_BLOCK.
        return Iocp.CancelIoEx(lastError, afd, block(slot)) != 0 ? 0 : Native.errno(lastError);
    }

    @Override
    public int pollStatus(int slot) {
        return block(slot).get(JAVA_INT, Afd.OFFSETOF_IOSB_STATUS);
    }

    @Override
    public int polledHandles(int slot) {
        return block(slot).get(JAVA_INT, POLL_INFO + Afd.OFFSETOF_NUMBER_OF_HANDLES);
    }

    @Override
    public int polledEvents(int slot) {
        return block(slot).get(JAVA_INT, POLL_INFO + Afd.OFFSETOF_EVENTS);
    }

    @Override
    public int dequeue(MemorySegment entries, int capacity, int timeoutMillis) throws SystemCallException {
        int milliseconds = timeoutMillis < 0 ? Afd.INFINITE : timeoutMillis;
        if (Iocp.GetQueuedCompletionStatusEx(dequeueLastError, port, entries, capacity, removed, milliseconds, 0) != 0) {
            return removed.get(JAVA_INT, 0);
        }
        int error = Native.errno(dequeueLastError);
        if (error == Afd.WAIT_TIMEOUT) {
            return 0;
        }
        throw WindowsErrors.lastError("GetQueuedCompletionStatusEx(count=" + capacity + ", timeout=" + timeoutMillis + ")", error);
    }

    @Override
    public void post(long key) throws SystemCallException {
        if (Iocp.PostQueuedCompletionStatus(postLastError, port, 0, key, MemorySegment.NULL) == 0) {
            throw WindowsErrors.lastError("PostQueuedCompletionStatus(key=" + key + ")", Native.errno(postLastError));
        }
    }

    @Override
    public void close() {
        Iocp.CloseHandle(lastError, afd);
        Iocp.CloseHandle(lastError, port);
    }

    /** The request block of {@code slot}, allocating its chunk on first use. */
    private MemorySegment block(int slot) {
        if (slot >= blocks.length) {
            int chunk = slot / CHUNK_SLOTS;
            int n = (chunk + 1) * CHUNK_SLOTS;
            int first = blocks.length;
            blocks = Arrays.copyOf(blocks, n);
            pollInfos = Arrays.copyOf(pollInfos, n);
            contexts = Arrays.copyOf(contexts, n);
            for (int base = first; base < n; base += CHUNK_SLOTS) {
                MemorySegment memory = arena.allocate(BLOCK_SIZE * CHUNK_SLOTS, 8);
                for (int i = 0; i < CHUNK_SLOTS; i++) {
                    blocks[base + i] = memory.asSlice(i * BLOCK_SIZE, BLOCK_SIZE);
                    pollInfos[base + i] = blocks[base + i].asSlice(POLL_INFO, Afd.SIZEOF_AFD_POLL_INFO);
                    contexts[base + i] = MemorySegment.ofAddress(AfdPort.context(base + i));
                }
            }
        }
        return blocks[slot];
    }
}
