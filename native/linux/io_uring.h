/*
 * The io_uring types, constants and calls rawpoll's io_uring backend uses, fed to jextract
 * (io_uring.jextract lists exactly what is extracted).
 *
 * The structs are the kernel's (<linux/io_uring.h>), written again with <stdint.h> types and only
 * the union members the backend sets, because the kernel header's __u64 & co. and its many nested
 * unions are not what jextract should see. abi_probe_uring.c is compiled from the real
 * <linux/io_uring.h> and prints every size, offset and constant, which UringAbiProbeTest compares
 * with these bindings: a field at a wrong offset fails the build.
 *
 * glibc has no wrappers for io_uring_setup(2) and io_uring_enter(2): they are made through
 * syscall(2) with the numbers from <sys/syscall.h>.
 */
#ifndef RAWPOLL_IO_URING_H
#define RAWPOLL_IO_URING_H

#define _GNU_SOURCE /* POLLRDHUP */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Where the kernel placed each field of the submission queue ring, relative to its mmap. */
struct io_sqring_offsets {
    uint32_t head;
    uint32_t tail;
    uint32_t ring_mask;
    uint32_t ring_entries;
    uint32_t flags;
    uint32_t dropped;
    uint32_t array;
    uint32_t resv1;
    uint64_t resv2;
};

/* The same for the completion queue ring. */
struct io_cqring_offsets {
    uint32_t head;
    uint32_t tail;
    uint32_t ring_mask;
    uint32_t ring_entries;
    uint32_t overflow;
    uint32_t cqes;
    uint32_t flags;
    uint32_t resv1;
    uint64_t resv2;
};

/* In: flags and sizes asked for; out: sizes granted, features, ring offsets. */
struct io_uring_params {
    uint32_t sq_entries;
    uint32_t cq_entries;
    uint32_t flags;
    uint32_t sq_thread_cpu;
    uint32_t sq_thread_idle;
    uint32_t features;
    uint32_t wq_fd;
    uint32_t resv[3];
    struct io_sqring_offsets sq_off;
    struct io_cqring_offsets cq_off;
};

/* A submission queue entry (64 bytes): one request. */
struct io_uring_sqe {
    uint8_t opcode;
    uint8_t flags;
    uint16_t ioprio;
    int32_t fd;
    uint64_t off;             /* file offset; the kernel's union with addr2 (ACCEPT: socklen_t *; CONNECT: socklen) */
    uint64_t addr;            /* buffer; for POLL_REMOVE the user_data of the poll to remove */
    uint32_t len;             /* buffer length; for POLL_ADD the multishot/update flags */
    union {
        uint32_t rw_flags;
        uint32_t poll32_events;
        uint32_t msg_flags;
        uint32_t accept_flags;
    };
    uint64_t user_data;       /* comes back in the completion */
    uint16_t buf_index;
    uint16_t personality;
    int32_t splice_fd_in;
    uint64_t addr3;
    uint64_t __pad2[1];
};

/* A completion queue entry (16 bytes). */
struct io_uring_cqe {
    uint64_t user_data;
    int32_t res;              /* the result, or -errno */
    uint32_t flags;           /* IORING_CQE_F_* */
};

/* The IORING_ENTER_EXT_ARG argument of io_uring_enter: a timeout without a timeout SQE. */
struct io_uring_getevents_arg {
    uint64_t sigmask;
    uint32_t sigmask_sz;
    uint32_t pad;
    uint64_t ts;              /* struct __kernel_timespec *, relative */
};

/* struct __kernel_timespec: 64-bit seconds and nanoseconds on every architecture. */
struct __kernel_timespec {
    int64_t tv_sec;
    int64_t tv_nsec;
};

/* io_uring_setup flags */
#define IORING_SETUP_CQSIZE      (1U << 3)
#define IORING_SETUP_CLAMP       (1U << 4)
#define IORING_SETUP_SUBMIT_ALL  (1U << 7)
#define IORING_SETUP_COOP_TASKRUN (1U << 8)

/* io_uring_params.features */
#define IORING_FEAT_SINGLE_MMAP  (1U << 0)
#define IORING_FEAT_NODROP       (1U << 1)
#define IORING_FEAT_EXT_ARG      (1U << 8)

/* mmap offsets of the rings and the SQE array */
#define IORING_OFF_SQ_RING       0ULL
#define IORING_OFF_CQ_RING       0x8000000ULL
#define IORING_OFF_SQES          0x10000000ULL

/* io_uring_enter flags */
#define IORING_ENTER_GETEVENTS   (1U << 0)
#define IORING_ENTER_EXT_ARG     (1U << 3)

/* sq ring flags */
#define IORING_SQ_CQ_OVERFLOW    (1U << 1)
#define IORING_SQ_TASKRUN        (1U << 2)

/* opcodes (the kernel's enum io_uring_op, by value) */
#define IORING_OP_NOP            0
#define IORING_OP_POLL_ADD       6
#define IORING_OP_POLL_REMOVE    7
#define IORING_OP_ACCEPT         13
#define IORING_OP_ASYNC_CANCEL   14
#define IORING_OP_CONNECT        16
#define IORING_OP_READ           22
#define IORING_OP_SEND           26
#define IORING_OP_RECV           27

/* POLL_ADD flags, in sqe->len */
#define IORING_POLL_ADD_MULTI    (1U << 0)

/* cqe->flags */
#define IORING_CQE_F_MORE        (1U << 1)

#endif
