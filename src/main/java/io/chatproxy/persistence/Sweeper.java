package io.chatproxy.persistence;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Deletes sessions (and, by cascade, their messages) once they have been expired for the retention period, in bounded
 * batches; and marks answers left "streaming" by a replica that died as partial. Every statement is idempotent, so
 * several replicas may sweep at the same time.
 */
public final class Sweeper implements AutoCloseable {
    private static final System.Logger LOGGER = System.getLogger(Sweeper.class.getName());

    private final Database db;
    private final DatabaseSettings settings;
    private final Clock clock;
    private ScheduledFuture<?> schedule;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofVirtual().name("db-sweeper").factory());

    /**
     * Creates the sweeper.
     *
     * @param db database
     * @param settings retention and batch settings
     * @param clock time source
     */
    public Sweeper(Database db, DatabaseSettings settings, Clock clock) {
        this.db = db;
        this.settings = settings;
        this.clock = clock;
    }

    /** Sweeps now and then at the configured interval. */
    public void start() {
        long every = settings.sweepInterval().toMillis();
        schedule = timer.scheduleWithFixedDelay(this::sweepQuietly, every, every, TimeUnit.MILLISECONDS);
    }

    /**
     * Runs one sweep.
     *
     * @return sessions deleted and answers marked partial
     */
    public Result sweep() {
        Instant now = clock.instant();
        Instant cutoff = now.minus(settings.retention());
        long deleted = 0;
        long batch;
        do {
            batch = db.call(() -> db.client().execute().createNamedDelete("sweep-expired-sessions")
                    .addParam("cutoff", DbTime.of(cutoff)).addParam("batch", settings.sweepBatch()).execute());
            deleted += batch;
        } while (batch == settings.sweepBatch());
        long stale = db.call(() -> db.client().execute().createNamedUpdate("sweep-stale-answers")
                .addParam("now", DbTime.of(now)).addParam("stale", DbTime.of(now.minus(settings.staleAnswerAfter())))
                .execute());
        return new Result(deleted, stale);
    }

    @Override
    public void close() {
        if (schedule != null) {
            schedule.cancel(false);
        }
        timer.shutdownNow();
    }

    private void sweepQuietly() {
        try {
            Result result = sweep();
            if (result.sessionsDeleted() + result.answersMarkedPartial() > 0) {
                LOGGER.log(Level.INFO, "Sweep: " + result.sessionsDeleted() + " expired sessions deleted, "
                        + result.answersMarkedPartial() + " stale answers marked partial");
            }
        } catch (RuntimeException e) {
            LOGGER.log(Level.WARNING, "Sweep failed, will retry: " + e.getMessage());
        }
    }

    /**
     * What a sweep did.
     *
     * @param sessionsDeleted sessions deleted with their messages
     * @param answersMarkedPartial abandoned answers marked partial
     */
    public record Result(long sessionsDeleted, long answersMarkedPartial) {
    }
}
