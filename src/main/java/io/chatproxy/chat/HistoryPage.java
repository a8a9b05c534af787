package io.chatproxy.chat;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import io.helidon.common.uri.UriQuery;

import io.chatproxy.web.ApiException;

/**
 * One page of a session's history: the newest messages before a cursor, oldest first, and the cursor of the page
 * before it when there is one. The cursor is the sequence number of the page's oldest message, opaque to callers.
 *
 * @param messages the messages, oldest first
 * @param olderCursor where the older messages start, empty on the first page of the session
 */
public record HistoryPage(List<StoredMessage> messages, Optional<String> olderCursor) {
    private static final Pattern NUMBER = Pattern.compile("[1-9][0-9]{0,9}");

    /**
     * Which page a caller asks for.
     *
     * @param before only messages older than this sequence number
     * @param limit at most this many messages
     */
    public record Request(int before, int limit) {
        /**
         * Reads the query's {@code before} (the cursor, absent for the newest page) and {@code limit} (the page size,
         * absent for the default).
         *
         * @param query the request's query
         * @param settings default and largest page size
         * @return the request
         * @throws ApiException 400 {@code invalid_cursor} or {@code invalid_limit}
         */
        public static Request of(UriQuery query, HistorySettings settings) {
            return parse(query.first("before").asOptional(), query.first("limit").asOptional(), settings);
        }

        private static Request parse(Optional<String> before, Optional<String> limit, HistorySettings settings) {
            int beforeSeq = before.map(b -> number(b).orElseThrow(() -> ApiException.badRequest("invalid_cursor",
                    "before must be a cursor returned as older_cursor"))).orElse(Integer.MAX_VALUE);
            int size = limit.map(l -> number(l).filter(n -> n <= settings.maxPageSize())
                    .orElseThrow(() -> ApiException.badRequest("invalid_limit",
                            "limit must be a whole number from 1 to " + settings.maxPageSize())))
                    .orElse(settings.pageSize());
            return new Request(beforeSeq, size);
        }

        private static Optional<Integer> number(String text) {
            if (!NUMBER.matcher(text).matches()) {
                return Optional.empty();
            }
            long value = Long.parseLong(text);
            return value > Integer.MAX_VALUE ? Optional.empty() : Optional.of((int) value);
        }
    }
}
