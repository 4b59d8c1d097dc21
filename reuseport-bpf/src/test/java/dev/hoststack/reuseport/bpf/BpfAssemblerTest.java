package dev.hoststack.reuseport.bpf;

import static dev.hoststack.reuseport.bpf.BpfInsn.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The assembler's bytes against the encoding of {@code struct bpf_insn}, written out by hand from include/uapi/linux/bpf.h. */
class BpfAssemblerTest {

    private static String hex(BpfAssembler a) {
        return HexFormat.of().formatHex(a.assemble());
    }

    @Test
    void movesLoadsAndStoresEncodeAsTheKernelDefinesThem() {
        assertThat(hex(new BpfAssembler().mov(R0, SK_PASS))).as("r0 = 1: ALU64|MOV|K").isEqualTo("b700000001000000");
        assertThat(hex(new BpfAssembler().movReg(R6, R1))).as("r6 = r1: ALU64|MOV|X, src in the high nibble").isEqualTo("bf16000000000000");
        assertThat(hex(new BpfAssembler().add(R2, -4))).as("r2 += -4: ALU64|ADD|K, imm sign-extended").isEqualTo("07020000fcffffff");
        assertThat(hex(new BpfAssembler().ldxW(R3, R6, 32))).as("r3 = *(u32 *)(r6 + 32): LDX|MEM|W").isEqualTo("6163200000000000");
        assertThat(hex(new BpfAssembler().stW(R10, -4, 0))).as("*(u32 *)(r10 - 4) = 0: ST|MEM|W").isEqualTo("620afcff00000000");
        assertThat(hex(new BpfAssembler().stxW(R10, -8, R2))).as("*(u32 *)(r10 - 8) = r2: STX|MEM|W").isEqualTo("632af8ff00000000");
        assertThat(hex(new BpfAssembler().modReg(R3, R2))).as("r3 %= r2: ALU64|MOD|X").isEqualTo("9f23000000000000");
        assertThat(hex(new BpfAssembler().lsh(R4, 4))).as("r4 <<= 4").isEqualTo("6704000004000000");
    }

    @Test
    void atomicFetchAddIsStxDwAtomicWithAddFetch() {
        assertThat(hex(new BpfAssembler().atomicFetchAddDW(R8, 0, R3)))
                .as("0xdb = STX|DW|ATOMIC, imm BPF_ADD|BPF_FETCH = 1").isEqualTo("db38000001000000");
        assertThat(hex(new BpfAssembler().atomicFetchAddDW(R1, 8, R2))).isEqualTo("db21080001000000");
    }

    @Test
    void ldImm64OfAMapFdTakesTwoSlots() {
        BpfAssembler a = new BpfAssembler().ldMapFd(R1, 7);
        assertThat(a.slots()).isEqualTo(2);
        assertThat(hex(a)).as("LD|DW|IMM with src BPF_PSEUDO_MAP_FD, then the upper half").isEqualTo("1811000007000000" + "0000000000000000");
    }

    @Test
    void callAndExit() {
        assertThat(hex(new BpfAssembler().call(FUNC_SK_SELECT_REUSEPORT, "sk_select_reuseport").exit()))
                .isEqualTo("8500000052000000" + "9500000000000000");
    }

    @Test
    void jumpsResolveForwardAndBackwardCountingLdImm64AsTwoSlots() {
        BpfAssembler a = new BpfAssembler();
        BpfAssembler.Label top = a.label("top");
        BpfAssembler.Label end = a.label("end");
        a.bind(top)
                .jeq(R0, 0, end)      // slot 0 -> end at slot 4: off 3
                .ldMapFd(R1, 3)       // slots 1, 2
                .ja(top)              // slot 3 -> slot 0: off -4
                .bind(end)
                .exit();              // slot 4
        String h = hex(a);
        assertThat(h.substring(0, 16)).as("if r0 == 0 goto +3").isEqualTo("1500030000000000");
        assertThat(h.substring(48, 64)).as("goto -4").isEqualTo("0500fcff00000000");
        assertThat(a.listing()).contains("top:", "end:", "   0: if r0 == 0 goto end", "   3: goto top", "   4: exit");
    }

    @Test
    void jgeRegisterFormUsesTheXSourceBit() {
        BpfAssembler a = new BpfAssembler();
        BpfAssembler.Label l = a.label("l");
        a.jgeReg(R4, R2, l).bind(l).exit();
        assertThat(hex(a).substring(0, 16)).as("JMP|JGE|X, r4 >= r2, off 0").isEqualTo("3d24000000000000");
    }

    @Test
    void anUnboundLabelOrABadRegisterFailsClearly() {
        BpfAssembler a = new BpfAssembler();
        BpfAssembler.Label nowhere = a.label("nowhere");
        a.ja(nowhere);
        assertThatThrownBy(a::assemble).hasMessageContaining("label nowhere is jumped to but never bound");
        assertThatThrownBy(() -> new BpfAssembler().mov(11, 0).assemble()).hasMessageContaining("registers are r0..r10");
        BpfAssembler twice = new BpfAssembler();
        BpfAssembler.Label l = twice.label("l");
        twice.bind(l);
        assertThatThrownBy(() -> twice.bind(l)).hasMessageContaining("already bound");
    }
}
