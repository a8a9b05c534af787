/**
 * HTTP plumbing shared by every feature: the JSON error contract ({@code ApiException}, {@code ErrorBody} the one
 * body builder, {@code StatusError} for bare statuses, {@code ErrorResponses}, {@code DirectErrors}), strict JSON
 * reading and writing, request ids, security headers, and the widget's static assets. May use tracing (the trace id
 * in error logs, the error code on the span) and nothing else of the project.
 */
package io.chatproxy.web;
