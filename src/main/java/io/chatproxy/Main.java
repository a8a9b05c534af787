package io.chatproxy;

import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.logging.Handler;
import java.util.logging.Logger;

import io.helidon.config.Config;
import io.helidon.logging.common.LogConfig;
import io.helidon.service.registry.Services;
import io.helidon.webserver.WebServer;

import io.chatproxy.config.ConfigurationException;
import io.chatproxy.config.SettingsSource;
import io.chatproxy.config.StartupException;
import io.chatproxy.observe.ShutdownLogManager;
import io.chatproxy.observe.AccessLog;
import io.chatproxy.observe.JsonLogFormatter;
import io.chatproxy.observe.ObserveEndpoints;
import io.chatproxy.web.DirectErrors;

/**
 * Starts chat-proxy: reads the settings, builds the application and serves it until the process is stopped.
 */
public final class Main {
    private Main() {
    }

    /**
     * Entry point.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        installLogManager();
        disableNettyLeakDetection();
        LogConfig.configureRuntime();
        Config config = SettingsSource.fromProcess();
        AppSettings settings;
        try {
            settings = AppSettings.read(config);
        } catch (ConfigurationException e) {
            System.err.println("chat-proxy: configuration error: " + e.getMessage());
            System.exit(2);
            return;
        }
        configureLogging(settings);
        Services.set(Config.class, config);
        if (settings.warmUp().enabled()) {
            // before the application is built: the copy's meters are gone by then
            new WarmUp(settings.warmUp(), System.getenv(), Path.of(".")).run();
        }
        ChatProxy app;
        try {
            app = ChatProxy.create(settings);
        } catch (StartupException e) {
            System.err.println("chat-proxy: start-up failed: " + e.getMessage());
            System.exit(3);
            return;
        }
        WebServer server = start(app);
        app.startBackgroundWork();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(app, server), "chat-proxy-shutdown"));
        System.getLogger(Main.class.getName()).log(Level.INFO, "chat-proxy listening on http://"
                + settings.host() + ":" + server.port());
    }

    /** Selects {@link ShutdownLogManager} (drain lines survive shutdown), unless one was chosen with -D. */
    private static void installLogManager() {
        // a class literal loads the class without initialising LogManager, which reads the property once
        defaultProperty("java.util.logging.manager", ShutdownLogManager.class.getName());
    }

    /**
     * Turns off Netty's buffer-leak detector (Lettuce runs on Netty), unless chosen with -D: by default it follows one
     * buffer in 128 with a recorded stack trace, and under load those traces were the largest single source of
     * allocation in the JFR profile (18 % of the bytes, bench/notes.md). It is a debugging aid, not a production one.
     */
    private static void disableNettyLeakDetection() {
        defaultProperty("io.netty.leakDetection.level", "disabled");
    }

    /** Sets a JVM-wide property unless it was chosen with -D. */
    private static void defaultProperty(String name, String value) {
        if (System.getProperty(name) == null) {
            System.setProperty(name, value);
        }
    }

    private static void configureLogging(AppSettings settings) {
        Logger root = Logger.getLogger("");
        root.setLevel(
                java.util.logging.Level.parse(settings.logLevel().equals("DEBUG") ? "FINE" : settings.logLevel()));
        if (settings.jsonLogs()) {
            for (Handler handler : root.getHandlers()) {
                handler.setFormatter(new JsonLogFormatter());
            }
        }
    }

    /**
     * Stops gracefully: drain open streams (readiness turns false first), stop the server, then close the pools and
     * Redis.
     *
     * @param app the application
     * @param server its server
     */
    public static void stop(ChatProxy app, WebServer server) {
        app.drain();
        server.stop();
        app.close();
    }

    /**
     * Starts a server for an application.
     *
     * @param app the application
     * @return the started server
     */
    public static WebServer start(ChatProxy app) {
        AppSettings settings = app.settings();
        if (settings.security().generatedKeys()) {
            System.getLogger(Main.class.getName()).log(Level.WARNING, "DEBUG: JWT_SECRET_KEY / SESSION_SECRET_KEY "
                    + "not set: random keys generated; sessions end when the process stops.");
        }
        return WebServer.builder()
                .config(settings.config().get("server"))
                .host(settings.host())
                .port(settings.port())
                .shutdownHook(false)
                .addFeature(ObserveEndpoints.create(app::databaseUp, app::draining,
                        app.settings().observe().healthDetails()))
                .addFeature(AccessLog.feature())
                .directHandlers(DirectErrors.create())
                .routing(app::routing)
                .build()
                .start();
    }
}
