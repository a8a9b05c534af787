package io.chatproxy.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

import io.chatproxy.upstream.AnswerEvent;
import io.chatproxy.upstream.AnswerStream;

/**
 * The reading loop of one answer and what it collected. It waits for the next event, then takes the ones that arrived
 * with it (a burst: bounded by {@link #MAX_BATCH_CHUNKS} and {@link #MAX_BATCH_CHARS}) without waiting again, journals
 * them (one round trip) and only then writes them to the client (one write): a chunk the visitor has seen can always be
 * resumed.
 */
final class AnswerPump {
    /** Most chunks relayed together. */
    static final int MAX_BATCH_CHUNKS = 64;
    /** Text relayed together, at most (give or take the last chunk). */
    static final int MAX_BATCH_CHARS = 16 * 1024;

    private final String id;
    private final AnswerWriter writer;
    private final AnswerJournal journal;
    private final StreamEvents events;
    private final Predicate<String> storeComplete;
    private final long calledAt;
    private final StringBuilder content = new StringBuilder();
    private final List<String> batch = new ArrayList<>();
    private MessageStatus status = MessageStatus.PARTIAL;
    private AnswerJournal.Ending ending;
    private boolean stored;
    private int seq;

    /**
     * Prepares the loop.
     *
     * @param id the answer
     * @param writer the client
     * @param journal where chunks are kept for resuming
     * @param events counters
     * @param storeComplete stores the complete text; false when it could not
     * @param calledAt when the upstream was called ({@link System#nanoTime()})
     */
    AnswerPump(String id, AnswerWriter writer, AnswerJournal journal, StreamEvents events,
            Predicate<String> storeComplete, long calledAt) {
        this.id = id;
        this.writer = writer;
        this.journal = journal;
        this.events = events;
        this.storeComplete = storeComplete;
        this.calledAt = calledAt;
    }

    /** Relays the answer until it ends, fails or is aborted. */
    void run(AnswerStream answer, RelayedAnswer watched) {
        while (true) {
            Optional<AnswerEvent> next = answer.next();
            AbortReason aborted = watched.abortReason();
            if (aborted != null) {
                aborted(aborted);
                return;
            }
            if (next.isEmpty()) {
                complete();
                return;
            }
            AnswerEvent last = next.get();
            int chars = 0;
            while (last instanceof AnswerEvent.Text text) {
                batch.add(text.content());
                chars += text.content().length();
                last = null;
                if (batch.size() < MAX_BATCH_CHUNKS && chars < MAX_BATCH_CHARS) {
                    last = answer.poll().orElse(null);
                }
            }
            if (!batch.isEmpty() && !relay(watched)) {
                aborted(AbortReason.CLIENT_GONE);
                return;
            }
            if (last instanceof AnswerEvent.Failure failure) {
                failed(failure);
                return;
            }
        }
    }

    /** Journals the batch, then shows it; false when the client is gone and the answer stops. */
    private boolean relay(RelayedAnswer watched) {
        if (seq == 0) {
            events.firstChunk(System.nanoTime() - calledAt);
        }
        watched.activity();
        int first = seq + 1;
        seq += batch.size();
        for (String text : batch) {
            content.append(text);
        }
        journal.append(id, first, batch);
        boolean shown = watched.detached() || writer.chunks(id, first, batch) || watched.clientGone();
        batch.clear();
        return shown;
    }

    private void failed(AnswerEvent.Failure failure) {
        events.upstreamFailed(failure.code());
        writer.error(failure.code(), failure.message());
        ending = new AnswerJournal.Ending(failure.code(), failure.message());
        status = content.isEmpty() ? MessageStatus.ERROR : MessageStatus.PARTIAL;
    }

    /** The visitor is told the answer is complete only once it is stored; else they get an error event. */
    private void complete() {
        stored = storeComplete.test(content.toString());
        if (stored) {
            writer.end(id);
            ending = AnswerJournal.Ending.END;
            status = MessageStatus.COMPLETE;
            return;
        }
        String message = "The answer could not be saved: please retry";
        writer.error("storage_unavailable", message);
        ending = new AnswerJournal.Ending("storage_unavailable", message);
        status = MessageStatus.PARTIAL;
    }

    private void aborted(AbortReason reason) {
        if (reason != AbortReason.CLIENT_GONE) {
            events.upstreamFailed(reason.code());
            writer.error(reason.code(), reason.message());
        }
        ending = new AnswerJournal.Ending(reason.code(), reason.message());
        status = content.isEmpty() && reason != AbortReason.CLIENT_GONE
                ? MessageStatus.ERROR
                : MessageStatus.PARTIAL;
    }

    /** How the answer ended; set once {@link #run} returned (an interrupted answer when it threw). */
    AnswerJournal.Ending ending() {
        if (ending == null) {
            ending = new AnswerJournal.Ending("upstream_lost", "The answer was interrupted");
        }
        return ending;
    }

    /** The outcome to count and store. */
    MessageStatus status() {
        return status;
    }

    /** Whether the complete answer was stored already. */
    boolean stored() {
        return stored;
    }

    /** The text relayed so far. */
    String content() {
        return content.toString();
    }

    /** Chunks relayed so far. */
    int seq() {
        return seq;
    }
}
