'use strict';
// What a site owner sees of the widget on their own page: the console stays clean, busy proxies are waited for.

const assert = require('node:assert/strict');
const path = require('node:path');

function waitIdle(page) {
  return page.waitForFunction(() => {
    const host = document.querySelector('chat-proxy-widget');
    const r = host && host.shadowRoot;
    const log = r && r.querySelector('.cp-log');
    return log && !log.hasAttribute('aria-busy') && !r.querySelector('.cp-typing') && !r.querySelector('.cp-msg--streaming');
  }, null, { timeout: 20000, polling: 50 });
}

module.exports = function register(h, env) {
  const shot = (page, name) => page.screenshot({ path: path.join(env.shots, name + '.png'), animations: 'disabled' });
  /** A page that records its console errors and the proxy API calls it makes. */
  async function watchedPage(context) {
    const page = await context.newPage();
    const seen = { errors: [], api: [] };
    page.on('console', (m) => { if (m.type() === 'error') seen.errors.push(m.text()); });
    page.on('pageerror', (e) => seen.errors.push(e.message));
    page.on('request', (r) => { if (r.url().includes('/api/v1/')) seen.api.push(r.method() + ' ' + new URL(r.url()).pathname); });
    return { page, seen };
  }

  async function open(page) {
    const host = page.locator('chat-proxy-widget');
    await host.locator('.cp-launcher').click();
    await host.locator('.cp-panel').waitFor({ state: 'visible' });
    // Sizes are measured after the opening animation (a scale from 0.98): on a loaded machine it is still running.
    await host.locator('.cp-panel').evaluate((panel) => Promise.all(panel.getAnimations().map((a) => a.finished)));
    await waitIdle(page);
    return host;
  }

  h.test('no console error on the host page: a first visit creates its session without a 401 from validate', async () => {
    const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const { page, seen } = await watchedPage(context);
    await page.goto(env.pageUrl);
    const host = await open(page);
    assert.deepEqual(seen.api, ['POST /api/v1/session/create'], 'no validate before a session exists');
    await host.locator('#cp-input').fill('Hello, is anyone there?');
    await host.locator('#cp-input').press('Enter');
    await waitIdle(page);
    assert.equal(await host.locator('.cp-msg--assistant:not(.cp-greeting) .cp-bubble').count(), 1);

    // A reload within the session's lifetime validates it and shows the conversation again.
    seen.api.length = 0;
    await page.reload();
    await waitIdle(page); // it was left open: restored on load
    assert.equal(seen.api[0], 'GET /api/v1/session/validate');
    assert.ok(!seen.api.includes('POST /api/v1/session/create'), 'the session is kept: ' + seen.api.join(', '));
    assert.equal(await host.locator('.cp-msg--user').count(), 1);

    // Past the latest time the session can live, the widget does not ask: it starts a new one.
    await page.evaluate(() => {
      for (let i = 0; i < localStorage.length; i++) {
        const k = localStorage.key(i);
        if (!k.startsWith('chat-proxy-widget:session:')) continue;
        const r = JSON.parse(localStorage.getItem(k));
        localStorage.setItem(k, JSON.stringify({ ttl: r.ttl, until: Date.now() - 1000 }));
      }
    });
    seen.api.length = 0;
    await page.reload();
    await waitIdle(page);
    assert.deepEqual(seen.api, ['POST /api/v1/session/create'], 'an expired session is not validated');
    assert.equal(await host.locator('.cp-msg--user').count(), 0);
    assert.deepEqual(seen.errors, [], 'the host page\'s console has no errors');
    await context.close();
  }, { timeout: 40000 });

  h.test('a revoked session costs at most one 401 in the console, and the widget goes on with a new session', async () => {
    const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const { page, seen } = await watchedPage(context);
    await page.goto(env.pageUrl);
    const host = await open(page);
    const chat = async (text) => {
      await host.locator('#cp-input').fill(text);
      await host.locator('#cp-input').press('Enter');
      await waitIdle(page);
    };
    /** Ends the page's session at the proxy (DELETE /session with its cookie) behind the widget's back. */
    const revoke = () => page.evaluate((api) => fetch(api + '/session', { method: 'DELETE', credentials: 'include' })
      .then((r) => r.status), env.proxyUrl + '/api/v1');
    const unauthorized = () => seen.errors.filter((e) => /\b401\b/.test(e)).length;
    await chat('First question');
    assert.equal(await host.locator('.cp-msg--assistant:not(.cp-greeting) .cp-bubble').count(), 1);

    // Revoked while the page is open: the next message draws one 401, then goes out on a new session.
    assert.equal(await revoke(), 200);
    seen.api.length = 0;
    await chat('Second question');
    assert.deepEqual(seen.api, ['POST /api/v1/chat/stream', 'POST /api/v1/session/create', 'POST /api/v1/chat/stream']);
    assert.equal(await host.locator('.cp-msg--assistant:not(.cp-greeting) .cp-bubble').count(), 2);
    assert.equal(await host.locator('.cp-note--error').count(), 0);
    assert.ok(unauthorized() <= 1, 'at most one 401: ' + seen.errors.join(' | '));

    // Revoked, then the page is loaded again: validate draws one 401, a new session follows, the widget works.
    assert.equal(await revoke(), 200);
    seen.api.length = 0;
    seen.errors.length = 0;
    await page.reload();
    await waitIdle(page); // left open: restored on load
    assert.deepEqual(seen.api, ['GET /api/v1/session/validate', 'POST /api/v1/session/create']);
    await chat('Third question');
    assert.equal(await host.locator('.cp-msg--assistant:not(.cp-greeting) .cp-bubble').count(), 1);
    assert.equal(await host.locator('.cp-note--error').count(), 0);
    assert.ok(unauthorized() <= 1, 'at most one 401: ' + seen.errors.join(' | '));
    assert.deepEqual(seen.errors.filter((e) => !/\b401\b/.test(e)), [], 'no other console error');
    await context.close();
  }, { timeout: 60000 });

  /** Answers the first `times` requests to `path` with 503 (code, Retry-After: 1) as the proxy's admission would. */
  async function refuseBusy(page, path, times, code) {
    const refused = [];
    await page.route((url) => url.pathname === path, async (route) => {
      if (refused.length >= times) return route.continue();
      refused.push(Date.now());
      const origin = await route.request().headerValue('origin');
      await route.fulfill({
        status: 503,
        headers: {
          'content-type': 'application/json', 'retry-after': '1', 'access-control-allow-origin': origin,
          'access-control-allow-credentials': 'true', 'access-control-expose-headers': 'RateLimit, RateLimit-Policy, Retry-After, X-Request-Id'
        },
        body: JSON.stringify({ error: { code, message: 'Too many requests are in progress: please retry' } })
      });
    });
    return refused;
  }

  const subtitleOf = (page) => page.evaluate(() => document.querySelector('chat-proxy-widget').shadowRoot.querySelector('.cp-subtitle').textContent);

  h.test('503 with Retry-After on session create: the widget says it is busy, waits and tries again (3 tries at most)', async () => {
    const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const { page } = await watchedPage(context);
    const refused = await refuseBusy(page, '/api/v1/session/create', 2, 'server_busy');
    await page.goto(env.pageUrl);
    const host = page.locator('chat-proxy-widget');
    await host.locator('.cp-launcher').click();
    await page.waitForFunction(() => /busy/i.test(document.querySelector('chat-proxy-widget').shadowRoot.querySelector('.cp-subtitle').textContent));
    assert.match(await subtitleOf(page), /^The chat is busy\. Trying again in \d s…$/);
    await waitIdle(page);
    assert.equal(refused.length, 2);
    assert.ok(refused[1] - refused[0] >= 950, 'waited for Retry-After: ' + (refused[1] - refused[0]) + ' ms');
    assert.equal(await host.locator('.cp-note--error').count(), 0, 'no error: the third try got a session');
    assert.equal(await subtitleOf(page), 'Usually answers in a few seconds');
    await host.locator('#cp-input').fill('Do you have olive trees?');
    await host.locator('#cp-input').press('Enter');
    await waitIdle(page);
    assert.equal(await host.locator('.cp-msg--assistant:not(.cp-greeting) .cp-bubble').count(), 1);
    await context.close();
  }, { timeout: 30000 });

  h.test('503 server_busy on sending: tried 3 times with waits, then the message is marked not sent with an error', async () => {
    const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const { page } = await watchedPage(context);
    await page.goto(env.pageUrl);
    const host = await open(page);
    const refused = await refuseBusy(page, '/api/v1/chat/stream', 10, 'server_busy');
    await host.locator('#cp-input').fill('Are you open on Sundays?');
    await host.locator('#cp-input').press('Enter');
    await host.locator('.cp-note--error').waitFor({ timeout: 15000 });
    await waitIdle(page);
    assert.equal(refused.length, 3, 'three tries in all');
    assert.ok(refused[2] - refused[0] >= 1900, 'with waits between them: ' + (refused[2] - refused[0]) + ' ms');
    assert.equal(await host.locator('.cp-note--error').textContent(), 'The assistant is unavailable right now. Please try again in a moment.');
    assert.equal(await host.locator('.cp-msg--user .cp-meta').textContent(), 'Not sent');
    await context.close();
  }, { timeout: 30000 });

  h.test('503 that is not a refusal before storing (upstream_unavailable) is not sent again', async () => {
    const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const { page } = await watchedPage(context);
    await page.goto(env.pageUrl);
    const host = await open(page);
    const refused = await refuseBusy(page, '/api/v1/chat/stream', 10, 'upstream_unavailable');
    await host.locator('#cp-input').fill('Are you open on Mondays?');
    await host.locator('#cp-input').press('Enter');
    await host.locator('.cp-note--error').waitFor({ timeout: 15000 });
    assert.equal(refused.length, 1);
    await context.close();
  }, { timeout: 30000 });

  h.test('chat-loader.js: the host page\'s load event does not wait for a slow widget.js (3 s), and the widget then works', async () => {
    const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const { page, seen } = await watchedPage(context);
    let widgetRequested = 0;
    // The loader imports the content-hashed widget.<hash>.js (widget.js itself from the work tree in static mode).
    await page.route((url) => /\/widget(\.[0-9a-f]{10})?\.js$/.test(url.pathname), async (route) => {
      widgetRequested = Date.now();
      await new Promise((r) => setTimeout(r, 3000));
      await route.continue();
    });
    await page.goto(env.pageUrl + 'loader.html', { waitUntil: 'load' });
    const loadAt = await page.evaluate(() => performance.timing.loadEventStart);
    const host = page.locator('chat-proxy-widget');
    await host.locator('.cp-launcher').waitFor({ state: 'visible', timeout: 15000 });
    const widgetArrived = Date.now();
    assert.ok(widgetRequested > 0, 'widget.js was requested');
    assert.ok(loadAt > 0 && loadAt <= widgetRequested + 5, 'the load event (' + loadAt + ') came before widget.js was requested (' + widgetRequested + ')');
    assert.ok(widgetArrived - loadAt >= 2900, 'so it did not wait for the 3 s widget.js: ' + (widgetArrived - loadAt) + ' ms');
    assert.equal(await host.locator('.cp-panel').getAttribute('aria-label'), 'Greenleaf Assistant', 'the loader tag\'s data-* attributes apply');
    await open(page);
    await host.locator('#cp-input').fill('Loaded late, still answering?');
    await host.locator('#cp-input').press('Enter');
    await waitIdle(page);
    assert.equal(await host.locator('.cp-msg--assistant:not(.cp-greeting) .cp-bubble').count(), 1);
    assert.deepEqual(await page.evaluate(() => window.__cspViolations), [], 'strict CSP with Trusted Types: no violation');
    assert.deepEqual(seen.errors, []);
    await context.close();
  }, { timeout: 40000 });

  const fontSizeOf = (page, selector) => page.evaluate((s) => parseFloat(getComputedStyle(
    document.querySelector('chat-proxy-widget').shadowRoot.querySelector(s)).fontSize), selector);

  h.test('text zoom: with a 32 px default font the widget\'s text doubles; the page\'s html font-size does not shrink it', async () => {
    const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
    const page = await context.newPage();
    await page.goto(env.pageUrl);
    const host = await open(page);
    assert.equal(await fontSizeOf(page, '.cp-root'), 15);
    assert.equal(Math.round(await fontSizeOf(page, '.cp-title')), 16);
    await page.addStyleTag({ content: 'html { font-size: 62.5%; }' });
    assert.equal(await fontSizeOf(page, '.cp-root'), 15, 'a page that sets html { font-size: 62.5% } changes nothing');
    const cdp = await context.newCDPSession(page);
    await cdp.send('Page.setFontSizes', { fontSizes: { standard: 32, fixed: 26 } });
    await page.waitForFunction(() => parseFloat(getComputedStyle(document.querySelector('chat-proxy-widget').shadowRoot
      .querySelector('.cp-root')).fontSize) === 30);
    assert.equal(Math.round(await fontSizeOf(page, '.cp-title')), 32);
    assert.ok(await fontSizeOf(page, '.cp-subtitle') >= 24.9, 'the subtitle grows too');
    assert.ok((await host.locator('.cp-panel').boundingBox()).width > 500, 'the panel widens with its text');
    await context.close();
  }, { timeout: 30000 });

  h.test('phone (375x667, touch): 16 px input (no iOS zoom) and the panel stays above a simulated on-screen keyboard', async () => {
    const context = await env.browser.newContext({ viewport: { width: 375, height: 667 }, hasTouch: true });
    const page = await context.newPage();
    await page.goto(env.pageUrl);
    const host = await open(page);
    // The visual viewport as a phone reports it while its keyboard is up (Chromium's headless shell has no keyboard).
    await page.evaluate(() => {
      window.__keyboard = (shown) => {
        if (shown) Object.defineProperty(visualViewport, 'height', { value: 667 - 300, configurable: true });
        else delete visualViewport.height;
        visualViewport.dispatchEvent(new Event('resize'));
      };
    });
    assert.ok(await fontSizeOf(page, '#cp-input') >= 16, 'input font ' + await fontSizeOf(page, '#cp-input'));
    assert.equal(Math.round((await host.locator('.cp-panel').boundingBox()).height), 667);
    await page.evaluate(() => window.__keyboard(true));
    const panel = await host.locator('.cp-panel').boundingBox();
    const input = await host.locator('#cp-input').boundingBox();
    assert.ok(panel.y >= 0 && panel.y + panel.height <= 367.5, 'panel within the visible 367 px: ' + JSON.stringify(panel));
    assert.ok(input.y + input.height <= 367.5, 'input above the keyboard: ' + JSON.stringify(input));
    await page.evaluate(() => window.__keyboard(false));
    assert.equal(Math.round((await host.locator('.cp-panel').boundingBox()).height), 667);
    await shot(page, '32-phone');
    await context.close();
  }, { timeout: 30000 });

  /** The customer page with its <html lang> and extra attributes on the widget's script tag changed. */
  async function localisedPage(context, { lang, attrs = '' }) {
    const page = await context.newPage();
    await page.goto(env.pageUrl + '?lang=' + encodeURIComponent(lang) + '&attrs=' + encodeURIComponent(attrs));
    await page.locator('chat-proxy-widget .cp-launcher').waitFor({ state: 'visible', timeout: 10000 });
    return page;
  }

  const labels = (page) => page.evaluate(() => {
    const r = document.querySelector('chat-proxy-widget').shadowRoot;
    return {
      launcher: r.querySelector('.cp-launcher').getAttribute('aria-label'),
      close: r.querySelector('.cp-close').getAttribute('aria-label'),
      send: r.querySelector('.cp-send').getAttribute('aria-label'),
      log: r.querySelector('.cp-log').getAttribute('aria-label'),
      placeholder: r.querySelector('#cp-input').placeholder,
      dir: r.querySelector('.cp-root').dir,
      lang: r.querySelector('.cp-root').lang
    };
  });

  h.test('localised: the host page\'s lang (de) picks the built-in German texts; data-lang (fr) wins over it', async () => {
    const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const de = await localisedPage(context, { lang: 'de-AT' });
    assert.deepEqual(await labels(de), { launcher: 'Chat öffnen', close: 'Chat schließen', send: 'Nachricht senden',
      log: 'Gespräch', placeholder: 'Nachricht schreiben…', dir: 'ltr', lang: 'de-AT' });
    await open(de);
    assert.equal((await labels(de)).launcher, 'Chat ausblenden');
    const fr = await localisedPage(context, { lang: 'de', attrs: 'data-lang="fr"' });
    assert.equal((await labels(fr)).launcher, 'Ouvrir le chat');
    assert.equal((await labels(fr)).placeholder, 'Écrivez un message…');
    const es = await localisedPage(context, { lang: 'es' });
    assert.equal((await labels(es)).send, 'Enviar mensaje');
    await context.close();
  }, { timeout: 30000 });

  h.test('right-to-left: lang="he" lays the widget out from the right edge to the left, data-strings supplies the texts', async () => {
    const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
    const strings = JSON.stringify({ open: 'פתח צ׳אט', hide: 'הסתר צ׳אט', close: 'סגור צ׳אט', send: 'שלח הודעה' });
    const page = await localisedPage(context, { lang: 'he', attrs: "data-strings='" + strings + "'" });
    const l = await labels(page);
    assert.equal(l.dir, 'rtl');
    assert.equal(l.launcher, 'פתח צ׳אט');
    assert.equal(l.send, 'שלח הודעה');
    assert.equal(l.log, 'Conversation', 'a text data-strings leaves out stays English');
    const host = await open(page);
    const launcher = await host.locator('.cp-launcher').boundingBox();
    const panel = await host.locator('.cp-panel').boundingBox();
    assert.ok(launcher.x < 100 && panel.x < 100, 'bottom-left: launcher ' + launcher.x + ', panel ' + panel.x);
    await host.locator('#cp-input').fill('שלום');
    await host.locator('#cp-input').press('Enter');
    await waitIdle(page);
    const user = await host.locator('.cp-msg--user .cp-bubble').boundingBox();
    assert.ok(user.x < panel.x + panel.width / 2, 'the visitor\'s message sits on the start (right-to-left: left) side');
    await shot(page, '33-rtl');
    await context.close();
  }, { timeout: 30000 });
};
