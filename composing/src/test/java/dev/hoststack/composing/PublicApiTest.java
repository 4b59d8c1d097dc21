package dev.hoststack.composing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoststack.api.Internal;
import dev.hoststack.api.SessionHandle;
import dev.hoststack.api.spi.ReuseportSelector;
import dev.hoststack.pcap.CaptureReader;
import dev.hoststack.reuseport.ReuseportGroupTable;
import dev.hoststack.session.SessionLayer;
import dev.hoststack.session.table.SessionHashTable;
import dev.hoststack.stack.Stack;
import dev.hoststack.tcp.TcpTransport;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The internal line of docs/composing.md holds: no public or protected member of a public type in
 * the documented packages (api, api.spi, stack, session, session.table, tcp, reuseport, pcap)
 * takes, returns, throws, extends or exposes as a field a type of a package named
 * {@code internal}; and the recipes' tests import nothing internal.
 */
class PublicApiTest {

    /** The documented packages, each named by one of its classes (so its jar or directory is found). */
    private static final List<Class<?>> DOCUMENTED = List.of(SessionHandle.class, ReuseportSelector.class,
            Stack.class, SessionLayer.class, SessionHashTable.class, TcpTransport.class,
            ReuseportGroupTable.class, CaptureReader.class);

    static boolean internal(Class<?> c) {
        while (c.isArray()) {
            c = c.getComponentType();
        }
        return c.getPackageName().contains(".internal") || c.getPackageName().endsWith("internal");
    }

    /** Every class a type mentions (type arguments, bounds, array components). */
    static void mentioned(Type t, Set<Class<?>> out) {
        if (t instanceof Class<?> c) {
            out.add(c);
        } else if (t instanceof ParameterizedType p) {
            mentioned(p.getRawType(), out);
            for (Type a : p.getActualTypeArguments()) {
                mentioned(a, out);
            }
        } else if (t instanceof GenericArrayType g) {
            mentioned(g.getGenericComponentType(), out);
        } else if (t instanceof WildcardType w) {
            for (Type b : w.getUpperBounds()) {
                mentioned(b, out);
            }
            for (Type b : w.getLowerBounds()) {
                mentioned(b, out);
            }
        } else if (t instanceof TypeVariable<?> v) {
            for (Type b : v.getBounds()) {
                if (!(b instanceof TypeVariable<?>)) {
                    mentioned(b, out);
                }
            }
        }
    }

