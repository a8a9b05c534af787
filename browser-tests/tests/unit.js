'use strict';
// Unit tests of the widget's pure parts (SSE parser, header parsing, backoff, link and Markdown safety), run in
// node without a browser. widget.js exports them when there is no window/document.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const WIDGET = path.join(__dirname, '..', '..', 'src', 'main', 'resources', 'WEB', 'widget.js');
const CSS = path.join(__dirname, '..', '..', 'src', 'main', 'resources', 'WEB', 'widget.css');
const w = require(WIDGET);

// A minimal DOM, enough for renderMarkdown, serialised with text escaped (so markup in text shows as &lt;).
function fakeDocument() {
  class N {
    constructor(tag, text) { this.tag = tag; this.text = text; this.children = []; this.attrs = {}; }
    appendChild(c) {
      if (c.tag === '#fragment') { for (const k of c.children) this.children.push(k); c.children = []; }
      else this.children.push(c);
      return c;
    }
    setAttribute(k, v) { this.attrs[k] = String(v); }
    get lastChild() { return this.children[this.children.length - 1] || null; }
  }
  return {
    createDocumentFragment: () => new N('#fragment'),
    createElement: (t) => new N(t),
    createTextNode: (s) => new N('#text', String(s))
  };
}
function html(node) {
  if (node.tag === '#text') return node.text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const inner = node.children.map(html).join('');
  if (node.tag === '#fragment') return inner;
  const attrs = Object.keys(node.attrs).map((k) => ' ' + k + '="' + node.attrs[k] + '"').join('');
  return '<' + node.tag + attrs + '>' + inner + '</' + node.tag + '>';
}
const md = (s) => html(w.renderMarkdown(fakeDocument(), s));
const LINK = ' target="_blank" rel="noopener noreferrer nofollow ugc"';

function parseAll(pieces) {
  const events = [];
  const p = w.createSseParser((e) => events.push(e));
  for (const piece of pieces) p.push(piece);
  p.end();
  return events;
}

const STREAM = 'event: start\ndata: {"message_id":"m1"}\n\n'
  + 'id: m1:1\nevent: chunk\ndata: {"content":"Hel"}\n\n'
  + ': ping\n\n'
  + 'id:m1:2\r\nevent:chunk\r\ndata:{"content":"lo"}\r\n\r\n'
  + 'event: end\rdata: {"finish_reason":"stop"}\r\r';

