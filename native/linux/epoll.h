/*
 * The Linux calls and types rawpoll's epoll backend uses: fed to jextract (epoll.jextract lists
 * exactly what is extracted) and compiled into the ABI probe, so both see the same headers.
 */
#ifndef RAWPOLL_EPOLL_H
#define RAWPOLL_EPOLL_H

#include <errno.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#endif
