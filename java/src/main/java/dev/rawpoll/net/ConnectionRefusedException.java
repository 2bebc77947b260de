package dev.rawpoll.net;

import dev.rawpoll.SystemCallException;

/**
 * Nothing listened at the address of a connect: the connect (or finishConnect) gave {@code
 * ECONNREFUSED}. The message has the usual {@link SystemCallException} form, e.g. {@code
 * connect(127.0.0.1:1): ECONNREFUSED (Connection refused)}.
 */
public class ConnectionRefusedException extends SystemCallException {
    public ConnectionRefusedException(String call, int errno, String errnoName, String errnoText) {
        super(call, errno, errnoName, errnoText);
    }
}
