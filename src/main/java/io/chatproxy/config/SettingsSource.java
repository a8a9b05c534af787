package io.chatproxy.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

import io.github.cdimascio.dotenv.Dotenv;
import io.github.cdimascio.dotenv.DotenvEntry;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.config.spi.ConfigSource;

/**
 * Builds the configuration tree from, highest priority first: real environment variables, a {@code .env} file in the
 * working directory, {@code app.yaml} in the working directory, and the {@code app.yaml} packaged in the jar.
 */
public final class SettingsSource {
    private SettingsSource() {
    }

    /**
     * The configuration of a process: its environment and the files in its working directory.
     *
     * @return the layered configuration
     */
    public static Config fromProcess() {
        return create(System.getenv(), Path.of("."));
    }

    /**
     * The configuration for an explicit environment and working directory (tests use this).
     *
     * @param environment environment variables
     * @param workingDirectory where {@code .env} and {@code app.yaml} are looked for
     * @return the layered configuration
     */
    public static Config create(Map<String, String> environment, Path workingDirectory) {
        List<Supplier<? extends ConfigSource>> sources = List.of(
                ConfigSources.create(aliased(environment), "environment variables"),
                ConfigSources.create(aliased(dotEnv(workingDirectory)), ".env"),
                ConfigSources.file(workingDirectory.resolve("app.yaml")).optional(),
                ConfigSources.classpath("app.yaml"));
        return Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .sources(sources)
                .build();
    }

    /** Maps known variable names to config keys; other variables of the form APP__SECTION__KEY are ignored. */
    private static Map<String, String> aliased(Map<String, String> variables) {
        Map<String, String> keys = new HashMap<>();
        variables.forEach((name, value) -> {
            String key = SettingNames.ENV_TO_KEY.get(name);
            if (key != null) {
                keys.put(key, value);
            } else if (name.startsWith("OTEL_")) {
                keys.put("otel." + name, value); // read by tracing.Tracing, one child per variable
            } else if (name.startsWith("CHAT_PROXY_")) {
                keys.put(genericKey(name.substring("CHAT_PROXY_".length())), value);
            }
        });
        return keys;
    }

    /** {@code N8N__FIRST_BYTE_TIMEOUT} becomes {@code n8n.first-byte-timeout}. */
    private static String genericKey(String name) {
        return name.toLowerCase(Locale.ROOT).replace("__", ".").replace('_', '-');
    }

    private static Map<String, String> dotEnv(Path directory) {
        if (!Files.isRegularFile(directory.resolve(".env"))) {
            return Map.of();
        }
        Dotenv dotenv = Dotenv.configure().directory(directory.toString()).ignoreIfMalformed().load();
        Map<String, String> values = new HashMap<>();
        for (DotenvEntry entry : dotenv.entries(Dotenv.Filter.DECLARED_IN_ENV_FILE)) {
            values.put(entry.getKey(), entry.getValue());
        }
        return values;
    }
}
