package dev.hoststack.reuseport.bpf;

import static dev.hoststack.reuseport.bpf.BpfInsn.*;

import java.util.ArrayList;
import java.util.List;

/**
 * Builds an eBPF program from named instructions, with forward and backward jumps to labels,
 * into the bytes {@code BPF_PROG_LOAD} takes; no compiler at run time.
 *
 * <p>Each method appends one instruction (two slots for {@link #ldMapFd}) and returns this
 * builder. Jumps name a {@link Label}; {@link #assemble()} resolves every label to a slot offset
 * and fails on a label never bound or an offset beyond 16 bits. {@link #listing()} prints the
 * program with slot numbers, the numbering the verifier's log uses. ALU operations are 64-bit
 * ({@code BPF_ALU64}); jumps compare 64-bit registers ({@code BPF_JMP}). Not thread-safe: one
 * thread builds a program.
 *
 * <pre>{@code
 * BpfAssembler a = new BpfAssembler();
 * Label pass = a.label("pass");
 * a.ldxW(R2, R1, 32)          // r2 = ctx->hash
 *  .jeq(R2, 0, pass)
 *  .bind(pass)
 *  .mov(R0, SK_PASS)
 *  .exit();
 * byte[] code = a.assemble();
 * }</pre>
 */
public final class BpfAssembler {

    /** A jump target; bound to the next instruction's slot by {@link #bind}. */
    public static final class Label {
        private final String name;
        private int slot = -1;

        private Label(String name) {
            this.name = name;
        }

        /** The label's name, as the listing shows it. */
        public String name() {
            return name;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static final class Insn {
        final int code;
        final int dst;
        final int src;
        final int off;
        final int imm;
        final Label target;
        final String text;

        Insn(int code, int dst, int src, int off, int imm, Label target, String text) {
            this.code = code;
            this.dst = dst;
            this.src = src;
            this.off = off;
            this.imm = imm;
            this.target = target;
            this.text = text;
        }
    }

    private final List<Insn> insns = new ArrayList<>();
    private final List<Label> labels = new ArrayList<>();
    private int slots;

    /** A new label, to be bound once with {@link #bind}. */
    public Label label(String name) {
        Label l = new Label(name);
        labels.add(l);
        return l;
    }

    /** Binds {@code label} to the slot of the next instruction. */
    public BpfAssembler bind(Label label) {
        if (label.slot >= 0) {
            throw new IllegalStateException("label " + label.name + " is already bound to slot " + label.slot);
        }
        label.slot = slots;
        return this;
    }

    /** Number of instruction slots so far. */
    public int slots() {
        return slots;
    }

    // ---- moves and arithmetic (64-bit) ----

    /** {@code dst = imm} (sign-extended). */
    public BpfAssembler mov(int dst, int imm) {
        return alu(BPF_MOV | BPF_K, dst, 0, imm, "r" + dst + " = " + imm);
    }

    /** {@code dst = src}. */
    public BpfAssembler movReg(int dst, int src) {
        return alu(BPF_MOV | BPF_X, dst, src, 0, "r" + dst + " = r" + src);
    }

    /** {@code dst += imm}. */
    public BpfAssembler add(int dst, int imm) {
        return alu(BPF_ADD | BPF_K, dst, 0, imm, "r" + dst + " += " + imm);
    }

    /** {@code dst += src}. */
    public BpfAssembler addReg(int dst, int src) {
        return alu(BPF_ADD | BPF_X, dst, src, 0, "r" + dst + " += r" + src);
    }

    /** {@code dst <<= imm}. */
    public BpfAssembler lsh(int dst, int imm) {
        return alu(BPF_LSH | BPF_K, dst, 0, imm, "r" + dst + " <<= " + imm);
    }

    /** {@code dst %= src} (unsigned; the kernel leaves dst unchanged when src is 0). */
    public BpfAssembler modReg(int dst, int src) {
        return alu(BPF_MOD | BPF_X, dst, src, 0, "r" + dst + " %= r" + src);
    }

    /** {@code dst &= imm}. */
    public BpfAssembler and(int dst, int imm) {
        return alu(BPF_AND | BPF_K, dst, 0, imm, "r" + dst + " &= " + imm);
    }

    /** Any 64-bit ALU instruction: {@code op} is an operation ORed with {@code BPF_K} or {@code BPF_X}. */
    public BpfAssembler alu(int op, int dst, int src, int imm, String text) {
        return emit(new Insn(BPF_ALU64 | op, dst, src, 0, imm, null, text));
    }

    // ---- loads and stores ----

    /** {@code dst = *(u32 *)(src + off)}, zero-extended. */
    public BpfAssembler ldxW(int dst, int src, int off) {
        return emit(new Insn(BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0, null, "r" + dst + " = *(u32 *)(r" + src + " " + signed(off) + ")"));
    }

    /** {@code dst = *(u64 *)(src + off)}. */
    public BpfAssembler ldxDW(int dst, int src, int off) {
        return emit(new Insn(BPF_LDX | BPF_MEM | BPF_DW, dst, src, off, 0, null, "r" + dst + " = *(u64 *)(r" + src + " " + signed(off) + ")"));
    }

    /** {@code *(u32 *)(dst + off) = src}. */
    public BpfAssembler stxW(int dst, int off, int src) {
        return emit(new Insn(BPF_STX | BPF_MEM | BPF_W, dst, src, off, 0, null, "*(u32 *)(r" + dst + " " + signed(off) + ") = r" + src));
    }

    /** {@code *(u32 *)(dst + off) = imm}. */
    public BpfAssembler stW(int dst, int off, int imm) {
        return emit(new Insn(BPF_ST | BPF_MEM | BPF_W, dst, 0, off, imm, null, "*(u32 *)(r" + dst + " " + signed(off) + ") = " + imm));
    }

    /**
     * {@code src = atomic_fetch_add((u64 *)(dst + off), src)}: adds {@code src} to the 64-bit word
     * atomically and leaves the word's previous value in {@code src}
     * ({@code BPF_STX | BPF_DW | BPF_ATOMIC}, imm {@code BPF_ADD | BPF_FETCH}). The address must
     * be 8-byte aligned.
     */
    public BpfAssembler atomicFetchAddDW(int dst, int off, int src) {
        return emit(new Insn(BPF_STX | BPF_DW | BPF_ATOMIC, dst, src, off, BPF_ADD | BPF_FETCH, null,
                "r" + src + " = atomic_fetch_add((u64 *)(r" + dst + " " + signed(off) + "), r" + src + ")"));
    }

    /** {@code dst = map} from a map descriptor: {@code ld_imm64} with {@code BPF_PSEUDO_MAP_FD}, two slots. */
    public BpfAssembler ldMapFd(int dst, int mapFd) {
        emit(new Insn(BPF_LD | BPF_DW | BPF_IMM, dst, BPF_PSEUDO_MAP_FD, 0, mapFd, null, "r" + dst + " = map_fd(" + mapFd + ")"));
        return emit(new Insn(0, 0, 0, 0, 0, null, null));
    }

    // ---- jumps ----

    /** {@code goto target}. */
    public BpfAssembler ja(Label target) {
        return emit(new Insn(BPF_JMP | BPF_JA, 0, 0, 0, 0, target, "goto " + target.name));
    }

    /** {@code if dst == imm goto target}. */
    public BpfAssembler jeq(int dst, int imm, Label target) {
        return jmp(BPF_JEQ | BPF_K, dst, 0, imm, target, "==");
    }

    /** {@code if dst != imm goto target}. */
    public BpfAssembler jne(int dst, int imm, Label target) {
        return jmp(BPF_JNE | BPF_K, dst, 0, imm, target, "!=");
    }

    /** {@code if dst >= imm goto target} (unsigned). */
    public BpfAssembler jge(int dst, int imm, Label target) {
        return jmp(BPF_JGE | BPF_K, dst, 0, imm, target, ">=");
    }

    /** {@code if dst >= src goto target} (unsigned). */
    public BpfAssembler jgeReg(int dst, int src, Label target) {
        return jmp(BPF_JGE | BPF_X, dst, src, 0, target, ">=");
    }

    private BpfAssembler jmp(int op, int dst, int src, int imm, Label target, String cmp) {
        String rhs = (op & BPF_X) != 0 ? "r" + src : Integer.toString(imm);
        return emit(new Insn(BPF_JMP | op, dst, src, 0, imm, target, "if r" + dst + " " + cmp + " " + rhs + " goto " + target.name));
    }

    /** {@code call helper}: arguments in r1..r5, result in r0; r1..r5 are clobbered. */
    public BpfAssembler call(int helper, String name) {
        return emit(new Insn(BPF_JMP | BPF_CALL, 0, 0, 0, helper, null, "call " + name + "#" + helper));
    }

    /** {@code exit}: returns r0. */
    public BpfAssembler exit() {
        return emit(new Insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0, null, "exit"));
    }

