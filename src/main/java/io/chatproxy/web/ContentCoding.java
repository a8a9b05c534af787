package io.chatproxy.web;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Which content coding to send for a request's Accept-Encoding (RFC 9110 12.5.3). */
final class ContentCoding {
    /** One item of Accept-Encoding: the coding, then its parameters. */
    private static final Pattern CODING = Pattern.compile("([^,;\\s]+)([^,]*)");
    private static final Pattern Q_ZERO = Pattern.compile("(?i);\\s*q\\s*=\\s*0(?:\\.0{0,3})?\\s*(?:;|$)");

    private ContentCoding() {
    }

    /**
     * The coding to send: br when accepted and there is a brotli copy, else gzip when accepted, else identity.
     *
     * @param acceptEncoding the request's Accept-Encoding ("" when absent)
     * @param brotli whether a brotli copy exists
     * @return "br", "gzip" or "identity"
     */
    static String choose(String acceptEncoding, boolean brotli) {
        if (brotli && accepts(acceptEncoding, "br")) {
            return "br";
        }
        return accepts(acceptEncoding, "gzip") ? "gzip" : "identity";
    }

    /** True when Accept-Encoding lists the coding, or else "*", without q=0. */
    private static boolean accepts(String acceptEncoding, String coding) {
        Boolean wildcard = null;
        Matcher item = CODING.matcher(acceptEncoding);
        while (item.find()) {
            String listed = item.group(1).toLowerCase(Locale.ROOT);
            boolean allowed = !Q_ZERO.matcher(item.group(2)).find();
            if (listed.equals(coding)) {
                return allowed;
            }
            if (listed.equals("*")) {
                wildcard = allowed;
            }
        }
        return Boolean.TRUE.equals(wildcard);
    }
}
