"""What chat-proxy adds to the first chunk against a real n8n, and where that time goes (issue 25).

One conversation at a time, interleaved: a conversation through the proxy (a fresh widget session, then one message,
on the visitor's keep-alive connection) and the same message sent to n8n directly (the proxy's request replayed on a
keep-alive connection of its own: same request line, headers in the same order, a fresh JWT with the same claims, the
same JSON body shape). Time to first chunk: from just before the request is written to the first chunk's line.

The split comes from the wire, not from the proxy: a packet socket on the loopback interface (Linux, CAP_NET_RAW)
keeps a kernel-timestamped copy of every TCP segment to and from n8n's port. For each run:
  before n8n   the visitor's request written -> the last segment of the request to n8n received by the kernel
  n8n          that segment -> n8n's first segment holding an "item" line
  after n8n    that segment -> the first chunk read by the visitor (direct: by the caller)
The three add up to the time to first chunk. n8n's own time swings by tens of ms from run to run and is the same
on both paths; the proxy's part outside n8n (before + after) is therefore the steadier measure of what it adds.
Without a packet socket the comparison is printed without its split.
"""
import base64
import ctypes
import hashlib
import hmac
import http.client
import json
import math
import secrets
import socket
import statistics
import struct
import time
import uuid

SO_ATTACH_FILTER = 26
SO_TIMESTAMPNS = 35      # SCM_TIMESTAMPNS: struct timespec of the kernel's receive time (CLOCK_REALTIME)
SO_RCVBUFFORCE = 33
PACKET_OUTGOING = 4      # on lo every segment is seen twice, leaving and arriving: the arriving copy counts
ETH_P_IP = 0x0800


def now_ns():
    return time.time_ns()   # the clock of the kernel's packet timestamps


# ---------------------------------------------------------------------------------------------------------- capture
class LoopbackCapture:
    """Kernel-timestamped TCP segments with a payload, to or from one port on lo. Read between runs, never during."""

    def __init__(self, port):
        self.port = port
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IP))
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 16 << 20)
        except OSError:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 << 20)
        self._attach_filter(port)
        self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.sock.bind(("lo", 0))
        self.sock.setblocking(False)

    def _attach_filter(self, port):
        # classic BPF of "ip and tcp and port <port>" (tcpdump -dd, IPv4 part): the kernel drops all other traffic
        prog = [(0x28, 0, 0, 12), (0x15, 0, 10, 0x0800), (0x30, 0, 0, 23), (0x15, 0, 8, 6), (0x28, 0, 0, 20),
                (0x45, 6, 0, 0x1fff), (0xb1, 0, 0, 14), (0x48, 0, 0, 14), (0x15, 2, 0, port), (0x48, 0, 0, 16),
                (0x15, 0, 1, port), (0x06, 0, 0, 262144), (0x06, 0, 0, 0)]
        self._filter = ctypes.create_string_buffer(b"".join(struct.pack("HBBI", *i) for i in prog))
        fprog = struct.pack("HL", len(prog), ctypes.addressof(self._filter))
        self.sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, fprog)

    def drain(self):
        """[(t_ns, src_port, dst_port, payload)] received since the last call, payload-less segments left out."""
        out = []
        while True:
            try:
                data, anc, _, addr = self.sock.recvmsg(65600, socket.CMSG_SPACE(16))
            except BlockingIOError:
                return out
            if addr[2] == PACKET_OUTGOING:
                continue
            t = None
            for level, kind, value in anc:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                    sec, nsec = struct.unpack("qq", value[:16])
                    t = sec * 1_000_000_000 + nsec
            ihl = (data[14] & 0x0F) * 4
            total = struct.unpack("!H", data[16:18])[0]
            tcp = 14 + ihl
            src, dst = struct.unpack("!HH", data[tcp:tcp + 4])
            payload = data[tcp + (data[tcp + 12] >> 4) * 4:14 + total]
            if payload and t is not None:
                out.append((t, src, dst, payload))

    def close(self):
        self.sock.close()


def split_of(segments, n8n_port, t_sent, t_first):
    """(before, n8n, after, request segments) in ms for one run, from the segments of its window; None if unseen."""
    window = [s for s in segments if t_sent <= s[0] <= t_first]
    starts = [s for s in window if s[2] == n8n_port and s[3].startswith(b"POST ")]
    if not starts:
        return None
    client = starts[0][1]
    first_reply = next((s for s in window if s[1] == n8n_port and s[2] == client), None)
    if first_reply is None:
        return None
    request = [s for s in window if s[1] == client and s[2] == n8n_port and starts[0][0] <= s[0] <= first_reply[0]]
    item = next((s for s in window if s[1] == n8n_port and s[2] == client and b'"type":"item"' in s[3]), None)
    if item is None:
        return None
    arrived = request[-1][0]
    return ((arrived - t_sent) / 1e6, (item[0] - arrived) / 1e6, (t_first - item[0]) / 1e6, len(request),
            b"".join(s[3] for s in request))


