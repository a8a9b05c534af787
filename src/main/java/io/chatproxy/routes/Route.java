package io.chatproxy.routes;

import java.util.regex.Pattern;

import io.helidon.http.Method;

/**
 * One route: a method and a path ({@code {name}} matches a segment or part of one), or every path under a prefix.
 *
 * @param method HTTP method
 * @param path path, or prefix when {@code prefix}
 * @param prefix whether every path under {@code path} belongs to the route
 * @param group what the route does, and so its guards
 */
public record Route(Method method, String path, boolean prefix, RouteGroup group) {
    /** A route with one exact path (path parameters allowed). */
    public static Route exact(Method method, String path, RouteGroup group) {
        return new Route(method, path, false, group);
    }

    /** Every path under a prefix. */
    public static Route under(Method method, String prefix, RouteGroup group) {
        return new Route(method, prefix, true, group);
    }

    /** Whether a request path (trailing slash ignored) belongs to this route, whatever the method. */
    public boolean matchesPath(String requestPath) {
        String p = trim(requestPath);
        if (prefix) {
            return path.equals("/") || p.equals(path) || p.startsWith(path + "/");
        }
        String[] want = path.split("/", -1);
        String[] got = p.split("/", -1);
        if (want.length != got.length) {
            return false;
        }
        for (int i = 0; i < want.length; i++) {
            if (!segmentMatches(want[i], got[i])) {
                return false;
            }
        }
        return true;
    }

    /** A segment with parameters ({@code {id}}, {@code widget.{file}}) matches as Helidon does: each one or more characters. */
    private static boolean segmentMatches(String want, String got) {
        if (!want.contains("{")) {
            return want.equals(got);
        }
        String[] literals = want.split("\\{[^}]*}", -1);
        StringBuilder regex = new StringBuilder(Pattern.quote(literals[0]));
        for (int i = 1; i < literals.length; i++) {
            regex.append(".+").append(Pattern.quote(literals[i]));
        }
        return got.matches(regex.toString());
    }

    static String trim(String path) {
        return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }
}
