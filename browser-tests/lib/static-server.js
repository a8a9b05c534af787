'use strict';
// Serves the customer page fixture (with a strict CSP, Trusted Types and no inline script or style) and, in
// "cdn" mode, the widget files from src/main/resources/WEB with the headers the proxy should send for them.
// Also serves n8n's official widget: the page fixtures/n8n-chat.html (on the customer site, /n8n-chat.html) and
// @n8n/chat's dist/ from node_modules on a "cdn" of its own (no internet needed).

const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');

const FIXTURES = path.join(__dirname, '..', 'fixtures');
const WEB = path.join(__dirname, '..', '..', 'src', 'main', 'resources', 'WEB');

const N8N_CHAT_DIST = path.join(__dirname, '..', 'node_modules', '@n8n', 'chat', 'dist');

const TYPES = { '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8', '.ico': 'image/x-icon', '.json': 'application/json' };

/**
 * @param {object} o
 * @param {string} o.proxyUrl   the proxy as the browser sees it (data-proxy-url)
 * @param {string} o.widgetSrc  URL of widget.js
 * @param {string} [o.n8nChatBase]  URL of @n8n/chat's dist/ (serves /n8n-chat.html when given)
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
    if (file === '/index.html' || file === '/other.html' || file === '/loader.html') {
      // /loader.html embeds the widget through chat-loader.js (async), as the README's snippet does.
      const src = file === '/loader.html' ? o.widgetSrc.replace(/widget\.js$/, 'chat-loader.js') : o.widgetSrc;
      const html = fs.readFileSync(path.join(FIXTURES, 'customer.html'), 'utf8')
        .replace('defer></script>', file === '/loader.html' ? 'async></script>' : 'defer></script>')
        // ?lang=xx sets <html lang>, ?attrs=... adds attributes to the widget's tag (the localisation tests).
        .replace('<html lang="en">', '<html lang="' + (url.searchParams.get('lang') || 'en').replace(/[^\w-]/g, '') + '">')
        .replace('data-title="Greenleaf Assistant"', 'data-title="Greenleaf Assistant" ' + (url.searchParams.get('attrs') || ''))
        .replaceAll('{{WIDGET_SRC}}', src)
        .replaceAll('{{PROXY_URL}}', o.proxyUrl)
        .replaceAll('{{PAGE}}', file.slice(1));
      res.writeHead(200, { 'content-type': TYPES['.html'], 'content-security-policy': csp, 'cache-control': 'no-store' });
      res.end(html);
      return;
    }
    if (file === '/n8n-chat.html' && o.n8nChatBase) {
      // @n8n/chat renders Markdown through innerHTML and is loaded as a module by an inline script: no Trusted
      // Types here, the inline script runs by nonce; connect-src still allows only the proxy.
      const nonce = crypto.randomBytes(16).toString('base64');
      const cdnOrigin = new URL(o.n8nChatBase).origin;
      const n8nCsp = [
        "default-src 'self'",
        "script-src 'nonce-" + nonce + "' " + cdnOrigin,
        "style-src 'self' " + cdnOrigin,
        'connect-src ' + proxyOrigin,
        "img-src 'self' data: " + cdnOrigin,
        "font-src 'self' " + cdnOrigin,
        "base-uri 'none'",
        "object-src 'none'"
      ].join('; ');
      const html = fs.readFileSync(path.join(FIXTURES, 'n8n-chat.html'), 'utf8')
        .replaceAll('{{N8N_CHAT_BASE}}', o.n8nChatBase.replace(/\/$/, ''))
        .replaceAll('{{PROXY_URL}}', o.proxyUrl)
        .replaceAll('{{NONCE}}', nonce);
      res.writeHead(200, { 'content-type': TYPES['.html'], 'content-security-policy': n8nCsp, 'cache-control': 'no-store' });
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

/** Serves the widget's sources (widget.js, widget.css, chat-loader.js, lang/*.json) unbuilt, with the headers an embed needs. */
function createWidgetCdn() {
  const server = http.createServer((req, res) => {
    const name = new URL(req.url, 'http://x').pathname;
    if (name !== '/widget.js' && name !== '/widget.css' && name !== '/chat-loader.js' && !/^\/lang\/[a-z]{2}\.json$/.test(name)) {
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

/** Serves @n8n/chat's dist/ (chat.bundle.es.js imports sibling .mjs chunks) as a CDN would: CORS for module scripts. */
function createN8nChatCdn() {
  const server = http.createServer((req, res) => {
    const name = decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/^\/+/, '');
    const file = path.join(N8N_CHAT_DIST, name);
    const type = TYPES[path.extname(name)];
    if (!name || name.includes('..') || !type || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': type,
      'cache-control': 'public, max-age=300',
      'x-content-type-options': 'nosniff',
      'cross-origin-resource-policy': 'cross-origin',
      'access-control-allow-origin': '*'
    });
    res.end(fs.readFileSync(file));
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

module.exports = { createCustomerSite, createWidgetCdn, createN8nChatCdn, N8N_CHAT_DIST };
