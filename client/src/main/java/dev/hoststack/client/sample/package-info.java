/**
 * A ready-made worker process for demos and tests ({@code hoststack worker}): it answers every
 * connection with one HTTP/1.0 line naming its application, worker and pid.
 */
package dev.hoststack.client.sample;
