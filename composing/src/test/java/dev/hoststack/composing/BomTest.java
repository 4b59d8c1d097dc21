package dev.hoststack.composing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The BOM lists every module users depend on, at the build's version, and pins nothing else. */
class BomTest {

    private static final Document BOM = Repo.pom(Repo.root().resolve("bom/pom.xml"));
    private static final Document PARENT = Repo.pom(Repo.root().resolve("pom.xml"));

    /** The BOM's managed dependencies as {@code groupId:artifactId[:type]}, and their versions. */
    private static List<String[]> managed() {
        Element dm = Repo.childElement(BOM.getDocumentElement(), "dependencyManagement");
        NodeList deps = Repo.childElement(dm, "dependencies").getElementsByTagName("dependency");
        List<String[]> out = new ArrayList<>();
        for (int i = 0; i < deps.getLength(); i++) {
            Element d = (Element) deps.item(i);
            String type = Repo.childText(d, "type");
            out.add(new String[] {Repo.childText(d, "groupId") + ":" + Repo.childText(d, "artifactId")
                    + (type == null || type.equals("jar") ? "" : ":" + type), Repo.childText(d, "version")});
        }
        return out;
    }

    @Test
    void theBomHasTheParentsVersionAndNoParentOfItsOwn() {
        assertThat(Repo.child(BOM, "version")).as("bom/pom.xml's version, kept equal to the parent's")
                .isEqualTo(Repo.child(PARENT, "version"));
        assertThat(Repo.childElement(BOM.getDocumentElement(), "parent"))
                .as("no <parent>: an imported BOM would bring hoststack-parent's pins of Guava, Guice, Netty...")
                .isNull();
        assertThat(Repo.child(BOM, "packaging")).isEqualTo("pom");
        assertThat(Repo.modules()).as("the root POM builds the BOM").contains("bom");
    }

    @Test
    void theBomListsEveryPublishedModuleAndOnlyHoststacksOwnArtifacts() {
        List<String> listed = new ArrayList<>();
        for (String[] d : managed()) {
            listed.add(d[0]);
            assertThat(d[1]).as("%s's version in the BOM", d[0]).isEqualTo("${project.version}");
            assertThat(d[0]).as("the BOM manages hoststack's own artifacts only").startsWith("dev.hoststack:");
        }
        List<String> expected = new ArrayList<>();
        for (Map.Entry<String, Document> m : Repo.publishedModules().entrySet()) {
            expected.add("dev.hoststack:" + Repo.child(m.getValue(), "artifactId"));
        }
        expected.add("dev.hoststack:hoststack-api:test-jar");
        assertThat(listed)
                .as("bom/pom.xml lists every module that is installed (add a new module there, or set "
                        + "maven.install.skip in a module that is not for users)")
                .containsExactlyInAnyOrderElementsOf(expected);
    }
}
