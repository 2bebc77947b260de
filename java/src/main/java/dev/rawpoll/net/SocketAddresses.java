package dev.rawpoll.net;

import static dev.rawpoll.net.SocketHandle.ABI;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import dev.rawpoll.internal.SocketAbi;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Converts between {@link InetSocketAddress} and {@code struct sockaddr_in}/{@code sockaddr_in6}
 * in a {@code sockaddr_storage}-sized segment. Only used when binding, connecting and asking for
 * an address, never on the read/write path.
 */
final class SocketAddresses {
    /** Ports and the IPv6 flow info are in network byte order. */
    private static final ValueLayout.OfShort NET_SHORT = JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt NET_INT = JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private SocketAddresses() {}

    /** The address family for {@code address}. */
    static int family(InetSocketAddress address) {
        return resolved(address).getAddress() instanceof Inet6Address ? ABI.AF_INET6 : ABI.AF_INET;
    }

    /**
     * Writes {@code address} into {@code sockaddr} and returns the length to pass as {@code socklen_t}.
     *
     * @throws IllegalArgumentException if the address is unresolved
     */
    static int write(InetSocketAddress address, MemorySegment sockaddr) {
        return write(address, sockaddr, ABI);
    }

    /** {@link #write(InetSocketAddress, MemorySegment)} in the layout of {@code abi} (tests use another OS's). */
    static int write(InetSocketAddress address, MemorySegment sockaddr, SocketAbi abi) {
        InetAddress ip = resolved(address).getAddress();
        sockaddr.fill((byte) 0);
        if (ip instanceof Inet6Address ip6) {
            writeFamily(abi, sockaddr, abi.OFFSETOF_SIN6_LEN, abi.OFFSETOF_SIN6_FAMILY, abi.AF_INET6, abi.SIZEOF_SOCKADDR_IN6);
            sockaddr.set(NET_SHORT, abi.OFFSETOF_SIN6_PORT, (short) address.getPort());
            MemorySegment.copy(ip6.getAddress(), 0, sockaddr, JAVA_BYTE, abi.OFFSETOF_SIN6_ADDR, (int) abi.SIZEOF_IN6_ADDR);
            sockaddr.set(JAVA_INT_UNALIGNED, abi.OFFSETOF_SIN6_SCOPE_ID, ip6.getScopeId());
            return (int) abi.SIZEOF_SOCKADDR_IN6;
        }
        writeFamily(abi, sockaddr, abi.OFFSETOF_SIN_LEN, abi.OFFSETOF_SIN_FAMILY, abi.AF_INET, abi.SIZEOF_SOCKADDR_IN);
        sockaddr.set(NET_SHORT, abi.OFFSETOF_SIN_PORT, (short) address.getPort());
        MemorySegment.copy(ip.getAddress(), 0, sockaddr, JAVA_BYTE, abi.OFFSETOF_SIN_ADDR, (int) abi.SIZEOF_IN_ADDR);
        return (int) abi.SIZEOF_SOCKADDR_IN;
    }

    /**
     * Reads the {@code sockaddr_in}/{@code sockaddr_in6} the kernel wrote into {@code sockaddr}. An
     * IPv4-mapped IPv6 address ({@code ::ffff:a.b.c.d}, what a dual-stack socket reports for an
     * IPv4 peer) comes back as the {@link Inet4Address} {@code a.b.c.d}, as in java.nio.
     */
    static InetSocketAddress read(MemorySegment sockaddr) {
        return read(sockaddr, ABI);
    }

    /** {@link #read(MemorySegment)} in the layout of {@code abi}. */
    static InetSocketAddress read(MemorySegment sockaddr, SocketAbi abi) {
        int family = abi.SIZEOF_SA_FAMILY_T == 1
                ? Byte.toUnsignedInt(sockaddr.get(JAVA_BYTE, abi.OFFSETOF_SS_FAMILY))
                : Short.toUnsignedInt(sockaddr.get(JAVA_SHORT_UNALIGNED, abi.OFFSETOF_SS_FAMILY));
        try {
            if (family == abi.AF_INET6) {
                byte[] ip = new byte[(int) abi.SIZEOF_IN6_ADDR];
                MemorySegment.copy(sockaddr, JAVA_BYTE, abi.OFFSETOF_SIN6_ADDR, ip, 0, ip.length);
                int scope = sockaddr.get(JAVA_INT_UNALIGNED, abi.OFFSETOF_SIN6_SCOPE_ID);
                int port = Short.toUnsignedInt(sockaddr.get(NET_SHORT, abi.OFFSETOF_SIN6_PORT));
                if (isIpv4Mapped(ip)) {
                    // An IPv4 peer of a dual-stack socket: reported as java.nio and Netty do, as
                    // the Inet4Address a.b.c.d, not ::ffff:a.b.c.d (which is not even a loopback).
                    return new InetSocketAddress(InetAddress.getByAddress(Arrays.copyOfRange(ip, 12, 16)), port);
                }
                return new InetSocketAddress(Inet6Address.getByAddress(null, ip, scope), port);
            }
            if (family == abi.AF_INET) {
                byte[] ip = new byte[(int) abi.SIZEOF_IN_ADDR];
                MemorySegment.copy(sockaddr, JAVA_BYTE, abi.OFFSETOF_SIN_ADDR, ip, 0, ip.length);
                int port = Short.toUnsignedInt(sockaddr.get(NET_SHORT, abi.OFFSETOF_SIN_PORT));
                return new InetSocketAddress(InetAddress.getByAddress(ip), port);
            }
        } catch (UnknownHostException e) {
            throw new AssertionError("an address of the right length was refused", e);
        }
        throw new IllegalStateException("not an IPv4 or IPv6 socket address: family " + family);
    }

    /**
     * The family field, one byte after a length byte on the BSDs ({@code sin_len}, which they
     * expect set to the structure's size), two bytes on Linux.
     */
    private static void writeFamily(SocketAbi abi, MemorySegment sockaddr, long lenOffset, long familyOffset, int family, long size) {
        if (abi.SIZEOF_SA_FAMILY_T == 1) {
            sockaddr.set(JAVA_BYTE, familyOffset, (byte) family);
        } else {
            sockaddr.set(JAVA_SHORT_UNALIGNED, familyOffset, (short) family);
        }
        if (lenOffset >= 0) {
            sockaddr.set(JAVA_BYTE, lenOffset, (byte) size);
        }
    }

    /** Whether {@code ip} (16 bytes) is {@code ::ffff:a.b.c.d} (RFC 4291, 2.5.5.2). */
    private static boolean isIpv4Mapped(byte[] ip) {
        for (int i = 0; i < 10; i++) {
            if (ip[i] != 0) {
                return false;
            }
        }
        return ip[10] == (byte) 0xff && ip[11] == (byte) 0xff;
    }

    /** {@code 127.0.0.1:80}, {@code [::1]:80}: the form used in error messages. */
    static String format(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        if (ip == null) {
            return address.getHostString() + ":" + address.getPort();
        }
        String host = ip.getHostAddress();
        return (ip instanceof Inet4Address ? host : "[" + host + "]") + ":" + address.getPort();
    }

    private static InetSocketAddress resolved(InetSocketAddress address) {
        if (address == null) {
            throw new IllegalArgumentException("address is null");
        }
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("unresolved address: " + address.getHostString()
                    + " (resolve it first: rawpoll does no name lookups)");
        }
        return address;
    }
}
