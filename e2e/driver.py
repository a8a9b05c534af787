#!/usr/bin/env python3
"""End-to-end cases for chat-proxy against a real n8n (Python 3 standard library only).

Started by e2e/run once n8n and the fake OpenAI server are up. It starts the packaged proxy (the jar, configured only
by environment variables, one instance per n8n webhook), drives it over HTTP the way the chat widget does in a browser
(Origin, User-Agent, Fetch Metadata, a cookie jar, Server-Sent Events read line by line with timestamps), checks what
the browser received and what the proxy stored, measures time-to-first-chunk through the proxy against n8n directly,
stops every proxy it started, and ends with the line "N passed, N failed".

Environment (set by e2e/run):
  E2E_WORK       a scratch folder of this run        E2E_JAVA / E2E_JAR    the JDK's java and the proxy jar
  E2E_N8N_BASE   http://127.0.0.1:<n8n port>         E2E_N8N_SECRET        the n8n JWT credential's secret
  E2E_REPO       the repository (README is read)     E2E_T_INSTALL / E2E_T_LOAD / E2E_T_START  timings to report
  E2E_SUMMARY    file that receives the summary line E2E_PIDS              file listing the proxy pids (for run's trap)
"""
import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import traceback
import uuid
import zipfile

import overhead   # beside this file

WORK = os.environ.get("E2E_WORK") or "/tmp/chat-proxy-e2e"
JAVA = os.environ.get("E2E_JAVA", "java")
JAR = os.environ.get("E2E_JAR", "target/chat-proxy.jar")
N8N_BASE = os.environ.get("E2E_N8N_BASE", "http://127.0.0.1:5678")
N8N_SECRET = os.environ.get("E2E_N8N_SECRET", "e2e-d25404ff4835f67e83e4c77564b4ae7d6f3c32a4")
REPO = os.environ.get("E2E_REPO", os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SUMMARY = os.environ.get("E2E_SUMMARY", os.path.join(WORK, "summary"))
PIDS = os.environ.get("E2E_PIDS", os.path.join(WORK, "proxy.pids"))

N8N_HOST, N8N_PORT = N8N_BASE.split("://", 1)[1].rsplit(":", 1)
N8N_PORT = int(N8N_PORT)
CHAT_TRIGGER_PATH = "/webhook/0b7c1a10-0000-4000-8000-0000000000a4/chat"
WRONG_SECRET = "wrong-secret-not-the-n8n-credential-0123456789"
HEADER_AUTH = ("X-Proxy-Secret", "test-header-secret")   # the chat-echo-headerauth credential

UA = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 "
      "chat-proxy-e2e")
# Words that would show n8n internals (error texts of the workflows and the fake model, n8n's metadata and 404 body)
N8N_VALUES = ["fake upstream failure", "Simulated workflow failure", "Error in workflow", "is not registered",
              "stacktrace", "\"hint\"", "invalid signature", "No token provided", "jwt expired",
              "Authorization data is wrong", "live-webhooks", "<n8n>", "AI Agent", "0b7c1a10-0000-4000-8000",
              "When chat message received", "runIndex"]
LEAKS = N8N_VALUES + ["nodeName", "nodeId", "keepalive"]   # n8n's wire format has no business in the SSE stream

T0 = time.monotonic()


def log(msg):
    print(msg, flush=True)


def elapsed():
    return time.monotonic() - T0


# ---------------------------------------------------------------------------------------------------------- results
class Results:
    def __init__(self):
        self.passed, self.failed, self.skipped = [], [], []
        self.lock = threading.Lock()

    def write_summary(self):
        with open(SUMMARY, "w") as f:
            f.write("%d passed, %d failed\n" % (len(self.passed), len(self.failed)))


RESULTS = Results()


class Skip(Exception):
    pass


def run_case(name, fn, *args):
    """Runs one case: PASS / FAIL / SKIP line, never raises."""
    started = time.monotonic()
    try:
        detail = fn(*args)
        with RESULTS.lock:
            RESULTS.passed.append(name)
            log("PASS  %-48s %5.1fs  %s" % (name, time.monotonic() - started, detail or ""))
    except Skip as e:
        with RESULTS.lock:
            RESULTS.skipped.append(name)
            log("SKIP  %-48s        %s" % (name, e))
    except Exception as e:  # an assertion or anything unexpected: the case failed, the suite goes on
        with RESULTS.lock:
            RESULTS.failed.append(name)
            log("FAIL  %-48s %5.1fs  %s" % (name, time.monotonic() - started,
                                             e if isinstance(e, AssertionError) else repr(e)))
            if not isinstance(e, AssertionError):
                traceback.print_exc(file=sys.stdout)
            evidence = getattr(e, "evidence", None)
            if evidence:
                log("      evidence: " + evidence.replace("\n", "\n                "))
    RESULTS.write_summary()


def check(cond, msg, evidence=None):
    if not cond:
        err = AssertionError(msg)
        err.evidence = evidence
        raise err


def no_leak(text, what, words=None):
    found = [w for w in (words or LEAKS) if w.lower() in text.lower()]
    check(not found, "%s shows n8n internals %s" % (what, found), text[:1500])


# ---------------------------------------------------------------------------------------------------------- helpers
def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(sub, secret=N8N_SECRET, ttl=30):
    """An HS256 token like the proxy's n8n token (for calling n8n directly)."""
    now = int(time.time())
    head = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    body = b64url(json.dumps({"iss": "chat-proxy", "aud": "n8n", "sub": sub, "iat": now, "exp": now + ttl,
                              "jti": str(uuid.uuid4())}, separators=(",", ":")).encode())
    sig = b64url(hmac.new(secret.encode(), (head + "." + body).encode(), hashlib.sha256).digest())
    return head + "." + body + "." + sig


def short(data, n=600):
    text = data if isinstance(data, str) else data.decode("utf-8", "replace")
    return text if len(text) <= n else text[:n] + "...(%d more)" % (len(text) - n)


