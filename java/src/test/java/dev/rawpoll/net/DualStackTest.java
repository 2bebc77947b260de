package dev.rawpoll.net;

import dev.rawpoll.TestSockets;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rawpoll.Interest;
import dev.rawpoll.SystemCallException;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * IPv4 clients of a listener bound to {@code [::]}: the kernel reports them as {@code
 * ::ffff:127.0.0.1}; rawpoll reports 127.0.0.1, an Inet4Address, exactly as java.nio does
 * (issue 12, input 9).
 */
@EnabledIf(value = TestSockets.AVAILABLE, disabledReason = TestSockets.REASON)
class DualStackTest extends LoopbackTest {
    private static final InetSocketAddress IPV6_WILDCARD = new InetSocketAddress(ipv6Any(), 0);

    private static InetAddress ipv6Any() {
        try {
            return InetAddress.getByName("::");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static TcpListener bindDualStack() throws IOException {
        try {
            return TcpListener.bind(IPV6_WILDCARD, 16);
        } catch (SystemCallException e) {
            Assumptions.abort("no IPv6 on this machine, so dual-stack listeners are NOT tested here: " + e.getMessage());
            throw e;
        }
    }

    @Test
    void anIpv4ClientOfADualStackListenerIsReportedAsIpv4() throws IOException {
        try (TcpListener listener = bindDualStack()) {
            int port = listener.localAddress().getPort();
            assertInstanceOf(Inet6Address.class, listener.localAddress().getAddress(), "the listener itself stays [::]");
            TcpStream client = TcpStream.connect(new InetSocketAddress("127.0.0.1", port));
            try (client) {
                await(listener.handle(), Interest.READABLE);
                TcpStream server = listener.accept();
                Assumptions.assumeTrue(server != null, "the system has net.ipv6.bindv6only=1: [::] is not dual-stack here");
                try (server) {
                    finishConnect(client);
                    InetSocketAddress remote = server.remoteAddress();
                    assertInstanceOf(Inet4Address.class, remote.getAddress(), remote.toString());
                    assertEquals(InetAddress.getByName("127.0.0.1"), remote.getAddress());
                    assertTrue(remote.getAddress().isLoopbackAddress());
                    assertEquals(client.localAddress(), remote, "the server sees the client's own address");
                    InetSocketAddress local = server.localAddress();
                    assertInstanceOf(Inet4Address.class, local.getAddress(), local.toString());
                    assertEquals(new InetSocketAddress("127.0.0.1", port), local);
                    assertEquals("TcpStream[fd=" + server.handle() + ", remote=127.0.0.1:" + remote.getPort() + "]",
                            server.toString());
                }
            }
        }
    }

    @BeforeAll
    static void loadJavaNioOnce() {
        // java.nio opens a descriptor of its own on first use and keeps it: open it before the count.
        try (ServerSocketChannel nio = ServerSocketChannel.open(StandardProtocolFamily.INET6)) {
            nio.bind(IPV6_WILDCARD);
        } catch (UnsupportedOperationException | IOException ignored) {
            // theAddressesAreTheOnesJavaNioReports says so
        }
    }

    @Test
    void theAddressesAreTheOnesJavaNioReports() throws IOException {
        InetSocketAddress nioRemote;
        InetSocketAddress nioLocal;
        try (ServerSocketChannel nio = ServerSocketChannel.open(StandardProtocolFamily.INET6)) {
            nio.bind(IPV6_WILDCARD);
            int port = ((InetSocketAddress) nio.getLocalAddress()).getPort();
            try (SocketChannel client = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
                    SocketChannel accepted = nio.accept()) {
                nioRemote = (InetSocketAddress) accepted.getRemoteAddress();
                nioLocal = (InetSocketAddress) accepted.getLocalAddress();
                assertEquals(client.getLocalAddress(), nioRemote);
            }
        } catch (UnsupportedOperationException | IOException e) {
            Assumptions.abort("no dual-stack IPv6 for java.nio here: " + e);
            return;
        }
        try (TcpListener listener = bindDualStack()) {
            int port = listener.localAddress().getPort();
            try (TcpStream client = TcpStream.connect(new InetSocketAddress("127.0.0.1", port))) {
                await(listener.handle(), Interest.READABLE);
                try (TcpStream server = listener.accept()) {
                    finishConnect(client);
                    assertEquals(nioRemote.getAddress().getClass(), server.remoteAddress().getAddress().getClass());
                    assertEquals(nioRemote.getAddress(), server.remoteAddress().getAddress());
                    assertEquals(nioLocal.getAddress().getClass(), server.localAddress().getAddress().getClass());
                    assertEquals(nioLocal.getAddress(), server.localAddress().getAddress());
                }
            }
        }
    }

    @Test
    void anIpv6ClientOfADualStackListenerStaysIpv6() throws IOException {
        try (TcpListener listener = bindDualStack()) {
            int port = listener.localAddress().getPort();
            try (TcpStream client = TcpStream.connect(new InetSocketAddress(InetAddress.getByName("::1"), port))) {
                await(listener.handle(), Interest.READABLE);
                try (TcpStream server = listener.accept()) {
                    finishConnect(client);
                    assertInstanceOf(Inet6Address.class, server.remoteAddress().getAddress());
                    assertEquals(InetAddress.getByName("::1"), server.remoteAddress().getAddress());
                    assertInstanceOf(Inet6Address.class, server.localAddress().getAddress());
                }
            } catch (SystemCallException e) {
                Assumptions.abort("no IPv6 loopback here: " + e.getMessage());
            }
        }
    }
}
