/*
 * ABI probe for the IOCP backend from mingw-w64's own Windows headers (not iocp.h): prints, under
 * the same names as afd_reference.c, every size, offset and constant iocp.h declares that the SDK
 * also has. IocpReferenceTest checks each line against the Java bindings, so iocp.h's hand-written
 * fixed-width declarations are held to the real headers. (The AFD structures and AFD_POLL_* bits
 * are not in the SDK: afd_reference.c shows them working against the driver instead.)
 */
#define WIN32_LEAN_AND_MEAN
#define WIN32_NO_STATUS /* the NTSTATUS values come from ntstatus.h, complete, below */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <winsock2.h>
#include <mswsock.h>
#include <windows.h>
#include <winternl.h>
#undef WIN32_NO_STATUS
#include <ntstatus.h>

#define P(name, value) printf("%s=%lld\n", name, (long long)(value))
#define C(name) P(#name, name)
#define SIZE(type) P("sizeof(" #type ")", sizeof(type))
#define OFF(type, field) P("offsetof(" #type ", " #field ")", offsetof(type, field))

#ifndef FILE_OPEN
#define FILE_OPEN 0x00000001 /* ntifs.h, not in user-mode headers */
#endif

int main(void) {
    SIZE(OVERLAPPED);
    OFF(OVERLAPPED, Internal); OFF(OVERLAPPED, InternalHigh); OFF(OVERLAPPED, hEvent);
    SIZE(OVERLAPPED_ENTRY);
    OFF(OVERLAPPED_ENTRY, lpCompletionKey); OFF(OVERLAPPED_ENTRY, lpOverlapped);
    OFF(OVERLAPPED_ENTRY, Internal); OFF(OVERLAPPED_ENTRY, dwNumberOfBytesTransferred);
    SIZE(IO_STATUS_BLOCK);
    OFF(IO_STATUS_BLOCK, Status); OFF(IO_STATUS_BLOCK, Information);
    SIZE(UNICODE_STRING);
    OFF(UNICODE_STRING, Length); OFF(UNICODE_STRING, MaximumLength); OFF(UNICODE_STRING, Buffer);
    SIZE(OBJECT_ATTRIBUTES);
    OFF(OBJECT_ATTRIBUTES, Length); OFF(OBJECT_ATTRIBUTES, RootDirectory);
    OFF(OBJECT_ATTRIBUTES, ObjectName); OFF(OBJECT_ATTRIBUTES, Attributes);
    OFF(OBJECT_ATTRIBUTES, SecurityDescriptor); OFF(OBJECT_ATTRIBUTES, SecurityQualityOfService);
    C(SIO_BASE_HANDLE); C(SOCKET_ERROR);
    C(SYNCHRONIZE); C(FILE_SHARE_READ); C(FILE_SHARE_WRITE); C(FILE_OPEN); C(FILE_SKIP_SET_EVENT_ON_HANDLE);
    P("INFINITE", (int32_t)INFINITE);
    C(STATUS_SUCCESS); C(STATUS_PENDING); C(STATUS_CANCELLED); C(STATUS_NOT_FOUND);
    C(STATUS_INVALID_HANDLE); C(STATUS_OBJECT_NAME_NOT_FOUND); C(STATUS_OBJECT_TYPE_MISMATCH);
    C(ERROR_INVALID_HANDLE); C(ERROR_NOT_ENOUGH_MEMORY); C(ERROR_ALREADY_EXISTS); C(ERROR_INVALID_PARAMETER); C(WAIT_TIMEOUT);
    C(ERROR_OPERATION_ABORTED); C(ERROR_IO_PENDING); C(ERROR_NOT_FOUND); C(ERROR_ABANDONED_WAIT_0);
    C(WSAENOTSOCK); C(WSANOTINITIALISED);
    /* WSAStartup's WSADATA must fit in the room the backend passes (iocp.h's WSADATA_ROOM). */
    if (sizeof(WSADATA) > 512) { printf("WSADATA is %u bytes, more than WSADATA_ROOM\n", (unsigned)sizeof(WSADATA)); return 1; }
    return 0;
}
