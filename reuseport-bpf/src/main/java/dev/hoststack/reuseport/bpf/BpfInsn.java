package dev.hoststack.reuseport.bpf;

/**
 * The eBPF instruction encoding ({@code struct bpf_insn}), as named constants and one encoder.
 *
 * <p>An instruction is 8 bytes, little-endian: {@code u8 code}, {@code u8 dst_reg:4 src_reg:4}
 * (destination in the low nibble), {@code s16 off}, {@code s32 imm}. The opcode is a class (low 3
 * bits) combined with, for ALU and jumps, an operation (high 4 bits) and a source bit (register
 * or immediate), or, for loads and stores, a size and a mode. {@code ld_imm64} takes two
 * instruction slots. Values from {@code include/uapi/linux/bpf.h} and {@code bpf_common.h}.
 * Stateless.
 */
public final class BpfInsn {

    /** Bytes per instruction slot. */
    public static final int SIZE = 8;

    // instruction classes
    public static final int BPF_LD = 0x00;
    public static final int BPF_LDX = 0x01;
    public static final int BPF_ST = 0x02;
    public static final int BPF_STX = 0x03;
    public static final int BPF_ALU = 0x04;
    public static final int BPF_JMP = 0x05;
    public static final int BPF_JMP32 = 0x06;
    public static final int BPF_ALU64 = 0x07;

    // sizes (loads and stores)
    public static final int BPF_W = 0x00;
    public static final int BPF_H = 0x08;
    public static final int BPF_B = 0x10;
    public static final int BPF_DW = 0x18;

    // modes (loads and stores)
    public static final int BPF_IMM = 0x00;
    public static final int BPF_MEM = 0x60;
    public static final int BPF_ATOMIC = 0xc0;

    // source operand (ALU and jumps)
    public static final int BPF_K = 0x00;
    public static final int BPF_X = 0x08;

    // ALU operations
    public static final int BPF_ADD = 0x00;
    public static final int BPF_SUB = 0x10;
    public static final int BPF_MUL = 0x20;
    public static final int BPF_DIV = 0x30;
    public static final int BPF_OR = 0x40;
    public static final int BPF_AND = 0x50;
    public static final int BPF_LSH = 0x60;
    public static final int BPF_RSH = 0x70;
    public static final int BPF_MOD = 0x90;
    public static final int BPF_XOR = 0xa0;
    public static final int BPF_MOV = 0xb0;

    // jump operations
    public static final int BPF_JA = 0x00;
    public static final int BPF_JEQ = 0x10;
    public static final int BPF_JGT = 0x20;
    public static final int BPF_JGE = 0x30;
    public static final int BPF_JNE = 0x50;
    public static final int BPF_JLT = 0xa0;
    public static final int BPF_JLE = 0xb0;
    public static final int BPF_CALL = 0x80;
    public static final int BPF_EXIT = 0x90;

    /** Atomic operation modifier: the source register receives the old value. */
    public static final int BPF_FETCH = 0x01;

    /** {@code src_reg} of an {@code ld_imm64} whose immediate is a map descriptor. */
    public static final int BPF_PSEUDO_MAP_FD = 1;

    // registers
    public static final int R0 = 0;
    public static final int R1 = 1;
    public static final int R2 = 2;
    public static final int R3 = 3;
    public static final int R4 = 4;
    public static final int R5 = 5;
    public static final int R6 = 6;
    public static final int R7 = 7;
    public static final int R8 = 8;
    public static final int R9 = 9;
    /** The read-only frame pointer; the stack is the 512 bytes below it. */
    public static final int R10 = 10;

    // helper functions (enum bpf_func_id)
    public static final int FUNC_MAP_LOOKUP_ELEM = 1;
    public static final int FUNC_SK_SELECT_REUSEPORT = 82;

    // SK_REUSEPORT program results (enum sk_action)
    public static final int SK_DROP = 0;
    public static final int SK_PASS = 1;

    private BpfInsn() {
    }

    /** Writes one instruction slot at {@code at} in {@code out}. */
    public static void encode(byte[] out, int at, int code, int dst, int src, int off, int imm) {
        if (dst < 0 || dst > 10 || src < 0 || src > 10) {
            throw new IllegalArgumentException("registers are r0..r10, got dst r" + dst + " src r" + src);
        }
        if (off < Short.MIN_VALUE || off > Short.MAX_VALUE) {
            throw new IllegalArgumentException("offset " + off + " does not fit the instruction's 16 bits");
        }
        out[at] = (byte) code;
        out[at + 1] = (byte) ((src << 4) | dst);
        out[at + 2] = (byte) off;
        out[at + 3] = (byte) (off >> 8);
        out[at + 4] = (byte) imm;
        out[at + 5] = (byte) (imm >> 8);
        out[at + 6] = (byte) (imm >> 16);
        out[at + 7] = (byte) (imm >> 24);
    }
}
