/**
 * Tiny programs that the container tests run inside containers (their classes are mounted
 * read-only at {@link dev.hoststack.it.RuntimeImage#PROBE_CLASSES}). Each depends on
 * {@code java.base} only, except {@link dev.hoststack.it.probe.EpollProbe}, which is given Netty's
 * jars; each prints what it found on standard output and exits non-zero when something failed.
 */
package dev.hoststack.it.probe;
