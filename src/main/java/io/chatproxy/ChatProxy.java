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
import io.chatproxy.chat.AnswerJournal;
import io.chatproxy.chat.LocalAnswerJournal;
import io.chatproxy.chat.RedisAnswerJournal;
import io.chatproxy.chat.AnswerRelay;
import io.chatproxy.chat.ChatService;
import io.chatproxy.chat.MessageStore;
import io.chatproxy.chat.MessageIntake;
import io.chatproxy.chat.MessageText;
import io.chatproxy.chat.N8nChatService;
import io.chatproxy.chat.StreamSettings;
import io.chatproxy.chat.StreamWatchdog;
import io.chatproxy.observe.HealthService;
import io.chatproxy.observe.MetricsService;
import io.chatproxy.observe.ProxyMetrics;
import io.chatproxy.persistence.Database;
import io.chatproxy.persistence.StorageUnavailableException;
import io.chatproxy.persistence.Sweeper;
import io.chatproxy.observe.DependencyProbe;
import io.chatproxy.ratelimit.LocalRateLimiter;
import io.chatproxy.routes.BodyLimitFilter;
import io.chatproxy.routes.RouteTable;
import io.chatproxy.ratelimit.RateLimiter;
import io.chatproxy.ratelimit.RedisRateLimiter;
import io.chatproxy.ratelimit.ResilientRateLimiter;
import io.chatproxy.redis.RedisSettings;
import io.chatproxy.redis.RedisConnections;
import io.chatproxy.resilience.Drain;
import io.chatproxy.resilience.GuardedUpstream;
import io.chatproxy.resilience.Admission;
import io.chatproxy.session.PageUrls;
import io.chatproxy.session.RedisSessionCache;
import io.chatproxy.session.SessionCache;
import io.chatproxy.ratelimit.RateLimitGuard;
import io.chatproxy.security.ClientAddress;
import io.chatproxy.security.CorsFilter;
import io.chatproxy.security.RequestOriginFilter;
import io.chatproxy.security.ThreatDetector;
import io.chatproxy.security.JwtCodec;
import io.chatproxy.security.SecuritySettings;
import io.chatproxy.security.TokenKind;
import io.chatproxy.session.SessionAuthenticator;
import io.chatproxy.session.SessionCookie;
import io.chatproxy.session.SessionOpener;
import io.chatproxy.session.SessionService;
import io.chatproxy.session.SessionStore;
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
    private final Database database;
    private final Optional<RedisConnections> redis;
    private final Sweeper sweeper;
    private final GuardedUpstream upstream;
    private final RouteTable routes = new RouteTable();
    private final Drain drain = new Drain(routes);
    private final Admission admission;
    private final ProxyMetrics metrics;
    private final ActiveStreams activeStreams = new ActiveStreams();
    private final StreamWatchdog watchdog;
    private final JsonCodec json;
    private final SessionService sessionService;
    private final ChatService chatService;
    private final N8nChatService n8nChatService;
    private final HealthService healthService;
    private final MetricsService metricsService;
    private final Tracing tracing;

    private ChatProxy(AppSettings settings, Upstream rawUpstream, Clock clock) {
        this.settings = settings;
        this.json = new JsonCodec(settings.security().maxBodyBytes());
        this.tracing = Tracing.create(settings.config().get("otel"));
        this.upstream = new GuardedUpstream(tracing.enabled() ? new TracedUpstream(rawUpstream, tracing) : rawUpstream,
                settings.resilience());
        SecuritySettings security = settings.security();
        this.database = Database.open(settings.database());
        RedisSettings redisSettings = settings.redis();
        this.redis = redisSettings.url().map(url -> RedisConnections.connect(url, redisSettings.cluster(),
                redisSettings.keyPrefix(),
                redisSettings.commandTimeout(), redisSettings.recovery()));
        this.sweeper = new Sweeper(database, settings.database(), clock);
        this.metrics = new ProxyMetrics(Services.get(MeterRegistry.class), activeStreams::count);
        JwtCodec sessionTokens = new JwtCodec(TokenKind.SESSION, security.algorithm(), security.issuer(),
                security.sessionKey(), security.previousSessionKeys(), clock);
        SessionStore sessions = new SessionStore(database, redis
                .<SessionCache>map(r -> new RedisSessionCache(r, redisSettings.sessionCacheTtl(), clock))
                .orElse(SessionCache.NONE));
        SessionCookie cookie = new SessionCookie(settings.session());
        SessionAuthenticator authenticator = new SessionAuthenticator(sessionTokens, sessions, cookie,
                security.sessionTtl(),
                security.absoluteSessionLifetime(), clock,
                metrics);
        RateLimiter limiter = redis.<RateLimiter>map(r -> new ResilientRateLimiter(
                new RedisRateLimiter(r, clock), new LocalRateLimiter(clock), redisSettings.onFailure(),
                redisSettings.replicas(), metrics::rateLimitFallback))
                .orElseGet(() -> new LocalRateLimiter(clock));
        RateLimitGuard rateLimits = new RateLimitGuard(limiter, settings.rateLimits(), metrics);
        ClientAddress clientAddress = new ClientAddress(security.trustedProxies());
        MessageStore messages = new MessageStore(database, clock);
        StreamSettings streams = StreamSettings.of(settings.chat(), settings.n8n(), settings.resilience(),
                redisSettings.url().isPresent());
        AnswerJournal journal = redis.<AnswerJournal>map(r -> new RedisAnswerJournal(
                r, streams.resumeTtl(), streams.lease()))
                .orElseGet(() -> new LocalAnswerJournal(streams.resumeTtl(),
                        LocalAnswerJournal.DEFAULT_MAX_ENDED_CHARS, clock));
        this.watchdog = new StreamWatchdog(activeStreams, streams);
        AnswerRelay relay = new AnswerRelay(upstream, messages, json, streams, metrics, activeStreams,
                journal);
        PageUrls pageUrls = new PageUrls(settings.session().forwardPageQuery());
        SessionOpener opener = new SessionOpener(sessions, security.sessionTtl(), clock, metrics);
        this.sessionService = new SessionService(sessions, authenticator, cookie, security.allowedOrigins(), json,
                clock, rateLimits, clientAddress, opener, pageUrls);
        MessageIntake intake = new MessageIntake(new MessageText(streams.maxMessageLength()),
                new ThreatDetector(), settings.threats(), rateLimits, clientAddress,
                messages, metrics, settings.logMessageContent());
        this.chatService = new ChatService(authenticator, intake, messages, relay, journal, streams, json,
                pageUrls, rateLimits, clientAddress, settings.history());
        this.n8nChatService = new N8nChatService(security.allowedOrigins(), sessions, opener, rateLimits,
                clientAddress, intake, messages, relay, json, clock, settings.history());
        this.healthService = new HealthService(probes(limiter, upstream), settings.publicView(), json, clock,
                version(), settings.observe().healthDetails(), database::stateChanges);
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
        return new ChatProxy(settings, upstream(settings, clock), clock);
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
        routing.addFilter(new RequestIds(settings.instanceId()))
                .addFilter(new SecurityHeaders(routes::data))
                .addFilter(new RequestOriginFilter(security.allowedHosts(), routes::probe, routes::api))
                .addFilter(new CorsFilter(security.allowedOrigins(), security.corsAllowCredentials(), routes::cors))
                .addFilter(new BodyLimitFilter(routes, security.maxBodyBytes()))
                .addFilter(drain)
                .addFilter(admission)
                .register("/api/v1/session", routes.checked("/api/v1/session", sessionService))
                .register("/api/v1/chat", routes.checked("/api/v1/chat", chatService))
                .register("/api/v1/n8n", routes.checked("/api/v1/n8n", n8nChatService))
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

    /** Admission per route group. */
    public Admission admission() {
        return admission;
    }

    /** Every route and its guards. */
    public RouteTable routes() {
        return routes;
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
        return database.ping();
    }

    /** Starts background work (the database sweep). */
    public void startBackgroundWork() {
        sweeper.start();
    }

    /** The sweeper (tests run it directly). */
    public Sweeper sweeper() {
        return sweeper;
    }

    /** Streams open now. */
    public ActiveStreams activeStreams() {
        return activeStreams;
    }

    /** The database (tests inspect it). */
    public Database database() {
        return database;
    }

    @Override
    public void close() {
        activeStreams.shutdownAll();
        watchdog.close();
        sweeper.close();
        metrics.close();
        redis.ifPresent(RedisConnections::close);
        database.close();
        tracing.close();
    }

    private List<DependencyProbe> probes(RateLimiter limiter, GuardedUpstream upstream) {
        List<DependencyProbe> probes = new ArrayList<>();
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
