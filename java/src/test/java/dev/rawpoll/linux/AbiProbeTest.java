package dev.rawpoll.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rawpoll.AbiProbes;
import dev.rawpoll.linux.bindings.epoll_data;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * Runs native/linux/abi_probe.c, compiled by CMake from the real system headers, and compares every
 * size, offset and constant it prints with what the epoll backend uses. Fails on any difference,
 * and on a value printed by one side only.
 */
@EnabledOnOs(OS.LINUX) // epoll and the Linux headers
class AbiProbeTest {

    /** What the Java side was built with: the values {@link Epoll} uses, by the probe's names. */
    static Map<String, Long> javaSide() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("sizeof(struct epoll_event)", Epoll.SIZEOF_EPOLL_EVENT);
        m.put("offsetof(struct epoll_event, events)", Epoll.OFFSETOF_EVENTS);
        m.put("offsetof(struct epoll_event, data)", Epoll.OFFSETOF_DATA);
        m.put("sizeof(epoll_data_t)", epoll_data.layout().byteSize());
        m.put("EPOLL_CTL_ADD", u(Epoll.EPOLL_CTL_ADD));
        m.put("EPOLL_CTL_MOD", u(Epoll.EPOLL_CTL_MOD));
        m.put("EPOLL_CTL_DEL", u(Epoll.EPOLL_CTL_DEL));
        m.put("EPOLL_CLOEXEC", u(Epoll.EPOLL_CLOEXEC));
        m.put("EPOLLIN", u(Epoll.EPOLLIN));
        m.put("EPOLLOUT", u(Epoll.EPOLLOUT));
        m.put("EPOLLRDHUP", u(Epoll.EPOLLRDHUP));
        m.put("EPOLLPRI", u(Epoll.EPOLLPRI));
        m.put("EPOLLHUP", u(Epoll.EPOLLHUP));
        m.put("EPOLLERR", u(Epoll.EPOLLERR));
        m.put("EPOLLET", u(Epoll.EPOLLET));
        m.put("EPOLLONESHOT", u(Epoll.EPOLLONESHOT));
        m.put("EFD_CLOEXEC", u(Epoll.EFD_CLOEXEC));
        m.put("EFD_NONBLOCK", u(Epoll.EFD_NONBLOCK));
        m.put("EINTR", u(Epoll.EINTR));
        m.put("EAGAIN", u(Epoll.EAGAIN));
        m.put("EBADF", u(dev.rawpoll.linux.bindings.epoll_h.EBADF()));
        m.put("EEXIST", u(dev.rawpoll.linux.bindings.epoll_h.EEXIST()));
        m.put("ENOENT", u(dev.rawpoll.linux.bindings.epoll_h.ENOENT()));
        m.put("EPERM", u(dev.rawpoll.linux.bindings.epoll_h.EPERM()));
        m.put("EINVAL", u(dev.rawpoll.linux.bindings.epoll_h.EINVAL()));
        return m;
    }

    /** C prints constants as non-negative numbers (EPOLLET is 1u << 31). */
    private static long u(int value) {
        return Integer.toUnsignedLong(value);
    }

    static Map<String, Long> probe(String name) throws IOException, InterruptedException {
        return AbiProbes.run(name, "the Maven build runs CMake before the tests");
    }

    @Test
    void javaLayoutsAndConstantsMatchTheSystemHeaders() throws Exception {
        assertEquals(new TreeMap<>(javaSide()), probe("abi_probe_linux"));
    }

    @Test
    void epollEventIsPackedOnlyOnX86_64() {
        long expected = System.getProperty("os.arch").equals("amd64") ? 12 : 16;
        assertEquals(expected, Epoll.SIZEOF_EPOLL_EVENT, "struct epoll_event size on " + System.getProperty("os.arch"));
    }
}
