package io.chatproxy.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * The widget's files, embedded by customer pages of other origins, as the build made them (minified, named by a hash
 * of their content, listed in {@code widget/assets.properties}): {@code /widget.<hash>.js}, its CSS, source map and
 * language packs are cached for a year ({@code immutable}); {@code /widget.js} and {@code /widget.css} redirect to
 * the current hashed file and {@code /chat-loader.js} names it, all three cached briefly with revalidation by ETag.
 * Every file is readable cross-origin (a page may pin a hashed file with {@code integrity}), never sets a cookie, and
 * goes out brotli- or gzip-compressed to clients that accept it.
 */
public final class WidgetAssets implements HttpService {
    private static final String SHORT_CACHE = "public, max-age=300, stale-while-revalidate=86400";
    private static final String LONG_CACHE = "public, max-age=31536000, immutable";
    private static final String DIRECTORY = "/widget/";
    /** A hashed name of an earlier build: {@code widget.<hash>.js}, {@code widget.<lang>.<hash>.json}. */
    private static final Pattern OLD_HASHED = Pattern
            .compile("widget\\.(?:([a-z]{2})\\.)?[0-9a-f]{6,64}\\.(js|css|json)");

    private final WidgetFile script;
    private final WidgetFile style;
    private final WidgetFile loader;
    private final Map<String, WidgetFile> hashed;
    private final Map<String, String> packs;

    /** Loads the built files named in {@code widget/assets.properties}. */
    public WidgetAssets() {
        Properties manifest = manifest();
        Function<String, WidgetFile> file = key -> WidgetFile.load(DIRECTORY, Objects.requireNonNull(
                manifest.getProperty(key), "widget/assets.properties lacks " + key));
        this.hashed = manifest.stringPropertyNames().stream().filter(k -> !k.equals("loader")).map(file)
                .collect(Collectors.toUnmodifiableMap(WidgetFile::name, f -> f));
        this.script = hashed.get(manifest.getProperty("script"));
        this.style = hashed.get(manifest.getProperty("style"));
        this.loader = file.apply("loader");
        this.packs = manifest.stringPropertyNames().stream().filter(k -> k.startsWith("lang."))
                .collect(Collectors.toUnmodifiableMap(k -> k.substring("lang.".length()), manifest::getProperty));
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/widget.js", (req, res) -> redirect(res, script.name(), SHORT_CACHE))
                .get("/widget.css", (req, res) -> redirect(res, style.name(), SHORT_CACHE))
                .get("/chat-loader.js", (req, res) -> serve(req, res, loader, SHORT_CACHE))
                .get("/widget.{file}", this::hashedFile);
    }

    private void hashedFile(ServerRequest req, ServerResponse res) {
        String name = "widget." + req.path().pathParameters().get("file");
        WidgetFile file = hashed.get(name);
        if (file != null) {
            serve(req, res, file, LONG_CACHE);
            return;
        }
        // A page (or a replica) of an earlier release asks for its own hashed file: the current one serves it.
        Optional<String> current = current(name);
        if (current.isEmpty()) {
            throw ApiException.notFound("not_found", "No such widget file");
        }
        redirect(res, current.get(), "no-store");
    }

    private Optional<String> current(String oldName) {
        Matcher old = OLD_HASHED.matcher(oldName);
        if (!old.matches()) {
            return Optional.empty();
        }
        return switch (old.group(2)) {
            case "js" -> old.group(1) == null ? Optional.of(script.name()) : Optional.empty();
            case "css" -> old.group(1) == null ? Optional.of(style.name()) : Optional.empty();
            default -> Optional.ofNullable(old.group(1)).map(packs::get);
        };
    }

    private static void redirect(ServerResponse res, String name, String cacheControl) {
        common(res, cacheControl);
        res.header(HeaderNames.LOCATION, name); // relative: right behind a reverse proxy's path prefix too
        res.status(Status.FOUND_302).send();
    }

    private static void serve(ServerRequest req, ServerResponse res, WidgetFile file, String cacheControl) {
        String coding = ContentCoding.choose(req.headers().first(HeaderNames.ACCEPT_ENCODING).orElse(""),
                file.hasBrotli());
        String etag = file.etag(coding);
        common(res, cacheControl);
        res.header(HeaderNames.ETAG, etag);
        res.header(HeaderNames.VARY, "Accept-Encoding");
        res.header(HeaderNames.CONTENT_TYPE, file.contentType());
        boolean fresh = req.headers().first(HeaderNames.IF_NONE_MATCH)
                .map(tags -> tags.contains(etag) || tags.trim().equals("*")).orElse(false);
        if (fresh) {
            res.status(Status.NOT_MODIFIED_304).send();
            return;
        }
        if (!coding.equals("identity")) {
            res.header(HeaderNames.CONTENT_ENCODING, coding);
        }
        res.send(file.bytes(coding));
    }

    private static void common(ServerResponse res, String cacheControl) {
        res.header(HeaderNames.CACHE_CONTROL, cacheControl);
        res.header("Cross-Origin-Resource-Policy", "cross-origin");
        res.header(HeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
    }

    private static Properties manifest() {
        try (InputStream in = WidgetAssets.class.getResourceAsStream(DIRECTORY + "assets.properties")) {
            if (in == null) {
                throw new IllegalStateException("widget/assets.properties is missing: build with ./mvnw "
                        + "(process-resources runs src/build/java/WidgetBuild.java)");
            }
            Properties p = new Properties();
            p.load(in);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
