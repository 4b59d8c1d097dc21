/**
 * The {@code hoststack} command line: {@code demo}, {@code run SCENARIO}, {@code replay CAPTURE}.
 * This is one of the two places (with the daemon) that put every module together.
 */
package dev.hoststack.cli;
