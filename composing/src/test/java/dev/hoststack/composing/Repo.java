package dev.hoststack.composing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/** The repository around this module (tests run in the module's directory) and its POMs. */
final class Repo {

    private Repo() {
    }

    /** The repository's root: the parent of this module's directory, where hoststack-parent's POM is. */
    static Path root() {
        Path root = Path.of("").toAbsolutePath().getParent();
        assertThat(root.resolve("pom.xml")).as("the repository root above the composing module").exists();
        return root;
    }

    /** A POM, parsed. */
    static Document pom(Path pomFile) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            return f.newDocumentBuilder().parse(pomFile.toFile());
        } catch (Exception e) {
            throw new AssertionError("cannot read " + pomFile + ": " + e, e);
        }
    }

    /** The text of the project's direct child element {@code name}, or null. */
    static String child(Document pom, String name) {
        return childText(pom.getDocumentElement(), name);
    }

    static String childText(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e.getTextContent().trim();
            }
        }
        return null;
    }

    static Element childElement(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e;
            }
        }
        return null;
    }

    /** A project property (direct {@code <properties>} only), or null. */
    static String property(Document pom, String name) {
        Element props = childElement(pom.getDocumentElement(), "properties");
        return props == null ? null : childText(props, name);
    }

    /** The modules the root POM lists, in order. */
    static List<String> modules() {
        Document root = pom(root().resolve("pom.xml"));
        NodeList list = childElement(root.getDocumentElement(), "modules").getElementsByTagName("module");
        List<String> out = new ArrayList<>();
        for (int i = 0; i < list.getLength(); i++) {
            out.add(list.item(i).getTextContent().trim());
        }
        return out;
    }

    /** Module directory to its POM, for every module the root POM lists. */
    static Map<String, Document> modulePoms() {
        Map<String, Document> out = new LinkedHashMap<>();
        for (String m : modules()) {
            out.put(m, pom(root().resolve(m).resolve("pom.xml")));
        }
        return out;
    }

    /**
     * The modules users depend on: jar packaging, and installed (the ones that are not set
     * {@code maven.install.skip}: benchmarks, it, composing).
     */
    static Map<String, Document> publishedModules() {
        Map<String, Document> out = new LinkedHashMap<>();
        modulePoms().forEach((dir, pom) -> {
            String packaging = child(pom, "packaging");
            if ((packaging == null || packaging.equals("jar")) && !"true".equals(property(pom, "maven.install.skip"))) {
                out.put(dir, pom);
            }
        });
        return out;
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new AssertionError("cannot read " + file + ": " + e, e);
        }
    }
}
