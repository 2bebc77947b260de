package dev.rawpoll.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rawpoll.WinePrograms;
import dev.rawpoll.internal.SocketAbi;
import dev.rawpoll.windows.WinsockAbi;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The socket addresses dev.rawpoll.net writes and reads on Windows, with the Windows table, run
 * on any OS (the encoding, not a system call): no length byte, a two-byte little-endian family
 * (AF_INET 2, AF_INET6 23), then the port and address in network order; and byte for byte what
 * Winsock's getsockname wrote for a listener under Wine ({@code winsock_reference.exe}).
 */
class WinsockSockaddrTest {
    private static final SocketAbi WINDOWS = new SocketAbi(WinsockAbi.table());

    private static byte[] written(InetSocketAddress address) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment storage = arena.allocate(WINDOWS.SIZEOF_SOCKADDR_STORAGE, WINDOWS.ALIGNOF_SOCKADDR_STORAGE);
            int length = SocketAddresses.write(address, storage, WINDOWS);
            assertEquals(address, SocketAddresses.read(storage, WINDOWS), "read back");
            return storage.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    @Test
    void ipv4IsSixteenBytesWithATwoByteFamily() throws Exception {
        InetSocketAddress a = new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0x1F90);
        assertArrayEquals(new byte[] {2, 0, 0x1F, (byte) 0x90, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}, written(a));
    }

    @Test
    void ipv6IsTwentyEightBytesWithFamily23() throws Exception {
        byte[] ip = new byte[16];
        ip[15] = 1;
        byte[] bytes = written(new InetSocketAddress(InetAddress.getByAddress(ip), 443));
        assertEquals(28, bytes.length);
        assertEquals(23, bytes[0]);
        assertEquals(0, bytes[1]);
        assertEquals(1, bytes[2]);
        assertEquals((byte) 0xBB, bytes[3]);
        assertEquals(1, bytes[8 + 15]);
    }

    @Test
    void whatWinsockWroteForAListenerReadsAsItsAddress() throws Exception {
        String why = WinePrograms.whyNot("winsock_reference.exe").orElse(null);
        Assumptions.assumeTrue(why == null, why);
        Map<String, Long> out = WinePrograms.output("winsock_reference.exe");
        int length = out.get("listener.length").intValue();
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = out.get("listener.sockaddr." + i).byteValue();
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment storage = arena.allocate(WINDOWS.SIZEOF_SOCKADDR_STORAGE, WINDOWS.ALIGNOF_SOCKADDR_STORAGE);
            MemorySegment.copy(bytes, 0, storage, ValueLayout.JAVA_BYTE, 0, length);
            InetSocketAddress read = SocketAddresses.read(storage, WINDOWS);
            assertEquals(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), read.getAddress());
            assertArrayEquals(bytes, written(read), "written back, byte for byte");
        }
    }
}
