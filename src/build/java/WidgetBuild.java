import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import com.aayushatharva.brotli4j.Brotli4jLoader;
import com.aayushatharva.brotli4j.encoder.Encoder;
import com.google.javascript.jscomp.CommandLineRunner;
import com.google.javascript.jscomp.CompilationLevel;
import com.google.javascript.jscomp.Compiler;
import com.google.javascript.jscomp.CompilerOptions;
import com.google.javascript.jscomp.CompilerOptions.LanguageMode;
import com.google.javascript.jscomp.Result;
import com.google.javascript.jscomp.SourceFile;

/**
 * Build step (run by Maven with the toolchain's JDK through the source launcher): turns the widget's sources in
 * {@code src/main/resources/WEB} into what the proxy serves, in {@code target/classes/widget}: widget.js minified by
 * the Closure Compiler (simple optimizations) with a source map, widget.css and the language packs stripped of
 * comments and whitespace, each under a name with its content hash (so it can be cached for a year), chat-loader.js
 * (its header comment out) pointing at the hashed widget, a brotli copy of every file, and {@code assets.properties} naming them. The node
 * unit tests and the "static" browser-test mode keep using the readable sources.
 *
 * <p>Usage: {@code java -cp 'tools/*' WidgetBuild.java <source dir> <output dir>}
 */
public final class WidgetBuild {
    private static final int HASH_CHARS = 10;

    private final Path source;
    private final Path out;
    private final Map<String, String> manifest = new TreeMap<>();
    private final List<Path> written = new ArrayList<>();