# ---------------------------------------------------------------------------------------------------------- clients
def connect(host, port):
    c = http.client.HTTPConnection(host, port, timeout=60)
    c.connect()
    c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return c


class KeepAlive:
    """One persistent connection; counts the requests that had to open a new one."""

    def __init__(self, host, port):
        self.host, self.port = host, port
        self.conn = None
        self.requests = 0
        self.opened = 0

    def get(self):
        self.requests += 1
        if self.conn is None or self.conn.sock is None:
            self.conn = connect(self.host, self.port)
            self.opened += 1
        return self.conn

    def lost(self):
        if self.conn is not None:
            self.conn.close()
        self.conn = None

    def close(self):
        self.lost()


def read_to_first(r, marker):
    """Reads the streamed body line by line; returns the time the first line holding marker arrived, reading the rest
    so the connection can carry the next request."""
    first = None
    while True:
        line = r.readline()
        if not line:
            break
        if first is None and marker in line:
            first = now_ns()
    return first


class Visitor:
    """The chat widget on a customer page, on one keep-alive connection: a new session per conversation."""

    def __init__(self, port, origin, user_agent):
        self.link = KeepAlive("127.0.0.1", port)
        self.headers = {"Host": "127.0.0.1:%d" % port, "Origin": origin, "Referer": origin + "/shop/cart.html",
                        "User-Agent": user_agent, "Accept-Language": "en-GB,en;q=0.9", "Sec-Fetch-Site": "same-site",
                        "Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty", "Content-Type": "application/json"}
        self.origin = origin
        self.page_url = origin + "/shop/cart.html"

    def _send(self, path, payload, extra):
        body = json.dumps(payload).encode()
        for attempt in (1, 2):   # a server closing an idle keep-alive connection is not a failure
            c = self.link.get()
            try:
                t = now_ns()
                c.request("POST", path, body=body, headers=dict(self.headers, **extra))
                return t, c.getresponse()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.link.lost()
                if attempt == 2:
                    raise

    def conversation(self, message):
        """(status, t_sent, t_first_chunk); the session is made first and is not timed."""
        _, r = self._send("/api/v1/session/create", {"origin_domain": "127.0.0.1", "page_url": self.page_url},
                          {"Accept": "application/json"})
        data = r.read()
        if r.status != 201:
            return r.status, None, None
        cookie = next((sc.split(";", 1)[0] for sc in r.msg.get_all("Set-Cookie") or []
                       if sc.startswith("chat_session_id=")), "")
        t_sent, r = self._send("/api/v1/chat/stream", {"message": message, "page_url": self.page_url},
                               {"Accept": "text/event-stream", "Cookie": cookie})
        if r.status != 200:
            r.read()
            return r.status, t_sent, None
        return r.status, t_sent, read_to_first(r, b"event: chunk")

    def close(self):
        self.link.close()


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class DirectReplay:
    """n8n called directly with the proxy's own request, on a keep-alive connection: the request line and the header
    lines in the proxy's order and spelling, per-call values renewed (JWT: same header and claims, new sub, iat, nbf,
    exp, jti, signed with the same secret; X-Request-Id; traceparent; Content-Length), the body with the proxy's keys
    and the new session, message and ids."""

    def __init__(self, host, port, secret, captured):
        self.link = KeepAlive(host, port)
        self.secret = secret.encode()
        head, _, self.body_shape = captured.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.method, self.target, _ = lines[0].split(" ", 2)
        self.header_lines = [tuple(x.split(": ", 1)) for x in lines[1:]]
        self.body_template = json.loads(self.body_shape)

    def _token(self, old):
        head, claims, _ = old.split(".")
        payload = json.loads(unb64url(claims))
        now = int(time.time())
        ttl = payload.get("exp", now + 30) - payload.get("iat", now)
        old_sub = payload.get("sub", "")
        sub = secrets.token_urlsafe(len(old_sub) + 3)[:len(old_sub)]   # a new session id of the same shape
        for key in list(payload):
            if payload[key] == old_sub:   # sub, and upn when it repeats it
                payload[key] = sub
        for key, value in (("iat", now), ("nbf", now), ("exp", now + ttl), ("jti", str(uuid.uuid4()))):
            if key in payload:
                payload[key] = value
        alg = json.loads(unb64url(head)).get("alg", "HS256")
        digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
        signing_input = head + "." + b64url(json.dumps(payload, separators=(",", ":")).encode())
        return signing_input + "." + b64url(hmac.new(self.secret, signing_input.encode(), digest).digest())

    def request_bytes(self, message):
        session = str(uuid.uuid4())
        body = json.loads(json.dumps(self.body_template))
        body["sessionId"], body["chatInput"] = session, message
        meta = body.get("metadata") or {}
        for key in ("message_id", "request_id"):
            if key in meta:
                meta[key] = str(uuid.uuid4())
        payload = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
        lines = ["%s %s HTTP/1.1" % (self.method, self.target)]
        for name, value in self.header_lines:
            low = name.lower()
            if low == "authorization" and value.startswith("Bearer "):
                value = "Bearer " + self._token(value[7:])
            elif low == "x-request-id":
                value = str(uuid.uuid4())
            elif low == "traceparent":
                value = "00-%s-%s-01" % (secrets.token_hex(16), secrets.token_hex(8))
            elif low == "content-length":
                value = str(len(payload))
            lines.append("%s: %s" % (name, value))
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload

    def conversation(self, message):
        raw = self.request_bytes(message)
        for attempt in (1, 2):
            c = self.link.get()
            try:
                t_sent = now_ns()
                c.sock.sendall(raw)   # the whole request in one write, as raw bytes: nothing added or reordered
                r = http.client.HTTPResponse(c.sock, method=self.method)
                r.begin()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.link.lost()
                if attempt == 2:
                    raise
        if r.status != 200:
            r.read()
            return r.status, t_sent, None
        first = read_to_first(r, b'"type":"item"')
        if r.will_close:
            self.link.lost()
        return r.status, t_sent, first

    def close(self):
        self.link.close()


