/**
 * The session layer, as VPP builds it: namespaces, applications, app workers, app listeners,
 * listen sessions, per-thread session pools and per-namespace session tables. Entry point:
 * {@link dev.hoststack.session.SessionLayer}.
 */
package dev.hoststack.session;
