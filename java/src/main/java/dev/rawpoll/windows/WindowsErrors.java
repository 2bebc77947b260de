package dev.rawpoll.windows;

import dev.rawpoll.SystemCallException;

/**
 * {@link SystemCallException}s with the symbolic names of the GetLastError codes and NTSTATUS
 * values the IOCP backend can meet; any other value is reported by number.
 */
final class WindowsErrors {
    private WindowsErrors() {}

    /** {@code call: ERROR_INVALID_HANDLE (The handle is invalid.)} for a GetLastError code. */
    static SystemCallException lastError(String call, int code) {
        String name;
        String text;
        if (code == Afd.ERROR_INVALID_HANDLE) {
            name = "ERROR_INVALID_HANDLE"; text = "The handle is invalid.";
        } else if (code == Afd.ERROR_NOT_ENOUGH_MEMORY) {
            name = "ERROR_NOT_ENOUGH_MEMORY"; text = "Not enough memory resources are available to process this command.";
        } else if (code == Afd.ERROR_ALREADY_EXISTS) {
            name = "ERROR_ALREADY_EXISTS"; text = "Cannot create a file when that file already exists.";
        } else if (code == Afd.ERROR_INVALID_PARAMETER) {
            name = "ERROR_INVALID_PARAMETER"; text = "The parameter is incorrect.";
        } else if (code == Afd.WAIT_TIMEOUT) {
            name = "WAIT_TIMEOUT"; text = "The wait operation timed out.";
        } else if (code == Afd.ERROR_OPERATION_ABORTED) {
            name = "ERROR_OPERATION_ABORTED"; text = "The I/O operation has been aborted.";
        } else if (code == Afd.ERROR_IO_PENDING) {
            name = "ERROR_IO_PENDING"; text = "Overlapped I/O operation is in progress.";
        } else if (code == Afd.ERROR_NOT_FOUND) {
            name = "ERROR_NOT_FOUND"; text = "Element not found.";
        } else if (code == Afd.ERROR_ABANDONED_WAIT_0) {
            name = "ERROR_ABANDONED_WAIT_0"; text = "The completion port was closed during the wait.";
        } else if (code == Afd.WSAENOTSOCK) {
            name = "WSAENOTSOCK"; text = "An operation was attempted on something that is not a socket.";
        } else if (code == Afd.WSANOTINITIALISED) {
            name = "WSANOTINITIALISED"; text = "Either the application has not called WSAStartup, or WSAStartup failed.";
        } else {
            name = "error " + code; text = "unknown error";
        }
        return new SystemCallException(call, code, name, text);
    }

    /** {@code call: STATUS_INVALID_HANDLE (0xC0000008)} for an NTSTATUS. */
    static SystemCallException ntStatus(String call, int status) {
        String name;
        if (status == Afd.STATUS_INVALID_HANDLE) {
            name = "STATUS_INVALID_HANDLE";
        } else if (status == Afd.STATUS_CANCELLED) {
            name = "STATUS_CANCELLED";
        } else if (status == Afd.STATUS_NOT_FOUND) {
            name = "STATUS_NOT_FOUND";
        } else if (status == Afd.STATUS_OBJECT_NAME_NOT_FOUND) {
            name = "STATUS_OBJECT_NAME_NOT_FOUND";
        } else if (status == Afd.STATUS_OBJECT_TYPE_MISMATCH) {
            name = "STATUS_OBJECT_TYPE_MISMATCH";
        } else {
            name = "NTSTATUS " + hex(status);
        }
        return new SystemCallException(call, status, name, hex(status));
    }

    static String hex(int status) {
        return String.format("0x%08X", status);
    }
}
