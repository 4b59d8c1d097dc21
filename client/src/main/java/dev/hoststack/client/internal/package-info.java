/** The client library's connection machinery; not for users. */
package dev.hoststack.client.internal;
