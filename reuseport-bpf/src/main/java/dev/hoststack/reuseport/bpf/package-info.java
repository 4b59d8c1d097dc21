/**
 * Kernel dispatch for reuseport groups (Linux, x86-64): the kernel runs the group's selection
 * policy in an {@code SK_REUSEPORT} eBPF program, so accepted connections never pass through a
 * daemon.
 *
 * <p>Layers, bottom up: {@link dev.hoststack.reuseport.bpf.Bpf} ({@code bpf(2)} on raw
 * descriptors) and {@link dev.hoststack.reuseport.bpf.ReuseportSockets} (listening sockets with
 * {@code SO_REUSEPORT}, attaching programs, cookies); {@link dev.hoststack.reuseport.bpf.BpfMap}
 * and {@link dev.hoststack.reuseport.bpf.BpfProgram} (owning wrappers);
 * {@link dev.hoststack.reuseport.bpf.BpfAssembler} (programs from the instruction encoding);
 * {@link dev.hoststack.reuseport.bpf.DispatchPrograms} (the programs);
 * {@link dev.hoststack.reuseport.bpf.KernelDispatch} (one group: maps, program, the publish
 * protocol) with its tables {@link dev.hoststack.reuseport.bpf.SequenceTable} and
 * {@link dev.hoststack.reuseport.bpf.LookupTable}; {@link dev.hoststack.reuseport.bpf.KernelDispatchProbe}
 * says whether this process can use any of it.
 *
 * <p>Needs root, or CAP_BPF and CAP_NET_ADMIN: failures say which is missing
 * ({@link dev.hoststack.reuseport.bpf.KernelDispatchException}). Design, measured facts and
 * limits: {@code docs/kernel-dispatch.md}.
 */
package dev.hoststack.reuseport.bpf;
