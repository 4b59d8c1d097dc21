package dev.hoststack.cli;

import dev.hoststack.api.spi.ReuseportSelectorProvider;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Selector plug-ins: extra jars that {@code hoststack} loads before it runs a command, from
 * {@code HOSTSTACK_PLUGINS} (entries separated by {@code :}) and then from every
 * {@code --plugins DIR|JAR} given before the command. A directory stands for the {@code *.jar}
 * files in it (not its subdirectories), in name order.
 *
 * <p>Each jar is checked before anything runs: it must exist, be a jar (a zip), and list at least
 * one provider in {@code META-INF/services/dev.hoststack.api.spi.ReuseportSelectorProvider}. Then
 * every provider, built in or plugged in, is instantiated once through {@link ServiceLoader}: a
 * class that cannot be loaded, a constructor or a {@code name()} that throws, a name that is not a
 * short lower-case alias, or two providers of one name each stop the command with one line naming
 * the provider, its jar and what to fix (exit 2, nothing started).
 *
 * <p>The jars go into one class loader whose parent is the command line's own, made the thread
 * context class loader of the thread that runs the command: the stack's
 * {@code SelectorModule} finds selectors through it, and threads started from there (the
 * daemon's event loop) inherit it. Processes the command starts ({@code demo --real},
 * {@code bench --real}: a daemon) get the same jars with {@code --plugins}.
 *
 * <p>Threading: {@link #install} on the thread about to run a command; the rest any thread.
 */
final class Plugins {

    /** The environment variable of plug-in paths. */
    static final String ENV = "HOSTSTACK_PLUGINS";

    /** The service file a selector jar lists its providers in. */
    static final String SERVICES = "META-INF/services/" + ReuseportSelectorProvider.class.getName();

    /** A selector as installed: its name, description, and where it came from. */
    record Installed(String name, String description, String origin, ReuseportSelectorProvider provider) {
    }

    /** A bad plug-in: the message is one line naming the jar or provider and what to fix. */
    static final class PluginException extends Exception {
        private static final long serialVersionUID = 1L;

        PluginException(String message) {
            super(message);
        }
    }

    private static volatile List<Path> installed = List.of();
    private static volatile ClassLoader loader = Plugins.class.getClassLoader();

    private Plugins() {
    }

    /** The plug-in jars installed for this process, in load order. */
    static List<Path> jars() {
        return installed;
    }

    /** The class loader selectors are found with: the plug-ins', or the command line's own. */
    static ClassLoader loader() {
        return loader;
    }

    /**
     * Resolves, checks and loads the plug-ins, makes their loader the current thread's context
     * class loader and returns every installed selector.
     *
     * @param env     {@code HOSTSTACK_PLUGINS}, or null
     * @param options the {@code --plugins} values, in order
     */
    static List<Installed> install(String env, List<String> options) throws PluginException {
        List<Path> jars = resolve(env, options);
        ClassLoader parent = Plugins.class.getClassLoader();
        ClassLoader l = jars.isEmpty() ? parent : new URLClassLoader("hoststack-plugins", urls(jars), parent);
        List<Installed> found = providers(l, jars);
        installed = List.copyOf(jars);
        loader = l;
        Thread.currentThread().setContextClassLoader(l);
        return found;
    }

    /** The jars that the entries name: HOSTSTACK_PLUGINS's first, then each option's; each checked. */
    static List<Path> resolve(String env, List<String> options) throws PluginException {
        Set<Path> out = new LinkedHashSet<>();
        if (env != null) {
            for (String e : env.split(File.pathSeparator)) {
                if (!e.isBlank()) {
                    addEntry(out, e.strip(), ENV + " entry '" + e.strip() + "'");
                }
            }
        }
        for (String o : options) {
            addEntry(out, o, "--plugins " + o);
        }
        return new ArrayList<>(out);
    }

    private static void addEntry(Set<Path> out, String entry, String what) throws PluginException {
        Path p = Path.of(entry);
        if (!Files.exists(p)) {
            throw new PluginException(what + ": no such file or directory (give a selector jar, or a directory of them)");
        }
        if (Files.isDirectory(p)) {
            List<Path> jars;
            try (Stream<Path> s = Files.list(p)) {
                jars = s.filter(f -> f.getFileName().toString().endsWith(".jar") && Files.isRegularFile(f)).sorted().toList();
            } catch (IOException e) {
                throw new PluginException(what + ": cannot list the directory: " + Main.oneLine(e.getMessage()));
            }
            if (jars.isEmpty()) {
                throw new PluginException(what + ": the directory holds no .jar file");
            }
            for (Path j : jars) {
                out.add(checkJar(j, what + ": " + j.getFileName()));
            }
        } else {
            out.add(checkJar(p, what));
        }
    }

    /** The jar's real path, if it is a readable jar that lists selector providers. */
    private static Path checkJar(Path jar, String what) throws PluginException {
        try (JarFile j = new JarFile(jar.toFile())) {
            JarEntry services = j.getJarEntry(SERVICES);
            if (services == null) {
                throw new PluginException(what + ": the jar has no " + SERVICES
                        + " (list the provider class there, one binary name a line)");
            }
            return jar.toRealPath();
        } catch (IOException e) {
            throw new PluginException(what + ": not a jar (" + Main.oneLine(e.getMessage()) + ")");
        }
    }

    private static URL[] urls(List<Path> jars) throws PluginException {
        URL[] urls = new URL[jars.size()];
        for (int i = 0; i < urls.length; i++) {
            try {
                urls[i] = jars.get(i).toUri().toURL();
            } catch (MalformedURLException e) {
                throw new PluginException(jars.get(i) + ": " + e.getMessage());
            }
        }
        return urls;
    }

    /** Which jar lists which provider class, from their service files. */
    private static Map<String, Path> listedBy(List<Path> jars) {
        Map<String, Path> by = new LinkedHashMap<>();
        for (Path jar : jars) {
            try (JarFile j = new JarFile(jar.toFile()); InputStream in = j.getInputStream(j.getJarEntry(SERVICES))) {
                for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\\R")) {
                    String c = line.replaceFirst("#.*", "").strip();
                    if (!c.isEmpty()) {
                        by.putIfAbsent(c, jar);
                    }
                }
            } catch (IOException | RuntimeException e) {
                // checked in checkJar; a jar that changed since is reported by ServiceLoader
            }
        }
        return by;
    }

    /**
     * Instantiates every provider {@link ServiceLoader} finds through {@code l} and checks it.
     *
     * @throws PluginException for a provider that cannot be loaded or named, a bad name, or two of one name
     */
    static List<Installed> providers(ClassLoader l, List<Path> jars) throws PluginException {
        Map<String, Path> listedBy = listedBy(jars);
        Map<String, Installed> byName = new LinkedHashMap<>();
        Iterator<ReuseportSelectorProvider> it = ServiceLoader.load(ReuseportSelectorProvider.class, l).iterator();
        while (true) {
            ReuseportSelectorProvider p;
            try {
                if (!it.hasNext()) {
                    break;
                }
                p = it.next();
            } catch (ServiceConfigurationError e) {
                throw new PluginException(loadFailure(e, listedBy));
            }
            String origin = origin(p.getClass(), l);
            String name;
            String description;
            try {
                name = p.name();
                description = p.description();
            } catch (RuntimeException | LinkageError e) {
                throw new PluginException("selector provider " + p.getClass().getName() + " (" + origin
                        + ") threw from name() or description(): " + e + "; fix it or remove its jar");
            }
            if (name == null || !name.matches("[a-z][a-z0-9_-]{0,31}")) {
                throw new PluginException("selector provider " + p.getClass().getName() + " (" + origin + ") is named '"
                        + name + "': a name is a short lower-case alias (a letter, then letters, digits, '-' or '_')");
            }
            Installed other = byName.get(name);
            if (other != null) {
                throw new PluginException("two selectors are named '" + name + "': " + other.provider().getClass().getName()
                        + " (" + other.origin() + ") and " + p.getClass().getName() + " (" + origin
                        + "); remove one jar or rename one");
            }
            String d = description == null || description.isBlank() ? name : Main.oneLine(description);
            byName.put(name, new Installed(name, d, origin, p));
        }
        List<Installed> out = new ArrayList<>(byName.values());
        out.sort((a, b) -> a.name().compareTo(b.name()));
        return out;
    }

    /** The failure of loading a provider in one line: which class, which jar, why. */
    private static String loadFailure(ServiceConfigurationError e, Map<String, Path> listedBy) {
        String m = String.valueOf(e.getMessage());
        String jar = "";
        for (Map.Entry<String, Path> x : listedBy.entrySet()) {
            if (m.contains(x.getKey())) {
                jar = " (listed in " + x.getValue() + ")";
                break;
            }
        }
        Throwable cause = e.getCause();
        while (cause != null && cause.getCause() != null && cause.getCause() != cause
                && cause instanceof java.lang.reflect.InvocationTargetException) {
            cause = cause.getCause();
        }
        return "a selector provider could not be loaded" + jar + ": " + Main.oneLine(m.replaceFirst("^[\\w.$]+: ", ""))
                + (cause == null ? "" : ": " + cause) + "; fix it or remove its jar";
    }

    /** Where a provider class came from: its plug-in jar, {@code built in}, or the class path entry. */
    static String origin(Class<?> type, ClassLoader plugins) {
        CodeSource cs = type.getProtectionDomain().getCodeSource();
        String where = cs == null || cs.getLocation() == null ? "?" : location(cs.getLocation());
        if (type.getClassLoader() == plugins && plugins != Plugins.class.getClassLoader()) {
            return where;
        }
        CodeSource own = Plugins.class.getProtectionDomain().getCodeSource();
        boolean sameJar = own != null && cs != null && own.getLocation() != null && own.getLocation().equals(cs.getLocation());
        return sameJar || type.getName().startsWith("dev.hoststack.selector.") ? "built in" : "class path: " + where;
    }

    private static String location(URL u) {
        try {
            return Path.of(u.toURI()).toString();
        } catch (Exception e) {
            return u.toString();
        }
    }
}
