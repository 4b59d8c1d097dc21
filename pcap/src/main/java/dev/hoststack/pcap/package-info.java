/**
 * Reads classic pcap and pcapng captures into IP packets, with no dependency beyond the JDK.
 *
 * <p>Entry points: {@link dev.hoststack.pcap.CaptureReader} (open a {@code Path}, a {@code byte[]}
 * or a {@code ByteBuffer}, then iterate with {@link dev.hoststack.pcap.CaptureReader#next} into a
 * reusable {@link dev.hoststack.pcap.PacketRecord} flyweight, or read everything at once with
 * {@link dev.hoststack.pcap.CaptureReader#readAll(java.nio.file.Path)}), and
 * {@link dev.hoststack.pcap.CaptureFormat#detect} to tell pcap from pcapng by the magic number.
 * Each returned packet starts at its IP header; link-layer frames that carry something else are
 * skipped and counted by {@link dev.hoststack.pcap.SkipReason}, never silently lost. A truncated
 * or corrupt capture ends with a {@link dev.hoststack.pcap.CaptureException} naming the byte
 * offset, what was expected and how many packet records were read before it; no other exception
 * escapes the reader for any input bytes.
 *
 * <p>Why hand-written rather than pcap4j or pkts.io: pcap4j needs the native libpcap through JNA,
 * and both would add runtime dependencies to a module the rest of the project (and its tests)
 * load everywhere; neither iterates without allocating per packet, and neither reports a broken
 * file with the byte offset and the expected value, which is what a person fixing a capture needs.
 * The formats are small and stable (the pcap and pcapng specifications and the tcpdump.org link
 * type list), so the parsing here is a few hundred lines.
 *
 * <p>Threading: a {@link dev.hoststack.pcap.CaptureReader} is single-threaded; one thread at a
 * time may call it, and it holds mutable iteration state and counters. A
 * {@link dev.hoststack.pcap.PacketRecord} is a mutable flyweight owned by the thread that fills
 * it; a {@link dev.hoststack.pcap.PacketRecord#copy() copy} may be handed to another thread
 * (through a safe publication) and read there, since the capture bytes it points into are
 * read-only and never change after the reader is opened (unless the caller changes the
 * {@code byte[]} or buffer it passed in).
 *
 * <p>The parsers are package-private classes in this package rather than an {@code .internal}
 * package: package-private hides them without a module descriptor, and the record flyweight can
 * then keep its setters package-private too.
 */
package dev.hoststack.pcap;
