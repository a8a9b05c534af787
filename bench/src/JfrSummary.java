import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
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
        long samples = 0;
        long nativeSamples = 0;
        long javaSamples = 0;
        boolean cpuTime = false;
        try (RecordingFile rf = new RecordingFile(file)) {
            while (rf.hasMoreEvents()) {
                RecordedEvent e = rf.readEvent();
                String type = e.getEventType().getName();
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
        return out.toString();
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
    }
}
