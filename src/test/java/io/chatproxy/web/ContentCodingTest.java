package io.chatproxy.web;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

class ContentCodingTest {
    @Test
    void brotliWhenAcceptedAndBuiltThenGzipThenIdentity() {
        assertThat(ContentCoding.choose("gzip, deflate, br, zstd", true), is("br"));
        assertThat(ContentCoding.choose("gzip, deflate, br", false), is("gzip"));
        assertThat(ContentCoding.choose("identity", true), is("identity"));
        assertThat(ContentCoding.choose("", true), is("identity"));
    }

    @Test
    void aWildcardCoversCodingsNotListedAndQZeroRefuses() {
        assertThat(ContentCoding.choose("*", true), is("br"));
        assertThat(ContentCoding.choose("br;q=0, *", true), is("gzip"));
        assertThat(ContentCoding.choose("*;q=0", true), is("identity"));
        assertThat(ContentCoding.choose("BR;Q=0.000, GZIP;q=0.5", true), is("gzip"));
        assertThat(ContentCoding.choose("br;q=0.001", true), is("br"));
    }
}
