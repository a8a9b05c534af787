'use strict';
// A fake n8n webhook that answers like a Webhook node with "Response mode: Streaming": application/json,
// chunked, one JSON object per line (begin / item... / end), the items a few hundred ms apart.
//
// What it answers depends on the visitor's message (chatInput):
//   contains "[[slow]]"   items 900 ms apart (time to cut the connection in the middle)
//   contains "[[error]]"  two items, then an {"type":"error"} line
//   otherwise             6 items, `itemDelayMs` apart
// Every request is recorded in `requests` (body and whether an Authorization header came).
//
// CLI: node lib/fake-n8n.js [port]   (prints "fake-n8n listening on <port>")

const http = require('node:http');

function answerItems(chatInput) {
  const said = String(chatInput || '').replace(/\[\[\w+\]\]/g, '').trim().slice(0, 80);
  return [
    'Hello! ',
    'You said: **' + said + '**. ',
    'Here is some `inline code` ',
    'and a [docs link](https://example.com/docs). ',
    'Markup such as <img src=x onerror="window.__xss=1"> stays text. ',
    'Have a *nice* day!'
  ];
}

function createFakeN8n(options = {}) {
  const itemDelayMs = options.itemDelayMs ?? 300;
  const requests = [];
  const open = new Set();
  const server = http.createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (d) => { raw += d; });
    req.on('end', async () => {
      let body = {};
      try { body = JSON.parse(raw); } catch (e) { /* keep {} */ }
      requests.push({ method: req.method, url: req.url, body, authorization: !!req.headers.authorization });
      if (req.method !== 'POST') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"code":404,"message":"not registered"}');
        return;
      }
      const input = String(body.chatInput || '');
      const slow = input.includes('[[slow]]');
      const failing = input.includes('[[error]]');
      const delay = slow ? 900 : itemDelayMs;
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache' });
      open.add(res);
      const meta = () => ({ nodeId: 'fake-node', nodeName: 'Fake Agent', itemIndex: 0, runIndex: 0, timestamp: Date.now() });
      const line = (o) => { if (!res.destroyed) res.write(JSON.stringify(o) + '\n'); };
      const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
      try {
        line({ type: 'begin', metadata: meta() });
        const items = answerItems(input);
        for (let i = 0; i < items.length; i++) {
          await sleep(delay);
          if (res.destroyed) return;
          if (failing && i === 2) {
            line({ type: 'error', content: 'The model provider failed', metadata: meta() });
            break;
          }
          line({ type: 'item', content: items[i], metadata: meta() });
        }
        if (!failing) line({ type: 'end', metadata: meta() });
      } finally {
        open.delete(res);
        if (!res.destroyed) res.end();
      }
    });
  });
  return {
    requests,
    answerItems,
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve) => server.listen(port, host, () => resolve(server.address().port)));
    },
    close() {
      for (const r of open) r.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    }
  };
}

module.exports = { createFakeN8n, answerItems };

if (require.main === module) {
  const n8n = createFakeN8n();
  n8n.listen(Number(process.argv[2] || 0)).then((port) => console.log('fake-n8n listening on ' + port));
}
