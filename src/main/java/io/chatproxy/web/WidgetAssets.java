package io.chatproxy.web;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code /widget.js}, {@code /widget.css} and {@code /chat-loader.js}, embedded by customer pages of other origins: exact content types, a
 * short public cache with revalidation by ETag (the URL is not versioned), readable cross-origin (so a page may pin the
 * file with {@code integrity}), never a cookie; gzip-compressed (once, at start-up) for clients that accept it.
 */
public final class WidgetAssets implements HttpService {
    /** One item of Accept-Encoding: the coding, then its parameters. */
    private static final Pattern CODING = Pattern.compile("([^,;\\s]+)([^,]*)");
    private static final Pattern Q_ZERO = Pattern.compile("(?i);\\s*q\\s*=\\s*0(?:\\.0{0,3})?\\s*(?:;|$)");
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
        boolean gzip = acceptsGzip(req.headers().first(HeaderNames.ACCEPT_ENCODING).orElse(""));
        String etag = gzip ? asset.gzipEtag() : asset.etag();
        res.header(HeaderNames.CACHE_CONTROL, "public, max-age=300, stale-while-revalidate=86400");
        res.header(HeaderNames.ETAG, etag);
        res.header(HeaderNames.VARY, "Accept-Encoding");
        res.header("Cross-Origin-Resource-Policy", "cross-origin");
        res.header(HeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        res.header(HeaderNames.CONTENT_TYPE, asset.contentType());
        boolean fresh = req.headers().first(HeaderNames.IF_NONE_MATCH)
                .map(tags -> tags.contains(etag) || tags.trim().equals("*")).orElse(false);
        if (fresh) {
            res.status(Status.NOT_MODIFIED_304).send();
            return;
        }
        if (gzip) {
            res.header(HeaderNames.CONTENT_ENCODING, "gzip");
            res.send(asset.gzipped());
        } else {
            res.send(asset.bytes());
        }
    }

    /** True when Accept-Encoding lists gzip (or *) without q=0. */
    static boolean acceptsGzip(String acceptEncoding) {
        Matcher item = CODING.matcher(acceptEncoding);
        while (item.find()) {
            String coding = item.group(1).toLowerCase(Locale.ROOT);
            if (coding.equals("gzip") || coding.equals("*")) {
                return !Q_ZERO.matcher(item.group(2)).find();
            }
        }
        return false;
    }

    /** A file held in memory, as is and gzip-compressed once at start-up, with an ETag for each. */
    private static final class Asset {
        private final byte[] bytes;
        private final byte[] gzipped;
        private final String contentType;
        private final String etag;
        private final String gzipEtag;

        private Asset(byte[] bytes, byte[] gzipped, String contentType, String etag, String gzipEtag) {
            this.bytes = bytes;
            this.gzipped = gzipped;
            this.contentType = contentType;
            this.etag = etag;
            this.gzipEtag = gzipEtag;
        }

        byte[] bytes() {
            return bytes;
        }

        byte[] gzipped() {
            return gzipped;
        }

        String contentType() {
            return contentType;
        }

        String etag() {
            return etag;
        }

        String gzipEtag() {
            return gzipEtag;
        }

        static Asset load(String resource, String contentType) {
            try (InputStream in = Objects.requireNonNull(WidgetAssets.class.getResourceAsStream(resource), resource)) {
                byte[] bytes = in.readAllBytes();
                byte[] hash = MessageDigest.getInstance("SHA-256").digest(bytes);
                String tag = HexFormat.of().formatHex(hash, 0, 12);
                return new Asset(bytes, gzip(bytes), contentType, "\"" + tag + "\"", "\"" + tag + "-gzip\"");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        private static byte[] gzip(byte[] bytes) throws IOException {
            ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length / 3);
            try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
                zip.write(bytes);
            }
            return out.toByteArray();
        }
    }
}
