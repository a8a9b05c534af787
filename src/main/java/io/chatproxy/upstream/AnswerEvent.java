package io.chatproxy.upstream;

/**
 * What the relay gets from the upstream, in order: text to show, then possibly one failure.
 */
public sealed interface AnswerEvent {
    /**
     * A piece of the answer, to be shown at once.
     *
     * @param content the text
     */
    record Text(String content) implements AnswerEvent {
    }

    /**
     * The answer failed; nothing follows.
     *
     * @param code stable code for the widget
     * @param message text safe to show to a visitor (never n8n internals)
     */
    record Failure(String code, String message) implements AnswerEvent {
    }
}