    private BpfAssembler emit(Insn insn) {
        insns.add(insn);
        slots++;
        return this;
    }

    /** The program's bytes, labels resolved. */
    public byte[] assemble() {
        for (Label l : labels) {
            if (l.slot < 0 && used(l)) {
                throw new IllegalStateException("label " + l.name + " is jumped to but never bound");
            }
        }
        byte[] out = new byte[insns.size() * SIZE];
        for (int i = 0; i < insns.size(); i++) {
            Insn in = insns.get(i);
            int off = in.off;
            if (in.target != null) {
                if (in.target.slot > slots - 1 || in.target.slot < 0) {
                    throw new IllegalStateException("label " + in.target.name + " is bound past the last instruction");
                }
                off = in.target.slot - (i + 1);
            }
            BpfInsn.encode(out, i * SIZE, in.code, in.dst, in.src, off, in.imm);
        }
        return out;
    }

    /** The program as text, one slot per line with its number: the numbering of the verifier's log. */
    public String listing() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < insns.size(); i++) {
            for (Label l : labels) {
                if (l.slot == i) {
                    sb.append(l.name).append(":\n");
                }
            }
            Insn in = insns.get(i);
            if (in.text != null) {
                sb.append(String.format("%4d: %s%n", i, in.text));
            }
        }
        return sb.toString();
    }

    private boolean used(Label l) {
        for (Insn in : insns) {
            if (in.target == l) {
                return true;
            }
        }
        return false;
    }

    private static String signed(int off) {
        return off < 0 ? "- " + -off : "+ " + off;
    }
}
