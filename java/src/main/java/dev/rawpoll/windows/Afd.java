package dev.rawpoll.windows;

import dev.rawpoll.windows.bindings.AFD_POLL_HANDLE_INFO;
import dev.rawpoll.windows.bindings.AFD_POLL_INFO;
import dev.rawpoll.windows.bindings.IO_STATUS_BLOCK;
import dev.rawpoll.windows.bindings.OVERLAPPED_ENTRY;
import dev.rawpoll.windows.bindings.iocp_h;

/**
 * The sizes, offsets and constants of the IOCP backend, from the jextract bindings of {@code
 * native/windows/iocp.h} (checked against mingw-w64's SDK headers and against the AFD driver by
 * the C reference). Unlike {@link Iocp} this class links nothing, so the state machine and its
 * tests use it on any OS.
 *
 * <pre>{@code
 * typedef struct OVERLAPPED_ENTRY { ULONG_PTR lpCompletionKey; OVERLAPPED *lpOverlapped;
 *                                   ULONG_PTR Internal; uint32_t dwNumberOfBytesTransferred; } OVERLAPPED_ENTRY; // 32
 * typedef struct IO_STATUS_BLOCK { union { int32_t Status; void *Pointer; }; ULONG_PTR Information; } IO_STATUS_BLOCK; // 16
 * typedef struct AFD_POLL_HANDLE_INFO { void *Handle; uint32_t Events; int32_t Status; } AFD_POLL_HANDLE_INFO; // 16
 * typedef struct AFD_POLL_INFO { LONGLONG Timeout; uint32_t NumberOfHandles; uint32_t Exclusive;
 *                                AFD_POLL_HANDLE_INFO Handles[1]; } AFD_POLL_INFO; // 32
 * }</pre>
 */
final class Afd {
    private Afd() {}

    // OVERLAPPED_ENTRY
    static final long SIZEOF_OVERLAPPED_ENTRY = OVERLAPPED_ENTRY.sizeof();
    static final long OFFSETOF_ENTRY_KEY = OVERLAPPED_ENTRY.lpCompletionKey$offset();
    static final long OFFSETOF_ENTRY_OVERLAPPED = OVERLAPPED_ENTRY.lpOverlapped$offset();
    static final long OFFSETOF_ENTRY_STATUS = OVERLAPPED_ENTRY.Internal$offset();

    // IO_STATUS_BLOCK
    static final long SIZEOF_IO_STATUS_BLOCK = IO_STATUS_BLOCK.sizeof();
    static final long OFFSETOF_IOSB_STATUS = IO_STATUS_BLOCK.Status$offset();

    // AFD_POLL_INFO with its one AFD_POLL_HANDLE_INFO
    static final long SIZEOF_AFD_POLL_INFO = AFD_POLL_INFO.sizeof();
    static final long OFFSETOF_TIMEOUT = AFD_POLL_INFO.Timeout$offset();
    static final long OFFSETOF_NUMBER_OF_HANDLES = AFD_POLL_INFO.NumberOfHandles$offset();
    static final long OFFSETOF_EXCLUSIVE = AFD_POLL_INFO.Exclusive$offset();
    static final long OFFSETOF_HANDLES = AFD_POLL_INFO.Handles$offset();
    static final long OFFSETOF_HANDLE = OFFSETOF_HANDLES + AFD_POLL_HANDLE_INFO.Handle$offset();
    static final long OFFSETOF_EVENTS = OFFSETOF_HANDLES + AFD_POLL_HANDLE_INFO.Events$offset();
    static final long OFFSETOF_HANDLE_STATUS = OFFSETOF_HANDLES + AFD_POLL_HANDLE_INFO.Status$offset();

