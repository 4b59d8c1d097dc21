package dev.hoststack.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Selector plug-in jars made for tests: Java sources compiled against this class path with the
 * JDK's compiler, then jarred with a {@code META-INF/services} file, so that their classes exist
 * only in the jar (as a third party's would).
 */
final class PluginJars {

    private PluginJars() {
    }

    /**
     * A provider class of package {@code plugin.NAME}: {@code name()} answers {@code name},
     * {@code create} makes a selector whose {@code select} body is {@code selectBody} (it sees
     * {@code group}, {@code flow}, {@code thread}); {@code constructorBody} and {@code createBody}
     * run first in the constructor and in {@code create}.
     */
    static String provider(String name, String selectBody, String constructorBody, String createBody) {
        return "package plugin." + name + ";\n"
                + "import dev.hoststack.api.spi.*;\n"
                + "public final class Provider implements ReuseportSelectorProvider {\n"
                + "  public Provider() { " + constructorBody + " }\n"
                + "  public String name() { return \"" + name + "\"; }\n"
                + "  public String description() { return \"a test plug-in named " + name + "\"; }\n"
                + "  public ReuseportSelector create(SelectorContext context) { " + createBody + "\n"
                + "    return new ReuseportSelector() {\n"
                + "      public int select(ReuseportGroupView group, FlowView flow, int thread) { " + selectBody + " }\n"
                + "    };\n"
                + "  }\n"
                + "}\n";
    }

    /** A jar holding the compiled sources (binary name to source) and a services file of {@code services}. */
    static Path jar(Path dir, String jarName, Map<String, String> sources, List<String> services) throws IOException {
        Path src = Files.createTempDirectory(dir, "src");
        Path classes = Files.createTempDirectory(dir, "classes");
        List<String> files = new ArrayList<>();
        for (Map.Entry<String, String> e : sources.entrySet()) {
            Path f = src.resolve(e.getKey().replace('.', '/') + ".java");
            Files.createDirectories(f.getParent());
            Files.writeString(f, e.getValue());
            files.add(f.toString());
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) {
            throw new IllegalStateException("tests need a JDK (javax.tools), not a JRE");
        }
        List<String> args = new ArrayList<>(List.of("--release", "17", "-proc:none", "-cp",
                System.getProperty("java.class.path"), "-d", classes.toString()));
        args.addAll(files);
        StringWriter log = new StringWriter();
        int rc = javac.run(null, OutputStream.nullOutputStream(), new java.io.PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                log.write(b);
            }
        }, true, StandardCharsets.UTF_8), args.toArray(String[]::new));
        if (rc != 0) {
            throw new IllegalStateException("javac failed: " + log);
        }
        Path jar = dir.resolve(jarName);
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
             Stream<Path> walk = Files.walk(classes)) {
            for (Path c : walk.filter(Files::isRegularFile).toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(c).toString().replace('\\', '/')));
                out.write(Files.readAllBytes(c));
                out.closeEntry();
            }
            if (services != null) {
                out.putNextEntry(new JarEntry(Plugins.SERVICES));
                out.write((String.join("\n", services) + "\n").getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
        }
        return jar;
    }

    /** A jar of one provider from {@link #provider}. */
    static Path one(Path dir, String name, String selectBody, String constructorBody, String createBody) throws IOException {
        return jar(dir, name + ".jar", Map.of("plugin." + name + ".Provider",
                provider(name, selectBody, constructorBody, createBody)), List.of("plugin." + name + ".Provider"));
    }
}
