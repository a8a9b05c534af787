import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.TreeMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where chat-proxy's CPU time goes, from a JFR recording: every CPU-time sample (JDK 25's jdk.CPUTimeSample, Java or
 * native code) or, without those, every execution sample is given to the component of the frame nearest to the top of
 * its stack. Also lists the hottest leaf methods.
 */
final class JfrSummary {
    /** Components, matched by class-name prefix anywhere on the stack. */
    static final Map<String, String[]> COMPONENTS = new LinkedHashMap<>();

    static {
        COMPONENTS.put("socket reads and writes (the syscalls)", new String[] {"sun.nio.ch"});
        COMPONENTS.put("logging (access log lines, JUL formatting and writing)", new String[] {"java.util.logging",
                "io.helidon.webserver.accesslog", "io.helidon.logging"});
        COMPONENTS.put("Jackson (parse each NDJSON line, write each SSE data)", new String[] {"com.fasterxml.jackson"});
        COMPONENTS.put("Redis: Lettuce + Netty (rate limit, session cache, answer journal)",
                new String[] {"io.lettuce", "io.netty", "io.chatproxy.redis"});
        COMPONENTS.put("database: Helidon DbClient + HikariCP + JDBC driver",
                new String[] {"io.helidon.dbclient", "com.zaxxer.hikari", "org.postgresql", "org.h2"});
        COMPONENTS.put("JWT and crypto (sign the n8n token, verify the cookie)",
                new String[] {"io.helidon.security", "javax.crypto", "com.sun.crypto", "sun.security"});
        COMPONENTS.put("metrics", new String[] {"io.helidon.metrics", "io.micrometer"});
        COMPONENTS.put("virtual-thread scheduling (mount, park, unpark)",
                new String[] {"java.lang.VirtualThread", "java.util.concurrent.ForkJoin", "jdk.internal.vm.Continuation",
                        "java.util.concurrent.locks", "jdk.internal.misc.Unsafe.park"});
        COMPONENTS.put("Helidon WebClient (call n8n, read its answer)", new String[] {"io.helidon.webclient"});
        COMPONENTS.put("Helidon WebServer, HTTP and buffers (parse requests, write responses, route, filter)",
                new String[] {"io.helidon"});
        COMPONENTS.put("chat-proxy's own code (io.chatproxy)", new String[] {"io.chatproxy"});
    }

    private JfrSummary() {
    }

    static String summarize(Path file) throws IOException {
        return summarize(file, false);
    }

