package dev.hoststack.reuseport.bpf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The kernel-hash kind (no table), and a listening socket made here handed to Netty's epoll transport. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KernelHashAndNettyTest {

    @Test
    void kernelHashWithoutMigrationDetachesAnyProgramAndTheHashSpreadsConnections() {
        try (Listeners group = Listeners.loopback4(4);
             KernelDispatch table = KernelDispatch.create(KernelDispatch.Kind.SEQUENCE, DispatchLimits.DEFAULT, false);
             KernelDispatch hash = KernelDispatch.create(KernelDispatch.Kind.KERNEL_HASH, DispatchLimits.DEFAULT, false)) {
            int s = table.addSocket(group.fds[3]);
            table.publish(SequenceTable.roundRobin(new int[] {s}));
            table.attach(group.fds[0]);
            for (int k = 0; k < 20; k++) {
                assertThat(group.connectOnce()).as("the table sends everything to listener 3").isEqualTo(3);
            }
            assertThat(hash.program()).as("no program for the kernel's hash without migration").isNull();
            hash.attach(group.fds[1]); // detaches the table program
            int[] counts = new int[4];
            for (int k = 0; k < 200; k++) {
                counts[group.connectOnce()]++;
            }
            for (int i = 0; i < 4; i++) {
                assertThat(counts[i]).as("listener %d gets some of 200 hashed connections (%s)", i, java.util.Arrays.toString(counts)).isPositive();
            }
            assertThatThrownBy(() -> hash.addSocket(group.fds[0])).hasMessageContaining("no socket array");
            assertThat(ReuseportSockets.detachProgram(group.fds[0])).as("nothing left to detach").isFalse();
        }
    }

    @Test
    void kernelHashWithMigrationMovesAClosedListenersQueue() throws Exception {
        try (Listeners group = Listeners.loopback4(3);
             KernelDispatch hash = KernelDispatch.create(KernelDispatch.Kind.KERNEL_HASH, DispatchLimits.DEFAULT, true)) {
            hash.attach(group.fds[0]);
            List<Socket> clients = new ArrayList<>();
            for (int k = 0; k < 60; k++) {
                Socket c = new Socket();
                c.connect(new InetSocketAddress(group.address, group.port), 2000);
                clients.add(c);
            }
            Thread.sleep(50);
            ReuseportSockets.close(group.fds[0]);
            group.fds[0] = -1;
            for (int k = 0; k < 60; k++) {
                Listeners.acceptOne(new int[] {group.fds[1], group.fds[2]});
            }
            for (Socket c : clients) {
                c.setSoTimeout(5000);
                assertThat(c.getInputStream().read()).as("each client sees a clean end of stream: accepted, then closed").isEqualTo(-1);
                c.close();
            }
        }
    }

    @Test
    void nettyTakesAListeningDescriptorAndAcceptsOnIt() throws Exception {
        int fd = ReuseportSockets.openListener(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        InetSocketAddress local = ReuseportSockets.localAddress(fd);
        assertThat(ReuseportSockets.isListening(fd)).isTrue();
        assertThat(ReuseportSockets.isNonBlocking(fd)).as("listeners are made non-blocking, as Netty expects").isTrue();
        MultiThreadIoEventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        try {
            EpollServerSocketChannel server = new EpollServerSocketChannel(fd); // Netty owns fd from here on
            LinkedBlockingQueue<Channel> children = new LinkedBlockingQueue<>();
            server.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    children.add((Channel) msg);
                }
            });
            loop.register(server).sync();
            assertThat(server.isActive()).as("a listening descriptor is active at once").isTrue();
            assertThat(server.localAddress()).isEqualTo(local);
            try (Socket client = new Socket()) {
                client.connect(local, 2000);
                Channel child = children.poll(5, TimeUnit.SECONDS);
                assertThat(child).as("Netty accepted the connection on the wrapped descriptor").isNotNull();
                assertThat(((InetSocketAddress) child.remoteAddress()).getPort()).isEqualTo(client.getLocalPort());
                child.unsafe().closeForcibly();
            }
            server.close().sync();
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
