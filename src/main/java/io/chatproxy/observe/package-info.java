/**
 * What operators watch: {@code /health} and the Kubernetes probes, {@code /metrics} (JSON) mirrored into Helidon's
 * meter registry, the access log, JSON log lines, and a log manager that keeps logging alive until the drain has
 * finished. Implements the event interfaces of chat, session and ratelimit; may read their state, never changes it.
 */
package io.chatproxy.observe;
