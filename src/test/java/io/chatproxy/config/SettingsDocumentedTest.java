package io.chatproxy.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasSize;

/**
 * Every setting is documented: each key of app.yaml (the one home of the settings and their defaults) carries a
 * comment on its line or on the line above it, or README.md names it (as its dotted key or its environment variable).
 */
class SettingsDocumentedTest {
    private static final Pattern KEY = Pattern.compile("^(\\s*)([A-Za-z0-9_.-]+):\\s*(.*)$");

    /** A key of app.yaml with a value. */
    record Setting(String path, int line, boolean commented) {
    }

    @Test
    void everySettingInAppYamlIsExplainedThereOrInTheReadme() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        List<Setting> settings = settings(Files.readAllLines(Path.of("app.yaml")));
        assertThat(settings, hasSize(greaterThan(50)));
        List<String> undocumented = settings.stream()
                .filter(s -> !s.commented() && !readme.contains(s.path()) && envName(s.path())
                        .map(name -> !readme.contains(name)).orElse(true))
                .map(s -> "app.yaml:" + s.line() + " " + s.path())
                .toList();
        assertThat("settings without a comment in app.yaml or a mention in README.md", undocumented, empty());
    }

    private static Optional<String> envName(String path) {
        return SettingNames.ENV_TO_KEY.entrySet().stream().filter(e -> e.getValue().equals(path))
                .map(e -> e.getKey()).findFirst();
    }

    /** The leaf keys of a YAML file written as app.yaml is (block mappings, one key per line, flow maps as values). */
    static List<Setting> settings(List<String> lines) {
        List<Setting> out = new ArrayList<>();
        Deque<int[]> indents = new ArrayDeque<>();
        Deque<String> names = new ArrayDeque<>();
        boolean commentAbove = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String trimmed = line.strip();
            if (trimmed.startsWith("#")) {
                commentAbove = true;
                continue;
            }
            Matcher m = KEY.matcher(line);
            if (trimmed.isEmpty() || trimmed.startsWith("-") || !m.matches()) {
                commentAbove = false;
                continue;
            }
            int indent = m.group(1).length();
            while (!indents.isEmpty() && indents.peek()[0] >= indent) {
                indents.pop();
                names.pop();
            }
            String value = m.group(3);
            List<String> parts = new ArrayList<>(names);
            Collections.reverse(parts);
            parts.add(m.group(2));
            String path = String.join(".", parts);
            if (value.isEmpty() || value.startsWith("#")) {
                // a section explained on its line or above it explains its keys (rate-limit.origin: "a whole site")
                indents.push(new int[]{indent, commentAbove || value.startsWith("#") ? 1 : 0});
                names.push(m.group(2));
            } else {
                boolean sectionExplained = !indents.isEmpty() && indents.peek()[1] == 1;
                out.add(new Setting(path, i + 1, commentAbove || value.contains(" #") || sectionExplained));
            }
            commentAbove = false;
        }
        return out;
    }
}
