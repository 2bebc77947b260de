package dev.rawpoll.bench.servers;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The Netty baseline of the echo benchmarks: Netty 4.2's native epoll transport (JNI), one event
 * loop thread for accepting and for every connection, like the other servers, and the canonical
 * echo handler (write what was read, flush when the read batch is complete).
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -cp bench/target/rawpoll-bench-*-all.jar dev.rawpoll.bench.servers.NettyEchoServer PORT [BIND_ADDRESS]</pre>
 *
 * Prints {@code listening on PORT} when ready; SIGTERM shuts the event loop down.
 */
public final class NettyEchoServer {
    private NettyEchoServer() {}

    @ChannelHandler.Sharable
    static final class EchoHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // typically a reset from the load generator
        }
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: NettyEchoServer PORT [BIND_ADDRESS]");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        String address = args.length == 2 ? args[1] : "127.0.0.1";
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly()));
        EchoHandler echo = new EchoHandler();
        Channel server = new ServerBootstrap()
                .group(group)
                .channel(EpollServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(echo)
                .bind(new InetSocketAddress(address, port))
                .sync()
                .channel();
        System.out.println("listening on " + ((InetSocketAddress) server.localAddress()).getPort());
        System.out.flush();
        server.closeFuture().sync();
    }
}
