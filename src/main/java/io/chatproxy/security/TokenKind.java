package io.chatproxy.security;

/**
 * The two kinds of token this service signs. Each has its own key ring, audience and {@code typ}, so one is never
 * accepted where the other is expected.
 *
 * @param typ value of the {@code typ} claim
 * @param audience value of the {@code aud} claim
 */
public record TokenKind(String typ, String audience) {
    /** The visitor's session cookie. */
    public static final TokenKind SESSION = new TokenKind("chat-session", "chat-proxy-widget");
    /** The short-lived token sent to n8n. */
    public static final TokenKind N8N = new TokenKind("n8n-call", "n8n");
}
