package dev.rawpoll.net;

import dev.rawpoll.SystemCallException;

/**
 * A write on a connection whose sending side is gone (shut down by this side, or reset by the
 * peer) gave {@code EPIPE}. The message has the usual {@link SystemCallException} form, e.g.
 * {@code send(fd=7): EPIPE (Broken pipe)}.
 */
public class BrokenPipeException extends SystemCallException {
    public BrokenPipeException(String call, int errno, String errnoName, String errnoText) {
        super(call, errno, errnoName, errnoText);
    }
}
