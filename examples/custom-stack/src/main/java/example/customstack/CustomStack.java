package example.customstack;

import com.google.inject.AbstractModule;
import com.google.inject.Key;
import com.google.inject.Module;
import com.google.inject.multibindings.MapBinder;
import com.google.inject.multibindings.OptionalBinder;
import dev.hoststack.api.AppEventHandler;
import dev.hoststack.api.AppEventType;
import dev.hoststack.api.AppWorker;
import dev.hoststack.api.Application;
import dev.hoststack.api.DropReason;
import dev.hoststack.api.Ip;
import dev.hoststack.api.JHash;
import dev.hoststack.api.SessionHandle;
import dev.hoststack.api.spi.ReuseportSelectorProvider;
import dev.hoststack.pcap.CaptureException;
import dev.hoststack.pcap.CaptureReader;
import dev.hoststack.pcap.PacketRecord;
import dev.hoststack.session.AttachOptions;
import dev.hoststack.session.ListenOptions;
import dev.hoststack.stack.DefaultSelector;
import dev.hoststack.stack.Stack;
import dev.hoststack.stack.StackConfig;
import dev.hoststack.tcp.SegmentParser;
import dev.hoststack.tcp.SegmentWriter;
import dev.hoststack.tcp.TcpConfig;
import dev.hoststack.tcp.TcpSegment;
import dev.hoststack.tcp.TcpTransport;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A program that embeds a hoststack: two data threads, each driven by a Java thread of its own
 * ({@code rx-0}, {@code rx-1}); packets from a real capture (read with the {@code pcap} module) or
 * a generated stream of handshakes, spread over the data threads by an RSS hash of the 4-tuple as a
 * NIC would; two applications, {@code blue} (two workers) and {@code green} (one), listening with
 * reuseport on one endpoint under a selector of this program's own ({@link PerThreadRotation}),
 * bound through Guice; an application thread that takes the workers' events and accepts. It prints
 * connections per worker and per data thread.
 *
 * <p>Threads, as docs/composing.md states the rules: {@code main} builds the stack and makes the
 * control-plane calls, then hands the control plane and data thread 0 to {@code rx-0}
 * ({@code claimControl}); {@code rx-1} claims data thread 1; only the owner of a data thread feeds
 * and polls it. {@code app} polls the workers' events and answers from its own thread.
 *
 * <p>Usage: {@code CustomStack CAPTURE} (a pcap or pcapng file; its IPv4 segments towards the
 * destination of its first SYN are fed) or {@code CustomStack --generate N [SEED]} (N handshakes
 * from random clients to 10.0.0.1:80, each a SYN then the final ACK). Exit 0 when every completed
 * handshake was accepted, 1 otherwise, 2 on a usage or capture error.
 */
public final class CustomStack {

    static final int THREADS = 2;
    /** Keys the RSS hash that spreads flows over the data threads (a NIC's Toeplitz key, in spirit). */
    static final int RSS_SECRET = 0x1234_5678;
    private static final ByteBuffer END = ByteBuffer.allocate(0);

    private CustomStack() {
    }

    /** The program's Guice module: its selector by name, made the stack's default. */
    static Module module() {
        return new AbstractModule() {
            @Override
            protected void configure() {
                MapBinder.newMapBinder(binder(), String.class, ReuseportSelectorProvider.class)
                        .addBinding(PerThreadRotation.Provider.NAME).toInstance(new PerThreadRotation.Provider());
                OptionalBinder.newOptionalBinder(binder(), Key.get(String.class, DefaultSelector.class))
                        .setBinding().toInstance(PerThreadRotation.Provider.NAME);
            }
        };
    }

    /** Inbound segments to feed, and the endpoint they go to. */
    record Traffic(String source, int serverIp, int serverPort, List<ByteBuffer> packets, long skipped) {
    }

    public static void main(String[] args) throws Exception {
        Traffic traffic;
        try {
            traffic = traffic(args);
        } catch (IllegalArgumentException | IOException | CaptureException e) {
            System.err.println("custom-stack: " + e.getMessage());
            System.err.println("usage: CustomStack CAPTURE | CustomStack --generate N [SEED]");
            System.exit(2);
            return;
        }
        System.exit(run(traffic) ? 0 : 1);
    }

