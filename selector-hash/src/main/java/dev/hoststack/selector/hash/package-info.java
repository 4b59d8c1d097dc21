/**
 * The Linux kernel's policy: a hash of the 4-tuple scaled over every member socket (here: every
 * worker of every member application). Selector name {@code hash}.
 */
package dev.hoststack.selector.hash;
