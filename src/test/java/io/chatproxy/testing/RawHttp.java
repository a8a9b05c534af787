package io.chatproxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Sends bytes exactly as given over a socket, for requests no well-behaved client would build (bad Host, invalid
 * bytes, oversized headers), and reads the answer of a {@code Connection: close} request.
 */
public final class RawHttp {
    private RawHttp() {
    }

    /**
     * Sends a request and reads the whole answer.
     *
     * @param port server port on 127.0.0.1
     * @param request the raw request bytes
     * @return the answer
     */
    public static Response send(int port, byte[] request) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            return parse(readResponse(socket.getInputStream()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Builds a request with a body and Connection: close. */
    public static byte[] request(String method, String target, Map<String, String> headers, byte[] body) {
        StringBuilder head = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n");
        if (!headers.containsKey("Host")) {
            head.append("Host: 127.0.0.1\r\n");
        }
        headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
        head.append("Content-Length: ").append(body.length).append("\r\nConnection: close\r\n\r\n");
        byte[] headBytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = new byte[headBytes.length + body.length];
        System.arraycopy(headBytes, 0, all, 0, headBytes.length);
        System.arraycopy(body, 0, all, headBytes.length, body.length);
        return all;
    }

    /** Reads one response: the head, then a Content-Length body, a chunked body, or until the server closes. */
    private static byte[] readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            int headEnd = -1;
            while (headEnd < 0) {
                int b = in.read();
                if (b < 0) {
                    return out.toByteArray();
                }
                out.write(b);
                byte[] sofar = out.toByteArray();
                int n = sofar.length;
                if (n >= 4 && sofar[n - 4] == '\r' && sofar[n - 3] == '\n' && sofar[n - 2] == '\r'
                        && sofar[n - 1] == '\n') {
                    headEnd = n;
                }
            }
            String head = out.toString(StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
            java.util.regex.Matcher length = java.util.regex.Pattern.compile("content-length:\\s*(\\d+)").matcher(head);
            if (length.find()) {
                out.write(in.readNBytes(Integer.parseInt(length.group(1))));
            } else if (head.contains("transfer-encoding: chunked")) {
                byte[] tail = new byte[0];
                while (!new String(tail, StandardCharsets.ISO_8859_1).endsWith("0\r\n\r\n")) {
                    int b = in.read();
                    if (b < 0) {
                        break;
                    }
                    out.write(b);
                    tail = java.util.Arrays.copyOfRange(out.toByteArray(), Math.max(0, out.size() - 5), out.size());
                }
            } else {
                out.write(in.readAllBytes());
            }
        } catch (java.net.SocketException e) {
            // the server may reset after answering a bad request: keep what arrived
        }
        return out.toByteArray();
    }

    private static Response parse(byte[] raw) {
        String text = new String(raw, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            return new Response(0, Map.of(), text);
        }
        String[] lines = text.substring(0, end).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.putIfAbsent(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                    lines[i].substring(colon + 1).trim());
        }
        byte[] bodyBytes = java.util.Arrays.copyOfRange(raw, end + 4, raw.length);
        String body = "chunked".equalsIgnoreCase(headers.get("transfer-encoding"))
                ? dechunk(bodyBytes)
                : new String(bodyBytes, StandardCharsets.UTF_8);
        return new Response(status, headers, body);
    }

    private static String dechunk(byte[] bytes) {
        String s = new String(bytes, StandardCharsets.ISO_8859_1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int pos = 0;
        while (pos < s.length()) {
            int lineEnd = s.indexOf("\r\n", pos);
            if (lineEnd < 0) {
                break;
            }
            int size = Integer.parseInt(s.substring(pos, lineEnd).split(";")[0].trim(), 16);
            if (size == 0) {
                break;
            }
            out.write(bytes, lineEnd + 2, Math.min(size, bytes.length - lineEnd - 2));
            pos = lineEnd + 2 + size + 2;
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /**
     * An answer.
     *
     * @param status status code (0 when the connection closed without an answer)
     * @param headers headers, lower-case names, first value
     * @param body body text
     */
    public record Response(int status, Map<String, String> headers, String body) {
    }
}
