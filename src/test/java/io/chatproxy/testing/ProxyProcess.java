package io.chatproxy.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A real chat-proxy process ({@code io.chatproxy.Main} on the test class path) with its output in a file. */
public final class ProxyProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");

    private final Process process;
    private final Path log;

    private ProxyProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /**
     * Starts chat-proxy with the tests' base environment plus the given variables.
     *
     * @param overrides variables that win over the base environment
     * @return the running process
     */
    public static ProxyProcess start(Map<String, String> overrides) {
        try {
            Path dir = Files.createTempDirectory("chat-proxy-process");
            Path log = dir.resolve("out.log");
            ProcessBuilder builder = new ProcessBuilder(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), "io.chatproxy.Main")
                    .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().putAll(TestApp.baseEnv());
            builder.environment().putAll(overrides);
            return new ProxyProcess(builder.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Everything the process wrote so far (stdout and stderr). */
    public String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Waits until the output contains a text.
     *
     * @param text what to wait for
     * @param timeout longest wait
     * @return whether it appeared
     */
    public boolean awaitOutput(String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (output().contains(text)) {
                return true;
            }
            if (!process.isAlive() && !output().contains(text)) {
                return false;
            }
            Thread.sleep(50);
        }
        return false;
    }

    /** The port it listens on, once it said so. */
    public int port() {
        Matcher m = LISTENING.matcher(output());
        if (!m.find()) {
            throw new IllegalStateException("not listening: " + output());
        }
        return Integer.parseInt(m.group(1));
    }

    /**
     * Waits for the process to end.
     *
     * @param timeout longest wait
     * @return its exit status, or -1 if it is still running
     */
    public int awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
    }

    /** Whether it still runs. */
    public boolean alive() {
        return process.isAlive();
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(log);
            Files.deleteIfExists(log.getParent());
        } catch (IOException ignored) {
            // best effort
        }
    }
}
