/**
 * Talking to n8n: the webhook call as n8n's Chat Trigger expects it (with its JWT and shared-secret header), reading
 * its streaming or whole answer as a sequence of {@code AnswerEvent}s, and the demo upstream used in development. Knows
 * nothing of sessions or storage; may use config and security (token signing).
 */
package io.chatproxy.upstream;
