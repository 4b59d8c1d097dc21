package dev.hoststack.stack;

import static java.util.Objects.requireNonNull;

import com.google.inject.Guice;
import com.google.inject.Module;
import com.google.inject.Stage;
import dev.hoststack.api.Endpoint;
import dev.hoststack.reuseport.ReuseportGroupTable;
import dev.hoststack.reuseport.SelectorRegistry;
import dev.hoststack.session.AttachOptions;
import dev.hoststack.session.ListenOptions;
import dev.hoststack.session.SessionApplication;
import dev.hoststack.session.SessionLayer;
import dev.hoststack.tcp.TcpTransport;
import jakarta.inject.Inject;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A running stack: a session layer with the TCP transport and reuseport groups, and the selector
 * plug-ins found on the class path. The thread that creates it is its control thread and owns data
 * thread 0 (see {@link SessionLayer} for the threading rules).
 *
 * <pre>{@code
 * Stack stack = Stack.create(StackConfig.builder().threads(2).build());
 * stack.session().attach(AttachOptions.of("app1"));
 * stack.listen("app1", 0, "tcp://0.0.0.0/80", ListenOptions.REUSEPORT);
 * stack.tcp().input(0, synBytes, 0);
 * }</pre>
 */
public final class Stack {

    private final StackConfig config;
    private final SessionLayer session;
    private final TcpTransport tcp;
    private final ReuseportGroupTable reuseport;
    private final SelectorRegistry selectors;

    @Inject
    Stack(StackConfig config, SessionLayer session, TcpTransport tcp, ReuseportGroupTable reuseport,
          SelectorRegistry selectors) {
        this.config = config;
        this.session = session;
        this.tcp = tcp;
        this.reuseport = reuseport;
        this.selectors = selectors;
    }

    /**
     * Builds a stack with the selectors {@link java.util.ServiceLoader} finds and any extra
     * modules (e.g. more selector bindings).
     *
     * @throws com.google.inject.CreationException with the cause's message if the configuration
     *         is inconsistent (e.g. an unknown default selector, two selectors of one name)
     */
    public static Stack create(StackConfig config, Module... extra) {
        requireNonNull(config, "config");
        List<Module> modules = new ArrayList<>();
        modules.add(new StackModule(config));
        modules.add(new SelectorModule());
        modules.addAll(Arrays.asList(extra));
        return Guice.createInjector(Stage.PRODUCTION, modules).getInstance(Stack.class);
    }

    /** A stack with the defaults. */
    public static Stack create() {
        return create(StackConfig.defaults());
    }

    /** Its configuration. */
    public StackConfig config() {
        return config;
    }

    /** The session layer (namespaces, applications, listeners, tables, sessions). */
    public SessionLayer session() {
        return session;
    }

    /** The TCP transport (segment input). */
    public TcpTransport tcp() {
        return tcp;
    }

    /** The reuseport groups. */
    public ReuseportGroupTable reuseport() {
        return reuseport;
    }

    /** The selector providers by name, and the default. */
    public SelectorRegistry selectors() {
        return selectors;
    }

    /** Attaches an application (control thread). */
    public SessionApplication attach(AttachOptions options) {
        return session.attach(options);
    }

    /** Listens on a VPP-style URI such as {@code tcp://0.0.0.0/80} (control thread). */
    public long listen(String app, int worker, String uri, ListenOptions options) {
        return session.listen(app, worker, Endpoint.parseUri(uri), options);
    }

    /** Feeds one IP packet to data thread {@code thread} on FIB 0 (that thread's owner only). */
    public int input(int thread, ByteBuffer packet) {
        return tcp.input(thread, packet, 0);
    }

    /** Polls every data thread (mailboxes and timers); only when the caller owns them all. */
    public int pollAll() {
        int n = 0;
        for (int t = 0; t < session.threadCount(); t++) {
            n += tcp.poll(t);
        }
        return n;
    }
}
