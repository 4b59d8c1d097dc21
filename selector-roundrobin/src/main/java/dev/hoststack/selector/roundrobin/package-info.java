/**
 * The seed's policy: round robin over a reuseport group's applications in join order, then round
 * robin over the chosen application's workers. Selector name {@code roundrobin}.
 */
package dev.hoststack.selector.roundrobin;
