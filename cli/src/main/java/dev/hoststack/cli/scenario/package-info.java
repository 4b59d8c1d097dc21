/**
 * The scenario language of {@code hoststack run}: a line-oriented script of control-plane commands
 * (namespaces, applications, workers, listeners) and segments (syn, ack, rst, fin), close to VPP's
 * CLI in spirit. Documented in {@code docs/scenarios.md}.
 */
package dev.hoststack.cli.scenario;
