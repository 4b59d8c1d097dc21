package dev.hoststack.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoststack.api.spi.TestFlow;
import dev.hoststack.api.spi.TestSeed;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link JHash} against the kernel's definitions: {@code jhash_3words} and {@code reciprocal_scale}
 * against the vectors in {@code jhash_3words.tsv} (computed from include/linux/jhash.h), and
 * {@code jhash2} / the IPv4 and IPv6 ehash functions against a transcription of the kernel code.
 */
class JHashTest {

    /** The n of the tsv's {@code rs<n>} columns, in column order. */
    static final int[] SCALES = {1, 2, 3, 6, 7, 64};

    /** One tsv row: a b c initval hash, then reciprocal_scale(hash, n) for each of {@link #SCALES}. */
    record Vector(int line, int a, int b, int c, int initval, int hash, int[] scaled) {
        @Override
        public String toString() {
            return String.format("line %d: jhash_3words(%08x, %08x, %08x, %08x)", line, a, b, c, initval);
        }
    }

    static List<Vector> vectors() throws IOException {
        List<Vector> rows = new ArrayList<>();
        try (InputStream in = JHashTest.class.getResourceAsStream("/jhash_3words.tsv")) {
            assertThat(in).as("test resource /jhash_3words.tsv (copied from the shared vectors)").isNotNull();
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            String header = null;
            int lineNo = 0;
            for (String line; (line = r.readLine()) != null; ) {
                lineNo++;
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split("\t");
                if (header == null) {
                    header = line;
                    assertThat(f).as("the tsv's column header").containsExactly("a", "b", "c", "initval", "hash",
                            "rs1", "rs2", "rs3", "rs6", "rs7", "rs64");
                    continue;
                }
                assertThat(f).as("fields on line %d: %s", lineNo, line).hasSize(5 + SCALES.length);
                int[] scaled = new int[SCALES.length];
                for (int i = 0; i < SCALES.length; i++) {
                    scaled[i] = Integer.parseInt(f[5 + i]);
                }
                rows.add(new Vector(lineNo, hex(f[0]), hex(f[1]), hex(f[2]), hex(f[3]), hex(f[4]), scaled));
            }
        }
        return rows;
    }

    static Stream<Arguments> rows() throws IOException {
        return vectors().stream().map(Arguments::of);
    }

    private static int hex(String s) {
        return Integer.parseUnsignedInt(s, 16);
    }

