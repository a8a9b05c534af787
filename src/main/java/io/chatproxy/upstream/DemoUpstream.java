package io.chatproxy.upstream;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in for n8n in development (DEBUG=true without N8N_WEBHOOK_URL): streams back an echo of the message in
 * several chunks, with a short pause between them, so the whole path can be tried without a workflow.
 */
public final class DemoUpstream implements Upstream {
    private final Duration pause;

    /**
     * Creates the demo.
     *
     * @param pause pause before each chunk
     */
    public DemoUpstream(Duration pause) {
        this.pause = pause;
    }

    @Override
    public AnswerStream open(UpstreamRequest request) {
        String answer = "Demo echo (no n8n configured): " + request.message();
        Deque<String> chunks = new ArrayDeque<>();
        for (String word : answer.split("(?<= )", -1)) {
            if (!word.isEmpty()) {
                chunks.add(word);
            }
        }
        CountDownLatch closed = new CountDownLatch(1);
        return new AnswerStream() {
            @Override
            public Optional<AnswerEvent> next() {
                if (chunks.isEmpty()) {
                    return Optional.empty();
                }
                try {
                    if (closed.await(pause.toMillis(), TimeUnit.MILLISECONDS)) {
                        return Optional.of(new AnswerEvent.Failure("aborted", "The answer was stopped"));
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return Optional.of(new AnswerEvent.Failure("aborted", "The answer was stopped"));
                }
                return Optional.of(new AnswerEvent.Text(chunks.poll()));
            }

            @Override
            public void close() {
                closed.countDown();
            }
        };
    }

    @Override
    public String description() {
        return "built-in demo upstream (DEBUG only)";
    }
}
