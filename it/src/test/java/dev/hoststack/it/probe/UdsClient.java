package dev.hoststack.it.probe;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Connects to a Unix domain socket, sends one line, {@code hello from uid UID}, prints the one line
 * it gets back as {@code reply: LINE}, and exits 0; exits 1 when any step fails.
 *
 * <p>Usage: {@code UdsClient SOCKET_PATH}. Depends on {@code java.base} only.
 */
public final class UdsClient {

    private UdsClient() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: UdsClient SOCKET_PATH");
            System.exit(2);
        }
        String uid = Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(line -> line.startsWith("Uid:"))
                .map(line -> line.split("\\s+")[1])
                .findFirst()
                .orElse("?");
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(args[0]));
            Writer out = Channels.newWriter(channel, UTF_8);
            out.write("hello from uid " + uid + "\n");
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), UTF_8));
            String reply = in.readLine();
            if (reply == null) {
                System.err.println("the server closed without replying");
                System.exit(1);
            }
            System.out.println("reply: " + reply);
        } catch (IOException e) {
            System.err.println("UdsClient: " + e);
            System.exit(1);
        }
    }
}
