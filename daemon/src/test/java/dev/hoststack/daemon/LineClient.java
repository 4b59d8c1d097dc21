package dev.hoststack.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** One connection to a daemon's control socket speaking lines over a plain JDK socket (tests). */
final class LineClient implements AutoCloseable {

    final SocketChannel ch;
    private final ByteBuffer in = ByteBuffer.allocate(4 << 20);

    LineClient(Path socket) throws IOException {
        ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
    }

    void send(String line) throws IOException {
        sendRaw(line + "\n");
    }

    void sendRaw(String text) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /** The next line, or null at end of stream. */
    String line() throws IOException {
        while (true) {
            for (int i = 0; i < in.position(); i++) {
                if (in.get(i) == '\n') {
                    String l = new String(in.array(), 0, i, StandardCharsets.UTF_8);
                    in.flip();
                    in.position(i + 1);
                    in.compact();
                    return l;
                }
            }
            if (ch.read(in) < 0) {
                return null;
            }
        }
    }

    JsonObject json() throws IOException {
        String l = line();
        assertThat(l).as("a line from the daemon").isNotNull();
        return JsonParser.parseString(l).getAsJsonObject();
    }

    JsonObject call(String request) throws IOException {
        send(request);
        String l = line();
        assertThat(l).as("reply to %s", request).isNotNull();
        return JsonParser.parseString(l).getAsJsonObject();
    }

    /** Calls and expects ok. */
    JsonObject ok(String request) throws IOException {
        JsonObject r = call(request);
        assertThat(r.get("ok").getAsBoolean()).as("%s -> %s", request, r).isTrue();
        return r;
    }

    /** Calls and returns the refusal's code. */
    String refused(String request) throws IOException {
        JsonObject r = call(request);
        assertThat(r.get("ok").getAsBoolean()).as("%s -> %s", request, r).isFalse();
        assertThat(r.get("message").getAsString()).isNotEmpty();
        assertThat(r.get("hint").getAsString()).isNotEmpty();
        return r.get("error").getAsString();
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
