package io.chatproxy.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code /widget.js}, {@code /widget.css} and {@code /chat-loader.js}, embedded by customer pages of other origins: exact content types, a
 * short public cache with revalidation by ETag (the URL is not versioned), readable cross-origin (so a page may pin the
 * file with {@code integrity}), never a cookie.
 */
public final class WidgetAssets implements HttpService {
    private final Asset script = Asset.load("/WEB/widget.js", "text/javascript; charset=utf-8");
    private final Asset style = Asset.load("/WEB/widget.css", "text/css; charset=utf-8");
    private final Asset loader = Asset.load("/WEB/chat-loader.js", "text/javascript; charset=utf-8");

    @Override
    public void routing(HttpRules rules) {
        rules.get("/widget.js", (req, res) -> serve(req, res, script))
                .get("/widget.css", (req, res) -> serve(req, res, style))
                .get("/chat-loader.js", (req, res) -> serve(req, res, loader));
    }

    private static void serve(ServerRequest req, ServerResponse res, Asset asset) {
        res.header(HeaderNames.CACHE_CONTROL, "public, max-age=300, stale-while-revalidate=86400");
        res.header(HeaderNames.ETAG, asset.etag());
        res.header("Cross-Origin-Resource-Policy", "cross-origin");
        res.header(HeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        res.header(HeaderNames.CONTENT_TYPE, asset.contentType());
        boolean fresh = req.headers().first(HeaderNames.IF_NONE_MATCH)
                .map(tags -> tags.contains(asset.etag()) || tags.trim().equals("*")).orElse(false);
        if (fresh) {
            res.status(Status.NOT_MODIFIED_304).send();
            return;
        }
        res.send(asset.bytes());
    }

    /** A file held in memory with its ETag. */
    private static final class Asset {
        private final byte[] bytes;
        private final String contentType;
        private final String etag;

        private Asset(byte[] bytes, String contentType, String etag) {
            this.bytes = bytes;
            this.contentType = contentType;
            this.etag = etag;
        }

        byte[] bytes() {
            return bytes;
        }

        String contentType() {
            return contentType;
        }

        String etag() {
            return etag;
        }

        static Asset load(String resource, String contentType) {
            try (InputStream in = Objects.requireNonNull(WidgetAssets.class.getResourceAsStream(resource), resource)) {
                byte[] bytes = in.readAllBytes();
                byte[] hash = MessageDigest.getInstance("SHA-256").digest(bytes);
                return new Asset(bytes, contentType, "\"" + HexFormat.of().formatHex(hash, 0, 12) + "\"");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