# ---------------------------------------------------------------------------------------------------------- statistics
def pct(values, p):
    """Nearest-rank percentile."""
    s = sorted(values)
    return s[max(0, min(len(s) - 1, math.ceil(p / 100 * len(s)) - 1))]


def median_ci(values):
    """The median and its distribution-free 95 % confidence interval (order statistics)."""
    s = sorted(values)
    n = len(s)
    k = max(0, int(math.floor(n / 2 - 1.96 * math.sqrt(n) / 2)))
    return statistics.median(s), s[k], s[min(n - 1, n - 1 - k)]


class Phase:
    """The runs of one window of conversations (e.g. the first N after start-up)."""

    def __init__(self, label):
        self.label = label
        self.ttfc = {"proxy": [], "direct": []}
        self.split = {"proxy": [], "direct": []}     # (before, n8n, after) per run with a split
        self.segments = {"proxy": [], "direct": []}  # segments the request to n8n took

    def paired(self):
        return [p - d for p, d in zip(self.ttfc["proxy"], self.ttfc["direct"])]

    def outside_n8n(self, path):
        return [b + a for b, _, a in self.split[path]]


def table(phase):
    """The comparison of one phase, as lines."""
    out = ["%s (%d per path, interleaved, one at a time)" % (phase.label, len(phase.ttfc["proxy"]))]
    has_split = phase.split["proxy"] and phase.split["direct"]
    out.append("  %-16s %-26s %s" % ("", "first chunk, ms", "split at p50, ms" if has_split else ""))
    out.append("  %-16s %8s %8s %8s" % ("", "p50", "p90", "p99") + (
        "  %12s %9s %9s  %s" % ("before n8n", "n8n", "after n8n", "segments of the request to n8n")
        if has_split else ""))
    for path, label in (("direct", "n8n directly"), ("proxy", "through proxy")):
        v = phase.ttfc[path]
        row = "  %-16s %8.2f %8.2f %8.2f" % (label, pct(v, 50), pct(v, 90), pct(v, 99))
        if has_split:
            sp = phase.split[path]
            row += "  %12.2f %9.2f %9.2f  %g" % (statistics.median(x[0] for x in sp),
                                                 statistics.median(x[1] for x in sp),
                                                 statistics.median(x[2] for x in sp),
                                                 statistics.median(phase.segments[path]))
        out.append(row)
    m, lo, hi = median_ci(phase.paired())
    px, dx = phase.ttfc["proxy"], phase.ttfc["direct"]
    out.append("  added: median of paired differences %.2f ms (95 %% CI %.2f .. %.2f); difference of medians %.2f ms, "
               "of p90 %.2f ms, of p99 %.2f ms" % (m, lo, hi, statistics.median(px) - statistics.median(dx),
                                                   pct(px, 90) - pct(dx, 90), pct(px, 99) - pct(dx, 99)))
    if has_split:
        po, do = phase.outside_n8n("proxy"), phase.outside_n8n("direct")
        m2, lo2, hi2 = median_ci([p - d for p, d in zip(po, do)])
        out.append("  added outside n8n (before + after; n8n's own time, which swings, left out): p50 %.2f ms "
                   "(proxy %.2f, direct %.2f), paired %.2f ms (95 %% CI %.2f .. %.2f), p90 %.2f ms, p99 %.2f ms" % (
                       statistics.median(po) - statistics.median(do), statistics.median(po), statistics.median(do),
                       m2, lo2, hi2, pct(po, 90) - pct(do, 90), pct(po, 99) - pct(do, 99)))
        if len(phase.split["proxy"]) < len(px) or len(phase.split["direct"]) < len(dx):
            out.append("  split seen for %d of %d proxy runs and %d of %d direct runs" % (
                len(phase.split["proxy"]), len(px), len(phase.split["direct"]), len(dx)))
    return out


