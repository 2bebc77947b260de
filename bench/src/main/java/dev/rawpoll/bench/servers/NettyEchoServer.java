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
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringIoHandlerConfig;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The Netty baseline of the echo benchmarks: Netty 4.2's native epoll transport (JNI), one event
 * loop thread for accepting and for every connection, like the other servers, and the canonical
 * echo handler (write what was read, flush when the read batch is complete).
 *
 * <p>{@code --loops N}: N event loop threads in the one group, the usual Netty setup: one of
 * them accepts on the single listener and Netty hands each new channel to the group's loops in
 * turn. {@code --io-uring}: Netty's io_uring transport ({@code IoUringIoHandler}, {@code
 * IoUringServerSocketChannel}) instead of epoll.
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -cp bench/target/rawpoll-bench-*-all.jar dev.rawpoll.bench.servers.NettyEchoServer PORT [BIND_ADDRESS] [--loops N] [--io-uring]</pre>
 *
 * Prints {@code listening on PORT} when ready; SIGTERM shuts the event loop down.
 */
public final class NettyEchoServer {
    /**
     * The io_uring completion queue: with the default (twice the 4,096-entry ring) Netty warned
     * "CompletionQueue overflow detected" at 10,000 connections, as it told us, a user sizes it for
     * the connections: room for about three completions each.
     */
    private static final int URING_CQ_ENTRIES = 32768;

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
        ServerArgs a = ServerArgs.parse("NettyEchoServer", args, true, true);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(a.loops(),
                a.ioUring() ? IoUringIoHandler.newFactory(new IoUringIoHandlerConfig().setCqSize(URING_CQ_ENTRIES)) : EpollIoHandler.newFactory());
        Class<? extends ServerSocketChannel> channel = a.ioUring() ? IoUringServerSocketChannel.class : EpollServerSocketChannel.class;
        for (EventExecutor loop : group) {
            loop.submit(IoThreads::register).sync();
        }
        IoThreads.answerOnStdin();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly()));
        EchoHandler echo = new EchoHandler();
        Channel server = new ServerBootstrap()
                .group(group)
                .channel(channel)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(echo)
                .bind(a.address())
                .sync()
                .channel();
        System.out.println("listening on " + ((InetSocketAddress) server.localAddress()).getPort());
        System.out.flush();
        server.closeFuture().sync();
    }
}
