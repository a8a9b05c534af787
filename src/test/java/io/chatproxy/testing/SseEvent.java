package io.chatproxy.testing;

/**
 * One Server-Sent Event as received, with its arrival time.
 *
 * @param id id field, or null
 * @param event event name
 * @param data data (lines joined with \n)
 * @param arrivedNanos System.nanoTime() when its blank line arrived
 */
public record SseEvent(String id, String event, String data, long arrivedNanos) {
}
