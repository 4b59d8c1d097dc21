package dev.hoststack.daemon.internal;

import dev.hoststack.protocol.Errors;
import dev.hoststack.protocol.Messages;
import dev.hoststack.protocol.Protocol;
import dev.hoststack.protocol.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.PeerCredentials;
import java.nio.charset.StandardCharsets;

/**
 * One connection to the control socket. It starts in line mode (JSON requests, one per line);
 * a {@code data} request turns it into a worker's data connection, after which every byte the
 * worker sends is one credit (one descriptor taken). Event-loop thread only.
 *
 * <p><b>Bounded.</b> Replies wait in the channel's outbound buffer; once it holds more than
 * {@code maxPendingOutput} bytes (the channel is not writable) the connection's further requests
 * are not read until the client has read its replies, so a client that pipelines requests and
 * never reads holds at most that much of the daemon's memory, and is closed after the write
 * timeout. Input is bounded by the longest line. A connection that sends no first request, leaves
 * a line unfinished, or (when it is no app worker) sends nothing for too long is closed (see
 * {@link #sweep}).
 */
final class ControlConn extends ChannelInboundHandlerAdapter {

    private final Core core;
    Channel channel;
    int uid = -1;
    int gid = -1;
    int pid = -1;
    boolean hello;
    /** The protocol version its hello named (1 or 2); 0 before hello. */
    int version;
    /** The app worker this connection controls, or null. */
    WorkerConn worker;
    /** The app worker whose data connection this is, or null. */
    WorkerConn dataOf;
    private ByteBuf lines;
    /** Whether it counts against its uid's connections (it was not refused). */
    private boolean counted;
    private boolean closing;
    private final long openedNanos = System.nanoTime();
    private long lastRequestNanos = openedNanos;
    /** When the unfinished line in {@link #lines} began, or 0. */
    private long lineStartNanos;
    /** Since when its replies are not being read (not writable), or 0. */
    private long blockedSinceNanos;

    ControlConn(Core core) {
        this.core = core;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        try {
            PeerCredentials cred = ((EpollDomainSocketChannel) channel).peerCredentials();
            uid = cred.uid();
            pid = cred.pid();
            gid = cred.gids().length > 0 ? cred.gids()[0] : -1;
        } catch (Throwable e) {
            core.failed("reading a new connection's credentials", e);
            channel.close();
            return;
        }
        core.conns.add(this);
        ProtocolException refused = core.uids.connectionOpened(uid);
        if (refused != null) {
            core.stats.refused(refused.code());
            if (core.stats.refusalsLogged++ < 20) {
                core.log("refused a connection of uid " + uid + " (pid " + pid + "): " + refused.code());
            }
            closeWith(Messages.error(null, refused.code(), refused.getMessage(), refused.hint()).toString());
            return;
        }
        counted = true;
        lines = ctx.alloc().buffer(256);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        try {
            if (!counted || closing) {
                return;
            }
            if (dataOf != null) {
                core.dispatcher.credits(dataOf, in.readableBytes());
                return;
            }
            if (!lines.isReadable()) {
                lineStartNanos = System.nanoTime();
            }
            lines.writeBytes(in);
            process();
        } catch (Throwable e) {
            core.failed("a request of pid " + pid + " (uid " + uid + ")", e);
            channel.close();
        } finally {
            in.release();
        }
    }

    /** Answers the complete lines received, as long as the replies are being read. */
    private void process() {
        while (dataOf == null && channel.isActive() && !closing) {
            if (!channel.isWritable()) {
                block();
                break;
            }
            int nl = lines.indexOf(lines.readerIndex(), lines.writerIndex(), (byte) '\n');
            if (nl < 0 || nl - lines.readerIndex() > Protocol.MAX_LINE) {
                if (lines.readableBytes() > Protocol.MAX_LINE) {
                    core.control.replyError(this, null, Errors.BAD_REQUEST,
                            "a line is longer than " + Protocol.MAX_LINE + " bytes", "send one JSON object per line");
                    closing = true;
                    channel.close();
                }
                break;
            }
            String line = lines.toString(lines.readerIndex(), nl - lines.readerIndex(), StandardCharsets.UTF_8);
            lines.readerIndex(nl + 1);
            lastRequestNanos = System.nanoTime();
            lineStartNanos = lines.isReadable() ? lastRequestNanos : 0;
            if (!line.isBlank()) {
                core.control.request(this, line);
            }
        }
        if (dataOf != null && lines.isReadable()) {
            core.dispatcher.credits(dataOf, lines.readableBytes());
            lines.clear();
        }
        if (lines != null) {
            lines.discardReadBytes();
        }
    }

