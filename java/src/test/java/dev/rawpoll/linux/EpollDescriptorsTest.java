package dev.rawpoll.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rawpoll.linux.bindings.epoll_h;
import org.junit.jupiter.api.Test;

/**
 * {@code Epoll} links its calls with descriptors written from the bindings' C types, so that a cold
 * {@code Poller.open()} links each call once (a jextract function holder links a handle of its own
 * when first touched). Each must be exactly the descriptor jextract generated from the header.
 */
class EpollDescriptorsTest {
    @Test
    void handWrittenDescriptorsAreTheGeneratedOnes() {
        assertEquals(epoll_h.epoll_create1$descriptor(), Epoll.EPOLL_CREATE1_DESC);
        assertEquals(epoll_h.epoll_ctl$descriptor(), Epoll.EPOLL_CTL_DESC);
        assertEquals(epoll_h.epoll_wait$descriptor(), Epoll.EPOLL_WAIT_DESC);
        assertEquals(epoll_h.eventfd$descriptor(), Epoll.EVENTFD_DESC);
        assertEquals(epoll_h.read$descriptor(), Epoll.READ_DESC);
        assertEquals(epoll_h.write$descriptor(), Epoll.WRITE_DESC);
        assertEquals(epoll_h.close$descriptor(), Epoll.CLOSE_DESC);
    }
}
