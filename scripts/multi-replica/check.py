#!/usr/bin/env python3
"""Starts three chat-proxy replicas (same PostgreSQL and Redis) behind nginx as a round-robin load balancer, drives
them like widgets would, and checks: sessions, chats and history work whichever replica serves; limits hold across
replicas; a replica killed mid-stream loses no stored message; a rolling restart (SIGTERM, drain, start) under steady
chat traffic fails no accepted request. Stops everything it started.
With CHAT_PROXY_IMAGE set, the replicas are containers of that image, run as k8s/deployment.yaml runs them
(scripts/image/podman_run.py); otherwise they are plain `java -jar` processes.
Usage: check.py <java> <jar> <work-dir> <database-url> <redis-url>"""
import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid

JAVA, JAR, WORK, DATABASE_URL, REDIS_URL = sys.argv[1:6]
HERE = os.path.dirname(os.path.abspath(__file__))
IMAGE = os.environ.get("CHAT_PROXY_IMAGE")
if IMAGE:
    sys.path.insert(0, os.path.join(os.path.dirname(HERE), "image"))
    import podman_run  # noqa: E402
results = {"passed": 0, "failed": 0}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.1)
    raise SystemExit("nothing listening on %d" % port)


LB = free_port()
ORIGIN = "http://127.0.0.1:%d" % LB
N8N_PORT = free_port()
PORTS = {"replica-%d" % i: free_port() for i in (1, 2, 3)}
APP_ENV = dict(DEBUG="false", SERVER_HOST="127.0.0.1", DATABASE_URL=DATABASE_URL, REDIS_URL=REDIS_URL,
           JWT_SECRET_KEY=secrets.token_urlsafe(36), SESSION_SECRET_KEY=secrets.token_urlsafe(36),
           N8N_WEBHOOK_URL="http://127.0.0.1:%d/webhook/chat" % N8N_PORT, ALLOWED_ORIGINS=ORIGIN,
           TRUSTED_PROXIES="127.0.0.1/32", RATE_LIMIT_PER_MINUTE="8", RATE_LIMIT_PER_HOUR="100000",
           CHAT_PROXY_RATE_LIMIT__IP__PER_MINUTE="100000", CHAT_PROXY_RATE_LIMIT__SESSION_CREATE__PER_MINUTE="10000",
           CHAT_PROXY_RATE_LIMIT__SESSION_CREATE__ORIGIN_PER_MINUTE="10000", CHAT_PROXY_RESILIENCE__DRAIN_TIMEOUT="PT10S",
           CHAT_PROXY_RESILIENCE__ANSWER_LEASE="PT2S", CHAT_PROXY_REDIS__KEY_PREFIX="multi-%s:" % uuid.uuid4().hex[:8])
RUN_ID = uuid.uuid4().hex[:6]
procs = {}


class Container:
    """A replica as a container; stands in for the Popen of a jar replica."""

    def __init__(self, name, env):
        self.name = podman_run.run(IMAGE, "chat-proxy-%s-%s" % (name, RUN_ID), dict(env, JAVA_TOOL_OPTIONS="-Xmx256m"),
                                   WORK)

    def send_signal(self, sig):
        self.sig = "KILL" if sig == signal.SIGKILL else "TERM"

    def wait(self, timeout=None):
        podman_run.stop(self.name, getattr(self, "sig", "KILL"))
        with open(os.path.join(WORK, self.name + ".log"), "a") as f:
            f.write(podman_run.logs(self.name))
        podman_run.remove(self.name)

    def kill(self):
        self.send_signal(signal.SIGKILL)
        self.wait()


