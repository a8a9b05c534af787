package io.chatproxy;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.helidon.http.Method;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.service.registry.Services;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.staticcontent.ClasspathHandlerConfig;
import io.helidon.webserver.staticcontent.StaticContentFeature;

import io.chatproxy.chat.ActiveStreams;
import io.chatproxy.chat.Chat;
import io.chatproxy.persistence.Persistence;
import io.chatproxy.ratelimit.RateLimits;
import io.chatproxy.session.Sessions;
import io.chatproxy.chat.StreamSettings;
import io.chatproxy.observe.HealthService;
import io.chatproxy.observe.MetricsService;
import io.chatproxy.observe.ProxyMetrics;
import io.chatproxy.persistence.Database;
import io.chatproxy.persistence.StorageUnavailableException;
import io.chatproxy.observe.DependencyProbe;
import io.chatproxy.routes.BodyLimitFilter;
import io.chatproxy.routes.RouteTable;
import io.chatproxy.ratelimit.RateLimiter;
import io.chatproxy.redis.RedisSettings;
import io.chatproxy.redis.RedisConnections;
import io.chatproxy.resilience.Drain;
import io.chatproxy.resilience.GuardedUpstream;
import io.chatproxy.resilience.Admission;
import io.chatproxy.security.ClientAddress;
import io.chatproxy.security.CorsFilter;
import io.chatproxy.security.RequestOriginFilter;
import io.chatproxy.security.JwtCodec;
import io.chatproxy.security.SecuritySettings;
import io.chatproxy.security.TokenKind;
import io.chatproxy.upstream.DemoUpstream;
import io.chatproxy.upstream.N8nWebhookUpstream;
import io.chatproxy.upstream.Upstream;
import io.chatproxy.web.ApiException;
import io.chatproxy.web.ErrorResponses;
import io.chatproxy.web.JsonCodec;
import io.chatproxy.tracing.TracedUpstream;
import io.chatproxy.tracing.Tracing;
import io.chatproxy.tracing.TracingFilter;
import io.chatproxy.web.RequestIds;
import io.chatproxy.web.SecurityHeaders;
import io.chatproxy.web.WidgetAssets;

/**
 * The application's parts, built once from the settings and wired together. {@link Main} and the tests both start
 * servers from it.
 */
public final class ChatProxy implements AutoCloseable {
    private static final System.Logger LOGGER = System.getLogger(ChatProxy.class.getName());

    private final AppSettings settings;
    private final Persistence persistence;
    private final Optional<RedisConnections> redis;
    private final GuardedUpstream upstream;
    private final RouteTable routes = new RouteTable();
    private final Drain drain = new Drain(routes);
    private final Admission admission;
    private final ProxyMetrics metrics;
    private final ActiveStreams activeStreams = new ActiveStreams();
    private final JsonCodec json;
    private final Sessions sessions;
    private final Chat chat;
    private final HealthService healthService;
    private final MetricsService metricsService;
    private final Tracing tracing;

    private ChatProxy(AppSettings settings, Upstream rawUpstream, Clock clock, MeterRegistry registry,
            Tracing tracing) {
        this.settings = settings;
        SecuritySettings security = settings.security();
        RedisSettings redisSettings = settings.redis();
        this.json = new JsonCodec(security.maxBodyBytes());
        this.tracing = tracing;
        this.metrics = new ProxyMetrics(registry, activeStreams::count);
        this.upstream = new GuardedUpstream(tracing.enabled() ? new TracedUpstream(rawUpstream, tracing) : rawUpstream,
                settings.resilience());
        this.persistence = Persistence.open(settings.database(), clock);
        this.redis = redisSettings.url().map(url -> RedisConnections.connect(url, redisSettings.cluster(),
                redisSettings.keyPrefix(), redisSettings.commandTimeout(), redisSettings.recovery()));
        RateLimits rateLimits = RateLimits.create(settings.rateLimits(), redisSettings, redis, metrics,
                metrics::rateLimitFallback, clock);
        ClientAddress clientAddress = new ClientAddress(security.trustedProxies());
        this.sessions = Sessions.create(security, settings.session(), redisSettings, redis, persistence.database(),
                rateLimits.guard(), clientAddress, metrics, json, clock);
        StreamSettings streams = StreamSettings.of(settings.chat(), settings.n8n(), settings.resilience(),
                redis.isPresent());
        this.chat = Chat.create(streams, settings.history(), settings.threats(), settings.logMessageContent(),
                new Chat.Parts(persistence.database(), redis, upstream, sessions, rateLimits.guard(), clientAddress,
                        security.allowedOrigins(), activeStreams, metrics, json, clock));
        this.healthService = new HealthService(probes(rateLimits.limiter(), upstream), settings.publicView(), json,
                clock, version(), settings.observe().healthDetails(), persistence.database()::stateChanges);
        this.metricsService = new MetricsService(metrics, activeStreams::count, json, upstream::breakerState,
                tracing::droppedSpans);
        this.admission = new Admission(settings.resilience(), metrics::bulkheadRejected, routes);
        metrics.breakerState(upstream::breakerLevel);
    }

    /**
     * Builds the application with the upstream its settings name.
     *
     * @param settings validated settings
     * @return the application
     */
    public static ChatProxy create(AppSettings settings) {
        return create(settings, Clock.systemUTC());
    }

    /**
     * Builds the application with a given clock (tests move time).
     *
     * @param settings validated settings
     * @param clock time source
     * @return the application
     */
    public static ChatProxy create(AppSettings settings, Clock clock) {
        return new ChatProxy(settings, upstream(settings, clock), clock, Services.get(MeterRegistry.class),
                Tracing.create(settings.config().get("otel")));
    }