    /** The public top-level and member types of a documented class's package, by scanning its classes. */
    static List<Class<?>> publicTypesOf(Class<?> anchor) throws IOException, URISyntaxException {
        Path root = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
        String pkg = anchor.getPackageName();
        List<String> names = new ArrayList<>();
        if (Files.isDirectory(root)) {
            try (Stream<Path> files = Files.list(root.resolve(pkg.replace('.', '/')))) {
                files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".class"))
                        .forEach(n -> names.add(pkg + "." + n.substring(0, n.length() - 6)));
            }
        } else {
            try (java.util.jar.JarFile jar = new java.util.jar.JarFile(root.toFile())) {
                String dir = pkg.replace('.', '/') + "/";
                jar.stream().map(java.util.jar.JarEntry::getName)
                        .filter(n -> n.startsWith(dir) && n.endsWith(".class") && n.indexOf('/', dir.length()) < 0)
                        .forEach(n -> names.add(n.substring(0, n.length() - 6).replace('/', '.')));
            }
        }
        List<Class<?>> out = new ArrayList<>();
        for (String n : names) {
            if (n.endsWith("package-info")) {
                continue;
            }
            Class<?> c;
            try {
                c = Class.forName(n, false, anchor.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new AssertionError("cannot load " + n, e);
            }
            if (exported(c) && !markedInternal(c)) {
                out.add(c);
            }
        }
        return out;
    }

    /** Public, and (for a member type) every enclosing type public too. */
    static boolean exported(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getEnclosingClass()) {
            if (!Modifier.isPublic(k.getModifiers()) || k.isAnonymousClass() || k.isLocalClass()) {
                return false;
            }
        }
        return true;
    }

    static boolean visible(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    /** Marked {@link Internal}: public for hoststack's own modules, outside the line. */
    static boolean markedInternal(java.lang.reflect.AnnotatedElement e) {
        return e.isAnnotationPresent(Internal.class);
    }

    /** Where a public type exposes an internal one, as lines "Type.member: InternalType". */
    static List<String> leaks(Class<?> c) {
        List<String> out = new ArrayList<>();
        Set<Class<?>> seen = new TreeSet<>((a, b) -> a.getName().compareTo(b.getName()));
        mentioned(c.getGenericSuperclass(), seen);
        for (Type i : c.getGenericInterfaces()) {
            mentioned(i, seen);
        }
        report(c.getName() + " (its supertypes)", seen, out);
        for (Field f : c.getDeclaredFields()) {
            if (visible(f.getModifiers()) && !f.isSynthetic() && !markedInternal(f)) {
                Set<Class<?>> s = new TreeSet<>((a, b) -> a.getName().compareTo(b.getName()));
                mentioned(f.getGenericType(), s);
                report(c.getName() + "." + f.getName(), s, out);
            }
        }
        List<Executable> members = new ArrayList<>(List.of(c.getDeclaredMethods()));
        members.addAll(List.<Constructor<?>>of(c.getDeclaredConstructors()));
        for (Executable e : members) {
            if (!visible(e.getModifiers()) || e.isSynthetic() || (e instanceof Method m && m.isBridge())
                    || markedInternal(e)) {
                continue;
            }
            Set<Class<?>> s = new TreeSet<>((a, b) -> a.getName().compareTo(b.getName()));
            if (e instanceof Method m) {
                mentioned(m.getGenericReturnType(), s);
            }
            for (Type p : e.getGenericParameterTypes()) {
                mentioned(p, s);
            }
            for (Type x : e.getGenericExceptionTypes()) {
                mentioned(x, s);
            }
            report(c.getName() + "." + e.getName() + "(...)", s, out);
        }
        return out;
    }

    private static void report(String where, Set<Class<?>> types, List<String> out) {
        for (Class<?> t : types) {
            if (internal(t)) {
                out.add(where + ": " + t.getName());
            }
        }
    }

    @Test
    void noDocumentedPublicTypeExposesAnInternalType() throws Exception {
        List<String> leaks = new ArrayList<>();
        int types = 0;
        for (Class<?> anchor : DOCUMENTED) {
            assertThat(internal(anchor)).as("%s is a documented package", anchor.getPackageName()).isFalse();
            for (Class<?> c : publicTypesOf(anchor)) {
                types++;
                leaks.addAll(leaks(c));
            }
        }
        assertThat(types).as("public types found in the documented packages").isGreaterThan(40);
        assertThat(leaks).as("public members of documented packages that expose a type of an internal package "
                + "(return the api interface instead, or move the member behind the line)").isEmpty();
    }

    @Test
    void theCheckFindsALeak() {
        // a public method returning an internal type is found (the check can fail)
        assertThat(leaks(Leaky.class)).as("a public method returning an internal type")
                .containsExactly(Leaky.class.getName() + ".ring(...): dev.hoststack.session.internal.MpscLongRing");
        assertThat(leaks(Leaky.class)).noneMatch(l -> l.contains("hidden") || l.contains("wiring"));
    }

    /** A type with one leak (ring), one member that is not public (hidden), one marked internal (wiring). */
    public static class Leaky {
        public dev.hoststack.session.internal.MpscLongRing ring() {
            return null;
        }

        java.util.List<dev.hoststack.session.internal.MpscLongRing> hidden() {
            return null;
        }

        @Internal
        public dev.hoststack.session.internal.MpscLongRing wiring() {
            return null;
        }
    }

    private static final Pattern IMPORT = Pattern.compile("^import (static )?([\\w.]+)", Pattern.MULTILINE);

    @Test
    void theRecipesUseThePublicApiOnly() throws IOException {
        List<String> internalImports = new ArrayList<>();
        int recipes = 0;
        try (Stream<Path> files = Files.list(ComposingDocTest.SOURCES)) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith("Recipe")).toList()) {
                recipes++;
                String src = Files.readString(f);
                Matcher m = IMPORT.matcher(src);
                while (m.find()) {
                    String imported = m.group(2);
                    if (imported.contains(".internal.") || imported.matches(".*\\.\\w+Impl(\\.\\w+)?")
                            || imported.endsWith(".ListenSession")) {
                        internalImports.add(f.getFileName() + ": " + imported);
                    }
                }
                assertThat(src).as("%s names no internal package in its code", f.getFileName())
                        .doesNotContain(".internal.");
            }
        }
        assertThat(recipes).as("Recipe*Test sources").isEqualTo(4);
        assertThat(internalImports).as("the recipes import internal types").isEmpty();
    }
}
