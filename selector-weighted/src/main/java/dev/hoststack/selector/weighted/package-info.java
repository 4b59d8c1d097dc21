/**
 * The {@code weighted} selector: nginx's smooth weighted round robin over a reuseport group's
 * members by their weights, then round robin over the chosen member's workers. Its member
 * sequence is a table that can be read out ({@link dev.hoststack.selector.weighted.SmoothWeightedRoundRobin}).
 */
package dev.hoststack.selector.weighted;