def start_replica(name):
    env = dict(APP_ENV, SERVER_PORT=str(PORTS[name]), CHAT_PROXY_APP__INSTANCE_ID=name)
    if IMAGE:
        procs[name] = Container(name, env)
    else:
        log = open(os.path.join(WORK, name + ".log"), "a")
        procs[name] = subprocess.Popen([JAVA, "-Xmx256m", "-jar", JAR], env=dict(os.environ, **env), cwd=WORK,
                                       stdout=log, stderr=log)
    # a container starts a fresh JVM without the jar's warm page cache: allow it more time on a busy machine
    try:
        wait_port(PORTS[name], 120 if IMAGE else 60)
    except SystemExit:
        if IMAGE:
            print(podman_run.logs(procs[name].name)[-3000:], flush=True)
        raise
    deadline = time.time() + (60 if IMAGE else 30)
    while time.time() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", PORTS[name], timeout=2)
            c.request("GET", "/observe/health/ready")
            if c.getresponse().status in (200, 204):  # 204 without health details
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(name + " never became ready")


def stop_replica(name, sig):
    p = procs.pop(name)
    p.send_signal(sig)
    p.wait(timeout=60)


def start_all():
    procs["n8n"] = subprocess.Popen([sys.executable, os.path.join(HERE, "fake_n8n.py"), str(N8N_PORT)])
    wait_port(N8N_PORT)
    for name in PORTS:
        start_replica(name)
    servers = "\n".join("        server 127.0.0.1:%d max_fails=1 fail_timeout=2s;" % p for p in PORTS.values())
    conf = open(os.path.join(HERE, "nginx.conf.template")).read()
    conf = conf.replace("@WORK@", WORK).replace("@PORT@", str(LB)).replace("@SERVERS@", servers)
    with open(os.path.join(WORK, "nginx.conf"), "w") as f:
        f.write(conf)
    procs["nginx"] = subprocess.Popen(["nginx", "-p", WORK, "-c", os.path.join(WORK, "nginx.conf"), "-g",
                                       "daemon off;"])
    wait_port(LB)


def stop_all():
    for name, p in list(procs.items()):
        p.kill()
        p.wait()


def check(name, ok, detail=""):
    results["passed" if ok else "failed"] += 1
    print(("PASS " if ok else "FAIL ") + name + ("" if ok else "  " + detail), flush=True)


class Browser:
    def __init__(self):
        self.cookie = None
        self.ua = "multi-replica-check/" + uuid.uuid4().hex[:8]
        self.session_id = None

    def request(self, method, path, body=None, headers=None, stream=False):
        conn = http.client.HTTPConnection("127.0.0.1", LB, timeout=60)
        h = {"Origin": ORIGIN, "User-Agent": self.ua, "Accept-Language": "en"}
        if body is not None:
            h["Content-Type"] = "application/json"
        if self.cookie:
            h["Cookie"] = "chat_session_id=" + self.cookie
        h.update(headers or {})
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=h)
        res = conn.getresponse()
        for k, v in res.getheaders():
            if k.lower() == "set-cookie" and v.startswith("chat_session_id="):
                self.cookie = v.split(";")[0].split("=", 1)[1] or None
        served = res.getheader("X-Served-By", "?")
        if stream:
            return res, served, conn
        data = res.read().decode()
        conn.close()
        return res.status, data, served

    def create(self):
        status, data, served = self.request("POST", "/api/v1/session/create", {"origin_domain": "127.0.0.1"})
        if status == 201:
            self.session_id = json.loads(data)["session_id"]
        return status, served

    def chat(self, message, stop_after=None):
        res, served, conn = self.request("POST", "/api/v1/chat/stream", {"message": message}, stream=True)
        if res.status != 200:
            body = res.read().decode()
            conn.close()
            return res.status, None, served, body
        events, event = [], {}
        while True:
            line = res.readline()
            if not line:
                break
            line = line.decode().rstrip("\n")
            if line == "":
                if event:
                    events.append(event)
                    if stop_after is not None and sum(e["event"] == "chunk" for e in events) >= stop_after:
                        conn.sock.close()
                        return 200, events, served, ""
                event = {}
                continue
            if line.startswith(":"):
                continue
            field, _, value = line.partition(":")
            event[field] = value[1:] if value.startswith(" ") else value
        conn.close()
        return 200, events, served, ""

    def history(self):
        status, data, served = self.request("GET", "/api/v1/chat/history/" + self.session_id)
        return json.loads(data)["messages"] if status == 200 else None