    private WidgetBuild(Path source, Path out) {
        this.source = source;
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: WidgetBuild <source dir> <output dir>");
        }
        new WidgetBuild(Path.of(args[0]), Path.of(args[1])).run();
    }

    private void run() throws IOException {
        String stamp = inputsHash();
        Path stampFile = out.resolve(".inputs");
        if (Files.exists(stampFile) && Files.readString(stampFile).equals(stamp)
                && Files.exists(out.resolve("assets.properties"))) {
            System.out.println("[widget] up to date");
            return;
        }
        clean();
        Files.createDirectories(out);

        String css = minifyCss(read("widget.css"));
        String cssName = hashed("widget", css, "css");
        write(cssName, css);
        manifest.put("style", cssName);

        Map<String, String> packs = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(source.resolve("lang"))) {
            files.filter(f -> f.getFileName().toString().endsWith(".json")).sorted()
                    .forEach(f -> packs.put(f.getFileName().toString().replace(".json", ""), minifyJson(readPath(f))));
        }
        String packsHash = hash(String.join("\n", packs.values())).substring(0, HASH_CHARS);
        for (Map.Entry<String, String> pack : packs.entrySet()) {
            String name = "widget." + pack.getKey() + "." + packsHash + ".json";
            write(name, pack.getValue());
            manifest.put("lang." + pack.getKey(), name);
        }

        String widgetSource = replaceOnce(replaceOnce(read("widget.js"), "var CSS_FILE = 'widget.css';",
                "var CSS_FILE = '" + cssName + "';"), "var LANG_FILE = 'lang/{lang}.json';",
                "var LANG_FILE = 'widget.{lang}." + packsHash + ".json';");
        widgetSource = replaceOnce(widgetSource, "var NODE_EXPORTS = true;", "var NODE_EXPORTS = false;");
        Minified widget = minifyJs("widget.js", widgetSource);
        String widgetName = hashed("widget", widget.code(), "js");
        write(widgetName, widget.code() + "\n//# sourceMappingURL=" + widgetName + ".map\n");
        write(widgetName + ".map", widget.map());
        manifest.put("script", widgetName);
        manifest.put("map", widgetName + ".map");

        String loaderSource = replaceOnce(read("chat-loader.js"), "var WIDGET_FILE = 'widget.js';",
                "var WIDGET_FILE = '" + widgetName + "';");
        // Not through the compiler, which cannot pass import() through: a few lines, only the header comment goes.
        write("chat-loader.js", loaderSource.replaceFirst("(?s)^/\\*.*?\\*/\\s*", ""));
        manifest.put("loader", "chat-loader.js");

        brotli();
        StringBuilder properties = new StringBuilder("# written by src/build/java/WidgetBuild.java\n");
        manifest.forEach((k, v) -> properties.append(k).append('=').append(v).append('\n'));
        Files.writeString(out.resolve("assets.properties"), properties);
        Files.writeString(stampFile, stamp);
        for (Path file : written) {
            System.out.printf("[widget] %-36s %7d bytes%n", file.getFileName(), Files.size(file));
        }
    }

    private record Minified(String code, String map) {
    }

    private static Minified minifyJs(String name, String code) throws IOException {
        CompilerOptions options = new CompilerOptions();
        CompilationLevel.SIMPLE_OPTIMIZATIONS.setOptionsForCompilationLevel(options);
        options.setLanguageIn(LanguageMode.ECMASCRIPT_2020);
        options.setLanguageOut(LanguageMode.ECMASCRIPT_2020);
        options.setEmitUseStrict(false);
        options.setSourceMapOutputPath(name + ".map");
        options.setSourceMapIncludeSourcesContent(true);
        Compiler compiler = new Compiler(System.err);
        Result result = compiler.compile(CommandLineRunner.getBuiltinExterns(CompilerOptions.Environment.BROWSER),
                List.of(SourceFile.fromCode(name, code)), options);
        if (!result.success) {
            throw new IllegalStateException("Closure Compiler failed on " + name + ": " + List.of(result.errors));
        }
        String minified = compiler.toSource(); // the source map is filled while the code is printed
        StringBuilder map = new StringBuilder();
        compiler.getSourceMap().appendTo(map, name);
        return new Minified(minified, map.toString());
    }

    /** Comments and needless whitespace out; nothing a rule means is rewritten. */
    static String minifyCss(String css) {
        return css.replaceAll("(?s)/\\*.*?\\*/", "")
                .replaceAll("\\s+", " ")
                .replaceAll(" ?([{};,>]) ?", "$1")
                .replaceAll(": ", ":")
                .replaceAll("(?<![\\w.-])0\\.(\\d)", ".$1")
                .replace(";}", "}")
                .trim();
    }

    /** Whitespace outside strings removed. */
    static String minifyJson(String json) {
        StringBuilder sb = new StringBuilder(json.length());
        boolean inString = false;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (inString) {
                sb.append(c);
                if (c == '\\') {
                    sb.append(json.charAt(++i));
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
                sb.append(c);
            } else if (!Character.isWhitespace(c)) {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private void brotli() throws IOException {
        Brotli4jLoader.ensureAvailability();
        Encoder.Parameters best = new Encoder.Parameters().setQuality(11);
        for (Path file : List.copyOf(written)) {
            if (file.getFileName().toString().endsWith(".map")) {
                continue;
            }
            Path br = file.resolveSibling(file.getFileName() + ".br");
            Files.write(br, Encoder.compress(Files.readAllBytes(file), best));
            written.add(br);
        }
    }

    private static String replaceOnce(String text, String marker, String replacement) {
        int at = text.indexOf(marker);
        if (at < 0 || text.indexOf(marker, at + 1) >= 0) {
            throw new IllegalStateException("expected exactly one \"" + marker + "\" in the widget's sources");
        }
        return text.replace(marker, replacement);
    }

    private String hashed(String base, String content, String extension) {
        return base + "." + hash(content).substring(0, HASH_CHARS) + "." + extension;
    }

    private void write(String name, String content) throws IOException {
        Path file = out.resolve(name);
        Files.writeString(file, content);
        written.add(file);
    }

    private String read(String name) {
        return readPath(source.resolve(name));
    }

    private static String readPath(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file, e);
        }
    }

    private void clean() throws IOException {
        if (Files.isDirectory(out)) {
            try (Stream<Path> old = Files.list(out)) {
                for (Path f : old.toList()) {
                    Files.delete(f);
                }
            }
        }
    }

    /** Hash of every input and of this program, so an unchanged widget is not compiled again. */
    private String inputsHash() throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        List<Path> inputs = new ArrayList<>(List.of(source.resolve("widget.js"), source.resolve("widget.css"),
                source.resolve("chat-loader.js")));
        try (Stream<Path> files = Files.list(source.resolve("lang"))) {
            files.sorted().forEach(inputs::add);
        }
        inputs.add(Path.of("src/build/java/WidgetBuild.java")); // Maven runs this from the project's directory
        for (Path input : inputs) {
            if (Files.exists(input)) {
                all.write(input.toString().getBytes(StandardCharsets.UTF_8));
                all.write(Files.readAllBytes(input));
            }
        }
        return hash(all.toString(StandardCharsets.ISO_8859_1));
    }

    private static String hash(String content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(content.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
