package io.chatproxy.web;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;

/**
 * One widget file held in memory: as built, gzip-compressed once at start-up, and brotli-compressed when the build
 * made a {@code .br} copy (the JDK has no brotli encoder), each with its own ETag.
 */
final class WidgetFile {
    private final String name;
    private final byte[] bytes;
    private final byte[] gzipped;
    private final byte[] brotli;
    private final String contentType;
    private final String etag;

    private WidgetFile(String name, byte[] bytes, byte[] brotli) {
        this.name = name;
        this.bytes = bytes;
        this.gzipped = gzip(bytes);
        this.brotli = brotli;
        this.contentType = contentType(name);
        this.etag = "\"" + sha256(bytes).substring(0, 24) + "\"";
    }

    /**
     * Loads a built file from the class path.
     *
     * @param directory class-path directory of the built files, with a trailing slash
     * @param name file name
     * @return the file
     * @throws IllegalStateException when the file is not there (the widget build did not run)
     */
    static WidgetFile load(String directory, String name) {
        byte[] bytes = read(directory + name).orElseThrow(() -> new IllegalStateException("Widget file "
                + directory + name + " is missing: build with ./mvnw (process-resources runs the widget build)"));
        return new WidgetFile(name, bytes, read(directory + name + ".br").orElse(null));
    }

    String name() {
        return name;
    }

    String contentType() {
        return contentType;
    }

    /** Whether the build made a brotli copy. */
    boolean hasBrotli() {
        return brotli != null;
    }

    /** The bytes of one encoding ("identity", "gzip" or "br"). */
    byte[] bytes(String coding) {
        return switch (coding) {
            case "br" -> brotli;
            case "gzip" -> gzipped;
            default -> bytes;
        };
    }

    /** The ETag of one encoding of this file ("identity", "gzip" or "br"). */
    String etag(String coding) {
        return coding.equals("identity") ? etag : etag.substring(0, etag.length() - 1) + "-" + coding + "\"";
    }

    private static String contentType(String name) {
        if (name.endsWith(".js")) {
            return "text/javascript; charset=utf-8";
        }
        if (name.endsWith(".css")) {
            return "text/css; charset=utf-8";
        }
        return "application/json";
    }

    private static Optional<byte[]> read(String resource) {
        try (InputStream in = WidgetFile.class.getResourceAsStream(resource)) {
            return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length / 3);
        try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
            zip.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