    /** Stops reading: its replies wait unread. */
    private void block() {
        if (blockedSinceNanos == 0) {
            blockedSinceNanos = System.nanoTime();
            core.stats.backpressurePauses++;
        }
        channel.config().setAutoRead(false);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        try {
            if (channel.isWritable() && blockedSinceNanos != 0 && !closing) {
                blockedSinceNanos = 0;
                process();
                if (channel.isWritable() && !closing) {
                    channel.config().setAutoRead(true);
                }
            }
        } catch (Throwable e) {
            core.failed("resuming the connection of pid " + pid, e);
            channel.close();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        try {
            core.flushDirty();
        } catch (Throwable e) {
            core.failed("flushing", e);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (lines != null) {
            lines.release();
            lines = null;
        }
        core.conns.remove(this);
        if (counted) {
            counted = false;
            core.uids.connectionClosed(uid);
        }
        try {
            core.control.connectionClosed(this);
        } catch (Throwable e) {
            core.failed("a connection of pid " + pid + " closing", e);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        String m = String.valueOf(cause.getMessage());
        boolean peerGone = m.contains("Broken pipe") || m.contains("Connection reset");
        // a peer that closed while a reply was on its way (a worker exiting) is not worth a log line
        if (!peerGone && core.stats.connectionErrorsLogged++ < 20) {
            core.log("connection of pid " + pid + " failed: " + cause);
        }
        ctx.close();
    }

    /** Sends one line. */
    void send(String json) {
        channel.writeAndFlush(Unpooled.copiedBuffer(json + "\n", StandardCharsets.UTF_8), channel.voidPromise());
    }

    /** Sends one last line and closes. */
    private void closeWith(String json) {
        closing = true;
        channel.config().setAutoRead(false);
        channel.writeAndFlush(Unpooled.copiedBuffer(json + "\n", StandardCharsets.UTF_8))
                .addListener(ChannelFutureListener.CLOSE);
    }

    /** Closes it for a timeout, saying why, counted under {@code code}. */
    private void timeout(String code, String message) {
        core.stats.refused(code);
        if (core.stats.timeoutsLogged++ < 20) {
            core.log("closing the connection of pid " + pid + " (uid " + uid + "): " + code + ": " + message);
        }
        if (blockedSinceNanos != 0) {
            channel.close(); // it reads nothing: a last line would only wait behind the others
            closing = true;
            return;
        }
        closeWith(Messages.closed(code, message).toString());
    }

    /** Closes it if one of its timeouts has passed. */
    void sweep(long now) {
        if (closing || !counted || !channel.isActive()) {
            return;
        }
        var l = core.config.limits();
        if (blockedSinceNanos != 0) {
            if (now - blockedSinceNanos > l.writeTimeout().toNanos()) {
                timeout(Errors.WRITE_TIMEOUT, "its replies were not read for " + l.writeTimeout().toMillis() + " ms");
            }
        } else if (dataOf == null && lineStartNanos != 0 && now - lineStartNanos > l.requestTimeout().toNanos()) {
            timeout(Errors.REQUEST_TIMEOUT, "a request line was not finished in " + l.requestTimeout().toMillis() + " ms");
        } else if (!hello && dataOf == null && now - openedNanos > l.helloTimeout().toNanos()) {
            timeout(Errors.HELLO_TIMEOUT, "no hello or data request in " + l.helloTimeout().toMillis() + " ms");
        } else if (hello && worker == null && dataOf == null && now - lastRequestNanos > l.idleTimeout().toNanos()) {
            timeout(Errors.IDLE_TIMEOUT, "no request for " + l.idleTimeout().toMillis() + " ms on a connection that is no"
                    + " app worker");
        }
    }
}
