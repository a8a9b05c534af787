#!/usr/bin/env python3
"""A stand-in for n8n's streaming webhook (stdlib only): answers each POST with n8n's NDJSON stream,
"Echo: <chatInput>" in word-sized item lines, one HTTP chunk per line, DELAY seconds apart."""
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DELAY = float(os.environ.get("FAKE_N8N_DELAY", "0.05"))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        words = ("Echo: " + body.get("chatInput", "")).split(" ")
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        lines = [{"type": "begin", "metadata": {"nodeId": "n"}}]
        lines += [{"type": "item", "content": w + (" " if i < len(words) - 1 else ""), "metadata": {"nodeId": "n"}}
                  for i, w in enumerate(words)]
        lines.append({"type": "end", "metadata": {"nodeId": "n"}})
        try:
            for line in lines:
                data = (json.dumps(line) + "\n").encode()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                self.wfile.flush()
                time.sleep(DELAY)
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