    @Test
    void theVectorFileHasItsRows() throws IOException {
        assertThat(vectors()).as("rows of jhash_3words.tsv").hasSizeGreaterThanOrEqualTo(16);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void jhash3WordsMatchesTheKernel(Vector v) {
        int h = JHash.jhash3Words(v.a(), v.b(), v.c(), v.initval());
        assertThat(Integer.toHexString(h)).as("%s, expected the kernel's %08x", v, v.hash())
                .isEqualTo(Integer.toHexString(v.hash()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void reciprocalScaleMatchesTheKernel(Vector v) {
        for (int i = 0; i < SCALES.length; i++) {
            assertThat(JHash.reciprocalScale(v.hash(), SCALES[i]))
                    .as("reciprocal_scale(%08x, %d) (%s)", v.hash(), SCALES[i], v)
                    .isEqualTo(v.scaled()[i]);
        }
    }

    @Test
    void reciprocalScaleIsInRangeAndMonotoneInTheHash() {
        Random rnd = new Random(1);
        int[] ns = {1, 2, 3, 6, 7, 64, 1000, 32_768, Integer.MAX_VALUE};
        for (int n : ns) {
            assertThat(JHash.reciprocalScale(0, n)).as("reciprocal_scale(0, %d)", n).isZero();
            assertThat(JHash.reciprocalScale(-1, n)).as("reciprocal_scale(0xffffffff, %d)", n).isEqualTo(n - 1);
            for (int i = 0; i < 2_000; i++) {
                int h = rnd.nextInt();
                long expected = (Integer.toUnsignedLong(h) * n) / (1L << 32);
                assertThat(JHash.reciprocalScale(h, n)).as("reciprocal_scale(%08x, %d) = floor(h * n / 2^32)", h, n)
                        .isEqualTo((int) expected);
            }
        }
    }

    @Test
    void inetEhashIsJhash3WordsOfAddressesAndPorts() {
        // the tsv's row 0a000002 0a000001 00509c40 00000000: 10.0.0.2:80 <- 10.0.0.1:40000, secret 0
        assertThat(Integer.toHexString(JHash.inetEhash(0x0a000002, 80, 0x0a000001, 40000, 0)))
                .as("inet_ehashfn(10.0.0.2, 80, 10.0.0.1, 40000, secret 0), from the vector file")
                .isEqualTo("180f754c");
        Random rnd = new Random(2);
        for (int i = 0; i < 1_000; i++) {
            int l = rnd.nextInt();
            int f = rnd.nextInt();
            int lport = rnd.nextInt(0x10000);
            int fport = rnd.nextInt(0x10000);
            int secret = rnd.nextInt();
            assertThat(JHash.inetEhash(l, lport, f, fport, secret))
                    .as("inetEhash(%08x, %d, %08x, %d, %08x)", l, lport, f, fport, secret)
                    .isEqualTo(JHash.jhash3Words(l, f, lport << 16 | fport, secret));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void inetEhashFromAStartMatchesTheKernelsVectors(Vector v) {
        // every row is an inet_ehashfn: a = laddr, b = faddr, c = lport << 16 | fport
        int h = JHash.inetEhashFrom(v.a(), v.c() >>> 16, v.b(), v.c() & 0xFFFF, JHash.jhash3Start(v.initval()));
        assertThat(Integer.toHexString(h)).as("inetEhashFrom of %s, expected the kernel's %08x", v, v.hash())
                .isEqualTo(Integer.toHexString(v.hash()));
    }

    @Test
    void inetEhashFromAStartIsTheKernelsHashOfTheFlow(TestInfo info) {
        // the selector's form (secret folded once, port word summed) against the plain kernel
        // transcription of jhash_3words: same value for every address, 16-bit port and secret
        long seed = TestSeed.seed(info);
        Random rnd = new Random(seed);
        for (int i = 0; i < 20_000; i++) {
            int l = rnd.nextInt();
            int f = rnd.nextInt();
            int lport = i < 4 ? (i & 1) * 0xFFFF : rnd.nextInt(0x10000);
            int fport = i < 4 ? (i >> 1) * 0xFFFF : rnd.nextInt(0x10000);
            int secret = rnd.nextInt();
            int expected = kernelJhash2(new int[] {l, f, lport << 16 | fport}, secret); // jhash_3words = jhash2 of 3 words
            assertThat(JHash.inetEhashFrom(l, lport, f, fport, JHash.jhash3Start(secret)))
                    .as("inetEhashFrom(%08x, %d, %08x, %d, start of %08x), %s", l, lport, f, fport, secret,
                            TestSeed.replay(seed))
                    .isEqualTo(expected)
                    .isEqualTo(JHash.inetEhash(l, lport, f, fport, secret));
        }
    }

    /** The kernel's {@code jhash2} for any length, transcribed from include/linux/jhash.h. */
    static int kernelJhash2(int[] k, int initval) {
        int length = k.length;
        int a = 0xdeadbeef + (length << 2) + initval;
        int b = a;
        int c = a;
        int o = 0;
        while (length > 3) {
            a += k[o];
            b += k[o + 1];
            c += k[o + 2];
            a -= c; a ^= Integer.rotateLeft(c, 4); c += b;
            b -= a; b ^= Integer.rotateLeft(a, 6); a += c;
            c -= b; c ^= Integer.rotateLeft(b, 8); b += a;
            a -= c; a ^= Integer.rotateLeft(c, 16); c += b;
            b -= a; b ^= Integer.rotateLeft(a, 19); a += c;
            c -= b; c ^= Integer.rotateLeft(b, 4); b += a;
            length -= 3;
            o += 3;
        }
        if (length == 0) {
            return c;
        }
        if (length == 3) {
            c += k[o + 2];
        }
        if (length >= 2) {
            b += k[o + 1];
        }
        a += k[o];
        c ^= b; c -= Integer.rotateLeft(b, 14);
        a ^= c; a -= Integer.rotateLeft(c, 11);
        b ^= a; b -= Integer.rotateLeft(a, 25);
        c ^= b; c -= Integer.rotateLeft(b, 16);
        a ^= c; a -= Integer.rotateLeft(c, 4);
        b ^= a; b -= Integer.rotateLeft(a, 14);
        c ^= b; c -= Integer.rotateLeft(b, 24);
        return c;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void theKernelJhash2TranscriptionAgreesWithTheVectors(Vector v) {
        // jhash2(k, 3, iv) == jhash_3words(k0, k1, k2, iv) in the kernel: checks the transcription
        assertThat(Integer.toHexString(kernelJhash2(new int[] {v.a(), v.b(), v.c()}, v.initval())))
                .as("test's jhash2 of 3 words, %s", v).isEqualTo(Integer.toHexString(v.hash()));
    }

    @Test
    void jhash2Of4MatchesTheKernelsJhash2() {
        Random rnd = new Random(3);
        for (int i = 0; i < 2_000; i++) {
            int[] w = {rnd.nextInt(), rnd.nextInt(), rnd.nextInt(), rnd.nextInt()};
            int iv = i < 10 ? 0 : rnd.nextInt();
            assertThat(JHash.jhash2Of4(w[0], w[1], w[2], w[3], iv))
                    .as("jhash2({%08x, %08x, %08x, %08x}, 4, %08x)", w[0], w[1], w[2], w[3], iv)
                    .isEqualTo(kernelJhash2(w, iv));
        }
    }

    @Test
    void inet6EhashHashesTheLastLocalWordTheRemoteAddressAndThePorts() {
        Random rnd = new Random(4);
        for (int i = 0; i < 1_000; i++) {
            long lhi = rnd.nextLong();
            long llo = rnd.nextLong();
            long rhi = rnd.nextLong();
            long rlo = rnd.nextLong();
            int lport = rnd.nextInt(0x10000);
            int rport = rnd.nextInt(0x10000);
            int secret = rnd.nextInt();
            int fhash = kernelJhash2(new int[] {(int) (rhi >>> 32), (int) rhi, (int) (rlo >>> 32), (int) rlo}, secret);
            int expected = JHash.jhash3Words((int) llo, fhash, lport << 16 | rport, secret);
            assertThat(JHash.inet6Ehash(lhi, llo, lport, rhi, rlo, rport, secret))
                    .as("inet6Ehash(%016x%016x port %d, %016x%016x port %d, %08x)", lhi, llo, lport, rhi, rlo, rport, secret)
                    .isEqualTo(expected);
            // only the last 32 bits of the local address count, as in the kernel
            assertThat(JHash.inet6Ehash(~lhi, llo ^ 0xFFFF_FFFF_0000_0000L, lport, rhi, rlo, rport, secret))
                    .as("inet6Ehash must ignore the local address's first 96 bits").isEqualTo(expected);
        }
    }

    @Test
    void flowHashPicksTheFamilysHash() {
        Random rnd = new Random(5);
        TestFlow flow = new TestFlow();
        for (int i = 0; i < 500; i++) {
            int secret = rnd.nextInt();
            flow.setRandom(rnd, true, rnd.nextInt(0x10000));
            assertThat(JHash.flowHash(flow, secret)).as("flowHash of IPv4 %s", flow)
                    .isEqualTo(JHash.inetEhash(flow.localIp4(), flow.localPort(), flow.remoteIp4(), flow.remotePort(), secret));
            flow.setRandom(rnd, false, rnd.nextInt(0x10000));
            assertThat(JHash.flowHash(flow, secret)).as("flowHash of IPv6 %s", flow)
                    .isEqualTo(JHash.inet6Ehash(flow.localIp6Hi(), flow.localIp6Lo(), flow.localPort(),
                            flow.remoteIp6Hi(), flow.remoteIp6Lo(), flow.remotePort(), secret));
        }
    }
}