# ---------------------------------------------------------------------------------------------------------- proxies
class Proxy:
    """One chat-proxy process: the packaged jar, configured only by environment variables."""
    all = []

    def __init__(self, name, webhook_path, page_origin, extra_env=None, session_secret=N8N_SECRET, jvm_args=()):
        self.name = name
        self.jvm_args = list(jvm_args)
        self.port = free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.page_origin = page_origin
        self.dir = os.path.join(WORK, "proxy-" + name)
        os.makedirs(self.dir, exist_ok=True)
        self.log_path = os.path.join(self.dir, "proxy.log")
        # A clean environment: nothing from the CI job (DATABASE_URL, REDIS_URL, CHAT_PROXY_*...) leaks in, and the
        # working directory is a scratch folder, so no .env file is read either.
        self.env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TZ", "TMPDIR") if k in os.environ}
        self.env.update({
            "DEBUG": "false",
            "SERVER_HOST": "127.0.0.1",
            "SERVER_PORT": str(self.port),
            "JWT_SECRET_KEY": secrets.token_urlsafe(36)[:48],
            "SESSION_SECRET_KEY": session_secret,
            "N8N_WEBHOOK_URL": N8N_BASE + webhook_path,
            "ALLOWED_ORIGINS": page_origin,
            "DATABASE_URL": "jdbc:h2:file:%s/db" % self.dir,
            "CHAT_PROXY_N8N__FIRST_BYTE_TIMEOUT": "PT60S",
            # one test client = one IP sends every visitor's messages: lift the per-IP limits out of the way
            "RATE_LIMIT_PER_MINUTE": "1000",
            "RATE_LIMIT_PER_HOUR": "10000",
            "CHAT_PROXY_RATE_LIMIT__SESSION_CREATE__PER_MINUTE": "1000",
        })
        self.env.update(extra_env or {})
        self.proc = None
        Proxy.all.append(self)

    def start(self):
        out = open(self.log_path, "wb")
        self.proc = subprocess.Popen([JAVA, *self.jvm_args, "-jar", os.path.abspath(JAR)], cwd=self.dir, env=self.env,
                                     stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        out.close()
        with open(PIDS, "a") as f:
            f.write("%d\n" % self.proc.pid)
        return self

    def wait_ready(self, deadline):
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("proxy %s exited with %s:\n%s" % (self.name, self.proc.returncode, self.tail()))
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/health")
                r = c.getresponse()
                r.read()
                c.close()
                if r.status in (200, 503):
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("proxy %s not ready in time:\n%s" % (self.name, self.tail()))

    def tail(self, n=30):
        try:
            with open(self.log_path, "rb") as f:
                return b"\n".join(f.read().splitlines()[-n:]).decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)

    @staticmethod
    def stop_all():
        for p in Proxy.all:
            p.stop()
        deadline = time.monotonic() + 30
        for p in Proxy.all:
            if p.proc:
                try:
                    p.proc.wait(max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    p.proc.kill()
                    p.proc.wait()


# ---------------------------------------------------------------------------------------------------------- browser
class StreamResult:
    def __init__(self):
        self.status = None
        self.headers = {}
        self.t_sent = None
        self.items = []        # (t, kind, name, id, data): kind "event" or "comment"
        self.raw = b""
        self.body = b""        # a non-SSE body (JSON error)
        self.closed_by_us = False

    def events(self, name=None):
        return [i for i in self.items if i[1] == "event" and (name is None or i[2] == name)]

    def comments(self):
        return [i for i in self.items if i[1] == "comment"]

    def text(self):
        return "".join(json.loads(e[4])["content"] for e in self.events("chunk"))

    def json(self):
        return json.loads(self.body or b"null")

    def transcript(self):
        head = "HTTP %s %s\n" % (self.status, {k: v for k, v in self.headers.items()
                                                 if k.lower() in ("content-type", "cache-control",
                                                                  "x-accel-buffering", "content-length")})
        if self.body:
            return head + short(self.body, 1500)
        lines = []
        for t, kind, name, eid, data in self.items:
            lines.append("+%6.3fs %s" % (t - self.t_sent, ": " + data if kind == "comment"
                                         else "event:%s id:%s data:%s" % (name, eid, short(data, 200))))
        return head + "\n".join(lines[:60])


class Browser:
    """The chat widget in a browser: a page on page_origin calling the proxy cross-origin with credentials."""

    def __init__(self, proxy, lang="en-GB,en;q=0.9"):
        self.proxy = proxy
        self.origin = proxy.page_origin
        self.page_url = self.origin + "/shop/products/42.html"
        self.lang = lang
        self.cookies = {}          # name -> value (Secure cookies are sent to http://127.0.0.1 like browsers do)
        self.cookie_attrs = {}     # name -> attribute string of the last Set-Cookie
        self.session_id = None

    def _headers(self, accept="application/json", body=False):
        h = {"Host": "127.0.0.1:%d" % self.proxy.port, "Origin": self.origin, "Referer": self.page_url,
             "User-Agent": UA, "Accept": accept, "Accept-Language": self.lang,
             "Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty"}
        if body:
            h["Content-Type"] = "application/json"
        if self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        return h

    def _take_cookies(self, resp):
        for sc in resp.msg.get_all("Set-Cookie") or []:
            first, _, attrs = sc.partition(";")
            name, _, value = first.strip().partition("=")
            self.cookie_attrs[name] = attrs
            if re.search(r"(?i)max-age=0\b", attrs) or value == "":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value

    def request(self, method, path, payload=None, timeout=30):
        c = http.client.HTTPConnection("127.0.0.1", self.proxy.port, timeout=timeout)
        body = json.dumps(payload).encode() if payload is not None else None
        c.request(method, path, body=body, headers=self._headers(body=body is not None))
        r = c.getresponse()
        data = r.read()
        self._take_cookies(r)
        c.close()
        return r.status, {k: v for k, v in r.getheaders()}, data

    def preflight(self, path):
        c = http.client.HTTPConnection("127.0.0.1", self.proxy.port, timeout=10)
        c.request("OPTIONS", path, headers={"Origin": self.origin, "User-Agent": UA,
                                            "Access-Control-Request-Method": "POST",
                                            "Access-Control-Request-Headers": "content-type",
                                            "Sec-Fetch-Mode": "cors", "Sec-Fetch-Site": "same-site"})
        r = c.getresponse()
        r.read()
        c.close()
        return r.status, {k.lower(): v for k, v in r.getheaders()}

    def create_session(self):
        self.preflight("/api/v1/session/create")
        status, headers, data = self.request("POST", "/api/v1/session/create",
                                             {"origin_domain": "127.0.0.1", "page_url": self.page_url})
        check(status == 201, "session/create answered %s" % status, short(data))
        self.session_id = json.loads(data)["session_id"]
        check("chat_session_id" in self.cookies, "no session cookie was set", str(headers))
        return self.session_id

    def history(self):
        status, _, data = self.request("GET", "/api/v1/chat/history/" + self.session_id)
        check(status == 200, "history answered %s" % status, short(data))
        return json.loads(data)["messages"]

    def settled_history(self, timeout=15):
        """The history once the last answer is no longer being written."""
        deadline = time.monotonic() + timeout
        while True:
            msgs = self.history()
            if not msgs or msgs[-1].get("status") not in ("streaming", "pending") or time.monotonic() > deadline:
                return msgs
            time.sleep(0.2)

    def stream(self, message, close_after_chunks=0, timeout=120, path="/api/v1/chat/stream"):
        """POSTs a message and reads the SSE answer line by line, stamping each event with its arrival time."""
        self.preflight(path)
        res = StreamResult()
        c = http.client.HTTPConnection("127.0.0.1", self.proxy.port, timeout=timeout)
        body = json.dumps({"message": message, "page_url": self.page_url}).encode()
        res.t_sent = time.monotonic()
        c.request("POST", path, body=body, headers=self._headers(accept="text/event-stream", body=True))
        sock = c.sock
        r = c.getresponse()
        self._take_cookies(r)
        res.status = r.status
        res.headers = {k: v for k, v in r.getheaders()}
        if not r.getheader("Content-Type", "").startswith("text/event-stream"):
            res.body = r.read()
            c.close()
            return res
        name, eid, data = None, None, []
        chunks = 0
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                line = r.readline()
                now = time.monotonic()
                if not line:
                    break
                res.raw += line
                text = line.decode("utf-8").rstrip("\r\n")
                if text.startswith(":"):
                    res.items.append((now, "comment", None, None, text[1:].strip()))
                elif text == "":
                    if name is not None or data:
                        res.items.append((now, "event", name or "message", eid, "\n".join(data)))
                        if name == "chunk":
                            chunks += 1
                            if close_after_chunks and chunks >= close_after_chunks:
                                # the visitor closes the tab: the connection goes away mid-answer
                                res.closed_by_us = True
                                sock.shutdown(socket.SHUT_RDWR)
                                sock.close()
                                r.close()
                                return res
                    name, eid, data = None, None, []
                else:
                    field, _, value = text.partition(":")
                    value = value[1:] if value.startswith(" ") else value
                    if field == "event":
                        name = value
                    elif field == "id":
                        eid = value
                    elif field == "data":
                        data.append(value)
        finally:
            c.close()
        return res


def n8n_direct(path, message, token=True, session_id=None, timeout=120, extra=None):
    """Calls n8n's webhook directly (as the proxy does); returns (status, headers, [(t, line)], t_sent)."""
    c = http.client.HTTPConnection(N8N_HOST, N8N_PORT, timeout=timeout)
    session_id = session_id or "direct-" + uuid.uuid4().hex[:12]
    payload = {"action": "sendMessage", "sessionId": session_id, "chatInput": message}
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + make_jwt(session_id)
    headers.update(extra or {})
    t_sent = time.monotonic()
    c.request("POST", path, body=json.dumps(payload).encode(), headers=headers)
    r = c.getresponse()
    lines = []
    while True:
        line = r.readline()
        if not line:
            break
        lines.append((time.monotonic(), line.decode("utf-8", "replace").rstrip("\n")))
    c.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, lines, t_sent


# ---------------------------------------------------------------------------------------------------------- checks
def check_sse_answer(res, message_prefix=None):
    """Shape of a successful SSE answer; returns the text."""
    ev = res.transcript()
    check(res.status == 200, "expected 200 text/event-stream, got %s" % res.status, ev)
    ct = res.headers.get("Content-Type", "")
    check(ct.startswith("text/event-stream"), "Content-Type %r" % ct, ev)
    check("no-transform" in res.headers.get("Cache-Control", ""), "Cache-Control lacks no-transform", ev)
    names = [e[2] for e in res.events()]
    check(names and names[0] == "start", "first event is not start: %s" % names, ev)
    check(names[-1] == "end", "last event is not end: %s" % names, ev)
    check(set(names) <= {"start", "chunk", "end"}, "unexpected events %s" % names, ev)
    start = json.loads(res.events("start")[0][4])
    check(start.get("message_id") and start.get("session_id"), "start lacks message_id/session_id", ev)
    end = json.loads(res.events("end")[0][4])
    check(end.get("finish_reason") == "stop", "end finish_reason %r" % end.get("finish_reason"), ev)
    for n, e in enumerate(res.events("chunk"), 1):
        check(e[3] == "%s:%d" % (start["message_id"], n), "chunk id %r is not %s:%d" % (e[3], start["message_id"], n),
              ev)
        content = json.loads(e[4]).get("content")
        check(isinstance(content, str) and content != "", "a chunk without text: %r" % e[4], ev)
    no_leak(res.raw.decode("utf-8", "replace"), "the SSE stream")
    return res.text(), start


def check_stored(browser, user_text, answer_text, status):
    msgs = browser.settled_history()
    hist = json.dumps(msgs)[:1500]
    check(len(msgs) >= 2, "history holds %d messages" % len(msgs), hist)
    user, answer = msgs[-2], msgs[-1]
    check(user["role"] == "user" and user["content"] == user_text, "stored visitor message %r" % user, hist)
    check(answer["role"] == "assistant", "last stored message is not the answer", hist)
    if isinstance(status, str):
        status = (status,)
    check(answer["status"] in status, "stored answer status %r, expected %s" % (answer["status"], status), hist)
    if answer_text is not None:
        check(answer["content"] == answer_text, "stored answer %r != %r" % (answer["content"], answer_text), hist)
    return answer


def check_json_error(status, headers, body, want_status, want_code, want_words=()):
    ev = "HTTP %s %s\n%s" % (status, headers.get("Content-Type"), short(body, 1500))
    check(status == want_status, "expected %s JSON, got %s" % (want_status, status), ev)
    check(headers.get("Content-Type", "").startswith("application/json"), "not JSON", ev)
    err = json.loads(body)["error"]
    check(err.get("code") == want_code, "error code %r, expected %r" % (err.get("code"), want_code), ev)
    check(err.get("request_id") and headers.get("X-Request-Id"), "no request id", ev)
    for w in want_words:
        check(w.lower() in err.get("message", "").lower(), "error message lacks %r: %r" % (w, err.get("message")), ev)
    no_leak(body.decode("utf-8", "replace"), "the error body")
    return err


# ---------------------------------------------------------------------------------------------------------- cases
def case_session(p):
    b = Browser(p)
    status, h = b.preflight("/api/v1/session/create")
    check(status in (200, 204), "CORS preflight answered %s" % status, str(h))
    check(h.get("access-control-allow-origin") == b.origin, "preflight allow-origin %r" % h.get(
        "access-control-allow-origin"), str(h))
    check(h.get("access-control-allow-credentials") == "true", "preflight does not allow credentials", str(h))
    sid = b.create_session()
    attrs = b.cookie_attrs["chat_session_id"].lower()
    for flag in ("httponly", "secure", "samesite=none", "partitioned"):
        check(flag in attrs, "session cookie lacks %s" % flag, attrs)
    status, _, data = b.request("GET", "/api/v1/session/validate")
    check(status == 200 and json.loads(data).get("session_id") == sid, "validate: %s" % status, short(data))
    # another site may not start a session here
    other = Browser(p)
    other.origin = "http://127.0.0.1:9"
    status, _, data = other.request("POST", "/api/v1/session/create", {"origin_domain": "127.0.0.1"})
    check(status == 403, "a foreign Origin got %s" % status, short(data))
    return "session %s, cookie %s" % (sid, b.cookie_attrs["chat_session_id"].strip())


def case_agent_stream(p):
    b = Browser(p)
    sid = b.create_session()
    message = "Hello streaming world from the end to end suite"
    res = b.stream(message)
    text, start = check_sse_answer(res)
    ev = res.transcript()
    check(start["session_id"] == sid, "start names session %r, not %r" % (start["session_id"], sid), ev)
    check(text == "Echo: " + message, "answer %r" % text, ev)
    chunks = res.events("chunk")
    check(len(chunks) >= 3, "only %d chunk events" % len(chunks), ev)
    first, last = chunks[0][0], chunks[-1][0]
    # the fake model sends a word every 50 ms: relayed as they come, the first chunk is >= ~0.4 s before the last
    check(last - first >= 0.25, "chunks arrived together (first %.3fs before last): buffered?" % (last - first), ev)
    check_stored(b, message, text, "complete")
    return "%d chunks, first %.0f ms after the POST, last %.0f ms later" % (
        len(chunks), (first - res.t_sent) * 1000, (last - first) * 1000)


def case_two_groups(p):
    b = Browser(p)
    b.create_session()
    message = "two groups, in order"
    res = b.stream(message)
    text, _ = check_sse_answer(res)
    ev = res.transcript()
    check(text == "Echo: " + message, "answer %r" % text, ev)
    contents = [json.loads(e[4])["content"] for e in res.events("chunk")]
    check(contents == ["Echo: ", message], "chunks %r (expected one per group, in order)" % contents, ev)
    check_stored(b, message, text, "complete")
    return "chunks %r" % contents


def case_non_streaming(p):
    b = Browser(p)
    sid = b.create_session()
    message = "a whole answer at once"
    res = b.stream(message)
    text, _ = check_sse_answer(res)
    ev = res.transcript()
    check(text == "Echo: " + message, "answer %r" % text, ev)
    check(len(res.events("chunk")) == 1, "%d chunks, expected one" % len(res.events("chunk")), ev)
    check_stored(b, message, text, "complete")
    # n8n's Webhook JWT auth accepted the proxy's token (chat-echo refuses anything else, see below). The workflow
    # echoes the token's sub as jwtSub, but the proxy relays only "output" to the browser:
    detail = "n8n JWT auth accepted the proxy's token"
    if sid in text:
        detail += " (jwtSub = session id seen)"
    else:
        detail += " (jwtSub is not relayed: the proxy passes only 'output')"
    return detail


def case_jwt_enforced(p):
    # the same webhook refuses a call without token and one signed with another secret: the success through the
    # proxy above was n8n verifying the proxy's HS256 token, not an open door.
    st, _, lines, _ = n8n_direct("/webhook/chat-echo", "x", token=False)
    check(st == 401, "chat-echo without token answered %s" % st, str(lines))
    sid = "sub-check-" + uuid.uuid4().hex[:8]
    st, _, lines, _ = n8n_direct("/webhook/chat-echo", "x", token=False, session_id=sid,
                                 extra={"Authorization": "Bearer " + make_jwt(sid, secret=WRONG_SECRET)})
    check(st == 403, "chat-echo with a token of another secret answered %s" % st, str(lines))
    st, _, lines, _ = n8n_direct("/webhook/chat-echo", "x", session_id=sid)
    check(st == 200, "chat-echo with a good token answered %s" % st, str(lines))
    check(json.loads(lines[0][1]).get("jwtSub") == sid, "workflow does not see the token's sub", str(lines))
    return "n8n: no token 401, wrong secret 403, right secret 200 with jwtSub = sub"


def case_stream_error(p):
    b = Browser(p)
    b.create_session()
    message = "please FAIL_HTTP now"
    res = b.stream(message)
    ev = res.transcript()
    raw = (res.raw or res.body).decode("utf-8", "replace")
    no_leak(raw, "what the browser got")
    if res.status == 200:
        names = [e[2] for e in res.events()]
        check(names[0] == "start" and names[-1] == "error", "events %s, expected start ... error" % names, ev)
        check("end" not in names, "an end event after a failure", ev)
        err = json.loads(res.events("error")[0][4])
        check(err.get("code") == "upstream_error" and err.get("message"), "error event %r" % err, ev)
        shown = res.text()
    else:
        check_json_error(res.status, res.headers, res.body, 502, "upstream_error")
        shown = ""
    ans = check_stored(b, message, None, ("error", "partial"))
    check(ans["content"] == shown, "stored %r but the browser got %r" % (ans["content"], shown))
    return "browser: HTTP %s %s; stored %s %r" % (res.status, "event:error " + res.events("error")[0][4]
                                                  if res.status == 200 else "", ans["status"], ans["content"])


def case_workflow_error_json(p):
    b = Browser(p)
    b.create_session()
    message = "this one should FAIL"
    res = b.stream(message)
    err = check_json_error(res.status, res.headers, res.body, 502, "upstream_error")
    check_stored(b, message, "", "error")
    return "502 %r, stored error" % err["message"]


def case_truncated_llm(p):
    # the model drops its connection after 3 words: n8n still ends the stream normally (see transcript 23), so the
    # proxy can only relay what came; what the browser saw and what is stored must agree.
    b = Browser(p)
    b.create_session()
    message = "one two FAIL_STREAM three four"
    res = b.stream(message)
    ev = res.transcript()
    no_leak(res.raw.decode("utf-8", "replace"), "the SSE stream")
    names = [e[2] for e in res.events()]
    check(res.status == 200 and names and names[-1] in ("end", "error"), "events %s" % names, ev)
    shown = res.text()
    check(("Echo: " + message).startswith(shown) and shown, "shown %r" % shown, ev)
    ans = check_stored(b, message, shown, "complete" if names[-1] == "end" else ("partial", "error"))
    return "browser saw %r then %s; stored %s" % (shown, names[-1], ans["status"])


def case_slow(p):
    b = Browser(p)
    b.create_session()
    message = "SLOW thinking model"
    direct = {}

    def call_direct():  # the same slow workflow, directly: shows n8n really sent its keepalive meanwhile
        try:
            direct["result"] = n8n_direct("/webhook/chat-stream", message)
        except Exception as e:  # reported below
            direct["error"] = e

    t = threading.Thread(target=call_direct, daemon=True)
    t.start()
    res = b.stream(message, timeout=120)
    t.join(90)
    text, _ = check_sse_answer(res)
    ev = res.transcript()
    check(text == "Echo: " + message, "answer %r" % text, ev)
    pings = res.comments()
    check(len(pings) >= 2, "%d heartbeat comments in a %.0f s wait (expected >= 2 at 15 s)" % (
        len(pings), res.events("chunk")[0][0] - res.t_sent), ev)
    check(all(c[4] == "ping" for c in pings), "unexpected comments %r" % [c[4] for c in pings], ev)
    stamps = [res.t_sent] + [i[0] for i in res.items]
    gap = max(b2 - a for a, b2 in zip(stamps, stamps[1:]))
    check(gap < 20, "the browser heard nothing for %.1f s" % gap, ev)
    check(res.events("chunk")[0][0] - res.t_sent >= 30, "the answer was not slow: the fake model's SLOW did not apply",
          ev)
    check_stored(b, message, text, "complete")
    keep = "?"
    if "result" in direct:
        lines = [line for _, line in direct["result"][2]]
        keep = sum(1 for line in lines if '"keepalive"' in line)
        check(keep >= 1, "n8n sent no keepalive line directly (precondition)", "\n".join(lines))
    return "first chunk after %.1f s, %d pings at %s s, max silence %.1f s, n8n keepalives (direct): %s" % (
        res.events("chunk")[0][0] - res.t_sent, len(pings),
        ",".join("%.0f" % (c[0] - res.t_sent) for c in pings), gap, keep)


def case_inactive(p):
    b = Browser(p)
    b.create_session()
    message = "is anybody there"
    res = b.stream(message)
    err = check_json_error(res.status, res.headers, res.body, 502, "upstream_error", ("not active",))
    check_stored(b, message, "", "error")
    return "502 %r" % err["message"]


def case_bad_secret(p):
    b = Browser(p)
    b.create_session()
    message = "knock knock"
    res = b.stream(message)
    # the visitor learns only that the service is misconfigured; the settings to check go to the proxy's log
    err = check_json_error(res.status, res.headers, res.body, 502, "upstream_error", ("misconfigured",))
    check("KEY" not in err["message"] and "N8N_" not in err["message"], "the error names settings", err["message"])
    check_stored(b, message, "", "error")
    return "502 %r" % err["message"]


def case_disconnect(p, keeps_reading=False):
    b = Browser(p)
    b.create_session()
    words = " ".join("word%02d" % i for i in range(40))   # ~2 s of streaming at 50 ms a word
    message = "long answer please " + words
    full = "Echo: " + message
    res = b.stream(message, close_after_chunks=1)
    ev = res.transcript()
    check(res.closed_by_us, "the answer ended before the browser could leave", ev)
    got = res.text()
    time.sleep(3)   # the fake model needs ~2.3 s for the whole answer: by now a proxy that kept reading would be done
    if keeps_reading:   # continue-on-disconnect: the answer is read to its end and stored whole
        ans = check_stored(b, message, full, "complete")
        return "browser left after %r; the answer was finished in the background and stored complete (%d chars)" % (
            got, len(ans["content"]))
    ans = check_stored(b, message, None, "partial")
    stored = ans["content"]
    check(stored.startswith(got) and full.startswith(stored), "stored %r is not a prefix of the answer holding what "
                                                              "the browser got (%r)" % (stored, got))
    check(len(stored) < len(full), "stored the whole answer although continue-on-disconnect is false")
    return "browser left after %r; stored partial, %d of %d chars" % (got, len(stored), len(full))


def case_chat_trigger_api(p):
    b = Browser(p)
    b.create_session()
    message = "Hi from the chat trigger"
    res = b.stream(message)
    text, _ = check_sse_answer(res)
    check(text == "Echo: " + message, "answer %r" % text, res.transcript())
    check_stored(b, message, text, "complete")
    return "%d chunks via /api/v1/chat/stream" % len(res.events("chunk"))


def n8n_chat_documented():
    try:
        with open(os.path.join(REPO, "README.md"), encoding="utf-8") as f:
            return "/api/v1/n8n/chat" in f.read()
    except OSError:
        return False


def n8n_chat_call(p, payload, accept, ua=UA):
    """The official @n8n/chat widget's fetch: cross-site, no cookies, JSON body; Accept: text/plain when streaming."""
    c = http.client.HTTPConnection("127.0.0.1", p.port, timeout=60)
    t0 = time.monotonic()
    c.request("POST", "/api/v1/n8n/chat", body=json.dumps(payload).encode(),
              headers={"Origin": p.page_origin, "User-Agent": ua, "Content-Type": "application/json",
                       "Accept": accept, "Accept-Language": "en-GB,en;q=0.9", "Sec-Fetch-Site": "same-site",
                       "Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty"})
    r = c.getresponse()
    lines = []
    while True:
        line = r.readline()
        if not line:
            break
        lines.append((time.monotonic() - t0, line.decode("utf-8", "replace").rstrip("\r\n")))
    c.close()
    return r.status, r.getheader("Content-Type", ""), lines


def case_n8n_chat_endpoint(p):
    documented = n8n_chat_documented()
    sid = str(uuid.uuid4())
    status, ctype, lines = n8n_chat_call(p, {"action": "sendMessage", "sessionId": sid, "chatInput": "hi"},
                                         "text/plain, application/json")
    body = "\n".join(line for _, line in lines)
    if status == 404 and not documented:
        raise Skip("the proxy has no @n8n/chat-compatible endpoint (/api/v1/n8n/chat: 404, not in README)")
    ev = "HTTP %s %s\n%s" % (status, ctype, short(body, 1500))
    check(status == 200, "streaming sendMessage answered %s" % status, ev)
    no_leak(body, "the @n8n/chat stream", N8N_VALUES)
    objs = [json.loads(line) for _, line in lines if line.strip()]
    check(objs and all(isinstance(o, dict) and o.get("type") in ("begin", "item", "end", "keepalive") for o in objs),
          "not n8n's NDJSON stream", ev)
    items = [o for o in objs if o["type"] == "item"]
    text = "".join(o.get("content", "") for o in items)
    check(text == "Echo: hi", "streamed answer %r" % text, ev)
    check(objs[0]["type"] == "begin" and objs[-1]["type"] == "end", "stream not framed begin ... end", ev)
    # the widget without streaming: one JSON document
    status, ctype, lines = n8n_chat_call(p, {"action": "sendMessage", "sessionId": sid, "chatInput": "again"},
                                         "application/json")
    body = "\n".join(line for _, line in lines)
    ev = "HTTP %s %s\n%s" % (status, ctype, short(body, 1500))
    check(status == 200 and json.loads(body).get("output") == "Echo: again", "non-streaming sendMessage", ev)
    # the widget reopened in the same browser gets its conversation back, another browser with the same id does not
    status, _, lines = n8n_chat_call(p, {"action": "loadPreviousSession", "sessionId": sid}, "application/json")
    data = json.loads("\n".join(line for _, line in lines)).get("data")
    contents = [m.get("kwargs", {}).get("content") for m in data or []]
    check(status == 200 and contents[-4:] == ["hi", "Echo: hi", "again", "Echo: again"],
          "loadPreviousSession gave %r" % contents, json.dumps(data)[:1500])
    status, _, lines = n8n_chat_call(p, {"action": "loadPreviousSession", "sessionId": sid}, "application/json",
                                     ua=UA.replace("Chrome/131", "Firefox/133"))
    other = json.loads("\n".join(line for _, line in lines)).get("data")
    check(status == 200 and other == [], "another browser with the same sessionId saw %r" % other)
    return "NDJSON %d items; JSON output; history of 4 restored; another browser sees none" % len(items)


def jar_yaml():
    """The default settings packaged in the jar under test (what it does without our environment variables)."""
    try:
        with zipfile.ZipFile(JAR) as z:
            return z.read("app.yaml").decode("utf-8")
    except (OSError, KeyError, zipfile.BadZipFile):
        return ""


def continue_on_disconnect_default():
    m = re.search(r"(?m)^  continue-on-disconnect:\s*(\w+)", jar_yaml())
    value = m.group(1).lower() if m else "false"
    return value == "true"   # "auto" means: when Redis is configured; these proxies have none


def background_answers_supported():
    return "max-background-answers-per-session" in jar_yaml()


def header_auth_support():
    """(env var names) when the jar under test has the header-auth setting, else None."""
    yaml = jar_yaml()
    m = re.search(r"(?m)^  header-auth:.*\n((?:    .*\n)+)", yaml)
    if not m:
        return None
    names = dict(re.findall(r"(?m)^    (name|value):.*\[([A-Z0-9_]+)\]", m.group(1)))
    return (names.get("name", "CHAT_PROXY_N8N__HEADER_AUTH__NAME"),
            names.get("value", "CHAT_PROXY_N8N__HEADER_AUTH__VALUE"))


def case_header_auth(p):
    b = Browser(p)
    b.create_session()
    message = "header auth works"
    res = b.stream(message)
    text, _ = check_sse_answer(res)
    check(text == "Echo: " + message, "answer %r" % text, res.transcript())
    check_stored(b, message, text, "complete")
    return "n8n Header Auth accepted %s" % HEADER_AUTH[0]


def case_header_auth_wrong(p):
    b = Browser(p)
    b.create_session()
    res = b.stream("wrong header")
    # the visitor learns only that the service is misconfigured; the settings to check go to the proxy's log
    err = check_json_error(res.status, res.headers, res.body, 502, "upstream_error", ("misconfigured",))
    check("KEY" not in err["message"] and "N8N_" not in err["message"], "the error names settings", err["message"])
    return "502 %r" % err["message"]


# ---------------------------------------------------------------------------------------------------------- overhead
OVERHEAD_RUNS = int(os.environ.get("E2E_OVERHEAD_RUNS") or 200)
# CI's default is the first window alone: 200 pairs take about 100 s on a 2-core machine with some other load
OVERHEAD_WARM_RUNS = int(os.environ.get("E2E_OVERHEAD_WARM_RUNS") or 0)
PG_URL = os.environ.get("E2E_PG_URL", "postgresql://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("E2E_REDIS_URL", "redis://127.0.0.1:6379/0")
OVERHEAD_REPORT = []


def reachable(url):
    hostport = re.sub(r"^\w+://([^@/]*@)?", "", url).split("/", 1)[0]
    host, _, port = hostport.rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
        return True
    except (OSError, ValueError):
        return False


def psql(sql):
    subprocess.run(["psql", PG_URL + "/postgres", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True,
                   capture_output=True, timeout=60)


def case_overhead(page_origin):
    """What the proxy (PostgreSQL + Redis) adds to the first chunk against n8n directly, on a freshly started proxy:
    the first OVERHEAD_RUNS conversations after start-up, then OVERHEAD_WARM_RUNS more (see e2e/overhead.py)."""
    for what, url in (("PostgreSQL", PG_URL), ("Redis", REDIS_URL)):
        if not reachable(url):
            raise Skip("%s is not reachable at %s (E2E_PG_URL / E2E_REDIS_URL)" % (what, url))
    if not shutil.which("psql"):
        raise Skip("psql is needed to create the proxy's database")
    tag = uuid.uuid4().hex[:10]
    db = "chat_proxy_e2e_" + tag
    psql("CREATE DATABASE " + db)
    p = Proxy("overhead-pg-redis", "/webhook/chat-stream", page_origin, {
        "DATABASE_URL": PG_URL + "/" + db,
        "REDIS_URL": REDIS_URL,
        "CHAT_PROXY_REDIS__KEY_PREFIX": "chat-proxy-e2e-%s:" % tag,
        # one client and one site send every conversation: per-IP, per-site and session-creation limits out of the way
        "RATE_LIMIT_PER_MINUTE": "100000", "RATE_LIMIT_PER_HOUR": "1000000",
        "CHAT_PROXY_RATE_LIMIT__ORIGIN__PER_MINUTE": "100000", "CHAT_PROXY_RATE_LIMIT__ORIGIN__PER_HOUR": "1000000",
        "CHAT_PROXY_RATE_LIMIT__SESSION_CREATE__PER_MINUTE": "100000",
        "CHAT_PROXY_RATE_LIMIT__SESSION_CREATE__ORIGIN_PER_MINUTE": "100000",
    }, jvm_args=["-Xmx512m"] + os.environ.get("E2E_OVERHEAD_JAVA_OPTS", "").split())
    try:
        return measure_overhead(p, page_origin)
    except Exception:
        log("---- proxy %s log (tail) %s\n%s" % (p.name, p.log_path, p.tail(15)))
        raise
    finally:
        p.stop()
        if p.proc:
            try:
                p.proc.wait(30)
            except subprocess.TimeoutExpired:
                p.proc.kill()
        try:
            psql("DROP DATABASE IF EXISTS %s WITH (FORCE)" % db)
        except (subprocess.SubprocessError, OSError):
            log("      (database %s left behind)" % db)
        if shutil.which("redis-cli"):
            subprocess.run("redis-cli -u %s --scan --pattern 'chat-proxy-e2e-%s:*' | xargs -r redis-cli -u %s del"
                           % (REDIS_URL, tag, REDIS_URL), shell=True, capture_output=True, timeout=60)


def ready_path(p, path, deadline):
    while True:
        c = http.client.HTTPConnection("127.0.0.1", p.port, timeout=2)
        try:
            c.request("GET", path)
            r = c.getresponse()
            r.read()
            if r.status in (200, 204):
                return
        except OSError:
            pass
        finally:
            c.close()
        check(time.monotonic() < deadline, "%s of proxy %s never said ready" % (path, p.name), p.tail())
        time.sleep(0.1)


def load_average():
    try:
        return "%.2f" % os.getloadavg()[0]
    except OSError:
        return "?"


def measure_overhead(p, page_origin):
    t = time.monotonic()
    p.start()
    p.wait_ready(time.monotonic() + 90)
    ready_path(p, "/observe/health/ready", time.monotonic() + 60)
    ready = time.monotonic() - t
    m = overhead.Measurement(p.port, page_origin, UA, N8N_HOST, N8N_PORT, "/webhook/chat-stream", N8N_SECRET, log)
    load_before = load_average()
    try:
        t = time.monotonic()
        phases = [m.run("first %d conversations after start-up" % OVERHEAD_RUNS, OVERHEAD_RUNS)]
        if OVERHEAD_WARM_RUNS:
            phases.append(m.run("then conversations %d-%d" % (OVERHEAD_RUNS + 1, OVERHEAD_RUNS + OVERHEAD_WARM_RUNS),
                                OVERHEAD_WARM_RUNS))
        took = time.monotonic() - t
    finally:
        m.close()
    opts = os.environ.get("E2E_OVERHEAD_JAVA_OPTS", "")
    OVERHEAD_REPORT.append("chat-proxy (PostgreSQL + Redis, -Xmx512m%s) against n8n directly, chat-stream (AI Agent); "
                           "the proxy ready %.1f s after its start; %d conversations in %.0f s" % (
                               " " + opts if opts else "", ready, 2 * m.conversations, took))
    OVERHEAD_REPORT.append("machine: %d cores, load average (1 min) %s before, %s after: other work on it is in the "
                           "figures" % (os.cpu_count() or 0, load_before, load_average()))
    OVERHEAD_REPORT.append("direct replays the proxy's request (%s): %s" % (
        "as captured on the wire" if m.captured else "NOT captured, rebuilt by hand",
        overhead.describe_request(m.captured or m.built_request())))
    OVERHEAD_REPORT.append(m.keep_alive())
    if m.no_split:
        OVERHEAD_REPORT.append("no split: " + m.no_split)
    for ph in phases:
        OVERHEAD_REPORT.extend(overhead.table(ph))
    last = phases[-1]
    outside = (statistics.median(last.outside_n8n("proxy")) - statistics.median(last.outside_n8n("direct"))
               if last.split["proxy"] and last.split["direct"] else float("nan"))
    return "added p50 %.2f ms paired, %.2f ms outside n8n (%s); %d conversations in %.0f s" % (
        statistics.median(last.paired()), outside, last.label, 2 * m.conversations, took)


def overhead_section(page_origin):
    run_case("added time to first chunk, PG+Redis (%s per path)" % (
        "%d + %d" % (OVERHEAD_RUNS, OVERHEAD_WARM_RUNS) if OVERHEAD_WARM_RUNS else OVERHEAD_RUNS),
             case_overhead, page_origin)


# ---------------------------------------------------------------------------------------------------------- main
def print_overhead():
    if OVERHEAD_REPORT:
        log("")
        log("time to first chunk: through the proxy against n8n directly")
        for line in OVERHEAD_REPORT:
            log("  " + line)


def main():
    os.makedirs(WORK, exist_ok=True)
    RESULTS.write_summary()
    page_origin = "http://127.0.0.1:%d" % free_port()   # the customer's page (nothing needs to listen there)
    header_env = header_auth_support()
    log("driver: jar %s, java %s, n8n %s, page origin %s" % (JAR, JAVA, N8N_BASE, page_origin))
    if os.environ.get("E2E_OVERHEAD_ONLY") == "1":   # the long form of the measurement, without the other cases
        n8n_direct("/webhook/chat-stream", "warm up")
        overhead_section(page_origin)
        print_overhead()
        return

    proxies = {
        "stream": Proxy("stream", "/webhook/chat-stream", page_origin),
        "simple": Proxy("simple", "/webhook/chat-stream-simple", page_origin),
        "echo": Proxy("echo", "/webhook/chat-echo", page_origin),
        "inactive": Proxy("inactive", "/webhook/chat-not-active-e2e", page_origin),
        "badsecret": Proxy("badsecret", "/webhook/chat-stream", page_origin, session_secret=WRONG_SECRET),
        "trigger": Proxy("trigger", CHAT_TRIGGER_PATH, page_origin),
    }
    keeps_reading = continue_on_disconnect_default()
    if background_answers_supported() and not keeps_reading:
        proxies["background"] = Proxy("background", "/webhook/chat-stream", page_origin,
                                      {"CHAT_PROXY_RESILIENCE__CONTINUE_ON_DISCONNECT": "true"})
    if header_env:
        proxies["header"] = Proxy("header", "/webhook/chat-echo-header", page_origin,
                                  {header_env[0]: HEADER_AUTH[0], header_env[1]: HEADER_AUTH[1]})
        proxies["headerwrong"] = Proxy("headerwrong", "/webhook/chat-echo-header", page_origin,
                                       {header_env[0]: HEADER_AUTH[0], header_env[1]: "not-the-secret"})
    t = time.monotonic()

    def start_all():
        # three at a time: nine JVMs at once on a 2-core CI machine starve each other (a first H2 connection can then
        # miss the pool's 3 s connection timeout and the proxy gives up starting)
        batch = []
        for p in proxies.values():
            p.start()
            batch.append(p)
            if len(batch) == 3 or p is list(proxies.values())[-1]:
                started(batch)
                batch = []
        return "%d instances up in %.1f s (three at a time)" % (len(proxies), time.monotonic() - t)

    def started(batch):
        for p in batch:
            try:
                p.wait_ready(time.monotonic() + 90)
            except RuntimeError as e:
                hint = ""
                if "protocol provider" in str(e):
                    hint = " (no HTTP/1 client in the jar's libs/: helidon-webclient-http1 must be a runtime dependency)"
                check(False, "the packaged proxy (java -jar %s) did not start%s" % (JAR, hint), str(e))
    run_case("proxy jar starts, configured by env only", start_all)
    proxy_start = time.monotonic() - t
    if RESULTS.failed:
        return

    # warm-up: the first AI Agent execution after an n8n start loads the LangChain modules (seconds)
    n8n_direct("/webhook/chat-stream", "warm up")

    run_case("widget session (CORS, cookie, origin)", case_session, proxies["stream"])
    # the slow case waits ~35 s: it runs beside the cases that do not measure time
    slow = threading.Thread(target=run_case, args=("5 slow model: keepalive hidden, pings", case_slow,
                                                   proxies["stream"]), daemon=True)
    slow.start()
    run_case("2 two streaming nodes (chat-stream-simple)", case_two_groups, proxies["simple"])
    run_case("3 non-streaming (chat-echo), JWT accepted", case_non_streaming, proxies["echo"])
    run_case("3b n8n JWT auth is enforced (direct)", case_jwt_enforced, proxies["echo"])
    run_case("4a workflow error mid-stream (FAIL_HTTP)", case_stream_error, proxies["stream"])
    run_case("4b workflow error, non-streaming (FAIL)", case_workflow_error_json, proxies["echo"])
    run_case("4c model drops mid-answer (FAIL_STREAM)", case_truncated_llm, proxies["stream"])
    run_case("6 inactive / wrong webhook URL", case_inactive, proxies["inactive"])
    run_case("wrong SESSION_SECRET_KEY: n8n refuses", case_bad_secret, proxies["badsecret"])
    if header_env:
        run_case("header auth (chat-echo-headerauth)", case_header_auth, proxies["header"])
        run_case("header auth, wrong value: n8n refuses", case_header_auth_wrong, proxies["headerwrong"])
    else:
        try:
            with open(os.path.join(REPO, "app.yaml"), encoding="utf-8") as f:
                newer = "; the repository's app.yaml has one: rebuild the jar" if "header-auth:" in f.read() else ""
        except OSError:
            newer = ""
        run_case("header auth (chat-echo-headerauth)", lambda: (_ for _ in ()).throw(Skip(
            "the jar has no n8n.header-auth setting (app.yaml in the jar)" + newer)))
    run_case("8 chat trigger via /api/v1/chat/stream", case_chat_trigger_api, proxies["trigger"])
    run_case("8 chat trigger via @n8n/chat endpoint", case_n8n_chat_endpoint, proxies["trigger"])
    slow.join()
    run_case("7 browser leaves mid-answer (continue-on-disconnect %s)" % str(keeps_reading).lower(),
             case_disconnect, proxies["stream"], keeps_reading)
    if "background" in proxies:
        run_case("7b browser leaves, continue-on-disconnect=true", case_disconnect, proxies["background"], True)
    else:
        run_case("7b browser leaves, continue-on-disconnect=true", lambda: (_ for _ in ()).throw(Skip(
            "the jar has no background answers (max-background-answers-per-session not in its app.yaml)")))
    run_case("1 streaming AI agent (chat-stream)", case_agent_stream, proxies["stream"])

    for p in proxies.values():   # idle JVMs on a 2-core machine are noise for the measurement below
        p.stop()
    for p in proxies.values():
        p.proc.wait(30)
    overhead_section(page_origin)

    log("")
    log("timings")
    log("  %-44s %s" % ("n8n install", os.environ.get("E2E_T_INSTALL", "?")))
    log("  %-44s %s" % ("n8n fixtures load (import + publish)", os.environ.get("E2E_T_LOAD", "?")))
    log("  %-44s %s" % ("n8n start (to webhooks registered)", os.environ.get("E2E_T_START", "?")))
    log("  %-44s %.1f s" % ("proxy start (%d jars, three at a time)" % len(proxies), proxy_start))
    print_overhead()
    if RESULTS.failed:
        for p in proxies.values():
            log("---- proxy %s log (tail) %s" % (p.name, p.log_path))
            log(p.tail(15))
    log("")
    log("skipped: %d%s" % (len(RESULTS.skipped), (" (" + "; ".join(RESULTS.skipped) + ")") if RESULTS.skipped
                            else ""))


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    code = 1
    try:
        main()
        code = 1 if RESULTS.failed else 0
    except SystemExit:
        raise
    except BaseException:
        traceback.print_exc(file=sys.stdout)
        RESULTS.failed.append("driver")
    finally:
        Proxy.stop_all()
        RESULTS.write_summary()
        if not os.environ.get("E2E_SUMMARY_BY_RUN"):   # e2e/run prints it last, after stopping n8n
            log("%d passed, %d failed" % (len(RESULTS.passed), len(RESULTS.failed)))
    sys.exit(1 if RESULTS.failed else code)