    /**
     * Builds a copy of the application that records no spans (the warm-up runs one). Its meters leave the registry
     * when it is closed.
     *
     * @param settings validated settings
     * @return the application
     */
    static ChatProxy withoutTracing(AppSettings settings) {
        return new ChatProxy(settings, upstream(settings, Clock.systemUTC()), Clock.systemUTC(),
                Services.get(MeterRegistry.class), Tracing.off());
    }

    /**
     * Registers every route, filter and error handler.
     *
     * @param routing routing to fill
     */
    public void routing(HttpRouting.Builder routing) {
        ErrorResponses errors = new ErrorResponses(json);
        errors.register(routing);
        routing.error(StorageUnavailableException.class, (req, res, e) -> {
            LOGGER.log(Level.WARNING, "Database unavailable: " + e.getCause());
            errors.send(req, res, ApiException.unavailable("database_unavailable",
                    "Storage is unavailable: please retry shortly", 5));
        });
        SecuritySettings security = settings.security();
        if (tracing.enabled()) {
            routing.addFilter(new TracingFilter(tracing));
        }
        // in this order; admission holds its permit around the rest of the request, so it stays a filter of its own
        routing.addFilter(new CheckFilters(List.of(new RequestIds(settings.instanceId()),
                new SecurityHeaders(routes::data),
                new RequestOriginFilter(security.allowedHosts(), routes::probe, routes::api),
                new CorsFilter(security.allowedOrigins(), security.corsAllowCredentials(), routes::cors),
                new BodyLimitFilter(routes, security.maxBodyBytes()),
                drain), errors))
                .addFilter(admission)
                .register("/api/v1/session", routes.checked("/api/v1/session", sessions.service()))
                .register("/api/v1/chat", routes.checked("/api/v1/chat", chat.service()))
                .register("/api/v1/n8n", routes.checked("/api/v1/n8n", chat.n8nService()))
                .register("/health", routes.checked("/health", healthService))
                .register("/metrics", routes.checked("/metrics", metricsService))
                .register("/", routes.checked("/", new WidgetAssets()));
        // served by Helidon's features, declared in the table as prefixes
        routes.registeredPrefix(Method.GET, "/observe");
        routes.registeredPrefix(Method.GET, "/");
        routes.registeredPrefix(Method.HEAD, "/");
        routing.register("/", StaticContentFeature.createService(ClasspathHandlerConfig.builder()
                .location("/WEB")
                .welcome("index.html")
                .build()));
    }

    /** The settings this application was built from. */
    public AppSettings settings() {
        return settings;
    }

    /**
     * Graceful shutdown, first half: readiness turns false, new streams are refused, open streams get up to the
     * drain timeout to finish and are then ended with {@code server_shutdown}.
     */
    public void drain() {
        drain.run(activeStreams::count, activeStreams::shutdownAll, settings.resilience().drainTimeout());
    }

    /** Whether the server is draining (readiness is false). */
    public boolean draining() {
        return drain.draining();
    }

    /** Whether the database answers (for readiness). */
    public boolean databaseUp() {
        return persistence.database().ping();
    }

    /** Starts background work (the database sweep). */
    public void startBackgroundWork() {
        persistence.startSweeping();
    }

    /** What tests look into (through {@code io.chatproxy.testing.TestApp}), not used by the application. */
    Internals internals() {
        return new Internals(admission, routes, persistence, activeStreams);
    }

    /**
     * The parts tests inspect.
     *
     * @param admission admission per route group
     * @param routes every route and its guards
     * @param persistence the database and its sweeper
     * @param activeStreams streams open now
     */
    record Internals(Admission admission, RouteTable routes, Persistence persistence, ActiveStreams activeStreams) {
    }

    @Override
    public void close() {
        activeStreams.shutdownAll();
        chat.close();
        metrics.close();
        redis.ifPresent(RedisConnections::close);
        persistence.close();
        tracing.close();
    }

    private List<DependencyProbe> probes(RateLimiter limiter, GuardedUpstream upstream) {
        List<DependencyProbe> probes = new ArrayList<>();
        Database database = persistence.database();
        probes.add(DependencyProbe.timed("database", true, database::ping,
                Map.of("kind", database.postgres() ? "postgresql" : "h2")));
        redis.ifPresent(r -> probes.add(new DependencyProbe("redis", false, () -> {
            long latency = r.pingMillis();
            return new DependencyProbe.Result(latency >= 0, latency, Map.of());
        })));
        boolean canFallBack = settings.redis().onFailure() != RedisSettings.FailureMode.DENY;
        probes.add(new DependencyProbe("rate_limiter", !canFallBack, () -> new DependencyProbe.Result(
                limiter.healthy(), -1, Map.of("kind", limiter.kind()))));
        probes.add(new DependencyProbe("n8n", false, () -> new DependencyProbe.Result(
                !upstream.breakerState().equals("open"), -1,
                Map.of("upstream", upstream.description(), "circuit_breaker", upstream.breakerState()))));
        return probes;
    }

    private static Upstream upstream(AppSettings settings, Clock clock) {
        SecuritySettings security = settings.security();
        if (settings.n8n().webhookUrl().isEmpty()) {
            LOGGER.log(Level.WARNING, "*** N8N_WEBHOOK_URL is not set: answers come from the built-in DEMO upstream "
                    + "(DEBUG mode). Set N8N_WEBHOOK_URL to talk to n8n. ***");
            return new DemoUpstream(Duration.ofMillis(150));
        }
        JwtCodec n8nTokens = new JwtCodec(TokenKind.N8N, security.algorithm(), security.issuer(),
                security.n8nKey(), List.of(), clock);
        return new N8nWebhookUpstream(settings.n8n(), n8nTokens, new JsonCodec().mapper());
    }

    private static String version() {
        String v = ChatProxy.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
