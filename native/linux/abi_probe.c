/*
 * ABI probe for the epoll backend: compiled from the real system headers, it prints
 * `name=value` for every struct size, field offset and constant the Java side uses.
 * AbiProbeTest runs it and compares each line with what the Java side was built with.
 */
#include <stddef.h>
#include <stdio.h>
#include "epoll.h"

#define P(name, value) printf("%s=%lld\n", name, (long long)(value))
#define C(name) P(#name, name)

int main(void) {
    P("sizeof(struct epoll_event)", sizeof(struct epoll_event));
    P("offsetof(struct epoll_event, events)", offsetof(struct epoll_event, events));
    P("offsetof(struct epoll_event, data)", offsetof(struct epoll_event, data));
    P("sizeof(epoll_data_t)", sizeof(epoll_data_t));
    C(EPOLL_CTL_ADD); C(EPOLL_CTL_MOD); C(EPOLL_CTL_DEL); C(EPOLL_CLOEXEC);
    C(EPOLLIN); C(EPOLLOUT); C(EPOLLRDHUP); C(EPOLLHUP); C(EPOLLERR); C(EPOLLPRI); C(EPOLLET); C(EPOLLONESHOT);
    C(EFD_CLOEXEC); C(EFD_NONBLOCK);
    C(EINTR); C(EAGAIN); C(EBADF); C(EEXIST); C(ENOENT); C(EPERM); C(EINVAL);
    return 0;
}