    /** With onlyCpu, execution samples are ignored (the CPU-time samples cover them). */
    static String summarize(Path file, boolean onlyCpu) throws IOException {
        Map<String, Long> byComponent = new LinkedHashMap<>();
        Map<String, Long> leaves = new HashMap<>();
        Map<String, Long> allocations = new HashMap<>();
        long allocatedBytes = 0;
        long samples = 0;
        long nativeSamples = 0;
        long javaSamples = 0;
        boolean cpuTime = false;
        try (RecordingFile rf = new RecordingFile(file)) {
            while (rf.hasMoreEvents()) {
                RecordedEvent e = rf.readEvent();
                String type = e.getEventType().getName();
                if (type.equals("jdk.ObjectAllocationSample") && e.getStackTrace() != null) {
                    long weight = e.getLong("weight");
                    allocatedBytes += weight;
                    allocations.merge(allocationSite(e), weight, Long::sum);
                    continue;
                }
                if (type.equals("jdk.CPUTimeSample") || type.equals("jdk.ExecutionSample") && !onlyCpu) {
                    RecordedStackTrace st = e.getStackTrace();
                    if (st == null) {
                        continue;
                    }
                    if (type.equals("jdk.CPUTimeSample")) {
                        cpuTime = true;
                    } else {
                        javaSamples++;
                    }
                    List<RecordedFrame> all = st.getFrames();
                    if (!all.isEmpty() && all.get(0).getMethod().getType().getName().startsWith("sun.nio.ch")) {
                        nativeSamples++;
                    }
                    samples++;
                    List<RecordedFrame> frames = all;
                    if (!frames.isEmpty()) {
                        RecordedFrame top = frames.get(0);
                        String leaf = top.getMethod().getType().getName() + "." + top.getMethod().getName();
                        leaves.merge(leaf, 1L, Long::sum);
                    }
                    byComponent.merge(nearest(frames), 1L, Long::sum);
                }
            }
        }
        if (cpuTime && javaSamples > 0 && !onlyCpu) {
            return summarize(file, true);
        }
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%d %s (%d with a socket read or write on top)%n%n", samples,
                cpuTime ? "CPU-time samples (jdk.CPUTimeSample: every sample is CPU spent, Java or native)"
                        : "execution samples (jdk.ExecutionSample: Java code running)", nativeSamples));
        out.append("Each sample is given to the component of the frame nearest to the top of its stack (so a "
                + "HashMap lookup inside Helidon's header code counts for Helidon); the shares add up to 100 %.\n\n");
        out.append("| component | share of samples |\n|---|---|\n");
        List<Map.Entry<String, Long>> inc = new ArrayList<>(byComponent.entrySet());
        inc.sort((a, b) -> Long.compare(b.getValue(), a.getValue()));
        for (Map.Entry<String, Long> c : inc) {
            out.append(String.format(Locale.ROOT, "| %s | %.0f %% |%n", c.getKey(), 100.0 * c.getValue() / samples));
        }
        out.append("\nHottest leaf methods:\n\n| method | share of samples |\n|---|---|\n");
        List<Map.Entry<String, Long>> lv = new ArrayList<>(leaves.entrySet());
        lv.sort((a, b) -> Long.compare(b.getValue(), a.getValue()));
        for (Map.Entry<String, Long> l : lv.subList(0, Math.min(12, lv.size()))) {
            out.append(String.format(Locale.ROOT, "| `%s` | %.1f %% |%n", l.getKey(), 100.0 * l.getValue() / samples));
        }
        if (allocatedBytes > 0) {
            out.append("\nWhere memory is allocated (jdk.ObjectAllocationSample, weighted by bytes; the site is the "
                    + "nearest chat-proxy frame, else the top frame, and the class allocated):\n\n"
                    + "| site | share of bytes |\n|---|---|\n");
            List<Map.Entry<String, Long>> al = new ArrayList<>(allocations.entrySet());
            al.sort((a, b) -> Long.compare(b.getValue(), a.getValue()));
            for (Map.Entry<String, Long> a : al.subList(0, Math.min(12, al.size()))) {
                out.append(String.format(Locale.ROOT, "| `%s` | %.1f %% |%n", a.getKey(),
                        100.0 * a.getValue() / allocatedBytes));
            }
        }
        return out.toString();
    }

    private static String allocationSite(RecordedEvent e) {
        List<RecordedFrame> frames = e.getStackTrace().getFrames();
        RecordedFrame site = frames.stream().filter(f -> f.getMethod().getType().getName().startsWith("io.chatproxy"))
                .findFirst().orElse(frames.isEmpty() ? null : frames.get(0));
        String where = site == null ? "?" : site.getMethod().getType().getName() + "." + site.getMethod().getName();
        return where + " → " + e.getClass("objectClass").getName();
    }

    /**
     * Writes the CPU samples as a flame graph: {@code <name>.folded} (one line per stack, root first, frames joined by
     * {@code ;}, then the count: what flamegraph.pl, speedscope and most profilers read) and {@code <name>.svg}.
     */
    static void flameGraph(Path file, Path folded, Path svg) throws IOException {
        Map<String, Long> stacks = new TreeMap<>();
        boolean cpuTime = false;
        try (RecordingFile rf = new RecordingFile(file)) {
            while (rf.hasMoreEvents()) {
                RecordedEvent e = rf.readEvent();
                String type = e.getEventType().getName();
                if ((type.equals("jdk.CPUTimeSample") || type.equals("jdk.ExecutionSample"))
                        && e.getStackTrace() != null) {
                    List<RecordedFrame> frames = new ArrayList<>(e.getStackTrace().getFrames());
                    Collections.reverse(frames);
                    StringBuilder key = new StringBuilder(type.equals("jdk.CPUTimeSample") ? "cpu" : "java");
                    cpuTime |= type.equals("jdk.CPUTimeSample");
                    for (RecordedFrame f : frames) {
                        String cls = f.getMethod().getType().getName();
                        key.append(';').append(cls.substring(cls.lastIndexOf('.') + 1)).append('.')
                                .append(f.getMethod().getName());
                    }
                    stacks.merge(key.toString(), 1L, Long::sum);
                }
            }
        }
        String keep = cpuTime ? "cpu;" : "java;";
        StringBuilder lines = new StringBuilder();
        Frame root = new Frame("all");
        stacks.forEach((stack, count) -> {
            if (stack.startsWith(keep)) {
                String path = stack.substring(keep.length());
                lines.append(path).append(' ').append(count).append('\n');
                root.add(path.split(";"), count);
            }
        });
        Files.writeString(folded, lines);
        Files.writeString(svg, svg(root));
    }

    /** A node of the flame graph. */
    private static final class Frame {
        final String name;
        final Map<String, Frame> children = new TreeMap<>();
        long count;

        Frame(String name) {
            this.name = name;
        }

        void add(String[] path, long n) {
            count += n;
            Frame node = this;
            for (String p : path) {
                node = node.children.computeIfAbsent(p, Frame::new);
                node.count += n;
            }
        }

        int depth() {
            return 1 + children.values().stream().mapToInt(Frame::depth).max().orElse(0);
        }
    }

    private static String svg(Frame root) {
        int width = 1600;
        int row = 16;
        int height = root.depth() * row + 10;
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
                + "width=\"%d\" height=\"%d\" font-family=\"monospace\" font-size=\"11\">%n", width, height));
        draw(out, root, 0, height - row, (double) width / Math.max(1, root.count), root.count, row);
        return out.append("</svg>\n").toString();
    }

    private static void draw(StringBuilder out, Frame f, double x, int y, double scale, long total, int row) {
        double w = f.count * scale;
        if (w < 0.5) {
            return;
        }
        int hue = Math.floorMod(f.name.hashCode(), 60);
        String label = xml(String.format(Locale.ROOT, "%s (%d samples, %.1f %%)", f.name, f.count,
                100.0 * f.count / total));
        out.append(String.format(Locale.ROOT, "<g><title>%s</title><rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
                + "height=\"%d\" fill=\"hsl(%d,80%%,60%%)\" stroke=\"white\" stroke-width=\"0.5\"/>", label, x, y,
                w, row - 1, hue));
        int chars = (int) (w / 7);
        if (chars > 3) {
            String text = f.name.length() > chars ? f.name.substring(0, chars - 2) + ".." : f.name;
            out.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\">%s</text>", x + 2, y + row - 4,
                    xml(text)));
        }
        out.append("</g>\n");
        double cx = x;
        for (Frame c : f.children.values()) {
            draw(out, c, cx, y - row, scale, total, row);
            cx += c.count * scale;
        }
    }

    private static String xml(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /** The component of the frame nearest to the top of the stack that belongs to one; else "other JDK code". */
    private static String nearest(List<RecordedFrame> frames) {
        for (RecordedFrame f : frames) {
            String name = f.getMethod().getType().getName() + "." + f.getMethod().getName();
            for (Map.Entry<String, String[]> c : COMPONENTS.entrySet()) {
                for (String p : c.getValue()) {
                    if (name.startsWith(p)) {
                        return c.getKey();
                    }
                }
            }
        }
        return "other (JDK code outside these, e.g. GC barriers, string building)";
    }

    public static void main(String[] args) throws IOException {
        System.out.println(summarize(Path.of(args[0])));
        if (args.length > 1) {
            flameGraph(Path.of(args[0]), Path.of(args[1] + ".folded"), Path.of(args[1] + ".svg"));
        }
    }
}
