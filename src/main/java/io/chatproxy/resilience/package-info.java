/**
 * Protecting the service and n8n under load and failure: admission per route group (permits, a bounded wait, then
 * 503 {@code server_busy} with {@code Retry-After}), the drain on SIGTERM, and the circuit breaker and retry around
 * n8n ({@code GuardedUpstream}). The groups come from the route table; may use config, routes, upstream and web.
 */
package io.chatproxy.resilience;