# ---------------------------------------------------------------------------------------------------------- measurement
class Measurement:
    """Interleaved conversations through a freshly started proxy and directly, phase after phase."""

    def __init__(self, proxy_port, origin, user_agent, n8n_host, n8n_port, webhook_path, secret, log):
        self.visitor = Visitor(proxy_port, origin, user_agent)
        self.n8n_host, self.n8n_port, self.webhook_path, self.secret = n8n_host, n8n_port, webhook_path, secret
        self.log = log
        self.direct = None
        self.captured = None
        self.conversations = 0
        try:
            self.capture = LoopbackCapture(n8n_port)
            self.no_split = None
        except (OSError, AttributeError) as e:   # not Linux, or no CAP_NET_RAW
            self.capture = None
            self.no_split = "no packet socket on lo (%s): needs Linux and CAP_NET_RAW" % e

    def _one(self, path, message, phase):
        if self.capture:
            self.capture.drain()
        client = self.visitor if path == "proxy" else self.direct
        status, t_sent, t_first = client.conversation(message)
        if t_first is None:
            raise AssertionError("%s run %d: HTTP %s, no first chunk" % (path, len(phase.ttfc[path]) + 1, status))
        phase.ttfc[path].append((t_first - t_sent) / 1e6)
        if self.capture:
            split = split_of(self.capture.drain(), self.n8n_port, t_sent, t_first)
            if split:
                phase.split[path].append(split[:3])
                phase.segments[path].append(split[3])
                if path == "proxy" and self.captured is None:
                    self.captured = split[4]
        return t_first

    def _direct_client(self):
        self.direct = DirectReplay(self.n8n_host, self.n8n_port, self.secret,
                                   self.captured or self.built_request())

    def built_request(self):
        """Without a capture: the request as chat-proxy sent it when this was written (Helidon 4.5.0's client)."""
        now = int(time.time())
        head = b64url(json.dumps({"kid": "k", "alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
        claims = b64url(json.dumps({"typ": "n8n-call", "origin": self.visitor.origin, "iss": "chat-proxy",
                                    "exp": now + 30, "iat": now, "nbf": now, "sub": "s" * 24, "upn": "s" * 24,
                                    "aud": ["n8n"], "jti": "j"}, separators=(",", ":")).encode())
        body = json.dumps({"action": "sendMessage", "sessionId": "s", "chatInput": "m", "metadata": {
            "origin_domain": "127.0.0.1", "page_url": self.visitor.page_url, "message_id": "m", "request_id": "r"}},
            separators=(",", ":")).encode()
        lines = ["POST %s HTTP/1.1" % self.webhook_path, "Accept: application/json, application/x-ndjson",
                 "Authorization: Bearer %s.%s.x" % (head, claims), "Host: %s:%d" % (self.n8n_host, self.n8n_port),
                 "User-Agent: Helidon 4.5.0", "Connection: keep-alive", "Content-Length: %d" % len(body),
                 "Content-Type: application/json", "X-Request-Id: r", "Proxy-Connection: keep-alive"]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body

    def run(self, label, pairs):
        phase = Phase(label)
        for i in range(pairs):
            message = "hi"   # a two-word answer: the conversation is short, the first chunk the same
            # proxy first on even pairs, direct first on odd ones: neither path always follows the other
            order = ("proxy", "direct") if i % 2 == 0 or self.direct is None else ("direct", "proxy")
            for path in order:
                if path == "direct" and self.direct is None:
                    self._direct_client()
                self._one(path, message, phase)
            self.conversations += 1
            if (i + 1) % 100 == 0:
                self.log("    %s: %d of %d pairs" % (label, i + 1, pairs))
        return phase

    def keep_alive(self):
        d = self.direct.link if self.direct else None
        return "keep-alive: visitor %d connection(s) for %d requests, direct %s" % (
            self.visitor.link.opened, self.visitor.link.requests,
            "%d connection(s) for %d requests" % (d.opened, d.requests) if d else "-")

    def close(self):
        self.visitor.close()
        if self.direct:
            self.direct.close()
        if self.capture:
            self.capture.close()


def describe_request(captured):
    head = captured.partition(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
    names = [x.split(":", 1)[0] for x in head[1:]]
    return "%s; headers %s" % (head[0], ", ".join(names))

