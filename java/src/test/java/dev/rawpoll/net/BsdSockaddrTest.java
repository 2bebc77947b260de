package dev.rawpoll.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rawpoll.bsd.BsdSockets;
import dev.rawpoll.internal.SocketAbi;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * The socket addresses dev.rawpoll.net writes and reads on macOS and FreeBSD, byte for byte, run
 * here with their tables (no BSD needed: this is the encoding, not a system call). The expected
 * bytes are the BSD structs: a length byte, a one-byte family, the port and address in network
 * order (xnu bsd/netinet/in.h:385, bsd/netinet6/in6.h:181).
 */
class BsdSockaddrTest {

    private static byte[] written(InetSocketAddress address, SocketAbi abi, int[] length) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment storage = arena.allocate(abi.SIZEOF_SOCKADDR_STORAGE, abi.ALIGNOF_SOCKADDR_STORAGE);
            length[0] = SocketAddresses.write(address, storage, abi);
            assertEquals(address, SocketAddresses.read(storage, abi), "read back");
            return storage.asSlice(0, length[0]).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    @Test
    void ipv4HasTheLengthByteAndAOneByteFamily() throws Exception {
        InetSocketAddress a = new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0x1F90);
        for (SocketAbi abi : new SocketAbi[] {BsdSockets.MACOS.abi(), BsdSockets.FREEBSD.abi()}) {
            int[] length = new int[1];
            byte[] bytes = written(a, abi, length);
            assertEquals(16, length[0]);
            assertArrayEquals(new byte[] {16, 2, 0x1F, (byte) 0x90, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}, bytes);
        }
    }

    @Test
    void ipv6FamilyIs30OnMacosAnd28OnFreebsd() throws Exception {
        byte[] loopback = new byte[16];
        loopback[15] = 1;
        InetSocketAddress a = new InetSocketAddress(InetAddress.getByAddress(loopback), 443);
        int[] length = new int[1];
        byte[] mac = written(a, BsdSockets.MACOS.abi(), length);
        assertEquals(28, length[0]);
        byte[] freebsd = written(a, BsdSockets.FREEBSD.abi(), length);
        assertEquals(28, length[0]);
        assertArrayEquals(new byte[] {28, 30, 0x01, (byte) 0xBB, 0, 0, 0, 0}, Arrays.copyOf(mac, 8));
        assertArrayEquals(new byte[] {28, 28, 0x01, (byte) 0xBB, 0, 0, 0, 0}, Arrays.copyOf(freebsd, 8));
        assertArrayEquals(loopback, Arrays.copyOfRange(mac, 8, 24));
        assertArrayEquals(new byte[] {0, 0, 0, 0}, Arrays.copyOfRange(mac, 24, 28), "scope id 0");
    }

    /** Linux, for contrast and as the control: no length byte, a two-byte family in host order. */
    @Test
    @EnabledOnOs(value = OS.LINUX, architectures = "amd64", disabledReason = "the Linux table is read from the x86-64 Linux bindings")
    void linuxHasATwoByteFamilyAndNoLength() throws Exception {
        InetSocketAddress a = new InetSocketAddress(InetAddress.getByAddress(new byte[] {10, 1, 2, 3}), 80);
        int[] length = new int[1];
        byte[] bytes = written(a, dev.rawpoll.linux.LinuxSockets.INSTANCE.abi(), length);
        assertArrayEquals(new byte[] {2, 0, 0, 80, 10, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0}, bytes);
    }
}