def text_of(events):
    return "".join(json.loads(e["data"])["content"] for e in events if e.get("event") == "chunk")


def main():
    try:
        start_all()
        run_checks()
    finally:
        stop_all()
    print("%d passed, %d failed" % (results["passed"], results["failed"]), flush=True)
    sys.exit(1 if results["failed"] else 0)


def run_checks():
    # 1. a session made on one replica validates and chats on the others; history is complete
    b = Browser()
    status, served_create = b.create()
    check("session created through the load balancer", status == 201, str(status))
    served, texts = set([served_create]), []
    for i in range(6):
        status, events, who, body = b.chat("hello %d" % i)
        served.add(who)
        texts.append(text_of(events or []))
        if status != 200:
            check("chat %d" % i, False, "%s %s" % (status, body))
    check("six chats answered by several replicas", len(served - {"?"}) >= 2, "served by %s" % served)
    check("every answer complete", texts == ["Echo: hello %d" % i for i in range(6)], str(texts))
    msgs = b.history()
    check("history complete whichever replica served",
          msgs is not None and [m["content"] for m in msgs] == sum([["hello %d" % i, "Echo: hello %d" % i]
                                                                    for i in range(6)], []), str(msgs))

    # 2. rate limits hold across replicas (RATE_LIMIT_PER_MINUTE is 8 for this run: 6 used above)
    statuses = [b.chat("limit %d" % i)[0] for i in range(4)]
    check("rate limit shared by the replicas (8 per minute)", statuses == [200, 200, 429, 429], str(statuses))

    # 3. a replica killed mid-stream loses nothing stored: the client resumes through the balancer
    k = Browser()
    k.create()
    status, events, who, _ = k.chat("this answer has quite a few words so it takes a while", stop_after=2)
    mid = json.loads(events[0]["data"])["message_id"]
    stop_replica(who, signal.SIGKILL)
    res, _, conn = k.request("GET", "/api/v1/chat/stream/" + mid,
                             headers={"Last-Event-ID": events[-1].get("id", "")}, stream=True)
    tail = res.read().decode() if res.status == 200 else ""
    conn.close()
    final = [m for m in (k.history() or []) if m["id"] == mid]
    ok = final and final[0]["status"] in ("complete", "partial") and final[0]["content"].startswith("Echo: this")
    check("killed replica: the answer is stored (status %s)" % (final[0]["status"] if final else "?"), bool(ok),
          "resume=%s history=%s" % (tail[-200:], final))
    start_replica(who)

    # 4. rolling restart under steady traffic: no accepted request fails
    stop = threading.Event()
    outcome = {"ok": 0, "failed": []}

    def traffic():
        t = Browser()
        while t.create()[0] != 201:
            time.sleep(0.2)
        n = 0
        while not stop.is_set():
            n += 1
            status, events, who, body = t.chat("steady %d" % n)
            good = status == 200 and events and events[-1].get("event") == "end"
            if good:
                outcome["ok"] += 1
            elif status == 429:
                while t.create()[0] != 201:
                    time.sleep(0.2)
            else:
                outcome["failed"].append((status, who, body[:200] if body else (events or [{}])[-1]))
            time.sleep(0.05)

    workers = [threading.Thread(target=traffic) for _ in range(4)]
    for w in workers:
        w.start()
    time.sleep(2)
    for name in list(PORTS):
        stop_replica(name, signal.SIGTERM)
        start_replica(name)
        # like a Deployment's minReadySeconds: nginx keeps a replica it saw failing out of rotation for fail_timeout
        # (2 s); stopping the next one sooner can leave no replica in rotation ("no live upstreams", 502)
        time.sleep(2.5)
    time.sleep(2)
    stop.set()
    for w in workers:
        w.join()
    check("rolling restart: %d chats answered, none failed" % outcome["ok"],
          outcome["ok"] > 20 and not outcome["failed"], str(outcome["failed"][:3]))


if __name__ == "__main__":
    main()
