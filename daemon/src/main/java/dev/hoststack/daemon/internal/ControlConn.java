package dev.hoststack.daemon.internal;

import dev.hoststack.protocol.Errors;
import dev.hoststack.protocol.Protocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.PeerCredentials;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * One connection to the control socket. It starts in line mode (JSON requests, one per line);
 * a {@code data} request turns it into a worker's data connection, after which every byte the
 * worker sends is one credit (one descriptor taken). Event-loop thread only.
 */
final class ControlConn extends ChannelInboundHandlerAdapter {

    private final Core core;
    Channel channel;
    int uid = -1;
    int gid = -1;
    int pid = -1;
    boolean hello;
    /** The app worker this connection controls, or null. */
    WorkerConn worker;
    /** The app worker whose data connection this is, or null. */
    WorkerConn dataOf;
    private ByteBuf lines;

    ControlConn(Core core) {
        this.core = core;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws IOException {
        channel = ctx.channel();
        PeerCredentials cred = ((EpollDomainSocketChannel) channel).peerCredentials();
        uid = cred.uid();
        pid = cred.pid();
        gid = cred.gids().length > 0 ? cred.gids()[0] : -1;
        lines = ctx.alloc().buffer(256);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        try {
            if (dataOf != null) {
                core.dispatcher.credits(dataOf, in.readableBytes());
                return;
            }
            lines.writeBytes(in);
            while (dataOf == null && channel.isActive()) {
                int nl = lines.indexOf(lines.readerIndex(), lines.writerIndex(), (byte) '\n');
                if (nl < 0 || nl - lines.readerIndex() > Protocol.MAX_LINE) {
                    if (lines.readableBytes() > Protocol.MAX_LINE) {
                        core.control.replyError(this, null, Errors.BAD_REQUEST,
                                "a line is longer than " + Protocol.MAX_LINE + " bytes", "send one JSON object per line");
                        channel.close();
                    }
                    break;
                }
                String line = lines.toString(lines.readerIndex(), nl - lines.readerIndex(), StandardCharsets.UTF_8);
                lines.readerIndex(nl + 1);
                if (!line.isBlank()) {
                    core.control.request(this, line);
                }
            }
            if (dataOf != null && lines.isReadable()) {
                core.dispatcher.credits(dataOf, lines.readableBytes());
            }
            lines.discardReadBytes();
        } finally {
            in.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        core.flushDirty();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (lines != null) {
            lines.release();
            lines = null;
        }
        core.control.connectionClosed(this);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        core.log("connection of pid " + pid + " failed: " + cause);
        ctx.close();
    }

    /** Sends one line. */
    void send(String json) {
        channel.writeAndFlush(Unpooled.copiedBuffer(json + "\n", StandardCharsets.UTF_8));
    }
}
