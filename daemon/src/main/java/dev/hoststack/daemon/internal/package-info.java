/**
 * The daemon's machinery; not for users. Everything here runs on the daemon's single event-loop
 * thread, which is also the stack's control thread and the owner of its data thread 0.
 */
package dev.hoststack.daemon.internal;
