'use strict';
// End-to-end tests of widget.js in headless Chromium: a customer page on one origin embeds the widget, which
// talks to chat-proxy on another origin (a third-party, partitioned cookie), with n8n streaming slowly.

const assert = require('node:assert/strict');
const path = require('node:path');
const { answerItems } = require('../lib/fake-n8n');

const REFUSED = 'This site is not allowed to use this chat.';
const LOST = 'The connection was lost before the answer was complete.';

/** What the answer looks like once its Markdown is rendered (markers gone, text kept). */
function rendered(markdown) {
  return markdown.replace(/\*\*([^*]+)\*\*/g, '$1').replace(/\*([^*]+)\*/g, '$1').replace(/`([^`]+)`/g, '$1')
    .replace(/\[([^\]]+)\]\([^)]+\)/g, '$1');
}

function ui(page) {
  const host = page.locator('chat-proxy-widget');
  return {
    host,
    launcher: host.locator('.cp-launcher'),
    panel: host.locator('.cp-panel'),
    input: host.locator('#cp-input'),
    send: host.locator('.cp-send'),
    log: host.locator('.cp-log'),
    messages: host.locator('.cp-msg:not(.cp-typing):not(.cp-greeting)'),
    assistant: host.locator('.cp-msg--assistant:not(.cp-typing):not(.cp-greeting) .cp-bubble'),
    user: host.locator('.cp-msg--user .cp-bubble')
  };
}

function shadowActive(page) {
  return page.evaluate(() => {
    const host = document.querySelector('chat-proxy-widget');
    const a = host && host.shadowRoot.activeElement;
    return { hostFocused: document.activeElement === host, id: a ? a.id : null, cls: a ? String(a.className) : null };
  });
}

function waitIdle(page, timeout = 20000) {
  return page.waitForFunction(() => {
    const host = document.querySelector('chat-proxy-widget');
    const r = host && host.shadowRoot;
    if (!r) return false;
    const log = r.querySelector('.cp-log');
    return log && !log.hasAttribute('aria-busy') && !r.querySelector('.cp-typing') && !r.querySelector('.cp-msg--streaming');
  }, null, { timeout, polling: 50 });
}

/** Records every distinct text of the answer being streamed (from its first chunk to its end) in window.__states. */
function recordStreamStates(page) {
  return page.evaluate(() => {
    const root = document.querySelector('chat-proxy-widget').shadowRoot;
    window.__states = [];
    let target = null;
    const rec = () => {
      if (!target) target = root.querySelector('.cp-msg--streaming');
      if (!target) return;
      const text = target.querySelector('.cp-bubble').textContent;
      const streaming = target.classList.contains('cp-msg--streaming');
      const last = window.__states[window.__states.length - 1];
      if (!last || last.text !== text || last.streaming !== streaming) window.__states.push({ text, streaming, t: Math.round(performance.now()) });
    };
    new MutationObserver(rec).observe(root.querySelector('.cp-log'), { subtree: true, childList: true, characterData: true, attributes: true });
  });
}

/** With BROWSER_TESTS_DEBUG=1 the pages' console messages and failed requests are printed. */
function debugPage(page, label) {
  if (!process.env.BROWSER_TESTS_DEBUG) return;
  page.on('console', (m) => console.log('# [' + label + '] console.' + m.type() + ': ' + m.text()));
  page.on('requestfailed', (r) => console.log('# [' + label + '] failed: ' + r.method() + ' ' + r.url() + ' ' + (r.failure() && r.failure().errorText)));
  page.on('response', (r) => console.log('# [' + label + '] ' + r.status() + ' ' + r.request().method() + ' ' + r.url() + (r.fromServiceWorker() ? ' (sw)' : '')));
}

module.exports = function register(h, env) {
  const shot = (page, name) => page.screenshot({ path: path.join(env.shots, name + '.png'), animations: 'disabled' });
  const pageErrors = [];

  async function newPage(url, options = {}) {
    const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
    const page = await context.newPage();
    debugPage(page, url);
    page.on('pageerror', (e) => pageErrors.push(url + ': ' + e.message));
    await page.goto(url);
    return { context, page };
  }

  async function openWidget(page) {
    const u = ui(page);
    await u.launcher.waitFor({ state: 'visible', timeout: 10000 });
    await u.launcher.click();
    await u.panel.waitFor({ state: 'visible' });
    await u.panel.evaluate((p) => Promise.all(p.getAnimations().map((a) => a.finished))); // the pop-in
    await waitIdle(page);
    return u;
  }

  async function cspViolations(page) {
    return page.evaluate(() => window.__cspViolations || []);
  }

  const A = {}; // the main visitor, kept across the first tests

  h.test('widget mounts on a customer page of another origin: launcher bottom-right, themed, isolated, lazy', async () => {
    const apiCalls = [];
    const { context, page } = await (async () => {
      const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      debugPage(page, 'A');
      page.on('pageerror', (e) => pageErrors.push('A: ' + e.message));
      page.on('request', (r) => { if (r.url().includes('/api/')) apiCalls.push(r.url()); });
      await page.goto(env.pageUrl);
      return { context, page };
    })();
    Object.assign(A, { context, page });
    const u = ui(page);
    await u.launcher.waitFor({ state: 'visible', timeout: 10000 });
    assert.equal(await u.launcher.getAttribute('aria-expanded'), 'false');
    assert.equal(await u.launcher.getAttribute('aria-label'), 'Open chat');
    assert.equal(await u.panel.isVisible(), false);
    const box = await u.launcher.boundingBox();
    assert.ok(box.x + box.width > 1280 - 40 && box.x + box.width <= 1280, 'launcher at the right edge: ' + JSON.stringify(box));
    assert.ok(box.y + box.height > 800 - 40 && box.y + box.height <= 800, 'launcher at the bottom: ' + JSON.stringify(box));
    const style = await u.launcher.evaluate((b) => {
      const s = getComputedStyle(b);
      const root = b.getRootNode().querySelector('.cp-root');
      return { bg: s.backgroundColor, border: s.borderTopStyle, radius: s.borderTopLeftRadius, font: getComputedStyle(root).fontFamily,
        spacing: getComputedStyle(root).letterSpacing };
    });
    assert.equal(style.bg, 'rgb(15, 118, 110)', 'the page sets --chat-proxy-accent: #0f766e');
    assert.equal(style.border, 'none', 'the page\'s button rule does not reach into the widget');
    assert.equal(style.radius, '50%', 'round launcher despite the page\'s button { border-radius: 0 !important }');
    assert.match(style.font, /DejaVu Sans/, 'the page sets --chat-proxy-font');
    assert.equal(style.spacing, 'normal', 'the page\'s * { letter-spacing } does not leak in');
    await page.waitForTimeout(300);
    assert.deepEqual(apiCalls, [], 'no session is created before the visitor opens the chat');
    assert.deepEqual(await cspViolations(page), []);
    await shot(page, '01-closed');
  });

  h.test('opening: dialog with a label, focus in the input; Escape closes and focus returns to the launcher', async () => {
    const { page } = A;
    const u = ui(page);
    await u.launcher.click();
    await u.panel.waitFor({ state: 'visible' });
    assert.equal(await u.launcher.getAttribute('aria-expanded'), 'true');
    assert.equal(await u.panel.getAttribute('role'), 'dialog');
    assert.equal(await u.panel.getAttribute('aria-label'), 'Greenleaf Assistant');
    assert.equal(await u.log.getAttribute('aria-live'), 'polite');
    assert.equal((await shadowActive(page)).id, 'cp-input');
    await waitIdle(page);
    await page.keyboard.press('Escape');
    await u.panel.waitFor({ state: 'hidden' });
    assert.equal(await u.launcher.getAttribute('aria-expanded'), 'false');
    const active = await shadowActive(page);
    assert.ok(active.hostFocused && /cp-launcher/.test(active.cls), 'focus back on the launcher: ' + JSON.stringify(active));
    await page.keyboard.press('Enter'); // the focused launcher is a real button
    await u.panel.waitFor({ state: 'visible' });
    assert.equal((await shadowActive(page)).id, 'cp-input');
    await shot(page, '02-open');
  });

  h.test('a message is answered chunk by chunk: typing state, growing partial answers, safe Markdown', async () => {
    const { page } = A;
    const u = ui(page);
    const question = 'Which plants suit a shady balcony?';
    A.question = question;
    await recordStreamStates(page);
    await u.input.fill(question);
    await u.input.press('Enter');
    await u.host.locator('.cp-typing').waitFor({ state: 'visible', timeout: 5000 });
    assert.equal(await u.send.isDisabled(), true, 'send is disabled while an answer streams');
    await shot(page, '03-typing');

    const items = answerItems(question);
    const finalText = rendered(items.join(''));
    const partialShots = [];
    const deadline = Date.now() + 15000;
    for (;;) {
      const states = await page.evaluate(() => window.__states);
      const partials = [...new Set(states.filter((s) => s.streaming).map((s) => s.text.length))]
        .filter((n) => n > 0 && n < finalText.length);
      if (partialShots.length < partials.length && partialShots.length < 2) {
        partialShots.push(partials[partialShots.length]);
        await shot(page, partialShots.length === 1 ? '04-partial-1' : '05-partial-2');
      }
      if (states.some((s) => !s.streaming)) break;
      if (Date.now() > deadline) throw new Error('the answer did not finish: ' + JSON.stringify(states));
      await page.waitForTimeout(40);
    }
    await waitIdle(page);
    await shot(page, '06-answer-complete');

    const states = await page.evaluate(() => window.__states);
    // (The last chunk may be shown a moment before the "end" event arrives: a streaming state can hold the full text.)
    const partialLengths = [...new Set(states.filter((s) => s.streaming && s.text && s.text.length < finalText.length)
      .map((s) => s.text.length))];
    assert.ok(partialLengths.length >= 2, 'at least 2 different partial lengths before the end: ' + JSON.stringify(states));
    const lengths = states.map((s) => s.text.length);
    assert.ok(lengths.every((n, i) => i === 0 || n >= lengths[i - 1]), 'the answer only grows: ' + JSON.stringify(lengths));
    for (const s of states) assert.ok(finalText.startsWith(s.text), 'each state is a prefix of the answer: ' + JSON.stringify(s.text));
    assert.equal(states[states.length - 1].text, finalText);
    const times = states.filter((s) => s.text).map((s) => s.t);
    assert.ok(times[times.length - 1] - times[0] > 600, 'the answer grew over time, not at once: ' + JSON.stringify(times));

    const bubble = u.assistant.last();
    assert.equal(await bubble.locator('strong').first().textContent(), question);
    assert.equal(await bubble.locator('code').textContent(), 'inline code');
    assert.equal(await bubble.locator('em').textContent(), 'nice');
    const link = bubble.locator('a');
    assert.equal(await link.getAttribute('href'), 'https://example.com/docs');
    assert.equal(await link.getAttribute('target'), '_blank');
    assert.match(await link.getAttribute('rel'), /noopener/);
    assert.equal(await bubble.locator('img').count(), 0, 'markup in the answer stays text');
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    assert.equal((await u.user.last().textContent()), question);
    assert.equal(await u.host.locator('.cp-note--error').count(), 0);

    const call = env.n8n.requests.find((r) => r.body.chatInput === question);
    assert.ok(call, 'n8n got the message');
    assert.equal(call.body.action, 'sendMessage');
    assert.ok(call.authorization, 'n8n got a bearer token');
    assert.deepEqual(await cspViolations(page), [], 'nothing violates the page\'s strict CSP (with Trusted Types)');
    A.finalText = finalText;
  }, { timeout: 40000 });

  h.test('after a reload the conversation is restored from the history (cross-site partitioned cookie)', async () => {
    const { page, context } = A;
    const cookies = await context.cookies(env.proxyUrl);
    const session = cookies.find((c) => c.name === 'chat_session_id');
    assert.ok(session, 'the proxy cookie is stored: ' + JSON.stringify(cookies));
    assert.equal(session.sameSite, 'None');
    assert.equal(session.secure, true);
    assert.equal(session.httpOnly, true);
    assert.ok(session.partitionKey, 'the cookie is partitioned (CHIPS): ' + JSON.stringify(session));

    await page.reload();
    const u = ui(page);
    try {
      await u.panel.waitFor({ state: 'visible', timeout: 10000 }); // it was open: it opens again
    } catch (e) {
      const diag = await page.evaluate(() => ({
        readyState: document.readyState,
        host: !!document.querySelector('chat-proxy-widget'),
        api: typeof window.ChatProxyWidget,
        stored: (() => { try { return sessionStorage.getItem('chat-proxy-widget:open'); } catch (x) { return 'n/a'; } })(),
        csp: window.__cspViolations,
        resources: performance.getEntriesByType('resource').map((r) => r.name + ' ' + Math.round(r.duration) + 'ms ' + r.responseStatus)
      })).catch((x) => String(x));
      await shot(page, 'failed-reload');
      throw new Error(e.message + '\n' + JSON.stringify(diag, null, 1));
    }
    await waitIdle(page);
    await u.messages.nth(1).waitFor({ timeout: 10000 });
    assert.equal(await u.messages.count(), 2);
    assert.equal(await u.user.first().textContent(), A.question);
    assert.equal(await u.assistant.first().textContent(), A.finalText);
    assert.equal(await u.assistant.first().locator('a').getAttribute('href'), 'https://example.com/docs');
    await shot(page, '07-history-after-reload');
  });

  h.test('the rate limit (RATE_LIMIT_PER_MINUTE=2) shows a clear message with the wait from Retry-After', async () => {
    const { page } = A;
    const u = ui(page);
    await u.input.fill('And for a sunny window?');
    await u.input.press('Enter');
    await u.host.locator('.cp-typing').waitFor({ state: 'visible', timeout: 5000 });
    await waitIdle(page);
    assert.equal(await u.assistant.count(), 2);

    const third = 'One more question, please';
    const refused = page.waitForResponse((r) => r.url().endsWith('/api/v1/chat/stream') && r.request().method() === 'POST');
    await u.input.fill(third);
    await u.input.press('Enter');
    const res = await refused;
    assert.equal(res.status(), 429);
    const retryAfter = Number(res.headers()['retry-after']);
    assert.match(res.headers()['ratelimit'] || '', /^"session-minute";r=0;t=\d+$/);
    const note = u.host.locator('.cp-note--limit');
    await note.waitFor({ state: 'visible', timeout: 5000 });
    const text = await note.textContent();
    assert.match(text, /^You’re sending messages too quickly\. Please wait (\d+) seconds? before trying again\.$/);
    const shown = Number(/wait (\d+)/.exec(text)[1]);
    assert.ok(Math.abs(shown - retryAfter) <= 1, 'wait ' + shown + ' s vs Retry-After ' + retryAfter);
    assert.equal(await note.getAttribute('role'), 'alert');
    assert.equal(await u.send.isDisabled(), true, 'sending is paused until the limit resets');
    assert.match(await u.input.getAttribute('placeholder'), /You can send again in \d+ seconds?/);
    assert.match(await u.send.locator('.cp-send__count').textContent(), /^\d+$/, 'countdown on the send button');
    assert.equal(await u.input.inputValue(), third, 'the refused message is put back in the input');
    assert.equal(await u.host.locator('.cp-msg--user .cp-meta').last().textContent(), 'Not sent');
    await shot(page, '08-rate-limited');
    await A.context.close();
  }, { timeout: 40000 });

  h.test('on a page whose origin is not in ALLOWED_ORIGINS the widget shows a clear refusal', async () => {
    const { context, page } = await newPage(env.refusedUrl);
    const creates = [];
    page.on('requestfailed', (r) => { if (r.url().includes('/session/create')) creates.push(r.failure() && r.failure().errorText); });
    const u = ui(page);
    await u.launcher.waitFor({ state: 'visible', timeout: 10000 });
    await u.launcher.click();
    const note = u.host.locator('.cp-note--refused');
    await note.waitFor({ state: 'visible', timeout: 10000 });
    assert.equal(await note.textContent(), REFUSED);
    assert.equal(await note.getAttribute('role'), 'alert');
    assert.equal(await u.input.isDisabled(), true);
    assert.equal(await u.send.isDisabled(), true);
    assert.equal(await u.host.locator('.cp-subtitle').textContent(), REFUSED);
    assert.deepEqual(await context.cookies(env.proxyUrl), [], 'no session cookie');
    assert.ok(creates.length >= 1, 'the session create was attempted and refused by CORS');
    await shot(page, '09-refused-origin');
    await context.close();
  });

  /** Sends a slow question and cuts every connection once two chunks are shown. */
  async function sendAndDrop(page, u, question, beforeCut) {
    const items = answerItems(question);
    await recordStreamStates(page);
    await u.input.fill(question);
    await u.input.press('Enter');
    const twoChunks = rendered(items[0] + items[1]);
    await page.waitForFunction((n) => (window.__states || []).some((s) => s.text.length >= n), twoChunks.length, { timeout: 15000, polling: 20 });
    if (beforeCut) beforeCut();
    const cut = env.forwarder.cut();
    assert.ok(cut >= 1, 'a connection was open to cut');
    return { items, twoChunks };
  }

  function watchResumes(page) {
    const resumes = [];
    page.on('request', (r) => {
      if (/\/api\/v1\/chat\/stream\/[^/]+$/.test(r.url()) && r.method() === 'GET') resumes.push({ url: r.url(), lastEventId: r.headers()['last-event-id'] });
    });
    return resumes;
  }

  /** Emulates the resume endpoint (replaying chunk <last> once more, which must be skipped) for older proxies. */
  async function emulateResume(page, items) {
    const seen = [];
    await page.route(/\/api\/v1\/chat\/stream\/[^/?]+$/, async (route) => {
      const req = route.request();
      const cors = { 'access-control-allow-origin': env.pageOrigin, 'access-control-allow-credentials': 'true' };
      if (req.method() === 'OPTIONS') {
        return route.fulfill({ status: 204, headers: { ...cors, 'access-control-allow-methods': 'GET', 'access-control-allow-headers': 'Accept, Last-Event-ID' } });
      }
      const last = req.headers()['last-event-id'] || '';
      seen.push(last);
      const messageId = decodeURIComponent(req.url().split('/').pop());
      const seq = Number(last.split(':').pop()) || 0;
      let body = 'event: start\ndata: ' + JSON.stringify({ message_id: messageId }) + '\n\n';
      for (let k = Math.max(1, seq); k <= items.length; k++) {
        body += 'id: ' + messageId + ':' + k + '\nevent: chunk\ndata: ' + JSON.stringify({ content: items[k - 1] }) + '\n\n';
      }
      body += ': ping\n\nevent: end\ndata: ' + JSON.stringify({ message_id: messageId, finish_reason: 'stop' }) + '\n\n';
      return route.fulfill({ status: 200, headers: { ...cors, 'content-type': 'text/event-stream', 'cache-control': 'no-cache' }, body });
    });
    return seen;
  }

  h.test('a network drop mid-answer: the widget reconnects with Last-Event-ID (backoff) and the answer completes once', async () => {
    const { context, page } = await newPage(env.pageUrl);
    const u = await openWidget(page);
    const resumes = watchResumes(page);
    const question = 'How often should I water a fern? [[slow]]';
    if (!env.resumeEndpoint) await emulateResume(page, answerItems(question));
    const refusedBefore = env.forwarder.stats().refused;
    const { items } = await sendAndDrop(page, u, question, () => env.forwarder.refuse(1200)); // down for a moment
    await page.waitForFunction(() => (window.__states || []).some((s) => !s.streaming), null, { timeout: 30000 });
    await waitIdle(page);
    assert.equal(await u.assistant.last().textContent(), rendered(items.join('')), 'complete, nothing twice');
    assert.equal(await u.host.locator('.cp-note--error').count(), 0);
    assert.equal(await u.host.locator('.cp-msg--assistant .cp-meta').count(), 0);
    assert.ok(resumes.length >= 1, 'resumed');
    const r = resumes[resumes.length - 1];
    assert.match(r.lastEventId || '', /^[0-9a-f-]{36}:\d+$/, 'Last-Event-ID sent: ' + JSON.stringify(r));
    assert.ok(r.url.endsWith('/api/v1/chat/stream/' + r.lastEventId.split(':')[0]), 'GET /chat/stream/{message_id}: ' + r.url);
    if (env.resumeEndpoint) {
      assert.ok(env.forwarder.stats().refused > refusedBefore, 'retried while the network was down: ' + JSON.stringify(env.forwarder.stats()));
    }
    await shot(page, '10-resumed-after-drop');
    if (!env.resumeEndpoint) { await context.close(); return; } // emulated: the proxy itself kept only the partial
    // The history has the whole answer too (the proxy read n8n's answer to its end after the drop).
    await page.reload();
    await u.messages.nth(1).waitFor({ timeout: 10000 });
    await waitIdle(page);
    assert.equal(await u.assistant.last().textContent(), rendered(items.join('')));
    await context.close();
  }, { timeout: 60000 });

  h.test('a network drop mid-answer without a resume endpoint (404): the partial answer stays, marked, with an error', async () => {
    const { context, page } = await newPage(env.pageUrl);
    const u = await openWidget(page);
    const resumes = watchResumes(page);
    if (env.resumeEndpoint) {
      // Emulates an older proxy.
      await page.route(/\/api\/v1\/chat\/stream\/[^/?]+$/, (route) => route.fulfill({
        status: route.request().method() === 'OPTIONS' ? 204 : 404,
        headers: { 'access-control-allow-origin': env.pageOrigin, 'access-control-allow-credentials': 'true',
          'access-control-allow-headers': 'Accept, Last-Event-ID', 'content-type': 'application/json' },
        body: route.request().method() === 'OPTIONS' ? '' : '{"error":{"code":"not_found","message":"No such endpoint"}}'
      }));
    }
    const { items, twoChunks } = await sendAndDrop(page, u, 'Tell me about ferns [[slow]]');
    const lost = u.host.locator('.cp-note--error');
    await lost.waitFor({ state: 'visible', timeout: 30000 });
    await waitIdle(page);
    assert.equal(await lost.textContent(), LOST);
    const partial = await u.assistant.last().textContent();
    assert.ok(partial.length >= twoChunks.length && rendered(items.join('')).startsWith(partial), 'the partial answer stays: ' + partial);
    assert.ok(partial.length < rendered(items.join('')).length);
    assert.equal(await u.host.locator('.cp-msg--assistant .cp-meta').last().textContent(), 'Incomplete answer');
    assert.equal(resumes.length, 1, 'a 404 is not retried');
    assert.match(resumes[0].lastEventId || '', /:\d+$/);
    assert.equal(await u.send.isDisabled(), false, 'the visitor can go on');
    await shot(page, '11-connection-lost');
    await context.close();
  }, { timeout: 60000 });

  h.test('a reload while the answer is being written: the restored answer goes on to its end', async () => {
    if (!env.resumeEndpoint) throw new h.Skip('needs the proxy\'s resume endpoint');
    const { context, page } = await newPage(env.pageUrl);
    const u = await openWidget(page);
    const question = 'Is a monstera safe for cats? [[slow]]';
    const items = answerItems(question);
    await recordStreamStates(page);
    await u.input.fill(question);
    await u.input.press('Enter');
    await page.waitForFunction((n) => (window.__states || []).some((s) => s.text.length >= n), rendered(items[0]).length, { timeout: 15000, polling: 20 });
    await page.reload();
    await u.panel.waitFor({ state: 'visible', timeout: 10000 });
    await u.messages.nth(1).waitFor({ timeout: 10000 });
    await u.host.locator('.cp-msg--streaming').waitFor({ timeout: 10000 });
    await shot(page, '12-reload-mid-answer');
    await waitIdle(page, 30000);
    assert.equal(await u.assistant.last().textContent(), rendered(items.join('')));
    assert.equal(await u.host.locator('.cp-note--error').count(), 0);
    await context.close();
  }, { timeout: 60000 });

  h.test('n8n failing mid-answer: the partial answer stays, marked, with the error', async () => {
    const { context, page } = await newPage(env.pageUrl);
    const u = await openWidget(page);
    const question = '[[error]] Can I put a cactus in the bathroom?';
    const items = answerItems(question);
    await u.input.fill(question);
    await u.input.press('Enter');
    const err = u.host.locator('.cp-note--error');
    await err.waitFor({ state: 'visible', timeout: 15000 });
    await waitIdle(page);
    assert.equal(await u.assistant.last().textContent(), rendered(items[0] + items[1]));
    assert.equal(await u.host.locator('.cp-msg--assistant .cp-meta').last().textContent(), 'Incomplete answer');
    assert.equal(await err.textContent(), 'Something went wrong while answering. Please try again.');
    await shot(page, '13-upstream-error');

    // "Start a new conversation": the old session is ended, a new one starts with an empty log.
    const sessionOf = () => page.evaluate((api) => fetch(api + '/api/v1/session/validate', { credentials: 'include' })
      .then((r) => r.json()).then((v) => v.session_id || null), env.proxyUrl);
    const before = await sessionOf();
    await u.host.locator('.cp-restart').click();
    await u.host.locator('.cp-note--info', { hasText: 'New conversation started.' }).waitFor({ timeout: 10000 });
    assert.equal(await u.messages.count(), 0);
    const after = await sessionOf();
    assert.ok(before && after && before !== after, 'a new session: ' + before + ' -> ' + after);
    assert.equal((await shadowActive(page)).id, 'cp-input');
    await context.close();
  }, { timeout: 30000 });

  h.test('small screens: the open panel fills the viewport', async () => {
    const { context, page } = await newPage(env.pageUrl, { viewport: { width: 390, height: 780 }, hasTouch: true });
    const u = await openWidget(page);
    const box = await u.panel.boundingBox();
    assert.ok(box.width >= 389 && box.height >= 779, 'full screen: ' + JSON.stringify(box));
    await u.input.fill('Hi! Do you ship to Austria?');
    await u.input.press('Enter');
    await waitIdle(page);
    await shot(page, '14-mobile');
    const close = u.host.locator('.cp-close');
    await close.click();
    await u.panel.waitFor({ state: 'hidden' });
    await context.close();
  }, { timeout: 30000 });

  h.test('widget.js and widget.css are served by the proxy with the headers an embed needs', async () => {
    if (!env.proxyHasWidget) throw new h.Skip('the proxy does not serve /widget.js yet');
    for (let [file, type] of [['widget.js', /^text\/javascript/], ['widget.css', /^text\/css/], ['chat-loader.js', /^text\/javascript/]]) {
      let r = await env.proxy.get(env.proxy.url + '/' + file);
      if (file !== 'chat-loader.js') {
        // A briefly cached redirect to the file named by its content hash, which is cached for a year.
        assert.equal(r.status, 302, file);
        assert.match(r.headers['cache-control'] || '', /max-age=300\b/, file + ' redirect cache-control');
        assert.match(r.headers.location || '', /^widget\.[0-9a-f]{10}\.(js|css)$/, file + ' location');
        file = r.headers.location;
        r = await env.proxy.get(env.proxy.url + '/' + file);
        assert.equal(r.headers['cache-control'], 'public, max-age=31536000, immutable', file + ' cache-control');
      }
      assert.equal(r.status, 200, file);
      assert.match(r.headers['content-type'] || '', type, file + ' content-type');
      assert.match(r.headers['cache-control'] || '', /max-age=\d+/, file + ' cache-control');
      assert.doesNotMatch(r.headers['cross-origin-resource-policy'] || '', /same-(origin|site)/, file + ' must load cross-origin');
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
      assert.equal(r.headers['set-cookie'], undefined);
      // A revalidation must not rewrite the cached file's headers: a 304 with Content-Type: application/json
      // turns the cached widget.js into JSON, which Chromium then blocks (ERR_BLOCKED_BY_ORB) on the next load.
      for (const [name, value] of [['if-none-match', r.headers.etag], ['if-modified-since', r.headers['last-modified']]]) {
        if (!value) continue;
        const c = await env.proxy.get(env.proxy.url + '/' + file, 2000, { [name]: value });
        if (c.status !== 304) continue;
        assert.ok(!c.headers['content-type'] || type.test(c.headers['content-type']),
          file + ': 304 for ' + name + ' carries Content-Type ' + c.headers['content-type']);
        assert.doesNotMatch(c.headers['cache-control'] || '', /no-store/, file + ': 304 for ' + name + ' says no-store');
        assert.equal(c.body, '', file + ': a 304 has no body');
      }
    }
  });

  h.test('the demo page at / embeds the widget and chats under the proxy\'s own Content-Security-Policy', async () => {
    const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    debugPage(page, 'demo');
    const refusedByCsp = [];
    page.on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) refusedByCsp.push(m.text()); });
    page.on('pageerror', (e) => pageErrors.push('demo: ' + e.message));
    const response = await page.goto(env.demoUrl);
    assert.match(response.headers()['content-security-policy'] || '', /script-src 'self'/);
    const u = ui(page);
    await u.panel.waitFor({ state: 'visible', timeout: 10000 }); // data-open="true"
    await waitIdle(page);
    const question = 'Hello from the demo page';
    await u.input.fill(question);
    await u.input.press('Enter');
    await waitIdle(page);
    assert.equal(await u.assistant.last().textContent(), rendered(answerItems(question).join('')));
    assert.equal(await u.host.locator('.cp-note--error').count(), 0);
    assert.deepEqual(refusedByCsp, [], 'the page\'s own CSP lets the widget run');
    await shot(page, '19-demo-page');
    await context.close();
  }, { timeout: 30000 });

  h.test('no uncaught errors in any page', () => {
    assert.deepEqual(pageErrors, []);
  });
};
