package io.chatproxy.chat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.chatproxy.testing.MutableClock;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

class LocalAnswerJournalTest {
    private final MutableClock clock = new MutableClock();

    @Test
    void closingForgetsEveryAnswerEndedOrInFlight() {
        LocalAnswerJournal journal = new LocalAnswerJournal(Duration.ofMinutes(1), 1_000_000, clock);
        answer(journal, "ended", "hello");
        journal.begin("in-flight");
        journal.append("in-flight", 1, List.of("partial"));

        journal.close();

        assertThat(journal.read("ended", 0, Duration.ZERO).known(), is(false));
        assertThat(journal.read("in-flight", 0, Duration.ZERO).known(), is(false));
    }

    @Test
    void anEndedAnswerIsForgottenAfterTheResumeTtl() {
        LocalAnswerJournal journal = new LocalAnswerJournal(Duration.ofMinutes(1), 1_000_000, clock);
        answer(journal, "a", "hello");

        clock.advance(Duration.ofSeconds(59));
        journal.begin("b");
        assertThat(journal.read("a", 0, Duration.ZERO).known(), is(true));

        clock.advance(Duration.ofSeconds(2));
        journal.begin("c");
        assertThat(journal.read("a", 0, Duration.ZERO).known(), is(false));
    }

    @Test
    void endedAnswersOverTheBudgetAreForgottenOldestFirstButAnswersInFlightStay() {
        LocalAnswerJournal journal = new LocalAnswerJournal(Duration.ofMinutes(10), 25, clock);
        journal.begin("in-flight");
        journal.append("in-flight", 1, List.of("x".repeat(100)));

        answer(journal, "first", "0123456789");
        answer(journal, "second", "0123456789");
        assertThat(journal.read("first", 0, Duration.ZERO).known(), is(true));

        answer(journal, "third", "0123456789");

        assertThat(journal.read("first", 0, Duration.ZERO).known(), is(false));
        assertThat(journal.read("second", 0, Duration.ZERO).known(), is(true));
        assertThat(journal.read("third", 0, Duration.ZERO).chunks().getFirst().text(), is("0123456789"));
        assertThat(journal.chunks("in-flight").getFirst().length(), is(100));
    }

    private static void answer(LocalAnswerJournal journal, String id, String text) {
        journal.begin(id);
        journal.append(id, 1, List.of(text));
        journal.finish(id, 1, AnswerJournal.Ending.END);
    }
}
