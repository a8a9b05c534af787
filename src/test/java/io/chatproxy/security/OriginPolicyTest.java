package io.chatproxy.security;

import java.util.List;
import java.util.Optional;

import io.helidon.http.HeaderNames;
import io.helidon.http.WritableHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.chatproxy.web.ApiException;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

class OriginPolicyTest {
    private final OriginPolicy policy = new OriginPolicy(List.of("https://shop.example", "http://localhost:8000"));

    @Test
    void allowsExactlyTheConfiguredOriginsWhateverTheirCaseOrDefaultPort() {
        assertThat(policy.allows("https://shop.example"), is(true));
        assertThat(policy.allows("HTTPS://Shop.Example"), is(true));
        assertThat(policy.allows("https://shop.example:443"), is(true));
        assertThat(policy.allows("http://localhost:8000"), is(true));
    }

    @ParameterizedTest
    @ValueSource(strings = {"null", "", "https://evil.shop.example", "https://shop.example.evil", "http://shop.example",
            "https://shop.example:8443", "http://localhost", "http://localhost:8001", "https://user@shop.example",
            "https://shop.example/path", "https://shop.example?q", "ftp://shop.example", "shop.example",
            "https://*.example"})
    void refusesEverythingElseWithoutWildcardsOrSuffixMatching(String origin) {
        assertThat(origin, policy.allows(origin), is(false));
    }

    @Test
    void theAllowedOriginOfARequestIsItsNormalisedOriginHeader() {
        WritableHeaders<?> headers = WritableHeaders.create().set(HeaderNames.ORIGIN, "HTTPS://Shop.Example:443");

        assertThat(policy.allowedOrigin(headers), is("https://shop.example"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://evil.example", "null", ""})
    void aRequestFromAnotherSiteOrWithoutOriginIsRefused403(String origin) {
        WritableHeaders<?> headers = WritableHeaders.create();
        if (!origin.isEmpty()) {
            headers.set(HeaderNames.ORIGIN, origin);
        }

        ApiException e = assertThrows(ApiException.class, () -> policy.allowedOrigin(headers));
        assertThat(e.status().code(), is(403));
        assertThat(e.code(), is("origin_not_allowed"));
    }

    @Test
    void refusesAMissingOrigin() {
        assertThat(policy.allows(null), is(false));
    }

    @Test
    void normalisesToSchemeHostAndANonDefaultPort() {
        assertThat(OriginPolicy.normalise(" HTTP://Example.COM:80/ "), is(Optional.of("http://example.com")));
        assertThat(OriginPolicy.normalise("https://example.com:8443"), is(Optional.of("https://example.com:8443")));
        assertThat(OriginPolicy.normalise("https://example.com/#x"), is(Optional.empty()));
        assertThat(OriginPolicy.normalise("https://exa mple.com"), is(Optional.empty()));
    }

    @Test
    void listsTheNormalisedOriginsSorted() {
        assertThat(new OriginPolicy(List.of("https://B.example", "https://a.example:443")).origins(),
                contains("https://a.example", "https://b.example"));
    }

    @Test
    void aConfiguredValueThatIsNotAnOriginStopsStartUpNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new OriginPolicy(List.of("https://ok.example", "https://bad.example/path")));
        assertThat(e.getMessage(), is("https://bad.example/path"));
    }

    @Test
    void theHostOfANormalisedOrigin() {
        assertThat(OriginPolicy.hostOf("https://shop.example:8443"), is("shop.example"));
    }
}