    static Traffic traffic(String[] args) throws IOException {
        if (args.length >= 2 && args[0].equals("--generate")) {
            int n = Integer.parseInt(args[1]);
            long seed = args.length > 2 ? Long.parseLong(args[2]) : 16;
            if (n < 1) {
                throw new IllegalArgumentException("--generate needs a positive count, not " + n);
            }
            return generated(n, seed);
        }
        if (args.length != 1) {
            throw new IllegalArgumentException("expected a capture file or --generate N");
        }
        Path file = Path.of(args[0]);
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException("cannot read the capture " + file);
        }
        return captured(file);
    }

    /** N handshakes: a SYN from a random client, then its final ACK (not checked: see run). */
    static Traffic generated(int n, long seed) {
        Random random = new Random(seed);
        int server = Ip.ip4(Ip.parseAddress("10.0.0.1", "server"));
        List<ByteBuffer> packets = new ArrayList<>(2 * n);
        for (int i = 0; i < n; i++) {
            int client = 0xC000_0000 | random.nextInt(1 << 24);   // 192.x.y.z
            int port = 1024 + random.nextInt(64_000);
            int isn = random.nextInt();
            packets.add(SegmentWriter.ip4(client, port, server, 80, isn, 0, TcpSegment.SYN));
            packets.add(SegmentWriter.ip4(client, port, server, 80, isn + 1, 1, TcpSegment.ACK));
        }
        return new Traffic(n + " generated handshakes (seed " + seed + ")", server, 80, packets, 0);
    }

    /** The capture's IPv4 TCP segments towards the destination of its first SYN, copied. */
    static Traffic captured(Path file) throws IOException {
        List<ByteBuffer> packets = new ArrayList<>();
        TcpSegment seg = new TcpSegment();
        PacketRecord rec = new PacketRecord();
        int serverIp = 0;
        int serverPort = -1;
        long skipped = 0;
        CaptureReader reader = CaptureReader.open(file);   // read fully into memory: nothing to close
        while (reader.next(rec)) {
            ByteBuffer ip = rec.ip();
            if (rec.ipVersion() != 4 || SegmentParser.parse(ip, seg) != null) {
                skipped++;   // not IPv4 TCP: this program listens on an IPv4 endpoint only
                continue;
            }
            if (serverPort < 0 && seg.has(TcpSegment.SYN) && !seg.has(TcpSegment.ACK)) {
                serverIp = seg.localIp4();
                serverPort = seg.localPort();
            }
            if (serverPort >= 0 && seg.localIp4() == serverIp && seg.localPort() == serverPort) {
                ByteBuffer copy = ByteBuffer.allocate(ip.remaining());
                copy.put(ip.duplicate()).flip();
                packets.add(copy);
            } else {
                skipped++;   // the server's own segments, or before the first SYN
            }
        }
        if (serverPort < 0) {
            throw new IllegalArgumentException("no IPv4 SYN in the capture " + file);
        }
        return new Traffic(file.toString(), serverIp, serverPort, packets, skipped);
    }

    /** One data thread's Java thread: claims it, feeds what the NIC queued, polls, until stopped. */
    static final class DataThreadLoop extends Thread {
        final int index;
        final Stack stack;
        final BlockingQueue<ByteBuffer> inbox = new LinkedBlockingQueue<>();
        final long[] results = new long[5];   // by TcpTransport's result code
        final CountDownLatch drained = new CountDownLatch(1);
        volatile boolean stop;

        DataThreadLoop(int index, Stack stack) {
            super("rx-" + index);
            this.index = index;
            this.stack = stack;
        }

        @Override
        public void run() {
            if (index == 0) {
                stack.session().claimControl();   // the control plane and data thread 0 move here
            } else {
                stack.session().claim(index);
            }
            TcpTransport tcp = stack.tcp();
            try {
                while (!stop) {
                    ByteBuffer p = inbox.poll(1, TimeUnit.MILLISECONDS);
                    if (p == END) {
                        drained.countDown();
                    } else if (p != null) {
                        results[tcp.input(index, p, 0)]++;
                    }
                    tcp.poll(index);   // applies the application's replies, runs timers
                }
                tcp.poll(index);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static boolean run(Traffic traffic) throws InterruptedException {
        // the control thread: build, attach, listen
        Stack stack = Stack.create(StackConfig.builder()
                .threads(THREADS)
                // a capture's final ACKs answer the captured server's ISN, not this stack's
                .tcp(TcpConfig.builder().checkFinalAck(false).build())
                .build(), module());
        Application blue = stack.attach(AttachOptions.of("blue"));
        stack.session().addWorker("blue");
        Application green = stack.attach(AttachOptions.of("green"));
        String uri = "tcp://" + Ip.ip4String(traffic.serverIp()) + "/" + traffic.serverPort();
        stack.listen("blue", 0, uri, ListenOptions.REUSEPORT);
        stack.listen("blue", 1, uri, ListenOptions.REUSEPORT);
        stack.listen("green", 0, uri, ListenOptions.REUSEPORT);
        List<AppWorker> workers = new ArrayList<>();
        workers.addAll(blue.workers());
        workers.addAll(green.workers());
        System.out.printf("custom-stack: %s; listening on %s with selector %s over %d data threads%n",
                traffic.source(), uri, stack.reuseport().groups().get(0).selectorName(), THREADS);

        DataThreadLoop[] rx = new DataThreadLoop[THREADS];
        for (int t = 0; t < THREADS; t++) {
            rx[t] = new DataThreadLoop(t, stack);
            rx[t].start();
        }

        // the application: any thread may take a worker's events (one thread per worker at a time)
        AtomicLongArray accepted = new AtomicLongArray(workers.size() * THREADS);
        AtomicLong acceptedTotal = new AtomicLong();
        AtomicLong disconnects = new AtomicLong();
        AppEventHandler[] handlers = new AppEventHandler[workers.size()];
        for (int w = 0; w < workers.size(); w++) {
            int worker = w;
            handlers[w] = (type, session, listener) -> {
                if (type == AppEventType.ACCEPT) {
                    stack.session().acceptReply(session);   // applied by the session's data thread
                    accepted.incrementAndGet(worker * THREADS + SessionHandle.thread(session));
                    acceptedTotal.incrementAndGet();
                } else if (type == AppEventType.DISCONNECT) {
                    disconnects.incrementAndGet();
                }
            };
        }
        Thread app = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                int taken = 0;
                for (int w = 0; w < workers.size(); w++) {
                    taken += workers.get(w).pollEvents(handlers[w], 256);
                }
                if (taken == 0) {
                    Thread.onSpinWait();
                }
            }
        }, "app");
        app.setDaemon(true);
        app.start();

        // the NIC: each flow to one data thread by an RSS hash of its 4-tuple
        TcpSegment seg = new TcpSegment();
        for (ByteBuffer p : traffic.packets()) {
            SegmentParser.parse(p, seg);
            rx[JHash.reciprocalScale(JHash.flowHash(seg, RSS_SECRET), THREADS)].inbox.add(p);
        }
        for (DataThreadLoop r : rx) {
            r.inbox.add(END);
        }
        boolean ok = true;
        for (DataThreadLoop r : rx) {
            ok &= r.drained.await(30, TimeUnit.SECONDS);
        }
        long established = 0;
        long[] results = new long[5];
        for (DataThreadLoop r : rx) {
            for (int i = 0; i < results.length; i++) {
                results[i] += r.results[i];
            }
            established += r.results[TcpTransport.ESTABLISHED];
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (acceptedTotal.get() < established && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        for (DataThreadLoop r : rx) {
            r.stop = true;
            r.join(10_000);
        }
        app.interrupt();
        app.join(10_000);

        System.out.printf("segments fed: %d (created %d, established %d, closed %d, no change %d, dropped %d); "
                        + "not fed: %d%n", traffic.packets().size(), results[TcpTransport.CREATED],
                established, results[TcpTransport.CLOSED], results[TcpTransport.NO_CHANGE],
                results[TcpTransport.DROPPED], traffic.skipped());
        for (DropReason reason : DropReason.values()) {
            long n = stack.session().drops(reason);
            if (n > 0) {
                System.out.printf("  dropped by the session layer, %s: %d%n", reason, n);
            }
        }
        System.out.println();
        System.out.println("connections accepted per worker (by the data thread that received them):");
        StringBuilder header = new StringBuilder(String.format("  %-10s", "worker"));
        for (int t = 0; t < THREADS; t++) {
            header.append(String.format("%8s", "rx-" + t));
        }
        System.out.println(header.append(String.format("%8s%9s", "total", "share")));
        for (int w = 0; w < workers.size(); w++) {
            AppWorker worker = workers.get(w);
            StringBuilder row = new StringBuilder(String.format("  %-10s",
                    worker.application().name() + "-w" + worker.workerIndex()));
            long total = 0;
            for (int t = 0; t < THREADS; t++) {
                long n = accepted.get(w * THREADS + t);
                total += n;
                row.append(String.format("%8d", n));
            }
            row.append(String.format("%8d%8.2f %%", total, acceptedTotal.get() == 0 ? 0.0
                    : 100.0 * total / acceptedTotal.get()));
            System.out.println(row);
        }
        System.out.printf("  %-10s%" + (8 * THREADS + 8) + "d%n", "all", acceptedTotal.get());
        System.out.printf("disconnects taken: %d%n", disconnects.get());

        ok &= acceptedTotal.get() == established && established > 0;
        if (!ok) {
            System.out.printf("custom-stack: FAILED: %d handshakes completed, %d accepted%n",
                    established, acceptedTotal.get());
        }
        return ok;
    }
}
