'use strict';
// Starts everything the browser tests need, runs them, stops everything it started.
//
//   fake n8n (node, 127.0.0.1)  <-  chat-proxy jar (127.0.0.1:<real>)  <-  TCP forwarder (localhost:<port2>)
//   customer page  http://127.0.0.1:<port1>/   (in ALLOWED_ORIGINS)
//   refused page   http://127.0.0.1:<port3>/   (not in ALLOWED_ORIGINS)
//   widget.js from the proxy when it serves it, else from a static "cdn" on http://localhost:<port4>/
//   n8n's own widget: http://127.0.0.1:<port1>/n8n-chat.html loads @n8n/chat's dist/ (node_modules) from a static
//   "cdn" on http://localhost:<port5>/ and talks to the proxy's /api/v1/n8n/chat
//
// Environment: CHAT_PROXY_JAR, JAVA_BIN, CHROMIUM, SCREENSHOT_DIR, WORK_DIR, PIDS_FILE, RESULTS_FILE,
// CHAT_PROXY_EXTRA_CLASSPATH (appended to the proxy's class path), WIDGET_FROM=auto|proxy|static (static: serve
// widget.js/css from the work tree even when the jar has them, e.g. to try widget changes against an older jar).

const fs = require('node:fs');
const path = require('node:path');
const { createHarness } = require('./lib/harness');
const { createFakeN8n } = require('./lib/fake-n8n');
const { createForwarder } = require('./lib/forwarder');
const { createCustomerSite, createWidgetCdn, createN8nChatCdn, N8N_CHAT_DIST } = require('./lib/static-server');
const { startProxy, freePort, get } = require('./lib/proxy');

const ROOT = path.resolve(__dirname, '..');
const cfg = {
  jar: process.env.CHAT_PROXY_JAR || path.join(ROOT, 'target', 'chat-proxy.jar'),
  java: process.env.JAVA_BIN || 'java',
  chromium: process.env.CHROMIUM || '/usr/bin/chromium',
  shots: process.env.SCREENSHOT_DIR || path.join(ROOT, 'target', 'browser-screenshots'),
  work: process.env.WORK_DIR || fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'chat-proxy-browser-')),
  pidsFile: process.env.PIDS_FILE || '',
  resultsFile: process.env.RESULTS_FILE || '',
  extraClasspath: process.env.CHAT_PROXY_EXTRA_CLASSPATH || '',
  widgetFrom: process.env.WIDGET_FROM || 'auto'
};

const started = [];       // things to stop, last first
let stopping = null;

async function stopAll() {
  if (stopping) return stopping;
  stopping = (async () => {
    for (const s of started.reverse()) {
      try { await s.stop(); } catch (e) { console.log('# cleanup: ' + s.name + ': ' + e.message); }
    }
  })();
  return stopping;
}

function writeResults(r) {
  if (cfg.resultsFile) fs.writeFileSync(cfg.resultsFile, JSON.stringify(r));
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    console.log('# ' + sig + ': stopping');
    stopAll().finally(() => process.exit(1));
  });
}

async function main() {
  const h = createHarness();
  require('./tests/unit')(h);

  fs.mkdirSync(cfg.shots, { recursive: true });
  fs.mkdirSync(cfg.work, { recursive: true });
  for (const f of fs.readdirSync(cfg.shots)) if (f.endsWith('.png')) fs.rmSync(path.join(cfg.shots, f));

  const env = { cfg, shots: cfg.shots };
  let setupError = null;
  try {
    await setup(env);
  } catch (e) {
    setupError = e;
  }
  if (setupError) {
    h.test('browser test environment starts (fake n8n, chat-proxy, pages, chromium)', () => { throw setupError; });
  } else {
    require('./tests/widget')(h, env);
    require('./tests/a11y')(h, env);
    require('./tests/embed')(h, env);
    require('./tests/n8n-chat')(h, env);
  }
  const result = await h.run();
  await stopAll();
  writeResults(result);
  return result;
}

