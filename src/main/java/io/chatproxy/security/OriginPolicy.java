package io.chatproxy.security;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;

import io.chatproxy.web.ApiException;

/**
 * The exact list of web origins that may embed the widget. Origins are compared as normalised
 * {@code scheme://host[:port]}: no wildcards, no suffix matching, and {@code null} is never allowed.
 */
public final class OriginPolicy {
    private final Set<String> allowed;

    /**
     * Creates the policy.
     *
     * @param origins configured origins
     * @throws IllegalArgumentException naming the first origin that is not of the form scheme://host[:port]
     */
    public OriginPolicy(Collection<String> origins) {
        this.allowed = origins.stream()
                .map(o -> normalise(o).orElseThrow(() -> new IllegalArgumentException(o)))
                .collect(Collectors.toUnmodifiableSet());
    }

    /** Whether an {@code Origin} header value is allowed. */
    public boolean allows(String origin) {
        return origin != null && normalise(origin).map(allowed::contains).orElse(false);
    }

    /**
     * The request's {@code Origin}, normalised, when it is allowed: the check every route that admits a site makes.
     *
     * @param headers request headers
     * @return the normalised origin
     * @throws ApiException 403 {@code origin_not_allowed} when the header is missing or not allowed
     */
    public String allowedOrigin(Headers headers) {
        return headers.first(HeaderNames.ORIGIN).filter(this::allows).flatMap(OriginPolicy::normalise)
                .orElseThrow(() -> ApiException.forbidden("origin_not_allowed",
                        "This site is not allowed to use the chat"));
    }

    /** The allowed origins, normalised. */
    public List<String> origins() {
        return allowed.stream().sorted().toList();
    }

    /**
     * Normalises an origin: lower-case scheme and host, default port removed. Anything with a path, query, user info
     * or a scheme other than http(s) is not an origin.
     *
     * @param origin raw value
     * @return normalised origin, or empty when the value is not an origin
     */
    public static Optional<String> normalise(String origin) {
        try {
            URI uri = new URI(origin.trim());
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null
                    || uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null
                    || !(uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/"))) {
                return Optional.empty();
            }
            int port = uri.getPort();
            boolean defaultPort = port == -1 || (scheme.equals("http") && port == 80)
                    || (scheme.equals("https") && port == 443);
            String host = uri.getHost().toLowerCase(Locale.ROOT);
            return Optional.of(scheme + "://" + host + (defaultPort ? "" : ":" + port));
        } catch (URISyntaxException e) {
            return Optional.empty();
        }
    }

    /** The host part of a normalised origin. */
    public static String hostOf(String normalisedOrigin) {
        return URI.create(normalisedOrigin).getHost();
    }
}
