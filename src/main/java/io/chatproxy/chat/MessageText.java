package io.chatproxy.chat;

import java.text.Normalizer;

import io.chatproxy.web.ApiException;

/**
 * Cleans a visitor message: rejects NUL, strips other control characters except newline and tab, normalises to NFC,
 * trims, and enforces the length limit. (Invalid UTF-8 never gets this far: the JSON reader rejects it.)
 */
public final class MessageText {
    private final int maxLength;

    /**
     * Creates the cleaner.
     *
     * @param maxLength most characters (code points) after cleaning
     */
    public MessageText(int maxLength) {
        this.maxLength = maxLength;
    }

    /**
     * Cleans a message.
     *
     * @param raw as received
     * @return the cleaned text
     * @throws ApiException 400 when it contains NUL, is empty after cleaning, or is too long
     */
    public String clean(String raw) {
        if (raw.indexOf('\0') >= 0) {
            throw ApiException.badRequest("invalid_message", "The message contains a NUL character");
        }
        if (raw.length() > maxLength * 4) {
            throw tooLong();
        }
        StringBuilder kept = new StringBuilder(raw.length());
        raw.codePoints()
                .filter(cp -> cp == '\n' || cp == '\t' || !(Character.getType(cp) == Character.CONTROL
                        || (Character.getType(cp) == Character.FORMAT && cp != 0x200D) || cp == 0x2028
                        || cp == 0x2029))
                .forEach(kept::appendCodePoint);
        String text = Normalizer.normalize(kept, Normalizer.Form.NFC).strip();
        if (text.isEmpty()) {
            throw ApiException.badRequest("empty_message", "The message is empty");
        }
        if (text.codePointCount(0, text.length()) > maxLength) {
            throw tooLong();
        }
        return text;
    }

    private ApiException tooLong() {
        return ApiException.badRequest("message_too_long", "The message is longer than " + maxLength + " characters");
    }
}
