/**
 * HTTP plumbing shared by every feature: the JSON error contract ({@code ApiException}, {@code ErrorResponses},
 * {@code DirectErrors}), strict JSON reading and writing, request ids, security headers, and the widget's static
 * assets. May use tracing (the trace id in error logs) and nothing else of the project.
 */
package io.chatproxy.web;
