'use strict';
// Accessibility of the widget: axe-core (WCAG 2.0/2.1/2.2 A and AA, the open shadow root included) on every state a
// visitor sees, and the keyboard and screen-reader semantics that axe cannot judge, asserted by script.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** A host page that themes the widget dark through the documented custom properties. */
const DARK_THEME = ':root { --chat-proxy-bg: #111827; --chat-proxy-fg: #f3f4f6; --chat-proxy-accent: #1d4ed8; }';

function shadowQuery(page, selector) {
  return page.evaluate((s) => {
    const el = document.querySelector('chat-proxy-widget').shadowRoot.querySelector(s);
    return el ? { name: el.getAttribute('aria-label'), expanded: el.getAttribute('aria-expanded') } : null;
  }, selector);
}

/** What has focus, described by its class (inside the widget) or 'outside'. */
function focused(page) {
  return page.evaluate(() => {
    const host = document.querySelector('chat-proxy-widget');
    if (document.activeElement !== host) return 'outside';
    const a = host.shadowRoot.activeElement;
    if (!a) return 'host';
    if (a.id) return '#' + a.id;
    const classes = String(a.className).split(' ').filter((c) => c !== 'cp-icon-btn');
    return '.' + classes[0];
  });
}

module.exports = function register(h, env) {
  const shot = (page, name) => page.screenshot({ path: path.join(env.shots, name + '.png'), animations: 'disabled' });

  async function newPage(options = {}) {
    // axe is injected with evaluate; the customer page's Trusted Types policy would refuse its internals.
    const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP: true, ...options });
    const page = await context.newPage();
    await page.goto(env.pageUrl);
    await page.locator('chat-proxy-widget .cp-launcher').waitFor({ state: 'visible', timeout: 10000 });
    return { context, page };
  }

  async function settle(page) {
    await page.evaluate(() => Promise.all(document.querySelector('chat-proxy-widget').shadowRoot.getAnimations({ subtree: true })
      .filter((a) => a.effect && a.effect.getTiming().iterations !== Infinity).map((a) => a.finished)));
  }

  /** Runs axe on the widget (its shadow tree included) and fails with every violation's rule, impact and targets. */
  async function axe(page, state) {
    await settle(page);
    const violations = await page.evaluate(async ({ source, tags }) => {
      if (!window.axe) (0, eval)(source);
      const r = await window.axe.run({ include: [['chat-proxy-widget']] }, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
      return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => JSON.stringify(n.target) + ' ' + n.failureSummary) }));
    }, { source: AXE_SOURCE, tags: AXE_TAGS });
    assert.deepEqual(violations, [], state + ': axe found ' + violations.length + ' violation(s):\n' + JSON.stringify(violations, null, 2));
    return violations;
  }

  function waitIdle(page) {
    return page.waitForFunction(() => {
      const r = document.querySelector('chat-proxy-widget').shadowRoot;
      const log = r.querySelector('.cp-log');
      return log && !log.hasAttribute('aria-busy') && !r.querySelector('.cp-typing') && !r.querySelector('.cp-msg--streaming');
    }, null, { timeout: 20000, polling: 50 });
  }

  async function visitThroughStates(page, label) {
    const host = page.locator('chat-proxy-widget');
    await axe(page, label + ' closed');
    await host.locator('.cp-launcher').click();
    await host.locator('.cp-panel').waitFor({ state: 'visible' });
    await waitIdle(page);
    await axe(page, label + ' open');
    await host.locator('#cp-input').fill('Which plants like a dark corner?');
    await host.locator('#cp-input').press('Enter');
    await host.locator('.cp-msg--streaming').waitFor({ timeout: 10000 });
    await axe(page, label + ' streaming');
    await waitIdle(page);
    await axe(page, label + ' answered');
    await host.locator('#cp-input').fill('[[error]] And a sunny one?');
    await host.locator('#cp-input').press('Enter');
    await host.locator('.cp-note--error').waitFor({ timeout: 15000 });
    await waitIdle(page);
    await axe(page, label + ' error');
  }

  h.test('axe (WCAG 2.2 AA): no violations closed, open, streaming, answered and after an error', async () => {
    const { context, page } = await newPage();
    await visitThroughStates(page, 'light');
    await shot(page, '30-a11y-light');
    await context.close();
  }, { timeout: 60000 });

  h.test('axe (WCAG 2.2 AA): no violations with a dark theme and a dark colour scheme', async () => {
    const { context, page } = await newPage({ colorScheme: 'dark' });
    await page.addStyleTag({ content: DARK_THEME });
    await visitThroughStates(page, 'dark');
    await shot(page, '31-a11y-dark');
    await context.close();
  }, { timeout: 60000 });

  h.test('axe: the refusal on a page whose origin is not allowed has no violations', async () => {
    const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
    const page = await context.newPage();
    await page.goto(env.refusedUrl);
    const host = page.locator('chat-proxy-widget');
    await host.locator('.cp-launcher').click();
    await host.locator('.cp-note--refused').waitFor({ timeout: 15000 });
    await axe(page, 'refused');
    await context.close();
  }, { timeout: 30000 });

  h.test('keyboard only: Tab reaches the launcher, Enter opens, Escape closes, Space opens; focus returns; aria-expanded follows', async () => {
    const { context, page } = await newPage();
    const host = page.locator('chat-proxy-widget');
    // The fixture page has 6 focusable elements before the widget (logo, 3 nav links, cart, call to action).
    let steps = 0;
    while ((await focused(page)) !== '.cp-launcher' && steps++ < 12) await page.keyboard.press('Tab');
    assert.equal(await focused(page), '.cp-launcher', 'Tab reaches the launcher');
    assert.equal((await shadowQuery(page, '.cp-launcher')).expanded, 'false');
    await page.keyboard.press('Enter');
    await host.locator('.cp-panel').waitFor({ state: 'visible' });
    await page.waitForFunction(() => document.querySelector('chat-proxy-widget').shadowRoot.activeElement?.id === 'cp-input');
    assert.equal((await shadowQuery(page, '.cp-launcher')).expanded, 'true');
    await page.keyboard.press('Escape');
    await host.locator('.cp-panel').waitFor({ state: 'hidden' });
    assert.equal(await focused(page), '.cp-launcher', 'Escape returns focus to the launcher');
    assert.equal((await shadowQuery(page, '.cp-launcher')).expanded, 'false');
    await page.keyboard.press(' ');
    await host.locator('.cp-panel').waitFor({ state: 'visible' });
    await page.waitForFunction(() => document.querySelector('chat-proxy-widget').shadowRoot.activeElement?.id === 'cp-input');
    await waitIdle(page);

    // The panel is a non-modal dialog (the page stays usable), so focus is not trapped: Tab goes through the
    // panel in reading order, then to the launcher, then leaves the widget.
    await host.locator('.cp-restart').focus();
    const order = [await focused(page)];
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab');
      order.push(await focused(page));
    }
    assert.deepEqual(order, ['.cp-restart', '.cp-close', '.cp-log', '#cp-input', '.cp-send', '.cp-launcher', 'outside'],
      'focus order: ' + order.join(' > '));
    // Enter in the header's close button closes too, and focus goes back to the launcher.
    await host.locator('.cp-close').focus();
    await page.keyboard.press('Enter');
    await host.locator('.cp-panel').waitFor({ state: 'hidden' });
    assert.equal(await focused(page), '.cp-launcher');
    await context.close();
  }, { timeout: 30000 });

  h.test('accessible names: every control has one, and no two controls share a name while open', async () => {
    const { context, page } = await newPage();
    const host = page.locator('chat-proxy-widget');
    await host.locator('.cp-launcher').click();
    await host.locator('.cp-panel').waitFor({ state: 'visible' });
    await waitIdle(page);
    await host.locator('#cp-input').fill('x');
    const names = await page.evaluate(() => {
      const r = document.querySelector('chat-proxy-widget').shadowRoot;
      const nameOf = (el) => el.getAttribute('aria-label')
        || (el.id && r.querySelector('label[for="' + el.id + '"]') && r.querySelector('label[for="' + el.id + '"]').textContent)
        || el.textContent.trim();
      return {
        dialog: r.querySelector('[role=dialog]').getAttribute('aria-label'),
        log: r.querySelector('[role=log]').getAttribute('aria-label'),
        controls: [...r.querySelectorAll('button, textarea, [tabindex="0"]')].filter((el) => !el.closest('[hidden]'))
          .map((el) => ({ cls: String(el.className), name: nameOf(el) }))
      };
    });
    assert.equal(names.dialog, 'Greenleaf Assistant');
    assert.ok(names.log, 'the conversation log has a name');
    for (const c of names.controls) assert.ok(c.name && c.name.trim(), c.cls + ' has an accessible name');
    const seen = new Map();
    for (const c of names.controls) {
      assert.ok(!seen.has(c.name), '"' + c.name + '" is the name of both ' + seen.get(c.name) + ' and ' + c.cls);
      seen.set(c.name, c.cls);
    }
    await context.close();
  }, { timeout: 30000 });

  h.test('screen readers: a streamed answer is announced once, sentence by sentence, never re-read per chunk', async () => {
    const { context, page } = await newPage();
    const host = page.locator('chat-proxy-widget');
    await host.locator('.cp-launcher').click();
    await host.locator('.cp-panel').waitFor({ state: 'visible' });
    await waitIdle(page);
    // Records what a screen reader would be told: text added inside a live region that is not switched off.
    await page.evaluate(() => {
      const r = document.querySelector('chat-proxy-widget').shadowRoot;
      window.__spoken = [];
      window.__liveStreaming = [];
      const liveOf = (n) => {
        for (let e = n.nodeType === 1 ? n : n.parentElement; e; e = e.parentElement) {
          const v = e.getAttribute('aria-live') || (e.getAttribute('role') === 'log' || e.getAttribute('role') === 'status' ? 'polite' : null);
          if (v) return v;
        }
        return 'off';
      };
      new MutationObserver((records) => {
        for (const rec of records) {
          for (const n of rec.addedNodes) {
            if (liveOf(n) === 'off' || !n.textContent.trim()) continue;
            if (n.parentElement && n.parentElement.closest('.cp-msg--assistant:not(.cp-typing)')) window.__liveStreaming.push(n.textContent);
            if (n.parentElement && n.parentElement.closest('.cp-announcer')) window.__spoken.push(n.textContent);
          }
        }
      }).observe(r.querySelector('.cp-panel'), { subtree: true, childList: true });
    });
    const question = 'Tell me about ferns';
    await host.locator('#cp-input').fill(question);
    await host.locator('#cp-input').press('Enter');
    await host.locator('.cp-msg--streaming').waitFor({ timeout: 10000 });
    assert.equal(await host.locator('.cp-msg--streaming').getAttribute('aria-live'), 'off', 'the bubble being written is not live');
    await waitIdle(page);
    const { spoken, liveStreaming, answer } = await page.evaluate(() => ({
      spoken: window.__spoken,
      liveStreaming: window.__liveStreaming,
      answer: [...document.querySelector('chat-proxy-widget').shadowRoot.querySelectorAll('.cp-msg--assistant .cp-bubble')].pop().innerText
    }));
    const norm = (t) => t.replace(/\s+/g, ' ').trim();
    assert.deepEqual(liveStreaming, [], 'no re-render of the answer lands in a live region');
    assert.equal(norm(spoken.join(' ')), norm(answer), 'the announcements add up to the answer, each part once');
    // 6 chunks, 5 sentences: each announcement ends a sentence.
    assert.ok(spoken.length >= 2 && spoken.length <= 5, 'announced in sentences: ' + JSON.stringify(spoken));
    for (const s of spoken) assert.match(s, /[.!?]$/, 'ends a sentence: ' + JSON.stringify(s));
    await context.close();
  }, { timeout: 30000 });
};
