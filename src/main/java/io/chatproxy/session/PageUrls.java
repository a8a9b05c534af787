package io.chatproxy.session;

import java.net.URI;
import java.util.Optional;

import io.chatproxy.security.OriginPolicy;
import io.chatproxy.web.ApiException;

/**
 * Checks the page URL a visitor sends and keeps only what may leave the service: its origin and path, never the
 * fragment (it can hold tokens such as {@code #id_token=}), and the query only when configured (it can hold
 * {@code ?code=}), like the browsers' default Referrer-Policy across sites.
 */
public final class PageUrls {
    private static final int MAX_LENGTH = 2048;

    private final boolean keepQuery;

    /**
     * Creates the checker.
     *
     * @param keepQuery whether the query is kept ({@code session.forward-page-query})
     */
    public PageUrls(boolean keepQuery) {
        this.keepQuery = keepQuery;
    }

    /**
     * Checks a page URL and strips it.
     *
     * @param raw as sent, may be absent or blank
     * @param origin the session's origin, which the page must be on
     * @return origin and path (and query when kept), or "" when none was sent
     * @throws ApiException 400 when it is too long, not a URL, or on another site
     */
    public String check(Optional<String> raw, String origin) {
        if (raw.isEmpty() || raw.get().isBlank()) {
            return "";
        }
        String value = raw.get().trim();
        if (value.length() > MAX_LENGTH) {
            throw ApiException.badRequest("invalid_page_url", "page_url is too long");
        }
        URI uri;
        try {
            uri = URI.create(value);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("invalid_page_url", "page_url is not a valid URL");
        }
        Optional<String> pageOrigin = OriginPolicy.normalise(uri.getScheme() + "://" + uri.getRawAuthority());
        if (uri.getRawAuthority() == null || pageOrigin.isEmpty() || !pageOrigin.get().equals(origin)) {
            throw ApiException.badRequest("invalid_page_url", "page_url must be an http(s) URL on this site");
        }
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        String query = keepQuery && uri.getRawQuery() != null ? "?" + uri.getRawQuery() : "";
        return uri.getScheme() + "://" + uri.getRawAuthority() + path + query;
    }
}