module.exports = function register(h) {
  h.test('unit: SSE parser handles fields, optional space, comments, CRLF/CR and persists the last id', () => {
    const ev = parseAll([STREAM]);
    assert.deepEqual(ev.map((e) => e.event), ['start', 'chunk', 'chunk', 'end']);
    assert.deepEqual(ev.map((e) => e.id), ['', 'm1:1', 'm1:2', 'm1:2']);
    assert.equal(JSON.parse(ev[2].data).content, 'lo');
  });

  h.test('unit: SSE parser gives the same events whatever the split (every cut point, byte by byte)', () => {
    const whole = JSON.stringify(parseAll([STREAM]));
    for (let i = 0; i <= STREAM.length; i++) {
      assert.equal(JSON.stringify(parseAll([STREAM.slice(0, i), STREAM.slice(i)])), whole, 'cut at ' + i);
    }
    assert.equal(JSON.stringify(parseAll(STREAM.split(''))), whole);
  });

  h.test('unit: SSE parser joins data lines, ignores unknown fields and flushes an unterminated last event', () => {
    const ev = parseAll(['data: a\ndata:b\nretry: 10\nfoo: bar\n\n', 'event: chunk\ndata: tail']);
    assert.deepEqual(ev.map((e) => [e.event, e.data]), [['message', 'a\nb'], ['chunk', 'tail']]);
    assert.deepEqual(parseAll([': only a comment\n\n', 'event: x\n\n']), []);
  });

  h.test('unit: event ids, Retry-After and backoff are parsed', () => {
    assert.equal(w.eventSeq('0f3a-uuid:12'), 12);
    assert.equal(w.eventSeq(''), -1);
    assert.equal(w.parseRetryAfter('17'), 17);
    assert.equal(w.parseRetryAfter(new Date(Date.UTC(2030, 0, 1, 0, 1, 0)).toUTCString(), Date.UTC(2030, 0, 1)), 60);
    assert.equal(w.parseRetryAfter('soon'), null);
    assert.equal(w.parseRetryAfter(null), null);
    assert.equal(w.backoffDelay(0, 0.5), 500);
    assert.equal(w.backoffDelay(3, 0.5), 4000);
    assert.equal(w.backoffDelay(10, 0.5), 8000);
    // Busy (503 + Retry-After): what the proxy asked, at least 1 s, at most 10 s, plus up to 30 % jitter.
    assert.equal(w.busyRetryDelay(2, 0), 2000);
    assert.equal(w.busyRetryDelay(2, 1), 2600);
    assert.equal(w.busyRetryDelay(0, 0), 1000);
    assert.equal(w.busyRetryDelay(120, 0), 10000);
    assert.equal(w.busyRetryDelay(120, 1), 13000);
    assert.ok(w.backoffDelay(1, 0) >= 800 && w.backoffDelay(1, 1) <= 1200);
  });

  h.test('unit: only absolute http(s) links are accepted', () => {
    assert.equal(w.safeHref('https://example.com/a b'), 'https://example.com/a%20b');
    assert.equal(w.safeHref(' http://example.com '), 'http://example.com/');
    for (const bad of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'data:text/html,x', '/relative', '//evil.example',
      'vbscript:x', 'java\nscript:alert(1)', 'https//x', '', null]) {
      assert.equal(w.safeHref(bad), null, String(bad));
    }
  });

  h.test('unit: Markdown subset becomes elements; HTML and unsafe links stay text', () => {
    assert.equal(md('**bold** and *it* and _it2_ and `co*de*`'),
      '<p><strong>bold</strong> and <em>it</em> and <em>it2</em> and <code>co*de*</code></p>');
    assert.equal(md('[docs](https://example.com/docs) https://example.org/x.'),
      '<p><a href="https://example.com/docs"' + LINK + '>docs</a> <a href="https://example.org/x"' + LINK + '>https://example.org/x</a>.</p>');
    assert.equal(md('[click](javascript:alert(1))'), '<p>[click](javascript:alert(1))</p>');
    assert.equal(md('[click](javascript:alert`1`) [x](JAVASCRIPT:void) [y](/local)'), '<p>click x y</p>');
    assert.ok(!md('[x](data:text/html;base64,PHNjcmlwdD4=)').includes('<a'));
    assert.equal(md('<img src=x onerror=alert(1)> <script>x</script>'),
      '<p>&lt;img src=x onerror=alert(1)&gt; &lt;script&gt;x&lt;/script&gt;</p>');
    assert.equal(md('snake_case_name and 2 * 3 * 4'), '<p>snake_case_name and 2 * 3 * 4</p>');
    assert.equal(md('line one\nline two\n\nnext para'), '<p>line one<br></br>line two</p><p>next para</p>');
    assert.equal(md('- a\n- **b**\n\n3. c\n4. d'),
      '<ul><li>a</li><li><strong>b</strong></li></ul><ol start="3"><li>c</li><li>d</li></ol>');
    assert.equal(md('```js\nif (a < b) { x(); }\n```\nafter'), '<pre><code>if (a &lt; b) { x(); }</code></pre><p>after</p>');
    assert.equal(md('## Title'), '<p><strong>Title</strong></p>');
    assert.equal(md('**unclosed bold'), '<p>**unclosed bold</p>');
    assert.equal(md('\\*not italic\\*'), '<p>*not italic*</p>');
  });

  h.test('unit: widget.js never parses HTML or code from strings; widget.css exposes the theme variables', () => {
    const src = fs.readFileSync(WIDGET, 'utf8');
    for (const banned of ['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'document.write', 'eval(', 'new Function',
      'createContextualFragment', 'DOMParser', 'srcdoc']) {
      assert.ok(!src.includes(banned), 'widget.js must not use ' + banned);
    }
    const css = fs.readFileSync(CSS, 'utf8');
    for (const v of ['--chat-proxy-accent', '--chat-proxy-bg', '--chat-proxy-fg', '--chat-proxy-radius', '--chat-proxy-font']) {
      assert.ok(css.includes('var(' + v), 'widget.css must read ' + v);
    }
  });
};
