package dev.hoststack.composing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * docs/composing.md quotes the recipes' code from this module's tests: every block marked
 * {@code <!-- snippet: Class#tag -->} is exactly the region between {@code // tag::tag[]} and
 * {@code // end::tag[]} of {@code Class.java} (less its common indentation), and every tagged
 * region is quoted. With {@code -Dhoststack.composing.write=true} the test rewrites the doc's
 * blocks from the sources instead of failing.
 */
class ComposingDocTest {

    static final Path DOC = Repo.root().resolve("docs/composing.md");
    static final Path SOURCES = Path.of("src/test/java/dev/hoststack/composing").toAbsolutePath();
    private static final Pattern BLOCK =
            Pattern.compile("<!-- snippet: (\\w+)#([\\w-]+) -->\\n```java\\n(.*?)```\\n", Pattern.DOTALL);
    private static final Pattern TAG = Pattern.compile("//\\s*tag::([\\w-]+)\\[]");
    private static final String WRITE = "hoststack.composing.write";

    /** The tagged region of a test source, its common indentation removed, ending with a newline. */
    static String region(String className, String tag) {
        Path file = SOURCES.resolve(className + ".java");
        assertThat(file).as("the source a snippet of docs/composing.md names").exists();
        List<String> lines = Repo.read(file).lines().toList();
        int start = -1;
        int end = -1;
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i).trim();
            if (l.equals("// tag::" + tag + "[]")) {
                start = i + 1;
            } else if (l.equals("// end::" + tag + "[]")) {
                end = i;
            }
        }
        assertThat(start).as("%s has a line '// tag::%s[]'", file.getFileName(), tag).isPositive();
        assertThat(end).as("%s has a line '// end::%s[]' after its tag line", file.getFileName(), tag)
                .isGreaterThanOrEqualTo(start);
        List<String> body = lines.subList(start, end);
        int indent = body.stream().filter(l -> !l.isBlank())
                .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        StringBuilder out = new StringBuilder();
        for (String l : body) {
            out.append(l.isBlank() ? "" : l.substring(indent)).append('\n');
        }
        return out.toString();
    }

    @Test
    void everySnippetInTheDocIsTheCodeOfItsTest() throws IOException {
        String doc = Repo.read(DOC);
        Matcher m = BLOCK.matcher(doc);
        StringBuilder rewritten = new StringBuilder();
        List<String> stale = new ArrayList<>();
        int blocks = 0;
        while (m.find()) {
            blocks++;
            String expected = region(m.group(1), m.group(2));
            if (!expected.equals(m.group(3))) {
                stale.add(m.group(1) + "#" + m.group(2) + ", expected:\n" + expected);
            }
            m.appendReplacement(rewritten, Matcher.quoteReplacement(
                    "<!-- snippet: " + m.group(1) + "#" + m.group(2) + " -->\n```java\n" + expected + "```\n"));
        }
        m.appendTail(rewritten);
        assertThat(blocks).as("snippet blocks in docs/composing.md").isGreaterThanOrEqualTo(4);
        if (!stale.isEmpty() && Boolean.getBoolean(WRITE)) {
            Files.writeString(DOC, rewritten.toString());
            return;
        }
        assertThat(stale).as("docs/composing.md's snippets that differ from their tests' code (fix the doc, or run "
                + "./mvnw -pl composing -am test -Dtest=ComposingDocTest -Dsurefire.failIfNoSpecifiedTests=false -D"
                + WRITE + "=true to copy the tests' code into it)").isEmpty();
    }

    @Test
    void everyTaggedRegionOfTheRecipesIsQuotedInTheDoc() throws IOException {
        String doc = Repo.read(DOC);
        Set<String> quoted = new LinkedHashSet<>();
        Matcher m = BLOCK.matcher(doc);
        while (m.find()) {
            quoted.add(m.group(1) + "#" + m.group(2));
        }
        Set<String> tagged = new LinkedHashSet<>();
        try (Stream<Path> files = Files.list(SOURCES)) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith("Recipe")).sorted().toList()) {
                String cls = f.getFileName().toString().replace(".java", "");
                Matcher t = TAG.matcher(Repo.read(f));
                while (t.find()) {
                    tagged.add(cls + "#" + t.group(1));
                }
            }
        }
        assertThat(tagged).as("tagged regions of the Recipe*Test sources").isNotEmpty();
        assertThat(quoted).as("docs/composing.md quotes every tagged region of the recipes' tests "
                + "(a block '<!-- snippet: Class#tag -->' followed by a java fence)").containsAll(tagged);
    }
}
