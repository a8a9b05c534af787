# chat-proxy container image.
#
#   docker build -t chat-proxy:0.1.0 .
#   docker run --rm -p 8000:8000 --env-file .env -v chat-proxy-data:/app/data chat-proxy:0.1.0
#
# Without Docker or a registry (podman, base images made from Debian packages): scripts/image/build.
# Nothing secret is baked in: every key comes from the environment at run time (see .env.example).
# The runtime stage carries a jlink runtime of only the modules the application uses, so its base needs no Java:
# any glibc image does. Both bases can be pinned to a digest without editing this file:
#   docker build --build-arg JDK_IMAGE=eclipse-temurin:21-jdk@sha256:... --build-arg RUNTIME_IMAGE=debian:trixie-slim@sha256:... .

ARG JDK_IMAGE=eclipse-temurin:21-jdk
ARG RUNTIME_IMAGE=debian:trixie-slim

# ---------------------------------------------------------------------------------------------------------------------
# Build stage: the Maven wrapper downloads Maven 3.9.11; the toolchains plugin accepts the running JDK 21 ($JAVA_HOME).
# ---------------------------------------------------------------------------------------------------------------------
FROM ${JDK_IMAGE} AS build
WORKDIR /build

# Dependency cache layer: Maven itself and every dependency and plugin of pom.xml. It is rebuilt only when the
# wrapper or pom.xml changes, not on every source edit.
COPY mvnw ./
COPY .mvn/ .mvn/
COPY pom.xml ./
RUN chmod +x mvnw && ./mvnw -B -q dependency:go-offline

# Sources and the defaults file (the jar carries a copy of app.yaml), then the thin jar and its libs/.
COPY src/ src/
COPY app.yaml ./
RUN ./mvnw -B -q -DskipTests package \
 && test -f target/chat-proxy.jar \
 && test -d target/libs

# A Java runtime of only the modules the jar and its libraries use (jdeps), plus the ones they load by name at run
# time: TLS elliptic curves, JMX for metrics, zip file systems, socket options and DNS. A class data sharing archive
# of the JDK's own classes is generated into it. It is made at /opt/java, where the runtime stage has it.
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN modules="$(jdeps --ignore-missing-deps --multi-release 21 --print-module-deps \
                      --class-path 'target/libs/*' target/chat-proxy.jar)" \
 && jlink --add-modules "${modules},jdk.crypto.ec,jdk.management,jdk.zipfs,jdk.net,jdk.naming.dns" \
          --strip-java-debug-attributes --no-man-pages --no-header-files --compress=zip-6 \
          --generate-cds-archive --output /opt/java \
 && /opt/java/bin/java -version

# Fast from the first visitor: a training run of the application, laid out in /app exactly as the runtime stage has
# it and started as its ENTRYPOINT starts it, against a fake n8n (sessions, streamed chats, history), leaves an
# ahead-of-time cache of what it loaded: an AOT cache with a JDK 25+ base (-XX:AOTCache), a class-data sharing archive
# with JDK 21 (-XX:SharedArchiveFile). /app/aot.args holds the flag for that JDK. Trained on the embedded database: the
# PostgreSQL and Redis clients' classes load as usual. A small fixed heap in training (not MaxRAMPercentage of the
# build machine): the cache is only used with the same compressed-oops mode, which a heap over 32 GB would turn off.
# See src/build/java/AotTraining.java.
WORKDIR /app
RUN cp -p /build/target/chat-proxy.jar /build/app.yaml /app/ \
 && cp -rp /build/target/libs /app/libs \
 && java /build/src/build/java/AotTraining.java /opt/java/bin/java chat-proxy.jar /app/chat-proxy.aot /app/aot.args \
         -Xmx256m -XX:+ExitOnOutOfMemoryError -Djava.io.tmpdir=/tmp \
 && rm -f /app/aot.args.jdk

# ---------------------------------------------------------------------------------------------------------------------
# Runtime stage: the jlink runtime, non-root, read-only friendly (writes only to /tmp and, with the embedded H2,
# /app/data).
# ---------------------------------------------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE}

# Build arguments for the labels (no secrets): docker build --build-arg VERSION=0.1.0 --build-arg REVISION=$(git rev-parse HEAD)
ARG RUNTIME_IMAGE
ARG VERSION=0.1.0-SNAPSHOT
ARG REVISION=unknown
ARG SOURCE_URL=https://github.com/example/chat-proxy
# SPDX id; NOASSERTION until the project picks a licence.
ARG LICENSES=NOASSERTION
LABEL org.opencontainers.image.title="chat-proxy" \
      org.opencontainers.image.description="Secure proxy between website chat widgets and an n8n webhook, streaming answers as Server-Sent Events" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.url="${SOURCE_URL}" \
      org.opencontainers.image.licenses="${LICENSES}" \
      org.opencontainers.image.vendor="chat-proxy" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="${RUNTIME_IMAGE}"

# uid/gid 10001 (matches runAsUser in k8s/deployment.yaml). --no-log-init keeps a huge sparse lastlog out of the layer.
# /app/data belongs to the user so that the embedded H2 database (jdbc:h2:file:./data/...) can be written there;
# everything else under /app stays root-owned and read-only to the process.
RUN groupadd --gid 10001 chatproxy \
 && useradd --uid 10001 --gid 10001 --no-log-init --no-create-home --home-dir /app \
            --shell /usr/sbin/nologin chatproxy \
 && mkdir -p /app/data \
 && chown 10001:10001 /app/data \
 && chmod 0750 /app/data

COPY --from=build /opt/java/ /opt/java/
ENV JAVA_HOME=/opt/java \
    PATH=/opt/java/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

WORKDIR /app
# libs/ first: it changes less often than the application jar, so pushes and pulls reuse that layer. The files are
# the ones the training run used (COPY keeps their times): the JVM uses the cache only for the same jar and libs, and
# starts without it (with a warning) otherwise.
COPY --from=build /app/libs/ /app/libs/
COPY --from=build /app/chat-proxy.jar /app/chat-proxy.jar
COPY --from=build /app/chat-proxy.aot /app/aot.args /app/
# Defaults read from the working directory; Kubernetes mounts its ConfigMap over this file.
COPY --from=build /app/app.yaml /app/app.yaml

USER 10001:10001
EXPOSE 8000
# Only used with the embedded H2 database (DATABASE_URL unset); with PostgreSQL nothing is written here.
VOLUME ["/app/data"]

# Docker-only health check (Kubernetes ignores it and uses its own probes). The runtime image has no curl or wget,
# so bash's /dev/tcp sends a bare HTTP request to the liveness endpoint and accepts any 2xx (Helidon answers 204
# when health details are off, 200 with a JSON body when they are on).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${SERVER_PORT:-8000} && printf 'GET /observe/health/live HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 2[0-9][0-9] '"]

# Extra JVM flags can be added at run time with JAVA_TOOL_OPTIONS (the JVM reads it by itself). @/app/aot.args: the
# ahead-of-time cache of the training run above.
ENTRYPOINT ["java", "@/app/aot.args", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-Djava.io.tmpdir=/tmp", "-jar", "chat-proxy.jar"]
