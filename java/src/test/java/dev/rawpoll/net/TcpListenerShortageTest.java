package dev.rawpoll.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rawpoll.SystemCallException;
import dev.rawpoll.TestFds;
import java.io.IOException;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * The listener's tools for running out of descriptors, outside the shortage itself (that one is
 * provoked in child JVMs: EchoServerOutOfDescriptorsTest, the bench's CallbackServerOutOfDescriptorsTest).
 */
@EnabledOnOs(value = OS.LINUX, architectures = "amd64", disabledReason = "rawpoll's TCP sockets (dev.rawpoll.net) exist for Linux x86-64 only so far")
class TcpListenerShortageTest extends LoopbackTest {

    @Test
    void resourceShortagesAreTheDescriptorAndMemoryErrnos() {
        for (String name : new String[] {"EMFILE", "ENFILE", "ENOBUFS", "ENOMEM"}) {
            assertTrue(TcpListener.isResourceShortage(new SystemCallException("accept4(fd=3)", 0, name, "")), name);
        }
        for (String name : new String[] {"EBADF", "EINVAL", "ENOTSOCK", "EAGAIN"}) {
            assertFalse(TcpListener.isResourceShortage(new SystemCallException("accept4(fd=3)", 0, name, "")), name);
        }
        assertFalse(TcpListener.isResourceShortage(new IOException("EMFILE")), "only system call errors");
    }

    @Test
    void theReserveDescriptorCostsOneDescriptorUntilCloseAndAcceptWorksAsBefore() throws Exception {
        long before = TestFds.openFdCount();
        try (TcpListener listener = TcpListener.bind(IPV4_ANY_PORT, 4)) {
            long bound = TestFds.openFdCount();
            listener.keepReserveDescriptor();
            assertEquals(bound + 1, TestFds.openFdCount(), "one spare descriptor");
            listener.keepReserveDescriptor();
            assertEquals(bound + 1, TestFds.openFdCount(), "idempotent");

            assertNull(listener.accept());
            assertFalse(listener.isShortOfResources());
            InetSocketAddress address = listener.localAddress();
            try (TcpStream client = TcpStream.connect(address)) {
                TcpStream accepted = null;
                for (int i = 0; i < 1000 && accepted == null; i++) {
                    accepted = listener.accept();
                    Thread.sleep(1);
                }
                assertNotNull(accepted);
                accepted.close();
            }
            assertFalse(listener.isShortOfResources());
        }
        assertEquals(before, TestFds.openFdCount(), "close() closes the reserve too");
    }

    @Test
    void aClosedListenerKeepsNoReserve() throws IOException {
        TcpListener listener = TcpListener.bind(IPV4_ANY_PORT, 4);
        listener.close();
        assertThrows(IllegalStateException.class, listener::keepReserveDescriptor);
    }
}
