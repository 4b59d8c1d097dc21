/**
 * Building blocks of the session layer that are not part of its API: queues and pools.
 * Not for users; may change without notice.
 */
package dev.hoststack.session.internal;
