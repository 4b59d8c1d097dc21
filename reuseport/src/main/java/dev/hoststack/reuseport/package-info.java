/**
 * Reuseport groups across applications: what VPP cannot do. Several applications listen on one
 * endpoint; the group's selector (a plug-in, see {@link dev.hoststack.api.spi}) picks the
 * application and worker of each new connection. Entry point:
 * {@link dev.hoststack.reuseport.ReuseportGroupTable}.
 */
package dev.hoststack.reuseport;
