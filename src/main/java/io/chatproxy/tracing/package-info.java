/**
 * OpenTelemetry tracing: spans for every request, exported over OTLP when an endpoint is configured.
 */
package io.chatproxy.tracing;
