/*
 * The Windows calls and types rawpoll's IOCP backend uses, written out with fixed-width types
 * (and `long long` for 64 bits) and without <windows.h>, so that jextract run on Linux produces
 * the Windows x64 (LLP64) layouts: there `long` is 32 bits, so DWORD/ULONG are uint32_t,
 * ULONG_PTR/SOCKET are unsigned long long, HANDLE is a pointer, NTSTATUS and BOOL are int32_t. iocp.jextract lists what is extracted;
 * afd_reference.c compiles this header with mingw-w64 and prints every size, offset and constant,
 * and abi_probe_windows.c prints the same names from mingw-w64's own headers where they exist.
 *
 * The AFD structures are not in the public SDK; their layout is the one the AFD driver reads for
 * IOCTL_AFD_POLL (the same one wepoll, mio and the JDK's WEPoll use).
 */
#ifndef RAWPOLL_IOCP_H
#define RAWPOLL_IOCP_H

#include <stdint.h>

/* 64-bit integers are spelled `long long`, never uint64_t: on Linux uint64_t is `unsigned long`,
 * which jextract turns into the C `long` layout, and the FFM linker makes that 32 bits on Windows.
 * `long long` is 64 bits on both. */
typedef unsigned long long ULONG_PTR;  /* also SOCKET */
typedef long long LONGLONG;

/* ---- structures ---- */

/* kernel32 OVERLAPPED: 32 bytes. The union of Offset/OffsetHigh with a pointer is kept as the two
 * 32-bit halves; rawpoll never uses them. */
typedef struct OVERLAPPED {
    ULONG_PTR Internal;     /* the NTSTATUS of the completed request */
    ULONG_PTR InternalHigh; /* bytes transferred */
    uint32_t Offset;
    uint32_t OffsetHigh;
    void *hEvent;
} OVERLAPPED;

/* One completion dequeued by GetQueuedCompletionStatusEx: 32 bytes. */
typedef struct OVERLAPPED_ENTRY {
    ULONG_PTR lpCompletionKey;      /* the key given when the handle was associated with the port */
    OVERLAPPED *lpOverlapped;      /* for NtDeviceIoControlFile: its ApcContext argument */
    ULONG_PTR Internal;             /* the request's NTSTATUS */
    uint32_t dwNumberOfBytesTransferred;
} OVERLAPPED_ENTRY;

/* ntdll IO_STATUS_BLOCK: 16 bytes. */
typedef struct IO_STATUS_BLOCK {
    union {
        int32_t Status;            /* NTSTATUS */
        void *Pointer;
    };
    ULONG_PTR Information;
} IO_STATUS_BLOCK;

/* ntdll UNICODE_STRING: 16 bytes (Length and MaximumLength in bytes, not characters). */
typedef struct UNICODE_STRING {
    uint16_t Length;
    uint16_t MaximumLength;
    uint16_t *Buffer;              /* PWSTR: UTF-16 */
} UNICODE_STRING;

/* ntdll OBJECT_ATTRIBUTES: 48 bytes. */
typedef struct OBJECT_ATTRIBUTES {
    uint32_t Length;               /* sizeof(OBJECT_ATTRIBUTES) */
    void *RootDirectory;
    UNICODE_STRING *ObjectName;
    uint32_t Attributes;
    void *SecurityDescriptor;
    void *SecurityQualityOfService;
} OBJECT_ATTRIBUTES;

/* One socket of an AFD poll: 16 bytes. Events is what to watch on input, what happened on output. */
typedef struct AFD_POLL_HANDLE_INFO {
    void *Handle;                  /* the base socket (SIO_BASE_HANDLE) */
    uint32_t Events;               /* AFD_POLL_* bits */
    int32_t Status;                /* NTSTATUS */
} AFD_POLL_HANDLE_INFO;

/* The input and output of IOCTL_AFD_POLL, here for one socket: 32 bytes. */
typedef struct AFD_POLL_INFO {
    LONGLONG Timeout;               /* LARGE_INTEGER, 100 ns units; INT64_MAX: no timeout */
    uint32_t NumberOfHandles;
    uint32_t Exclusive;            /* BOOLEAN widened by the driver's layout: 0 */
    AFD_POLL_HANDLE_INFO Handles[1];
} AFD_POLL_INFO;

/* ---- AFD poll events ---- */
#define AFD_POLL_RECEIVE           0x0001
#define AFD_POLL_RECEIVE_EXPEDITED 0x0002
#define AFD_POLL_SEND              0x0004
#define AFD_POLL_DISCONNECT        0x0008
#define AFD_POLL_ABORT             0x0010
#define AFD_POLL_LOCAL_CLOSE       0x0020
#define AFD_POLL_ACCEPT            0x0080
#define AFD_POLL_CONNECT_FAIL      0x0100

