'use strict';
// Serves the customer page fixture (with a strict CSP, Trusted Types and no inline script or style) and, in
// "cdn" mode, the widget files from src/main/resources/WEB with the headers the proxy should send for them.

const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');

const FIXTURES = path.join(__dirname, '..', 'fixtures');
const WEB = path.join(__dirname, '..', '..', 'src', 'main', 'resources', 'WEB');

const TYPES = { '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };

/**
 * @param {object} o
 * @param {string} o.proxyUrl   the proxy as the browser sees it (data-proxy-url)
 * @param {string} o.widgetSrc  URL of widget.js
 */
function createCustomerSite(o) {
  const widgetOrigin = new URL(o.widgetSrc).origin;
  const proxyOrigin = new URL(o.proxyUrl).origin;
  const csp = [
    "default-src 'self'",
    "script-src 'self' " + widgetOrigin,
    "style-src 'self' " + widgetOrigin,
    'connect-src ' + proxyOrigin,
    "img-src 'self' data:",
    "font-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "object-src 'none'",
    "require-trusted-types-for 'script'",
    "trusted-types 'none'"
  ].join('; ');

  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    let file = url.pathname === '/' ? '/index.html' : url.pathname;
    if (file === '/index.html' || file === '/other.html') {
      const html = fs.readFileSync(path.join(FIXTURES, 'customer.html'), 'utf8')
        .replaceAll('{{WIDGET_SRC}}', o.widgetSrc)
        .replaceAll('{{PROXY_URL}}', o.proxyUrl)
        .replaceAll('{{PAGE}}', file.slice(1));
      res.writeHead(200, { 'content-type': TYPES['.html'], 'content-security-policy': csp, 'cache-control': 'no-store' });
      res.end(html);
      return;
    }
    if (file === '/customer.css' || file === '/customer.js') {
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)], 'cache-control': 'no-store' });
      res.end(fs.readFileSync(path.join(FIXTURES, file.slice(1))));
      return;
    }
    if (file === '/favicon.ico') { res.writeHead(204); res.end(); return; }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  });
  return listenable(server);
}

/** Serves widget.js and widget.css as the proxy should (used while the proxy does not serve them itself). */
function createWidgetCdn() {
  const server = http.createServer((req, res) => {
    const name = new URL(req.url, 'http://x').pathname;
    if (name !== '/widget.js' && name !== '/widget.css') {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[path.extname(name)],
      'cache-control': 'public, max-age=300',
      'x-content-type-options': 'nosniff',
      'cross-origin-resource-policy': 'cross-origin',
      'access-control-allow-origin': '*'
    });
    res.end(fs.readFileSync(path.join(WEB, name.slice(1))));
  });
  return listenable(server);
}

function listenable(server) {
  const sockets = new Set();
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  return {
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve) => server.listen(port, host, () => resolve(server.address().port)));
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    }
  };
}

module.exports = { createCustomerSite, createWidgetCdn };
