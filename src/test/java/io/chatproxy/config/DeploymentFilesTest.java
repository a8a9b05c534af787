package io.chatproxy.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import org.junit.jupiter.api.Test;

import io.chatproxy.testing.TestApp;
import io.chatproxy.testing.Visitor;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;

/**
 * The Dockerfile and the Kubernetes manifests name what the application really builds, serves and reads.
 */
class DeploymentFilesTest {
    private static final Path ROOT = Path.of("").toAbsolutePath();

    @Test
    void dockerfileCopiesWhatTheBuildProducesAndRunsTheMainClass() throws IOException {
        String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
        String pom = Files.readString(ROOT.resolve("pom.xml"));
        String artifactId = first(pom, "<artifactId>(chat-proxy)</artifactId>");

        assertThat(dockerfile, containsString("target/" + artifactId + ".jar"));
        assertThat(dockerfile, containsString("target/libs/"));
        assertThat(dockerfile, containsString("\"-jar\", \"" + artifactId + ".jar\""));
        assertThat(dockerfile, containsString("EXPOSE 8000"));
        assertThat(first(pom, "<mainClass>([^<]+)</mainClass>"), is("io.chatproxy.Main"));
        assertThat(Files.exists(ROOT.resolve("src/main/java/io/chatproxy/Main.java")), is(true));
        for (String copied : List.of("mvnw", ".mvn/", "pom.xml", "src/", "app.yaml")) {
            assertThat(copied, Files.exists(ROOT.resolve(copied)), is(true));
        }
    }

    @Test
    void manifestsUseTheServedPortAndProbePaths() {
        Config deployment = yaml("k8s/deployment.yaml");
        Config container = deployment.get("spec.template.spec.containers.0");
        int containerPort = container.get("ports.0.containerPort").asInt().get();
        Config defaults = yaml("app.yaml");

        assertThat(containerPort, is(defaults.get("server.port").asInt().get()));
        assertThat(yaml("k8s/app.yaml").get("server.port").asInt().orElse(containerPort), is(containerPort));
        List<String> probes = List.of(container.get("startupProbe.httpGet.path").asString().get(),
                container.get("readinessProbe.httpGet.path").asString().get(),
                container.get("livenessProbe.httpGet.path").asString().get());
        try (TestApp app = TestApp.start(Map.of("N8N_WEBHOOK_URL", "http://127.0.0.1:9/webhook"))) {
            Visitor visitor = app.visitor();
            for (String path : probes) {
                // Kubernetes counts any 2xx (and 3xx) as success; without health details Helidon answers 204
                assertThat(path, visitor.get(path).status() / 100, is(2));
            }
        }
    }

    @Test
    void everyVariableTheManifestsSetIsOneTheApplicationReads() {
        List<String> names = new ArrayList<>();
        yaml("k8s/deployment.yaml").get("spec.template.spec.containers.0.env").asNodeList().orElse(List.of())
                .forEach(env -> names.add(env.get("name").asString().get()));
        yaml("k8s/secret.example.yaml").get("stringData").asNodeList().orElse(List.of())
                .forEach(entry -> names.add(entry.name()));

        assertThat(names, hasItem("JWT_SECRET_KEY"));
        for (String name : names) {
            boolean known = SettingNames.ENV_TO_KEY.containsKey(name) || name.startsWith("CHAT_PROXY_")
                    || name.equals("JAVA_TOOL_OPTIONS");
            assertThat(name + " is read by the application", known, is(true));
        }
    }

    private static Config yaml(String file) {
        return Config.just(ConfigSources.file(ROOT.resolve(file)));
    }

    private static String first(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertThat(regex, m.find(), is(true));
        return m.group(1);
    }
}