    // AFD poll events
    static final int AFD_POLL_RECEIVE = iocp_h.AFD_POLL_RECEIVE();
    static final int AFD_POLL_RECEIVE_EXPEDITED = iocp_h.AFD_POLL_RECEIVE_EXPEDITED();
    static final int AFD_POLL_SEND = iocp_h.AFD_POLL_SEND();
    static final int AFD_POLL_DISCONNECT = iocp_h.AFD_POLL_DISCONNECT();
    static final int AFD_POLL_ABORT = iocp_h.AFD_POLL_ABORT();
    static final int AFD_POLL_LOCAL_CLOSE = iocp_h.AFD_POLL_LOCAL_CLOSE();
    static final int AFD_POLL_ACCEPT = iocp_h.AFD_POLL_ACCEPT();
    static final int AFD_POLL_CONNECT_FAIL = iocp_h.AFD_POLL_CONNECT_FAIL();
    static final int IOCTL_AFD_POLL = iocp_h.IOCTL_AFD_POLL();

    // Winsock, NtCreateFile, waits
    static final int SIO_BASE_HANDLE = iocp_h.SIO_BASE_HANDLE();
    static final int SOCKET_ERROR = iocp_h.SOCKET_ERROR();
    static final int SYNCHRONIZE = iocp_h.SYNCHRONIZE();
    static final int FILE_SHARE_READ = iocp_h.FILE_SHARE_READ();
    static final int FILE_SHARE_WRITE = iocp_h.FILE_SHARE_WRITE();
    static final int FILE_OPEN = iocp_h.FILE_OPEN();
    static final int FILE_SKIP_SET_EVENT_ON_HANDLE = iocp_h.FILE_SKIP_SET_EVENT_ON_HANDLE();
    static final int INFINITE = iocp_h.INFINITE();

    // NTSTATUS
    static final int STATUS_SUCCESS = iocp_h.STATUS_SUCCESS();
    static final int STATUS_PENDING = iocp_h.STATUS_PENDING();
    static final int STATUS_CANCELLED = iocp_h.STATUS_CANCELLED();
    static final int STATUS_NOT_FOUND = iocp_h.STATUS_NOT_FOUND();
    static final int STATUS_INVALID_HANDLE = iocp_h.STATUS_INVALID_HANDLE();
    static final int STATUS_OBJECT_NAME_NOT_FOUND = iocp_h.STATUS_OBJECT_NAME_NOT_FOUND();
    static final int STATUS_OBJECT_TYPE_MISMATCH = iocp_h.STATUS_OBJECT_TYPE_MISMATCH();

    // GetLastError
    static final int ERROR_INVALID_HANDLE = iocp_h.ERROR_INVALID_HANDLE();
    static final int ERROR_NOT_ENOUGH_MEMORY = iocp_h.ERROR_NOT_ENOUGH_MEMORY();
    static final int ERROR_ALREADY_EXISTS = iocp_h.ERROR_ALREADY_EXISTS();
    static final int ERROR_INVALID_PARAMETER = iocp_h.ERROR_INVALID_PARAMETER();
    static final int WAIT_TIMEOUT = iocp_h.WAIT_TIMEOUT();
    static final int ERROR_OPERATION_ABORTED = iocp_h.ERROR_OPERATION_ABORTED();
    static final int ERROR_IO_PENDING = iocp_h.ERROR_IO_PENDING();
    static final int ERROR_NOT_FOUND = iocp_h.ERROR_NOT_FOUND();
    static final int ERROR_ABANDONED_WAIT_0 = iocp_h.ERROR_ABANDONED_WAIT_0();
    static final int WSAENOTSOCK = iocp_h.WSAENOTSOCK();
    static final int WSANOTINITIALISED = iocp_h.WSANOTINITIALISED();
    static final int WSADATA_ROOM = iocp_h.WSADATA_ROOM();

    /** The completion key of every AFD poll (the key the \Device\Afd handle is associated with). */
    static final long AFD_KEY = 1;
    /** The completion key of {@code wakeup()}'s PostQueuedCompletionStatus. */
    static final long WAKEUP_KEY = 2;

    /** A poll that never times out by itself: AFD_POLL_INFO.Timeout = INT64_MAX. */
    static final long NO_TIMEOUT = Long.MAX_VALUE;
}