async function setup(env) {
  if (!fs.existsSync(cfg.jar)) throw new Error('chat-proxy jar not found: ' + cfg.jar + ' (set CHAT_PROXY_JAR)');

  const n8n = createFakeN8n({ itemDelayMs: 300 });
  const n8nPort = await n8n.listen();
  started.push({ name: 'fake n8n', stop: () => n8n.close() });

  const pagePort = await freePort();
  const refusedPort = await freePort();
  const pageOrigin = 'http://127.0.0.1:' + pagePort;
  const refusedOrigin = 'http://127.0.0.1:' + refusedPort;
  // the proxy's own demo page (GET /), reached through a second forwarder whose origin is allowed too
  const demoPort = await freePort();
  const demoOrigin = 'http://localhost:' + demoPort;

  const proxy = await startProxy({
    java: cfg.java,
    jar: cfg.jar,
    extraClasspath: cfg.extraClasspath,
    workDir: path.join(cfg.work, 'proxy'),
    logFile: path.join(cfg.work, 'proxy.log'),
    onPid: (pid) => { if (cfg.pidsFile) fs.appendFileSync(cfg.pidsFile, pid + '\n'); },
    env: {
      ALLOWED_ORIGINS: pageOrigin + ',' + demoOrigin,
      N8N_WEBHOOK_URL: 'http://127.0.0.1:' + n8nPort + '/webhook/chat',
      RATE_LIMIT_PER_MINUTE: '2',
      // Per session only: every browser context is a new session, all from the same IP.
      CHAT_PROXY_RATE_LIMIT__IP__PER_MINUTE: '1000',
      CHAT_PROXY_RATE_LIMIT__IP__PER_HOUR: '10000',
      CHAT_PROXY_RATE_LIMIT__SESSION_CREATE__PER_MINUTE: '1000',
      CHAT_PROXY_RESILIENCE__DRAIN_TIMEOUT: 'PT1S',
      // Answers go on after the browser's connection dropped, so the widget can resume them (proxies that have
      // the resume endpoint; older ones ignore the key).
      CHAT_PROXY_RESILIENCE__CONTINUE_ON_DISCONNECT: 'true'
    }
  });
  started.push({ name: 'chat-proxy', stop: () => proxy.stop() });

  const forwarder = createForwarder(proxy.port);
  const proxyPort = await forwarder.listen();
  started.push({ name: 'forwarder', stop: () => forwarder.close() });
  const proxyUrl = 'http://localhost:' + proxyPort;
  const demoForwarder = createForwarder(proxy.port);
  await demoForwarder.listen(demoPort);
  started.push({ name: 'demo forwarder', stop: () => demoForwarder.close() });

  let widgetSrc;
  let widgetFrom;
  // /widget.js redirects to the content-hashed file (older jars answered 200 directly).
  let probe = await get(proxy.url + '/widget.js').catch(() => ({ status: 0, headers: {} }));
  if (probe.status === 302 && probe.headers.location) {
    probe = await get(new URL(probe.headers.location, proxy.url + '/widget.js').href).catch(() => ({ status: 0, headers: {} }));
  }
  const proxyHasWidget = probe.status === 200 && /javascript/.test(probe.headers['content-type'] || '');
  if (cfg.widgetFrom === 'proxy' && !proxyHasWidget) throw new Error('WIDGET_FROM=proxy but the proxy does not serve /widget.js');
  // Without a session the resume route answers 401; a proxy without it answers 404.
  const resumeProbe = await get(proxy.url + '/api/v1/chat/stream/00000000-0000-0000-0000-000000000000').catch(() => ({ status: 0 }));
  const resumeEndpoint = resumeProbe.status === 401;
  if (proxyHasWidget && cfg.widgetFrom !== 'static') {
    widgetSrc = proxyUrl + '/widget.js';
    widgetFrom = 'proxy';
  } else {
    const cdn = createWidgetCdn();
    const cdnPort = await cdn.listen();
    started.push({ name: 'widget cdn', stop: () => cdn.close() });
    widgetSrc = 'http://localhost:' + cdnPort + '/widget.js';
    widgetFrom = 'static server (' + (proxyHasWidget ? 'WIDGET_FROM=static' : 'the proxy does not serve /widget.js') + ')';
  }

  if (!fs.existsSync(path.join(N8N_CHAT_DIST, 'chat.bundle.es.js'))) {
    throw new Error('@n8n/chat is not installed in ' + N8N_CHAT_DIST + ' (npm ci in browser-tests)');
  }
  const n8nChatCdn = createN8nChatCdn();
  const n8nChatCdnPort = await n8nChatCdn.listen();
  started.push({ name: '@n8n/chat cdn', stop: () => n8nChatCdn.close() });
  const n8nChatBase = 'http://localhost:' + n8nChatCdnPort + '/';

  const site = createCustomerSite({ proxyUrl, widgetSrc, n8nChatBase });
  await site.listen(pagePort);
  started.push({ name: 'customer page', stop: () => site.close() });
  const refusedSite = createCustomerSite({ proxyUrl, widgetSrc });
  await refusedSite.listen(refusedPort);
  started.push({ name: 'refused page', stop: () => refusedSite.close() });

  const { chromium } = require('playwright-core');
  const browser = await chromium.launch({
    executablePath: cfg.chromium,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 60000
  });
  started.push({ name: 'chromium', stop: () => browser.close() });

  console.log('# chromium ' + browser.version() + ', proxy jar ' + cfg.jar);
  console.log('# page ' + pageOrigin + ', refused page ' + refusedOrigin + ', proxy ' + proxyUrl
    + ' (-> 127.0.0.1:' + proxy.port + '), widget from ' + widgetFrom
    + ', resume endpoint ' + (resumeEndpoint ? 'present' : 'absent (emulated where a test needs it)'));
  Object.assign(env, {
    n8n, proxy, forwarder, proxyUrl, widgetSrc, widgetFromProxy: widgetFrom === 'proxy', proxyHasWidget, resumeEndpoint, browser,
    pageUrl: pageOrigin + '/', pageOrigin, refusedUrl: refusedOrigin + '/', refusedOrigin,
    n8nChatUrl: pageOrigin + '/n8n-chat.html', n8nChatBase, demoUrl: demoOrigin + '/'
  });
}

main().then((r) => {
  process.exit(r.failed > 0 || r.passed === 0 ? 1 : 0);
}, async (e) => {
  console.log('not ok - runner crashed: ' + ((e && e.stack) || e));
  await stopAll();
  writeResults({ passed: 0, failed: 1, skipped: 0 });
  process.exit(1);
});