#define IOCTL_AFD_POLL             0x00012024

/* ---- Winsock ---- */
#define SIO_BASE_HANDLE            0x48000022
#define SOCKET_ERROR               (-1)

/* ---- NtCreateFile of \Device\Afd ---- */
#define SYNCHRONIZE                0x00100000
#define FILE_SHARE_READ            0x00000001
#define FILE_SHARE_WRITE           0x00000002
#define FILE_OPEN                  0x00000001
#define FILE_SKIP_SET_EVENT_ON_HANDLE 0x2

/* ---- waits ---- */
#define INFINITE                   0xFFFFFFFF

/* ---- NTSTATUS values (int32_t) ---- */
#define STATUS_SUCCESS             ((int32_t)0x00000000)
#define STATUS_PENDING             ((int32_t)0x00000103)
#define STATUS_CANCELLED           ((int32_t)0xC0000120)
#define STATUS_NOT_FOUND           ((int32_t)0xC0000225)
#define STATUS_INVALID_HANDLE      ((int32_t)0xC0000008)
#define STATUS_OBJECT_NAME_NOT_FOUND ((int32_t)0xC0000034)
#define STATUS_OBJECT_TYPE_MISMATCH ((int32_t)0xC0000024)

/* ---- GetLastError / WSAGetLastError values ---- */
#define ERROR_INVALID_HANDLE       6
#define ERROR_NOT_ENOUGH_MEMORY    8
#define ERROR_ALREADY_EXISTS       183
#define ERROR_INVALID_PARAMETER    87
#define WAIT_TIMEOUT               258
#define ERROR_OPERATION_ABORTED    995
#define ERROR_IO_PENDING           997
#define ERROR_NOT_FOUND            1168
#define ERROR_ABANDONED_WAIT_0     735
#define WSAENOTSOCK                10038
#define WSANOTINITIALISED          10093

/* WSAStartup's WSADATA is 408 bytes on Windows x64; rawpoll passes this much room and never reads it. */
#define WSADATA_ROOM               512

/* ---- kernel32 ---- */
void *CreateIoCompletionPort(void *FileHandle, void *ExistingCompletionPort,
                             ULONG_PTR CompletionKey, uint32_t NumberOfConcurrentThreads);
int32_t GetQueuedCompletionStatusEx(void *CompletionPort, OVERLAPPED_ENTRY *lpCompletionPortEntries,
                                    uint32_t ulCount, uint32_t *ulNumEntriesRemoved,
                                    uint32_t dwMilliseconds, int32_t fAlertable);
int32_t PostQueuedCompletionStatus(void *CompletionPort, uint32_t dwNumberOfBytesTransferred,
                                   ULONG_PTR dwCompletionKey, OVERLAPPED *lpOverlapped);
/* For a request made with NtDeviceIoControlFile, lpOverlapped is its IO_STATUS_BLOCK. */
int32_t CancelIoEx(void *hFile, OVERLAPPED *lpOverlapped);
int32_t CloseHandle(void *hObject);
int32_t SetFileCompletionNotificationModes(void *FileHandle, uint8_t Flags);

/* ---- ntdll ---- */
int32_t NtCreateFile(void **FileHandle, uint32_t DesiredAccess, OBJECT_ATTRIBUTES *ObjectAttributes,
                     IO_STATUS_BLOCK *IoStatusBlock, LONGLONG *AllocationSize, uint32_t FileAttributes,
                     uint32_t ShareAccess, uint32_t CreateDisposition, uint32_t CreateOptions,
                     void *EaBuffer, uint32_t EaLength);
int32_t NtDeviceIoControlFile(void *FileHandle, void *Event, void *ApcRoutine, void *ApcContext,
                              IO_STATUS_BLOCK *IoStatusBlock, uint32_t IoControlCode,
                              void *InputBuffer, uint32_t InputBufferLength,
                              void *OutputBuffer, uint32_t OutputBufferLength);
uint32_t RtlNtStatusToDosError(int32_t Status);

/* ---- ws2_32 (a SOCKET is a ULONG_PTR) ---- */
/* Returns the error itself (0 on success); lpWSAData is a WSADATA, see WSADATA_ROOM. */
int32_t WSAStartup(uint16_t wVersionRequested, void *lpWSAData);
int32_t WSAIoctl(ULONG_PTR s, uint32_t dwIoControlCode, void *lpvInBuffer, uint32_t cbInBuffer,
                 void *lpvOutBuffer, uint32_t cbOutBuffer, uint32_t *lpcbBytesReturned,
                 void *lpOverlapped, void *lpCompletionRoutine);

#endif
