package dev.rawpoll.windows;

import dev.rawpoll.internal.Native;
import dev.rawpoll.windows.bindings.iocp_h;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The Windows calls of the IOCP backend, named as in C, each taking the GetLastError capture
 * segment first; the one place where they are linked. Descriptors and addresses come from the
 * jextract bindings of {@code native/windows/iocp.h}; sizes and constants are in {@link Afd}.
 *
 * <p>Loaded only on Windows ({@link IocpPort} is its only user): its initializer loads kernel32,
 * ntdll and ws2_32 into this class loader, where the bindings' symbol lookup
 * ({@code SymbolLookup.loaderLookup()}) finds them. Nothing run on Linux touches this class.
 */
final class Iocp {
    private Iocp() {}

    static {
        // The system DLLs are already mapped in every process; loading them here makes them
        // visible to loaderLookup(), which the bindings' function holders search at class init.
        System.loadLibrary("kernel32");
        System.loadLibrary("ntdll");
        System.loadLibrary("ws2_32");
    }

    private static final MethodHandle CREATE_IO_COMPLETION_PORT = Native.downcall(
            iocp_h.CreateIoCompletionPort$address(), iocp_h.CreateIoCompletionPort$descriptor(), false);
    /** Blocking: never critical. */
    private static final MethodHandle GET_QUEUED_COMPLETION_STATUS_EX = Native.downcall(
            iocp_h.GetQueuedCompletionStatusEx$address(), iocp_h.GetQueuedCompletionStatusEx$descriptor(), false);
    /** The same call for timeout 0, which cannot block. */
    private static final MethodHandle GET_QUEUED_COMPLETION_STATUS_EX_NOW = Native.downcall(
            iocp_h.GetQueuedCompletionStatusEx$address(), iocp_h.GetQueuedCompletionStatusEx$descriptor(), true);
    private static final MethodHandle POST_QUEUED_COMPLETION_STATUS = Native.downcall(
            iocp_h.PostQueuedCompletionStatus$address(), iocp_h.PostQueuedCompletionStatus$descriptor(), true);
    private static final MethodHandle CANCEL_IO_EX = Native.downcall(
            iocp_h.CancelIoEx$address(), iocp_h.CancelIoEx$descriptor(), true);
    private static final MethodHandle CLOSE_HANDLE = Native.downcall(
            iocp_h.CloseHandle$address(), iocp_h.CloseHandle$descriptor(), false);
    private static final MethodHandle SET_FILE_COMPLETION_NOTIFICATION_MODES = Native.downcall(
            iocp_h.SetFileCompletionNotificationModes$address(), iocp_h.SetFileCompletionNotificationModes$descriptor(), true);
    private static final MethodHandle NT_CREATE_FILE = Native.downcall(
            iocp_h.NtCreateFile$address(), iocp_h.NtCreateFile$descriptor(), false);
    /** Asynchronous (the request completes through the port): returns at once. */
    private static final MethodHandle NT_DEVICE_IO_CONTROL_FILE = Native.downcall(
            iocp_h.NtDeviceIoControlFile$address(), iocp_h.NtDeviceIoControlFile$descriptor(), true);
    private static final MethodHandle WSA_IOCTL = Native.downcall(
            iocp_h.WSAIoctl$address(), iocp_h.WSAIoctl$descriptor(), true);
    private static final MethodHandle WSA_STARTUP = Native.downcall(
            iocp_h.WSAStartup$address(), iocp_h.WSAStartup$descriptor(), false);

    static MemorySegment CreateIoCompletionPort(MemorySegment lastError, MemorySegment fileHandle,
            MemorySegment existingPort, long completionKey, int concurrentThreads) {
        try {
            return (MemorySegment) CREATE_IO_COMPLETION_PORT.invokeExact(lastError, fileHandle, existingPort, completionKey, concurrentThreads);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    static int GetQueuedCompletionStatusEx(MemorySegment lastError, MemorySegment port, MemorySegment entries,
            int count, MemorySegment removed, int milliseconds, int alertable) {
        try {
            return milliseconds == 0
                    ? (int) GET_QUEUED_COMPLETION_STATUS_EX_NOW.invokeExact(lastError, port, entries, count, removed, 0, alertable)
                    : (int) GET_QUEUED_COMPLETION_STATUS_EX.invokeExact(lastError, port, entries, count, removed, milliseconds, alertable);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    static int PostQueuedCompletionStatus(MemorySegment lastError, MemorySegment port, int bytes, long key, MemorySegment overlapped) {
        try {
            return (int) POST_QUEUED_COMPLETION_STATUS.invokeExact(lastError, port, bytes, key, overlapped);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    static int CancelIoEx(MemorySegment lastError, MemorySegment file, MemorySegment overlapped) {
        try {
            return (int) CANCEL_IO_EX.invokeExact(lastError, file, overlapped);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    static int CloseHandle(MemorySegment lastError, MemorySegment handle) {
        try {
            return (int) CLOSE_HANDLE.invokeExact(lastError, handle);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    static int SetFileCompletionNotificationModes(MemorySegment lastError, MemorySegment file, byte flags) {
        try {
            return (int) SET_FILE_COMPLETION_NOTIFICATION_MODES.invokeExact(lastError, file, flags);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    static int NtCreateFile(MemorySegment lastError, MemorySegment fileHandle, int desiredAccess,
            MemorySegment objectAttributes, MemorySegment ioStatusBlock, MemorySegment allocationSize,
            int fileAttributes, int shareAccess, int createDisposition, int createOptions,
            MemorySegment eaBuffer, int eaLength) {
        try {
            return (int) NT_CREATE_FILE.invokeExact(lastError, fileHandle, desiredAccess, objectAttributes, ioStatusBlock,
                    allocationSize, fileAttributes, shareAccess, createDisposition, createOptions, eaBuffer, eaLength);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    static int NtDeviceIoControlFile(MemorySegment lastError, MemorySegment file, MemorySegment event,
            MemorySegment apcRoutine, MemorySegment apcContext, MemorySegment ioStatusBlock, int ioControlCode,
            MemorySegment input, int inputLength, MemorySegment output, int outputLength) {
        try {
            return (int) NT_DEVICE_IO_CONTROL_FILE.invokeExact(lastError, file, event, apcRoutine, apcContext,
                    ioStatusBlock, ioControlCode, input, inputLength, output, outputLength);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    static int WSAIoctl(MemorySegment lastError, long socket, int ioControlCode, MemorySegment in, int inLength,
            MemorySegment out, int outLength, MemorySegment bytesReturned, MemorySegment overlapped,
            MemorySegment completionRoutine) {
        try {
            return (int) WSA_IOCTL.invokeExact(lastError, socket, ioControlCode, in, inLength, out, outLength,
                    bytesReturned, overlapped, completionRoutine);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /** Returns the error itself (0 when Winsock is up); {@code data} is room for a WSADATA. */
    static int WSAStartup(MemorySegment lastError, short version, MemorySegment data) {
        try {
            return (int) WSA_STARTUP.invokeExact(lastError, version, data);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }
}
