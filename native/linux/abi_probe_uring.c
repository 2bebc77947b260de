/*
 * ABI probe for the io_uring backend: compiled from the kernel's own <linux/io_uring.h> (not
 * rawpoll's io_uring.h, which restates the structs for jextract), it prints `name=value` for every
 * struct size, field offset and constant of the bindings. UringAbiProbeTest walks the generated
 * layouts and constants and compares them line by line: a value on one side only fails too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/io_uring.h>
#include <linux/time_types.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#define P(name, value) printf("%s=%lld\n", name, (long long)(value))
#define C(name) P(#name, name)
#define S(type) P("sizeof(struct " #type ")", sizeof(struct type))
#define O(type, field) P("offsetof(struct " #type ", " #field ")", offsetof(struct type, field))

int main(void) {
    S(io_sqring_offsets);
    O(io_sqring_offsets, head); O(io_sqring_offsets, tail); O(io_sqring_offsets, ring_mask);
    O(io_sqring_offsets, ring_entries); O(io_sqring_offsets, flags); O(io_sqring_offsets, dropped);
    O(io_sqring_offsets, array); O(io_sqring_offsets, resv1); O(io_sqring_offsets, resv2);

    S(io_cqring_offsets);
    O(io_cqring_offsets, head); O(io_cqring_offsets, tail); O(io_cqring_offsets, ring_mask);
    O(io_cqring_offsets, ring_entries); O(io_cqring_offsets, overflow); O(io_cqring_offsets, cqes);
    O(io_cqring_offsets, flags); O(io_cqring_offsets, resv1); O(io_cqring_offsets, resv2);

    S(io_uring_params);
    O(io_uring_params, sq_entries); O(io_uring_params, cq_entries); O(io_uring_params, flags);
    O(io_uring_params, sq_thread_cpu); O(io_uring_params, sq_thread_idle); O(io_uring_params, features);
    O(io_uring_params, wq_fd); O(io_uring_params, resv); O(io_uring_params, sq_off); O(io_uring_params, cq_off);

    S(io_uring_sqe);
    O(io_uring_sqe, opcode); O(io_uring_sqe, flags); O(io_uring_sqe, ioprio); O(io_uring_sqe, fd);
    O(io_uring_sqe, off); O(io_uring_sqe, addr); O(io_uring_sqe, len);
    O(io_uring_sqe, rw_flags); O(io_uring_sqe, poll32_events); O(io_uring_sqe, msg_flags); O(io_uring_sqe, accept_flags);
    O(io_uring_sqe, user_data); O(io_uring_sqe, buf_index); O(io_uring_sqe, personality);
    O(io_uring_sqe, splice_fd_in); O(io_uring_sqe, addr3); O(io_uring_sqe, __pad2);

    S(io_uring_cqe);
    O(io_uring_cqe, user_data); O(io_uring_cqe, res); O(io_uring_cqe, flags);

    S(io_uring_getevents_arg);
    O(io_uring_getevents_arg, sigmask); O(io_uring_getevents_arg, sigmask_sz);
    O(io_uring_getevents_arg, pad); O(io_uring_getevents_arg, ts);

    S(__kernel_timespec);
    O(__kernel_timespec, tv_sec); O(__kernel_timespec, tv_nsec);

    S(pollfd);
    O(pollfd, fd); O(pollfd, events); O(pollfd, revents);

    C(SYS_io_uring_setup); C(SYS_io_uring_enter);
    C(IORING_SETUP_CQSIZE); C(IORING_SETUP_CLAMP); C(IORING_SETUP_SUBMIT_ALL); C(IORING_SETUP_COOP_TASKRUN);
    C(IORING_FEAT_SINGLE_MMAP); C(IORING_FEAT_NODROP); C(IORING_FEAT_EXT_ARG);
    C(IORING_OFF_SQ_RING); C(IORING_OFF_CQ_RING); C(IORING_OFF_SQES);
    C(IORING_ENTER_GETEVENTS); C(IORING_ENTER_EXT_ARG);
    C(IORING_SQ_CQ_OVERFLOW); C(IORING_SQ_TASKRUN);
    C(IORING_OP_NOP); C(IORING_OP_POLL_ADD); C(IORING_OP_POLL_REMOVE); C(IORING_OP_READ);
    C(IORING_OP_ACCEPT); C(IORING_OP_ASYNC_CANCEL); C(IORING_OP_CONNECT); C(IORING_OP_SEND); C(IORING_OP_RECV);
    C(SOCK_NONBLOCK); C(SOCK_CLOEXEC); C(MSG_NOSIGNAL);
    C(IORING_POLL_ADD_MULTI); C(IORING_CQE_F_MORE);
    C(POLLIN); C(POLLOUT); C(POLLERR); C(POLLHUP); C(POLLRDHUP); C(POLLPRI);
    C(PROT_READ); C(PROT_WRITE); C(MAP_SHARED); C(MAP_POPULATE);
    C(EINTR); C(ETIME); C(EBUSY); C(ECANCELED); C(EBADF); C(ENOSYS); C(EPERM); C(EINVAL); C(EEXIST); C(ENOENT); C(EACCES); C(EAGAIN); C(ENOTSOCK);
    return 0;
}
