/** Native bindings (JNA direct mapping) and error numbers; not for use outside this module. */
package dev.hoststack.reuseport.bpf.internal;
