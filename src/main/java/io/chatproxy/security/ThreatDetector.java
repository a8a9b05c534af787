package io.chatproxy.security;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A small, documented rule set that scores a visitor message. Each rule looks for a shape, not a word, so ordinary
 * text ("I'd like to select a plan and drop by tomorrow") does not match:
 * <ul>
 *     <li>{@code markup_injection} (weight 3): script or event-handler markup, {@code javascript:} URLs, iframes;</li>
 *     <li>{@code sql_injection} (weight 2): tautologies like {@code ' OR '1'='1}, {@code UNION SELECT},
 *     a statement after a quote or semicolon ({@code '; DROP TABLE}), comment terminators after a quote;</li>
 *     <li>{@code prompt_injection} (weight 2): the common phrases asking a model to ignore or reveal its
 *     instructions or to drop its rules;</li>
 *     <li>{@code repetition} (weight 1): one character 40+ times in a row, or one word making up most of a long
 *     message.</li>
 * </ul>
 */
public final class ThreatDetector {
    // Every quantifier that can meet the next token's characters is possessive (*+, ++, ?+) or bounded, so no
    // pattern backtracks over a run of whitespace: inspection stays linear in the message length.
    private static final List<Rule> RULES = List.of(
            new Rule("markup_injection", 3, Pattern.compile(
                    "<\\s*+/?+\\s*+(?:script|iframe|object|embed|svg|img|body|style|link|meta)\\b[^>]*+>?"
                            + "|\\bon(?:error|load|click|mouseover|focus|submit)\\s*+="
                            + "|javascript\\s*+:|data\\s*+:\\s*+text/html",
                    Pattern.CASE_INSENSITIVE)),
            new Rule("sql_injection", 2, Pattern.compile(
                    "'\\s*+(?:or|and)\\s++'?+\\w++'?+\\s*+=\\s*+'?+\\w"
                            + "|\\bunion\\s++(?:all\\s++)?select\\b"
                            + "|['\";]\\s*+;?+\\s*+(?:drop|delete|truncate|alter|insert|update)\\s++"
                            + "(?:table|from|into|database)\\b"
                            + "|'\\s*+(?:--|#|/\\*)"
                            + "|\\b(?:sleep|pg_sleep|benchmark)\\s*+\\(\\s*+\\d"
                            + "|\\bselect\\b[^.!?]{0,80}\\bfrom\\s++(?:information_schema|pg_catalog|users|sessions)\\b",
                    Pattern.CASE_INSENSITIVE)),
            new Rule("prompt_injection", 2, Pattern.compile(
                    "\\b(?:ignore|disregard|forget|override)\\b.{0,40}\\b(?:previous|prior|above|earlier|all|your)\\b"
                            + ".{0,30}\\b(?:instructions?|prompts?|rules|directions|guidelines)\\b"
                            + "|\\b(?:reveal|show|print|repeat|leak)\\b.{0,30}\\b(?:system|hidden|initial)\\s++"
                            + "(?:prompt|instructions?|message)\\b"
                            + "|\\byou\\s++are\\s++now\\s++(?:dan|in\\s++developer\\s++mode|jailbroken|unrestricted)\\b"
                            + "|\\b(?:act|pretend)\\s++as\\b.{0,40}\\bwithout\\s++(?:any\\s++)?"
                            + "(?:restrictions|rules|filters)\\b",
                    Pattern.CASE_INSENSITIVE | Pattern.DOTALL)));
    private static final Pattern REPEATED_CHAR = Pattern.compile("(.)\\1{39,}+", Pattern.DOTALL);

    /**
     * Scores a message.
     *
     * @param message cleaned message text
     * @return the verdict
     */
    public ThreatVerdict inspect(String message) {
        List<String> matched = new ArrayList<>();
        int score = 0;
        for (Rule rule : RULES) {
            if (rule.pattern().matcher(message).find()) {
                matched.add(rule.name());
                score += rule.weight();
            }
        }
        if (repetitive(message)) {
            matched.add("repetition");
            score += 1;
        }
        return matched.isEmpty() ? ThreatVerdict.NONE : new ThreatVerdict(score, List.copyOf(matched));
    }

    private static boolean repetitive(String message) {
        if (REPEATED_CHAR.matcher(message).find()) {
            return true;
        }
        String[] words = message.toLowerCase(Locale.ROOT).split("\\s+", -1);
        if (words.length < 20) {
            return false;
        }
        Map<String, Integer> counts = new HashMap<>();
        int most = 0;
        for (String w : words) {
            most = Math.max(most, counts.merge(w, 1, Integer::sum));
        }
        return most * 2 > words.length;
    }

    private record Rule(String name, int weight, Pattern pattern) {
    }
}
