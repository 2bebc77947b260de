/*
 * The Linux calls, types and constants of rawpoll's TCP sockets (dev.rawpoll.net): fed to
 * jextract (socket.jextract lists exactly what is extracted) and compiled into the ABI probe, so
 * both see the same headers.
 */
#ifndef RAWPOLL_SOCKET_H
#define RAWPOLL_SOCKET_H

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

/*
 * <sys/socket.h> declares accept4 only under _GNU_SOURCE, and _GNU_SOURCE also turns every
 * `struct sockaddr *` parameter into a transparent union (__SOCKADDR_ARG) that jextract would
 * pass as a union by value. So no _GNU_SOURCE here, and accept4 as accept(2) documents it.
 */
#ifndef __USE_GNU
extern int accept4(int sockfd, struct sockaddr *addr, socklen_t *addrlen, int flags);
#endif

#endif
