#!/usr/bin/env python3
"""Runs the chat-proxy image as k8s/deployment.yaml runs it (podman_run.py) and checks it: it starts as uid 10001 on
a read-only root, the probes, /health and the image's HEALTHCHECK answer, a chat streams through it to a stand-in n8n
on the host, SIGTERM drains an answer in flight within the grace period, and nothing is written outside the
deployment's volumes. Prints the image size and the time to ready.
Usage: proof.py <image> <work-dir> <database-url> <redis-url>"""
import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import podman_run  # noqa: E402

IMAGE, WORK, DATABASE_URL, REDIS_URL = sys.argv[1:5]
MULTI = os.path.join(podman_run.ROOT, "scripts", "multi-replica")
results = {"passed": 0, "failed": 0}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check(name, ok, detail=""):
    results["passed" if ok else "failed"] += 1
    print(("PASS " if ok else "FAIL ") + name + ("" if ok else "  " + str(detail)), flush=True)


PORT, N8N_PORT = free_port(), free_port()
ORIGIN = "http://127.0.0.1:%d" % PORT
ENV = {"DEBUG": "false", "SERVER_HOST": "127.0.0.1", "SERVER_PORT": str(PORT), "DATABASE_URL": DATABASE_URL,
       "REDIS_URL": REDIS_URL, "JWT_SECRET_KEY": secrets.token_urlsafe(36),
       "SESSION_SECRET_KEY": secrets.token_urlsafe(36),
       "N8N_WEBHOOK_URL": "http://127.0.0.1:%d/webhook/chat" % N8N_PORT, "ALLOWED_ORIGINS": ORIGIN,
       "JAVA_TOOL_OPTIONS": "-Xmx256m", "CHAT_PROXY_REDIS__KEY_PREFIX": "image-%s:" % uuid.uuid4().hex[:8]}


def get(path):
    try:
        c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=3)
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read().decode()
    except OSError:
        return None, ""


def chat(message, on_first_chunk=None):
    """Creates a session and streams one answer; returns the SSE event names and the text."""
    h = {"Origin": ORIGIN, "User-Agent": "image-proof", "Content-Type": "application/json"}
    c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    c.request("POST", "/api/v1/session/create", body=json.dumps({"origin_domain": "127.0.0.1"}), headers=h)
    r = c.getresponse()
    r.read()
    cookie = [v for k, v in r.getheaders() if k.lower() == "set-cookie" and v.startswith("chat_session_id=")]
    if r.status != 201 or not cookie:
        return ["create %s" % r.status], ""
    h["Cookie"] = cookie[0].split(";")[0]
    c.request("POST", "/api/v1/chat/stream", body=json.dumps({"message": message}), headers=h)
    r = c.getresponse()
    if r.status != 200:
        return ["stream %s %s" % (r.status, r.read()[:200])], ""
    names, text, event = [], "", {}
    for raw in r:
        line = raw.decode().rstrip("\n")
        if line.startswith(":"):
            continue
        if line == "":
            if event:
                names.append(event.get("event"))
                if event.get("event") == "chunk":
                    text += json.loads(event["data"])["content"]
                    if on_first_chunk and names.count("chunk") == 1:
                        on_first_chunk()
            event = {}
            continue
        field, _, value = line.partition(":")
        event[field] = value[1:] if value.startswith(" ") else value
    c.close()
    return names, text


def main():
    n8n = subprocess.Popen([sys.executable, os.path.join(MULTI, "fake_n8n.py"), str(N8N_PORT)],
                           env=dict(os.environ, FAKE_N8N_DELAY="0.25"))
    name = "chat-proxy-proof-%s" % uuid.uuid4().hex[:6]
    baseline = name + "-baseline"
    try:
        prove(name, baseline)
    finally:
        n8n.kill()
        podman_run.remove(name)
        podman_run.remove(baseline)
    print("%d passed, %d failed" % (results["passed"], results["failed"]), flush=True)
    sys.exit(1 if results["failed"] else 0)


def prove(name, baseline):
    size = int(podman_run.podman("image", "inspect", "--format", "{{.Size}}", IMAGE).stdout.strip())
    print("image %s: %.0f MB" % (IMAGE, size / 1e6), flush=True)
    healthcheck = podman_run.podman("image", "inspect", "--format", "{{json .Config.Healthcheck}}", IMAGE).stdout
    check("the image keeps its HEALTHCHECK (docker format)", "observe/health/live" in healthcheck, healthcheck)

    start = time.monotonic()
    podman_run.run(IMAGE, name, ENV, WORK)
    ready = None
    while time.monotonic() - start < 120:
        if get("/observe/health/ready")[0] in (200, 204):  # 204 without health details
            ready = time.monotonic() - start
            break
        time.sleep(0.1)
    check("ready as the deployment runs it (read-only root, uid 10001, no capabilities)", ready is not None,
          podman_run.logs(name)[-2000:])
    if ready is None:
        return
    print("time to ready: %.1f s (from podman run to /observe/health/ready 2xx)" % ready, flush=True)

    for probe in ("/observe/health/started", "/observe/health/ready", "/observe/health/live"):
        status, _ = get(probe)
        check("%s answers 204 (no details by default)" % probe, status == 204, status)
    status, body = get("/health")
    check("/health answers 200 with the status only", status == 200 and list(json.loads(body)) == ["status"],
          (status, body))
    uid = podman_run.podman("exec", name, "id", "-u", check=False).stdout.strip()
    check("the process runs as uid 10001", uid == "10001", uid)
    hc = podman_run.podman("healthcheck", "run", name, check=False)
    check("the image's HEALTHCHECK passes", hc.returncode == 0, hc.stdout + hc.stderr)

    names, text = chat("hello from the image")
    check("a chat streams through the container", names[-1:] == ["end"] and text == "Echo: hello from the image",
          "%s %r" % (names, text))

    # SIGTERM while an answer streams (12 words, 0.25 s apart): the answer ends normally, the container exits in time
    stopped = {}

    def terminate():
        def run():
            t = time.monotonic()
            podman_run.stop(name)
            stopped["seconds"] = time.monotonic() - t
        stopped["thread"] = threading.Thread(target=run)
        stopped["thread"].start()

    names, text = chat("one two three four five six seven eight nine ten eleven", on_first_chunk=terminate)
    if "thread" in stopped:
        stopped["thread"].join()
    check("SIGTERM: the answer in flight ends normally", names[-1:] == ["end"], names)
    seconds = stopped.get("seconds", 1e9)
    check("SIGTERM: the container exits within the grace period (%.1f s < %d s)" % (seconds, podman_run.GRACE_SECONDS),
          seconds < podman_run.GRACE_SECONDS)
    code = podman_run.podman("inspect", "--format", "{{.State.ExitCode}}", name).stdout.strip()
    check("SIGTERM: a clean exit (code %s)" % code, code in ("0", "143"), code)
    log = podman_run.logs(name)
    check("SIGTERM: the drain is in the container's log", "Draining" in log, log[-1500:])

    # podman itself adds /etc/hosts, /etc/resolv.conf, /run/.containerenv...: a container of the same image that
    # runs nothing shows those; the proxy's container must show nothing more.
    podman_run.podman("run", "--name", baseline, "--entrypoint", "true",
                      *podman_run.k8s_options(podman_run.write_env_file(os.path.join(WORK, "base.env"), {})), IMAGE)
    own = set(podman_run.podman("diff", baseline).stdout.split("\n"))
    changed = set(podman_run.podman("diff", name).stdout.split("\n")) - own
    check("nothing written outside /tmp and /app/data", not changed, sorted(changed))


if __name__ == "__main__":
    main()
