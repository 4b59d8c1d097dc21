/**
 * Session tables: fixed-width primitive keys to {@code long} values in primitive arrays, read
 * without locks.
 */
package dev.hoststack.session.table;
