package dev.rawpoll.net;

import dev.rawpoll.SystemCallException;

/**
 * The peer reset the connection (it closed with data unread, or with SO_LINGER 0): a read or
 * write gave {@code ECONNRESET}. The message has the usual {@link SystemCallException} form, e.g.
 * {@code recv(fd=7): ECONNRESET (Connection reset by peer)}.
 */
public class ConnectionResetException extends SystemCallException {
    public ConnectionResetException(String call, int errno, String errnoName, String errnoText) {
        super(call, errno, errnoName, errnoText);
    }
}
