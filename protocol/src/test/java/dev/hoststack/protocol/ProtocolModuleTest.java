package dev.hoststack.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import org.junit.jupiter.api.Test;

/** Names, field reading and the messages both sides build. */
class ProtocolModuleTest {

    @Test
    void namesAreVisibleAsciiAndBounded() {
        assertThat(Names.problem("web")).isNull();
        assertThat(Names.problem("shop.api-1:x@y")).isNull();
        assertThat(Names.problem("a".repeat(Names.MAX_LENGTH))).isNull();
        assertThat(Names.problem("a".repeat(Names.MAX_LENGTH + 1))).contains("65 characters long");
        assertThat(Names.problem("")).contains("empty");
        assertThat(Names.problem(null)).contains("empty");
        assertThat(Names.problem("a b")).contains("a space");
        assertThat(Names.problem("evil\nrow")).contains("U+000A").contains("control character");
        assertThat(Names.problem("\u001b[31mred")).contains("U+001B");
        assertThat(Names.problem("caf\u00e9")).contains("U+00E9").contains("not ASCII");
        assertThat(Names.problem("abc\u202e")).contains("U+202E");
        assertThatThrownBy(() -> Names.check("application name", "x\ny"))
                .isInstanceOfSatisfying(ProtocolException.class, e -> {
                    assertThat(e.code()).isEqualTo(Errors.INVALID_NAME);
                    assertThat(e.getMessage()).contains("\"x\\x0ay\"").doesNotContain("\n");
                    assertThat(e.hint()).contains("visible ASCII");
                });
    }

    @Test
    void escapeLeavesNothingATerminalWouldInterpret() {
        assertThat(Names.escape("plain text: ok")).isEqualTo("plain text: ok");
        assertThat(Names.escape("a\nb\r\t\u001b[2J\u007f\u0085\\")).isEqualTo("a\\x0ab\\x0d\\x09\\x1b[2J\\x7f\\x85\\\\");
        assertThat(Names.escape("\u202eevil")).isEqualTo("\\x{202e}evil");
        assertThat(Names.escape("x".repeat(300))).hasSize(203).endsWith("...");
        assertThat(Names.escape(null)).isEqualTo("null");
        for (char c = 0; c < 0x3000; c++) {
            String e = Names.escape(String.valueOf(c));
            assertThat(e.chars().allMatch(ch -> ch >= ' ' && ch <= '~')).as("escape of U+%04X", (int) c).isTrue();
        }
    }

    @Test
    void fieldsAreReadWithTheirTypesChecked() {
        JsonObject o = Fields.parse("{\"s\":\"x\",\"n\":7,\"f\":1.5,\"b\":true,\"z\":null}");
        assertThat(Fields.string(o, "s", null)).isEqualTo("x");
        assertThat(Fields.string(o, "z", "def")).isEqualTo("def");
        assertThat(Fields.number(o, "n", 0)).isEqualTo(7);
        assertThat(Fields.number(o, "missing", -1)).isEqualTo(-1);
        assertThat(Fields.bool(o, "b", false)).isTrue();
        assertThatThrownBy(() -> Fields.string(o, "n", null)).hasMessage("\"n\" must be a string");
        assertThatThrownBy(() -> Fields.number(o, "f", 0)).hasMessage("\"f\" must be an integer");
        assertThatThrownBy(() -> Fields.number(o, "s", 0)).hasMessage("\"s\" must be a number");
        assertThatThrownBy(() -> Fields.bool(o, "s", false)).hasMessage("\"s\" must be true or false");
        assertThatThrownBy(() -> Fields.required(o, "q", "needs q")).hasMessage("needs q");
        for (String bad : new String[] {"not json", "[1]", "\"s\"", "{", "{\"a\":}"}) {
            assertThatThrownBy(() -> Fields.parse(bad)).as(bad).isInstanceOfSatisfying(ProtocolException.class,
                    e -> assertThat(e.code()).isEqualTo(Errors.BAD_REQUEST));
        }
    }

    @Test
    void messagesHaveTheDocumentedShape() {
        assertThat(Messages.hello("c").toString()).isEqualTo("{\"op\":\"hello\",\"version\":2,\"client\":\"c\"}");
        assertThat(Messages.hello("c", 1).toString()).isEqualTo("{\"op\":\"hello\",\"version\":1,\"client\":\"c\"}");
        assertThat(Messages.attach("web", "default", 0).toString())
                .isEqualTo("{\"op\":\"attach\",\"app\":\"web\",\"namespace\":\"default\",\"secret\":0}");
        assertThat(Messages.data("ab", 16).toString()).isEqualTo("{\"op\":\"data\",\"version\":2,\"token\":\"ab\",\"window\":16}");
        assertThat(Messages.data("ab", 16, 1).toString()).isEqualTo("{\"op\":\"data\",\"version\":1,\"token\":\"ab\",\"window\":16}");
        assertThat(Messages.report(java.util.Map.of("tcp://127.0.0.1/80", 12L)).toString())
                .isEqualTo("{\"op\":\"report\",\"accepted\":{\"tcp://127.0.0.1/80\":12}}");
        assertThat(Messages.listen("tcp://127.0.0.1/0", true, null).toString())
                .isEqualTo("{\"op\":\"listen\",\"uri\":\"tcp://127.0.0.1/0\",\"reuseport\":true}");
        JsonObject fields = new JsonObject();
        fields.addProperty("app", "web");
        JsonObject ok = Messages.ok(new JsonPrimitive(3), fields);
        assertThat(ok.toString()).isEqualTo("{\"id\":3,\"ok\":true,\"app\":\"web\"}");
        assertThat(Messages.isOk(ok)).isTrue();
        JsonObject err = Messages.error(null, Errors.NOT_OWNER, "m", "h");
        assertThat(err.toString()).isEqualTo("{\"ok\":false,\"error\":\"NOT_OWNER\",\"message\":\"m\",\"hint\":\"h\"}");
        assertThat(Messages.isOk(err)).isFalse();
        assertThat(Messages.isEvent(Messages.detached("web"))).isTrue();
        assertThat(Protocol.OPS).contains(Protocol.HELLO, Protocol.DATA, Protocol.SHOW, Protocol.REPORT);
        assertThat(Protocol.supported(1)).isTrue();
        assertThat(Protocol.supported(2)).isTrue();
        assertThat(Protocol.supported(0)).as("version 0").isFalse();
        assertThat(Protocol.supported(3)).as("version 3").isFalse();
    }
}
