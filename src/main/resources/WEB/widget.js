/*
 * chat-proxy widget. Dependency-free; embed with
 *   <script src="https://proxy.example/widget.js" data-proxy-url="https://proxy.example" defer></script>
 * or through chat-loader.js (the same attributes), which loads this file after the host page's load event.
 * Optional attributes: data-title, data-subtitle, data-greeting, data-placeholder, data-css-url, data-open="true".
 * Server text is only ever put into the page through DOM text nodes (a small Markdown subset is built from
 * elements): no HTML from the server is parsed, so it also runs under Trusted Types.
 */
(function () {
  'use strict';

  var VERSION = '1.0.0';

  // ---------------------------------------------------------------------------------------------------------------
  // Pure helpers (exported for node unit tests at the bottom; no DOM needed except renderMarkdown's `doc`).
  // ---------------------------------------------------------------------------------------------------------------

  /**
   * Incremental Server-Sent Events parser (WHATWG rules). push() takes decoded text in any pieces; lines end in
   * \r\n, \n or \r; one optional space after "field:"; data lines are joined with \n; a blank line dispatches;
   * lines starting with ':' are comments (heartbeats). The last event id persists across events, as in
   * EventSource. end() also flushes a last event that lacks its blank line.
   */
  function createSseParser(onEvent) {
    var buf = '';
    var type = '';
    var data = [];
    var hasData = false;
    var lastId = '';

    function dispatch() {
      if (hasData) onEvent({ event: type || 'message', data: data.join('\n'), id: lastId });
      type = '';
      data = [];
      hasData = false;
    }

    function line(text) {
      if (text === '') return dispatch();
      if (text.charAt(0) === ':') return;
      var i = text.indexOf(':');
      var field = i < 0 ? text : text.slice(0, i);
      var value = i < 0 ? '' : text.slice(i + 1);
      if (value.charAt(0) === ' ') value = value.slice(1);
      if (field === 'event') type = value;
      else if (field === 'data') { data.push(value); hasData = true; }
      else if (field === 'id' && value.indexOf('\0') < 0) lastId = value;
    }

    function drain(final) {
      var re = /\r\n|\r|\n/g;
      var start = 0;
      var m;
      while ((m = re.exec(buf)) !== null) {
        // A lone '\r' at the very end may be the first half of a "\r\n" split across pushes.
        if (!final && m[0] === '\r' && m.index === buf.length - 1) break;
        line(buf.slice(start, m.index));
        start = re.lastIndex;
      }
      buf = buf.slice(start);
    }

    return {
      push: function (text) { buf += text; drain(false); },
      end: function () {
        drain(true);
        if (buf !== '') line(buf);
        buf = '';
        dispatch();
      },
      lastEventId: function () { return lastId; }
    };
  }

  /** The sequence number at the end of an event id "<message_id>:<n>", or -1. */
  function eventSeq(id) {
    var m = /:(\d+)$/.exec(id || '');
    return m ? parseInt(m[1], 10) : -1;
  }

  /** Retry-After in whole seconds (delta-seconds or an HTTP date), or null. */
  function parseRetryAfter(value, now) {
    if (value === null || value === undefined || value === '') return null;
    var s = String(value).trim();
    if (/^\d+$/.test(s)) return parseInt(s, 10);
    var t = Date.parse(s);
    if (isNaN(t)) return null;
    return Math.max(0, Math.ceil((t - (now === undefined ? Date.now() : now)) / 1000));
  }

  /** Delay before reconnect attempt n (0-based): 0.5 s doubling to at most 8 s, with +-20 % jitter. */
  function backoffDelay(attempt, random) {
    var base = Math.min(8000, 500 * Math.pow(2, attempt));
    var r = random === undefined ? Math.random() : random;
    return Math.round(base * (0.8 + 0.4 * r));
  }

  /**
   * Wait before trying again a request the proxy refused with 503 and Retry-After: what it asked for, at most 10 s,
   * plus up to 30 % jitter so that visitors refused together do not come back together.
   */
  function busyRetryDelay(retryAfterSeconds, random) {
    var base = Math.min(10, Math.max(1, retryAfterSeconds)) * 1000;
    var r = random === undefined ? Math.random() : random;
    return Math.round(base * (1 + 0.3 * r));
  }

  /** An absolute http(s) URL, normalised, or null for anything else (javascript:, data:, relative...). */
  function safeHref(raw) {
    if (typeof raw !== 'string') return null;
    var s = raw.trim();
    if (!/^https?:\/\//i.test(s)) return null;
    try {
      var u = new URL(s);
      return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
    } catch (e) {
      return null;
    }
  }

  /**
   * Renders a safe Markdown subset into a DocumentFragment built from elements and text nodes only:
   * paragraphs, line breaks, bullet and numbered lists, fenced code blocks, headings (as bold lines),
   * **bold**, *italic* / _italic_, `code`, [links](https://...) and bare http(s) URLs. Links get
   * rel="noopener noreferrer nofollow ugc" and open in a new tab; anything that is not http(s) stays text.
   */
  function renderMarkdown(doc, source) {
    var frag = doc.createDocumentFragment();
    var lines = String(source).replace(/\r\n?/g, '\n').split('\n');
    var para = null;
    var list = null;
    var listKind = '';

    function closeBlocks() { para = null; list = null; listKind = ''; }

    for (var i = 0; i < lines.length; i++) {
      var ln = lines[i];
      var fence = /^\s{0,3}(```+|~~~+)\s*([\w+-]*)\s*$/.exec(ln);
      if (fence) {
        closeBlocks();
        var body = [];
        var j = i + 1;
        while (j < lines.length && lines[j].trim().indexOf(fence[1]) !== 0) body.push(lines[j++]);
        var pre = doc.createElement('pre');
        var code = doc.createElement('code');
        code.appendChild(doc.createTextNode(body.join('\n')));
        pre.appendChild(code);
        frag.appendChild(pre);
        i = j; // skips the closing fence (or runs to the end while the answer is still streaming)
        continue;
      }
      if (/^\s*$/.test(ln)) { closeBlocks(); continue; }
      var heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(ln);
      if (heading) {
        closeBlocks();
        var hp = doc.createElement('p');
        var strong = doc.createElement('strong');
        renderInline(doc, strong, heading[1], 0, false);
        hp.appendChild(strong);
        frag.appendChild(hp);
        continue;
      }
      var item = /^\s{0,3}(?:([-*+])|(\d{1,9})[.)])\s+(.*)$/.exec(ln);
      if (item) {
        var kind = item[1] ? 'ul' : 'ol';
        if (!list || listKind !== kind) {
          list = doc.createElement(kind);
          listKind = kind;
          if (kind === 'ol' && item[2] !== '1') list.setAttribute('start', String(parseInt(item[2], 10)));
          frag.appendChild(list);
        }
        para = null;
        var li = doc.createElement('li');
        renderInline(doc, li, item[3], 0, false);
        list.appendChild(li);
        continue;
      }
      if (list && /^\s{2,}\S/.test(ln) && list.lastChild) {
        // An indented continuation line belongs to the last list item.
        list.lastChild.appendChild(doc.createElement('br'));
        renderInline(doc, list.lastChild, ln.trim(), 0, false);
        continue;
      }
      list = null;
      listKind = '';
      if (!para) {
        para = doc.createElement('p');
        frag.appendChild(para);
      } else {
        para.appendChild(doc.createElement('br'));
      }
      renderInline(doc, para, ln, 0, false);
    }
    return frag;
  }

  var URL_RE = /^https?:\/\/[^\s<>"'`]+/i;

  function isWordChar(c) { return !!c && /[A-Za-z0-9]/.test(c); }

  /** Finds the closing `marker` for an emphasis opened at `from`, or -1. */
  function findClose(text, marker, from) {
    var j = from;
    while ((j = text.indexOf(marker, j)) >= 0) {
      var before = text.charAt(j - 1);
      var after = text.charAt(j + marker.length);
      var okSpace = before !== ' ' && before !== '\t' && before !== '\n';
      // For "*": a "**" is bold, not the end of an italic run.
      var single = marker.length === 1 && (after === marker || text.charAt(j - 1) === marker);
      var wordOk = marker.charAt(0) !== '_' || !isWordChar(after);
      if (j > from && okSpace && !single && wordOk) return j;
      j += marker.length;
    }
    return -1;
  }

  function renderInline(doc, parent, text, depth, inLink) {
    var buf = '';
    function flush() {
      if (buf) { parent.appendChild(doc.createTextNode(buf)); buf = ''; }
    }
    var i = 0;
    while (i < text.length) {
      var c = text.charAt(i);
      var prev = i > 0 ? text.charAt(i - 1) : '';
      if (c === '\\' && i + 1 < text.length && /[\\`*_[\]()#+\-.!~]/.test(text.charAt(i + 1))) {
        buf += text.charAt(i + 1);
        i += 2;
        continue;
      }
      if (c === '`') {
        var run = /^`+/.exec(text.slice(i))[0];
        var endCode = text.indexOf(run, i + run.length);
        if (endCode > i) {
          flush();
          var code = doc.createElement('code');
          code.appendChild(doc.createTextNode(text.slice(i + run.length, endCode).replace(/^ (.+) $/, '$1')));
          parent.appendChild(code);
          i = endCode + run.length;
          continue;
        }
        buf += run;
        i += run.length;
        continue;
      }
      if (depth < 4 && (c === '*' || c === '_')) {
        var dbl = text.charAt(i + 1) === c;
        var marker = dbl ? c + c : c;
        var openOk = text.charAt(i + marker.length) && !/\s/.test(text.charAt(i + marker.length))
          && (c === '*' || !isWordChar(prev));
        if (openOk) {
          var close = findClose(text, marker, i + marker.length);
          if (close > i + marker.length) {
            flush();
            var em = doc.createElement(dbl ? 'strong' : 'em');
            renderInline(doc, em, text.slice(i + marker.length, close), depth + 1, inLink);
            parent.appendChild(em);
            i = close + marker.length;
            continue;
          }
        }
        buf += marker;
        i += marker.length;
        continue;
      }
      if (c === '[' && !inLink) {
        var link = /^\[([^\]\n]{1,500})\]\(\s*<?([^()\s<>]{1,2048})>?(?:\s+"[^"\n]*")?\s*\)/.exec(text.slice(i));
        if (link) {
          flush();
          var href = safeHref(link[2]);
          if (href) {
            var a = anchor(doc, href);
            renderInline(doc, a, link[1], depth + 1, true);
            parent.appendChild(a);
          } else {
            // Not an http(s) link: keep the label as plain text, drop the target.
            renderInline(doc, parent, link[1], depth + 1, true);
          }
          i += link[0].length;
          continue;
        }
      }
      if ((c === 'h' || c === 'H') && !inLink && !isWordChar(prev)) {
        var bare = URL_RE.exec(text.slice(i));
        if (bare) {
          var url = bare[0];
          // Trailing punctuation is part of the sentence, not the URL (keep balanced parentheses).
          while (/[.,;:!?'")\]]$/.test(url)) {
            if (url.charAt(url.length - 1) === ')' && url.split('(').length > url.split(')').length - 1) break;
            url = url.slice(0, -1);
          }
          var bareHref = safeHref(url);
          if (bareHref && url.length > 8) {
            flush();
            var ba = anchor(doc, bareHref);
            ba.appendChild(doc.createTextNode(url));
            parent.appendChild(ba);
            i += url.length;
            continue;
          }
        }
      }
      buf += c;
      i++;
    }
    flush();
  }

  function anchor(doc, href) {
    var a = doc.createElement('a');
    a.setAttribute('href', href);
    a.setAttribute('target', '_blank');
    a.setAttribute('rel', 'noopener noreferrer nofollow ugc');
    return a;
  }

  var helpers = {
    VERSION: VERSION,
    createSseParser: createSseParser,
    eventSeq: eventSeq,
    parseRetryAfter: parseRetryAfter,
    backoffDelay: backoffDelay,
    busyRetryDelay: busyRetryDelay,
    safeHref: safeHref,
    renderMarkdown: renderMarkdown
  };

  // The build sets this false: the minified widget carries no export for node.
  var NODE_EXPORTS = true;
  if (NODE_EXPORTS && (typeof window === 'undefined' || typeof document === 'undefined')) {
    if (typeof module === 'object' && module && module.exports) module.exports = helpers;
    return;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The widget.
  // ---------------------------------------------------------------------------------------------------------------

  if (window.ChatProxyWidget && window.ChatProxyWidget.version) return; // included twice: keep the first

  // Imported by chat-loader.js (as a module: no currentScript), the settings are on the loader's tag.
  var script = document.currentScript
    || document.querySelector('script[data-proxy-url][src*="widget.js"]')
    || document.querySelector('script[src*="widget.js"]')
    || document.querySelector('script[src*="chat-loader.js"]');
  if (!script) return;

  function attr(name, fallback) {
    var v = script.getAttribute(name);
    return v === null || v === '' ? fallback : v;
  }

  var scriptSrc = script.src || location.href;
  var proxyUrl;
  try {
    proxyUrl = new URL(attr('data-proxy-url', new URL(scriptSrc).origin), location.href).href.replace(/\/+$/, '');
  } catch (e) {
    proxyUrl = null;
  }
  if (!proxyUrl || !/^https?:\/\//i.test(proxyUrl)) {
    if (window.console) console.error('chat-proxy widget: data-proxy-url must be an http(s) URL');
    return;
  }
  var API = proxyUrl + '/api/v1';
  // The build puts the content-hashed names here (src/build/java/WidgetBuild.java): both files may then be cached
  // for a year. Relative to this script, or to the proxy when it is inline.
  var CSS_FILE = 'widget.css';
  var LANG_FILE = 'lang/{lang}.json';
  function assetUrl(file) { return new URL(file, script.src || proxyUrl + '/').href; }
  var cssUrl = attr('data-css-url', null);
  try {
    cssUrl = cssUrl ? new URL(cssUrl, script.src || location.href).href : assetUrl(CSS_FILE);
  } catch (e) {
    cssUrl = proxyUrl + '/' + CSS_FILE;
  }

  /*
   * Every visible and announced text. English is built in; German, French and Spanish come in a small language pack
   * (lang/<code>.json) fetched only by pages in that language. The language is data-lang, else the host page's lang;
   * data-strings (JSON, same keys) overrides any text, e.g. for another language; data-title, data-subtitle,
   * data-greeting and data-placeholder win over both. {s}, {n}, {t}, {r}: filled in when used.
   */
  var ENGLISH = {
    title: 'Chat', subtitle: 'Ask us anything', greeting: '', placeholder: 'Write a message…',
    open: 'Open chat', close: 'Close chat', hide: 'Hide chat', restart: 'Start a new conversation',
    send: 'Send message', input: 'Your message', conversation: 'Conversation', you: 'You', assistant: 'Assistant',
    typing: 'Assistant is typing…', connecting: 'Connecting…',
    refused: 'This site is not allowed to use this chat.',
    unreachable: 'The chat service can’t be reached right now. Check your connection and try again.',
    notSent: 'Not sent',
    sendFailed: 'Your message couldn’t be sent. Check your connection and try again.',
    reconnecting: 'Connection lost. Reconnecting…',
    lost: 'The connection was lost before the answer was complete.',
    partial: 'Incomplete answer', failedAnswer: 'This answer failed',
    stillWriting: 'The assistant was still writing this answer',
    empty: 'The assistant returned an empty answer.',
    expired: 'Your chat session had expired, so a new one was started.',
    restarted: 'New conversation started.', canSendAgain: 'You can send messages again.', retry: 'Try again',
    unavailable: 'The assistant is unavailable right now. Please try again in a moment.',
    busy: 'The chat is busy. Trying again in {s} s…',
    serverError: 'Something went wrong. Please try again.',
    requestFailed: 'Request failed (HTTP {s}).',
    limitOrigin: 'This chat is getting a lot of messages right now.',
    limitCreate: 'Too many chat sessions were started from this network.',
    limitSession: 'You’re sending messages too quickly.',
    limitWait: 'Please wait {t} before trying again.', sendAgainIn: 'You can send again in {t}',
    second: '1 second', seconds: '{n} seconds', minutes: 'about {n} minutes', hours: 'about {n} hours',
    finishedEarly: 'Finished early ({r})',
    upstreamTimeout: 'The assistant took too long to answer. Please try again.',
    serverShutdown: 'The chat server is restarting. Please try again in a moment.',
    tooLong: 'The answer was too long and was cut off.',
    interrupted: 'The answer was interrupted. Please try again.',
    answerError: 'Something went wrong while answering. Please try again.',
    endedEarly: 'The answer ended early.', answerFailed: 'The answer failed.'
  };
  var PACKS = /^(de|fr|es)$/;
  var RTL_LANGS = /^(ar|he|iw|fa|ur|yi|ps|ckb|dv|sd|ug)$/;
  var LANG = String(attr('data-lang', document.documentElement.lang || 'en')).trim() || 'en';
  var LANG_BASE = LANG.toLowerCase().split(/[-_]/)[0];

  function strings(pack) {
    var out = {};
    var k;
    for (k in ENGLISH) out[k] = ENGLISH[k];
    var custom = null;
    try { custom = JSON.parse(attr('data-strings', '{}')); } catch (e) {
      if (window.console) console.warn('chat-proxy widget: data-strings is not JSON');
    }
    [pack, custom].forEach(function (own) {
      if (!own || typeof own !== 'object') return;
      for (k in own) if (Object.prototype.hasOwnProperty.call(out, k) && typeof own[k] === 'string') out[k] = own[k];
    });
    out.title = attr('data-title', out.title);
    out.subtitle = attr('data-subtitle', out.subtitle);
    out.greeting = attr('data-greeting', out.greeting);
    out.placeholder = attr('data-placeholder', out.placeholder);
    return out;
  }

  function fill(template, values) {
    return String(template).replace(/\{(\w)\}/g, function (m, k) { return values[k] !== undefined ? String(values[k]) : m; });
  }

  /** The language pack of the page's language; {} for English, or when it cannot be had (English then). */
  function loadPack() {
    if (!PACKS.test(LANG_BASE)) return Promise.resolve({});
    return fetch(assetUrl(LANG_FILE.replace('{lang}', LANG_BASE)), { credentials: 'omit' })
      .then(function (res) { return res.ok ? res.json() : {}; })
      .then(null, function () { return {}; });
  }

  var TEXT = strings({});
  var packLoaded = loadPack();
  var STORE_OPEN = 'chat-proxy-widget:open';
  var STORE_SESSION = 'chat-proxy-widget:session:' + proxyUrl;
  var MAX_RESUME_ATTEMPTS = 5;
  var BUSY_TRIES = 3;
  // A refused chat message may be sent again only when the proxy refused it before storing or forwarding it.
  var BUSY_CODES = ['server_busy', 'server_draining'];
  var OK_STATUS = /^(complete|completed|done|ok|stop)$/i;

  // ----- DOM construction (elements and text nodes only) -----

  function el(tag, className, text) {
    var e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  var SVG_NS = 'http://www.w3.org/2000/svg';
  function icon(paths, className) {
    var svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('width', '24'); // a sane size even if the stylesheet could not be loaded
    svg.setAttribute('height', '24');
    if (className) svg.setAttribute('class', className);
    for (var i = 0; i < paths.length; i++) {
      var p = document.createElementNS(SVG_NS, 'path');
      p.setAttribute('d', paths[i]);
      svg.appendChild(p);
    }
    return svg;
  }
  var ICON_CHAT = ['M4 5.5A2.5 2.5 0 0 1 6.5 3h11A2.5 2.5 0 0 1 20 5.5v8a2.5 2.5 0 0 1-2.5 2.5H10l-4.2 3.6A.5.5 0 0 1 5 19.2V16h-.5A.5.5 0 0 1 4 15.5z'];
  var ICON_CLOSE = ['M6 6l12 12', 'M18 6L6 18'];
  var ICON_SEND = ['M4.5 12h13', 'M12.5 6l6 6-6 6'];
  var ICON_RESTART = ['M4 12a8 8 0 1 0 2.4-5.7', 'M4 4v4.5h4.5'];

  var host = document.createElement('chat-proxy-widget');
  host.setAttribute('data-chat-proxy', VERSION);
  var shadow = host.attachShadow ? host.attachShadow({ mode: 'open' }) : host;

  var link = el('link');
  link.rel = 'stylesheet';
  link.href = cssUrl;

  var rootEl = el('div', 'cp-root');
  rootEl.lang = LANG;
  rootEl.dir = RTL_LANGS.test(LANG_BASE) ? 'rtl' : 'ltr';
  rootEl.hidden = true; // shown once the stylesheet arrived (or failed), so nothing flashes unstyled

  var launcher = el('button', 'cp-launcher');
  launcher.type = 'button';
  launcher.setAttribute('aria-expanded', 'false');
  launcher.setAttribute('aria-controls', 'cp-panel');
  launcher.setAttribute('aria-haspopup', 'dialog');
  launcher.appendChild(icon(ICON_CHAT, 'cp-icon cp-icon--chat'));
  launcher.appendChild(icon(ICON_CLOSE, 'cp-icon cp-icon--close'));

  var panel = el('section', 'cp-panel');
  panel.id = 'cp-panel';
  panel.setAttribute('role', 'dialog');
  panel.setAttribute('aria-modal', 'false');
  panel.hidden = true;

  var header = el('header', 'cp-header');
  var avatar = el('div', 'cp-avatar');
  avatar.appendChild(icon(ICON_CHAT, 'cp-icon'));
  var heading = el('div', 'cp-heading');
  var titleEl = el('h2', 'cp-title');
  var subtitleEl = el('p', 'cp-subtitle');
  heading.appendChild(titleEl);
  heading.appendChild(subtitleEl);
  var restartBtn = el('button', 'cp-icon-btn cp-restart');
  restartBtn.type = 'button';
  restartBtn.appendChild(icon(ICON_RESTART, 'cp-icon'));
  var closeBtn = el('button', 'cp-icon-btn cp-close');
  closeBtn.type = 'button';
  closeBtn.appendChild(icon(ICON_CLOSE, 'cp-icon'));
  header.appendChild(avatar);
  header.appendChild(heading);
  header.appendChild(restartBtn);
  header.appendChild(closeBtn);

  var log = el('div', 'cp-log');
  log.setAttribute('role', 'log');
  log.setAttribute('aria-live', 'polite');
  log.tabIndex = 0;

  var statusEl = el('p', 'cp-sr-only cp-status');
  statusEl.setAttribute('role', 'status');
  statusEl.setAttribute('aria-live', 'polite');

  // A streamed answer is announced here, one finished sentence at a time, each as an addition; the bubble being
  // written is taken out of the log's live region (aria-live="off") so its re-renders are not read out again.
  var announcer = el('div', 'cp-sr-only cp-announcer');
  announcer.setAttribute('aria-live', 'polite');
  announcer.setAttribute('aria-relevant', 'additions');

  var form = el('form', 'cp-composer');
  form.noValidate = true;
  var label = el('label', 'cp-sr-only');
  label.htmlFor = 'cp-input';
  var input = el('textarea', 'cp-input');
  input.id = 'cp-input';
  input.rows = 1;
  input.maxLength = 4000;
  input.setAttribute('enterkeyhint', 'send');
  input.setAttribute('autocomplete', 'off');
  var sendBtn = el('button', 'cp-send');
  sendBtn.type = 'submit';
  sendBtn.appendChild(icon(ICON_SEND, 'cp-icon'));
  var sendCount = el('span', 'cp-send__count');
  sendCount.setAttribute('aria-hidden', 'true');
  sendBtn.appendChild(sendCount);
  form.appendChild(label);
  form.appendChild(input);
  form.appendChild(sendBtn);

  panel.appendChild(header);
  panel.appendChild(log);
  panel.appendChild(statusEl);
  panel.appendChild(announcer);
  panel.appendChild(form);
  rootEl.appendChild(panel);
  rootEl.appendChild(launcher);
  shadow.appendChild(link);
  shadow.appendChild(rootEl);

  function named(button, text) {
    button.setAttribute('aria-label', text);
    button.title = text;
  }

  /** The texts of the fixed parts, once the language pack is in. */
  function applyText() {
    launcher.setAttribute('aria-label', TEXT.open);
    panel.setAttribute('aria-label', TEXT.title);
    titleEl.textContent = TEXT.title;
    subtitleEl.textContent = TEXT.subtitle;
    named(restartBtn, TEXT.restart);
    named(closeBtn, TEXT.close);
    named(sendBtn, TEXT.send);
    log.setAttribute('aria-label', TEXT.conversation);
    label.textContent = TEXT.input;
    input.placeholder = TEXT.placeholder;
  }

  var shown = false;
  function reveal() {
    if (shown) return;
    shown = true;
    rootEl.hidden = false;
  }
  link.addEventListener('load', reveal);
  link.addEventListener('error', reveal);
  setTimeout(reveal, 5000);

  // ----- state -----

  var state = {
    sessionId: null,
    ready: null,          // Promise of the session + history load, once started
    refused: false,
    busy: false,
    blockedUntil: 0,      // rate limit: no sending before this time (ms)
    blockTimer: null,
    controller: null,     // AbortController of the running exchange
    generation: 0         // bumped on "new conversation" so late callbacks of an old one do nothing
  };

  // ----- small UI helpers -----

  function nearBottom() { return log.scrollHeight - log.scrollTop - log.clientHeight < 48; }
  function scrollDown(force) { if (force || nearBottom()) log.scrollTop = log.scrollHeight; }

  function setStatus(text) { statusEl.textContent = text || ''; }
  function setSubtitle(text) { subtitleEl.textContent = text || TEXT.subtitle; }

  function addMessage(role, text, opts) {
    opts = opts || {};
    var stick = nearBottom();
    var who = role === 'user' ? 'user' : 'assistant';
    var m = el('div', 'cp-msg cp-msg--' + who);
    m.appendChild(el('span', 'cp-sr-only', (who === 'user' ? TEXT.you : TEXT.assistant) + ': '));
    var bubble = el('div', 'cp-bubble');
    m.appendChild(bubble);
    setBubbleText(bubble, who, text || '');
    if (opts.meta) setMeta(m, opts.meta, opts.metaKind);
    if (opts.before) log.insertBefore(m, opts.before); else log.appendChild(m);
    scrollDown(stick || who === 'user');
    return m;
  }

  function bubbleOf(m) { return m.querySelector('.cp-bubble'); }

  function setBubbleText(bubble, who, text) {
    while (bubble.firstChild) bubble.removeChild(bubble.firstChild);
    if (who === 'user') {
      bubble.appendChild(document.createTextNode(text));
    } else {
      bubble.appendChild(renderMarkdown(document, text));
    }
  }

  function setMeta(m, text, kind) {
    var meta = m.querySelector('.cp-meta');
    if (!meta) {
      meta = el('div', 'cp-meta');
      m.appendChild(meta);
    }
    meta.className = 'cp-meta' + (kind ? ' cp-meta--' + kind : '');
    meta.textContent = text;
    return meta;
  }

  function addNote(text, kind, action) {
    var stick = nearBottom();
    var n = el('div', 'cp-note' + (kind ? ' cp-note--' + kind : ''));
    if (kind === 'error' || kind === 'refused') n.setAttribute('role', 'alert');
    n.appendChild(el('span', 'cp-note__text', text));
    if (action) {
      var b = el('button', 'cp-note__action', action.label);
      b.type = 'button';
      b.addEventListener('click', function () {
        if (n.parentNode) n.parentNode.removeChild(n);
        action.run();
      });
      n.appendChild(b);
    }
    log.appendChild(n);
    scrollDown(stick || kind === 'error' || kind === 'refused' || kind === 'limit');
    return n;
  }

  function addTyping() {
    var t = el('div', 'cp-msg cp-msg--assistant cp-typing');
    var b = el('div', 'cp-bubble');
    b.setAttribute('aria-hidden', 'true');
    b.appendChild(el('span', 'cp-dot'));
    b.appendChild(el('span', 'cp-dot'));
    b.appendChild(el('span', 'cp-dot'));
    t.appendChild(b);
    log.appendChild(t);
    scrollDown(true);
    setStatus(TEXT.typing);
    setSubtitle(TEXT.typing);
    return t;
  }

  function remove(node) { if (node && node.parentNode) node.parentNode.removeChild(node); }

  function clearLog() {
    while (log.firstChild) log.removeChild(log.firstChild);
    if (TEXT.greeting) addMessage('assistant', TEXT.greeting).classList.add('cp-greeting');
  }

  function updateComposer() {
    var limited = state.blockedUntil > Date.now();
    sendBtn.disabled = state.busy || state.refused || limited;
    input.disabled = state.refused;
    restartBtn.disabled = state.busy || state.refused;
  }

  function autoGrow() {
    // CSSOM writes are allowed under a strict style-src CSP (no inline style attribute is parsed).
    input.style.height = 'auto';
    input.style.height = Math.min(input.scrollHeight, 132) + 'px';
  }

  // ----- HTTP -----

  function ApiError(status, code, message, res, body) {
    var e = new Error(message);
    e.name = 'ApiError';
    e.status = status;
    e.code = code;
    e.response = res;
    e.body = body;
    return e;
  }

  function NetworkError(cause) {
    var e = new Error((cause && cause.message) || 'network error');
    e.name = 'NetworkError';
    e.network = true;
    e.cause = cause;
    return e;
  }

  function doFetch(path, init) {
    init = init || {};
    init.credentials = 'include';
    init.cache = 'no-store';
    return fetch(API + path, init).catch(function (e) {
      if (e && e.name === 'AbortError') throw e;
      throw NetworkError(e);
    });
  }

  function sleep(ms, signal) {
    return new Promise(function (resolve, reject) {
      var t = setTimeout(resolve, ms);
      if (signal) {
        signal.addEventListener('abort', function () {
          clearTimeout(t);
          var e = new Error('aborted');
          e.name = 'AbortError';
          reject(e);
        });
      }
    });
  }

  /**
   * doFetch, tried again (at most BUSY_TRIES in all) while the proxy answers 503 with Retry-After, showing that it
   * waits. `codes`: only these error codes are tried again (any when absent).
   */
  function fetchRetryingBusy(path, init, codes) {
    var attempt = 1;
    var before = null;
    function go() {
      return doFetch(path, init).then(function (res) {
        if (res.status !== 503 || attempt >= BUSY_TRIES) return res;
        var after = parseRetryAfter(res.headers.get('Retry-After'));
        if (after === null) return res;
        return res.clone().json().then(null, function () { return null; }).then(function (body) {
          var code = body && body.error && body.error.code;
          if (codes && codes.indexOf(code) < 0) return res;
          var delay = busyRetryDelay(after);
          attempt++;
          if (before === null) before = subtitleEl.textContent;
          var text = fill(TEXT.busy, { s: Math.ceil(delay / 1000) });
          setSubtitle(text);
          setStatus(text);
          return sleep(delay, init.signal).then(go);
        });
      });
    }
    function restore() {
      if (before === null) return;
      setStatus('');
      setSubtitle(before === TEXT.subtitle ? '' : before);
    }
    return go().then(function (res) { restore(); return res; }, function (e) { restore(); throw e; });
  }

  function toError(res) {
    return res.text().catch(function () { return ''; }).then(function (text) {
      var body = null;
      try { body = JSON.parse(text); } catch (e) { /* not JSON */ }
      var err = (body && body.error) || {};
      var code = typeof err.code === 'string' ? err.code : 'http_' + res.status;
      var message = typeof err.message === 'string' && err.message ? err.message : fill(TEXT.requestFailed, { s: res.status });
      return ApiError(res.status, code, message, res, body);
    });
  }

  function api(method, path, body) {
    var init = { method: method, headers: { Accept: 'application/json' } };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    var send = method === 'DELETE' ? doFetch(path, init) : fetchRetryingBusy(path, init);
    return send.then(function (res) {
      if (!res.ok) return toError(res).then(function (e) { throw e; });
      return res.status === 204 ? null : res.json();
    });
  }

  /**
   * A browser hides the answer of a CORS-refused request, so "origin not allowed" looks like a network error.
   * A no-cors request to the proxy resolves whenever the proxy answers at all: then it is reachable and the
   * refusal is the reason.
   */
  function proxyReachable() {
    return fetch(proxyUrl + '/health', { mode: 'no-cors', credentials: 'omit', cache: 'no-store' })
      .then(function () { return true; }, function () { return false; });
  }

  function isRefusal(e) {
    return !!e && e.status === 403 && /^(origin_not_allowed|origin_mismatch|cors_refused)$/.test(e.code || '');
  }

  // ----- session -----

  /*
   * What this page knows of the session cookie (HttpOnly, so not readable): its lifetime and the latest time it
   * can still be valid. The proxy renews a session on use to at most "now + lifetime", so the last successful
   * request + lifetime bounds it from above. Without a record, or past that bound, there is no session to
   * validate: the widget creates one straight away instead of drawing a 401 (a red line in the host page's
   * console). undefined: storage is blocked, validate as before.
   */
  function sessionRecord() {
    try {
      var r = JSON.parse(window.localStorage.getItem(STORE_SESSION) || 'null');
      return r && typeof r.until === 'number' && typeof r.ttl === 'number' ? r : null;
    } catch (e) {
      return undefined;
    }
  }

  function writeSessionRecord(r) {
    try {
      if (r) window.localStorage.setItem(STORE_SESSION, JSON.stringify(r));
      else window.localStorage.removeItem(STORE_SESSION);
    } catch (e) { /* storage may be blocked */ }
  }

  /** After a request the session passed: it may have been renewed to now + lifetime. */
  function sessionUsed() {
    var r = sessionRecord();
    if (r) writeSessionRecord({ ttl: r.ttl, until: Math.max(r.until, Date.now() + r.ttl) });
  }

  var CLOCK_MARGIN_MS = 120000;

  function createSession() {
    state.sessionId = null;
    writeSessionRecord(null);
    return api('POST', '/session/create', { origin_domain: location.hostname, page_url: location.href })
      .then(function (s) {
        state.sessionId = s.session_id;
        var ttl = Date.parse(s.expires_at) - Date.now();
        if (ttl > 0) writeSessionRecord({ ttl: ttl + CLOCK_MARGIN_MS, until: Date.now() + ttl + CLOCK_MARGIN_MS });
        return s;
      });
  }

  /** Resolves to true when an existing session was found, false when a new one was created. */
  function ensureSession() {
    if (state.sessionId) return Promise.resolve(true);
    var known = sessionRecord();
    if (known === null || (known && known.until < Date.now())) {
      return createSession().then(function () { return false; });
    }
    return api('GET', '/session/validate').then(function (v) {
      if (v && v.valid && v.session_id) { state.sessionId = v.session_id; sessionUsed(); return true; }
      return createSession().then(function () { return false; });
    }, function (e) {
      // 401: no (valid) session yet. A network-level failure may be a CORS refusal of this origin, which only
      // the session create can tell (its failure is examined by connect()).
      if (e.status !== 401 && !e.network) throw e;
      return createSession().then(function () { return false; });
    });
  }

  function loadHistory() {
    return api('GET', '/chat/history/' + encodeURIComponent(state.sessionId)).then(function (h) {
      sessionUsed();
      clearLog();
      var msgs = (h && h.messages) || [];
      var follow = null;
      for (var i = 0; i < msgs.length; i++) {
        var m = msgs[i];
        if (!m || typeof m.content !== 'string') continue;
        var meta = null;
        var kind = null;
        if (m.role !== 'user' && m.status && !OK_STATUS.test(m.status)) {
          if (m.status === 'partial') { meta = TEXT.partial; kind = 'warn'; }
          else if (m.status === 'error') { meta = TEXT.failedAnswer; kind = 'error'; }
          else if (m.status === 'streaming') { meta = TEXT.stillWriting; kind = 'warn'; }
        }
        if (m.role !== 'user' && !m.content && !meta) continue;
        var node = addMessage(m.role === 'user' ? 'user' : 'assistant', m.content, { meta: meta, metaKind: kind });
        if (m.role !== 'user' && m.status === 'streaming' && i === msgs.length - 1 && typeof m.id === 'string') {
          follow = { id: m.id, node: node };
        }
      }
      scrollDown(true);
      if (follow) setTimeout(function () { followAnswer(follow.id, follow.node); }, 0);
      return msgs.length;
    }, function (e) {
      if (e.status === 404) { clearLog(); return 0; }
      throw e;
    });
  }

  function showRefused() {
    state.refused = true;
    clearLog();
    addNote(TEXT.refused, 'refused');
    setStatus(TEXT.refused);
    setSubtitle(TEXT.refused);
    updateComposer();
  }

  var connectAttempt = 0;
  var connectTimer = null;

  /** Validates or creates the session and shows the history; retries with backoff while the proxy is unreachable. */
  function connect() {
    if (state.ready) return state.ready;
    clearTimeout(connectTimer);
    setSubtitle(TEXT.connecting);
    log.setAttribute('aria-busy', 'true');
    var gen = state.generation;
    state.ready = ensureSession().then(function (existing) {
      return existing ? loadHistory() : (clearLog(), 0);
    }).then(function () {
      connectAttempt = 0;
      setSubtitle('');
      log.removeAttribute('aria-busy');
      return true;
    }, function (e) {
      log.removeAttribute('aria-busy');
      state.ready = null;
      if (gen !== state.generation) return false;
      if (isRefusal(e)) { showRefused(); return false; }
      if (e.network) {
        return proxyReachable().then(function (reachable) {
          if (reachable) { showRefused(); return false; }
          setSubtitle(TEXT.unreachable);
          addNote(TEXT.unreachable, 'error', { label: TEXT.retry, run: function () { connectAttempt = 0; connect(); } });
          scheduleReconnect();
          return false;
        });
      }
      if (e.status === 429) { showRateLimit(e); return false; }
      setSubtitle('');
      addNote(friendly(e), 'error', { label: TEXT.retry, run: connect });
      return false;
    });
    return state.ready;
  }

  function scheduleReconnect() {
    if (connectAttempt >= 6) return;
    var delay = backoffDelay(connectAttempt++ + 2);
    clearTimeout(connectTimer);
    connectTimer = setTimeout(function () {
      if (!state.ready && !state.refused && isOpen()) {
        var notes = log.querySelectorAll('.cp-note--error');
        for (var i = 0; i < notes.length; i++) remove(notes[i]);
        connect();
      }
    }, delay);
  }

  window.addEventListener('online', function () {
    if (!state.ready && !state.refused && isOpen()) { connectAttempt = 0; connect(); }
  });

  function friendly(e) {
    if (!e) return TEXT.unavailable;
    if (e.network) return TEXT.sendFailed;
    if (e.status === 502 || e.status === 503 || e.status === 504) return TEXT.unavailable;
    if (e.status === 500) return TEXT.serverError;
    return e.message || TEXT.unavailable;
  }

  // ----- rate limits -----

  function showRateLimit(e) {
    // The proxy's 429 names the limit and its reset in the body (its RateLimit header says the same).
    var res = e.response;
    var after = res ? parseRetryAfter(res.headers.get('Retry-After')) : null;
    var details = (e.body && e.body.error) || {};
    if (after === null && typeof details.retry_after === 'number') after = details.retry_after;
    if (after === null) after = 60;
    var scope = details.scope || '';
    var lead = /^origin/.test(scope) ? TEXT.limitOrigin : /^create/.test(scope) ? TEXT.limitCreate : TEXT.limitSession;
    var note = addNote(lead + ' ' + fill(TEXT.limitWait, { t: duration(after) }), 'limit');
    note.setAttribute('role', 'alert');
    state.blockedUntil = Date.now() + after * 1000;
    updateComposer();
    tickRateLimit();
    return note;
  }

  function duration(s) {
    if (s < 90) return s === 1 ? TEXT.second : fill(TEXT.seconds, { n: s });
    var m = Math.ceil(s / 60);
    return m < 90 ? fill(TEXT.minutes, { n: m }) : fill(TEXT.hours, { n: Math.ceil(m / 60) });
  }

  function tickRateLimit() {
    clearTimeout(state.blockTimer);
    var left = Math.ceil((state.blockedUntil - Date.now()) / 1000);
    if (left > 0) {
      // The countdown is shown on the button and in the placeholder, outside the live regions (which would
      // read it out every second).
      input.placeholder = fill(TEXT.sendAgainIn, { t: duration(left) });
      sendBtn.title = input.placeholder;
      sendBtn.setAttribute('aria-label', TEXT.send + ' (' + input.placeholder.toLowerCase() + ')');
      sendCount.textContent = left > 99 ? Math.ceil(left / 60) + 'm' : String(left);
      sendBtn.classList.add('cp-send--countdown');
      state.blockTimer = setTimeout(tickRateLimit, Math.min(1000, left * 1000));
      return;
    }
    state.blockedUntil = 0;
    input.placeholder = TEXT.placeholder;
    named(sendBtn, TEXT.send);
    sendBtn.classList.remove('cp-send--countdown');
    sendCount.textContent = '';
    updateComposer();
    var notes = log.querySelectorAll('.cp-note--limit');
    if (notes.length) {
      var last = notes[notes.length - 1];
      last.className = 'cp-note cp-note--info';
      last.setAttribute('role', 'status');
      last.firstChild.textContent = TEXT.canSendAgain;
    }
  }

  // ----- sending and streaming -----

  function openStream(text, signal) {
    return fetchRetryingBusy('/chat/stream', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
      body: JSON.stringify({ message: text, page_url: location.href }),
      signal: signal
    }, BUSY_CODES).then(function (res) {
      var sse = /text\/event-stream/i.test(res.headers.get('content-type') || '');
      if (!res.ok || !sse || !res.body) return toError(res).then(function (e) { throw e; });
      sessionUsed();
      return res;
    });
  }

  /**
   * One answer being received. Chunks whose event id is not newer than the last one seen are skipped, so a
   * resumed stream that replays from Last-Event-ID never duplicates text.
   */
  function Exchange(typing, gen) {
    this.typing = typing;
    this.gen = gen;
    this.messageId = null;
    this.lastEventId = '';
    this.lastSeq = -1;
    this.answer = '';
    this.node = null;
    this.done = false;
    this.finish = null;
    this.error = null;
    this.renderTimer = null;
    this.announced = 0;  // characters of the rendered answer already given to the announcer
  }

  var SENTENCE_END = /[.!?…。！？](?=\s)|\n\s*\n|\n(?=\s*(?:[-*+]|\d+[.)])\s)/g;

  /** Gives the announcer the answer's finished sentences not given yet (all the rest when `all`). */
  Exchange.prototype.announce = function (all) {
    if (!this.node) return;
    var b = bubbleOf(this.node);
    var text = typeof b.innerText === 'string' ? b.innerText : b.textContent;
    var end = text.length;
    if (!all) {
      end = -1;
      var m;
      SENTENCE_END.lastIndex = this.announced;
      while ((m = SENTENCE_END.exec(text)) !== null) end = m.index + m[0].length;
    }
    if (end <= this.announced) return;
    var piece = text.slice(this.announced, end).replace(/\s+/g, ' ').trim();
    this.announced = end;
    if (piece) announcer.appendChild(el('p', null, piece));
  };

  Exchange.prototype.bubble = function () {
    if (!this.node) {
      remove(this.typing);
      this.typing = null;
      this.node = addMessage('assistant', '');
      this.node.classList.add('cp-msg--streaming');
      this.node.setAttribute('aria-live', 'off');
      setSubtitle('');
    }
    return this.node;
  };

  Exchange.prototype.render = function () {
    clearTimeout(this.renderTimer);
    this.renderTimer = null;
    if (this.gen !== state.generation) return;
    var stick = nearBottom();
    setBubbleText(bubbleOf(this.bubble()), 'assistant', this.answer);
    scrollDown(stick);
    this.announce(false);
  };

  Exchange.prototype.scheduleRender = function () {
    var self = this;
    // Coalesces bursts of tiny chunks into one DOM update (re-rendering Markdown is linear in the answer).
    if (!this.renderTimer) this.renderTimer = setTimeout(function () { self.render(); }, 16);
  };

  Exchange.prototype.onEvent = function (ev) {
    var d = {};
    try { d = JSON.parse(ev.data); } catch (e) { /* keep {} */ }
    if (!d || typeof d !== 'object') d = {};
    if (ev.event === 'start') {
      if (!this.messageId && typeof d.message_id === 'string') this.messageId = d.message_id;
    } else if (ev.event === 'chunk') {
      if (d.replace === true && typeof d.content === 'string') {
        // A replayed answer whose chunks are gone: its whole text, replacing what is shown.
        this.answer = d.content;
        this.lastSeq = Number.MAX_SAFE_INTEGER;
        this.scheduleRender();
        return;
      }
      var seq = eventSeq(ev.id);
      if (seq >= 0 && seq <= this.lastSeq) return;
      if (seq >= 0) {
        this.lastSeq = seq;
        this.lastEventId = ev.id;
      }
      if (typeof d.content === 'string' && d.content) {
        this.answer += d.content;
        this.scheduleRender();
      }
    } else if (ev.event === 'end') {
      this.done = true;
      this.finish = d.finish_reason || 'stop';
    } else if (ev.event === 'error') {
      this.done = true;
      this.error = d;
    }
  };

  /** Reads one SSE response to its end. Rejects on a network failure; resolves when the body ends. */
  Exchange.prototype.read = function (res) {
    var self = this;
    var parser = createSseParser(function (ev) { self.onEvent(ev); });
    var reader = res.body.getReader();
    var decoder = new TextDecoder('utf-8');
    function pump() {
      return reader.read().then(function (r) {
        if (r.done) {
          parser.push(decoder.decode());
          parser.end();
          return;
        }
        parser.push(decoder.decode(r.value, { stream: true }));
        if (self.done) {
          // The answer is complete; anything after "end" is not ours to wait for.
          reader.cancel().catch(function () {});
          parser.end();
          return;
        }
        return pump();
      });
    }
    return pump();
  };

  /** After a drop: GET /chat/stream/{message_id} with Last-Event-ID, with backoff. False when it cannot resume. */
  Exchange.prototype.resume = function (signal, opts) {
    var self = this;
    var attempt = 0;
    var immediate = !!(opts && opts.immediate);
    var label = (opts && opts.label) || TEXT.reconnecting;
    setStatus(label);
    setSubtitle(label);
    if (this.node && !(opts && opts.quiet)) setMeta(this.node, label, 'warn');
    function next() {
      if (self.done) return Promise.resolve(true);
      if (!self.messageId || attempt >= MAX_RESUME_ATTEMPTS || self.gen !== state.generation) {
        return Promise.resolve(false);
      }
      var delay = immediate ? 0 : backoffDelay(attempt);
      immediate = false;
      attempt++;
      return waitOnline(delay, signal).then(function () {
        var headers = { Accept: 'text/event-stream' };
        if (self.lastEventId) headers['Last-Event-ID'] = self.lastEventId;
        return doFetch('/chat/stream/' + encodeURIComponent(self.messageId), { method: 'GET', headers: headers, signal: signal });
      }).then(function (res) {
        var sse = /text\/event-stream/i.test(res.headers.get('content-type') || '');
        if (res.ok && sse && res.body) {
          var before = self.lastSeq;
          return self.read(res).then(null, function (e) {
            if (e && e.name === 'AbortError') throw e;
          }).then(function () {
            if (self.lastSeq > before) attempt = 0; // progress: start the backoff over
            return next();
          });
        }
        // 404/405/501: no resume endpoint (or the answer is gone); others that won't change by retrying.
        if (/^(40[1345]|410|501)$/.test(res.status) || (res.ok && !sse)) {
          return false;
        }
        return next();
      }, function (e) {
        if (e && e.name === 'AbortError') throw e;
        return next(); // still offline
      });
    }
    return next();
  };

  function waitOnline(delay, signal) {
    return new Promise(function (resolve, reject) {
      var t;
      function done() {
        clearTimeout(t);
        window.removeEventListener('online', onlineNow);
        if (signal) signal.removeEventListener('abort', aborted);
        resolve();
      }
      function onlineNow() { setTimeout(done, 250); }
      function aborted() {
        clearTimeout(t);
        window.removeEventListener('online', onlineNow);
        var e = new Error('aborted');
        e.name = 'AbortError';
        reject(e);
      }
      if (signal) {
        if (signal.aborted) return aborted();
        signal.addEventListener('abort', aborted);
      }
      // While the browser says it is offline, wait for "online" (at most 30 s) instead of the backoff delay.
      t = setTimeout(done, navigator.onLine === false ? 30000 : delay);
      if (navigator.onLine === false) window.addEventListener('online', onlineNow);
    });
  }

  function finishExchange(x, resumed) {
    clearTimeout(x.renderTimer);
    if (x.gen !== state.generation) return;
    if (x.fromHistory && !x.done && x.lastSeq < 0) {
      // After a reload: the answer could not be followed (no resume endpoint); leave it as the history shows it.
      remove(x.typing);
      var shown = x.node || addMessage('assistant', '');
      shown.classList.remove('cp-msg--streaming');
      setMeta(shown, TEXT.stillWriting, 'warn');
      return;
    }
    remove(x.typing);
    if (x.answer) x.render();
    var node = x.node;
    if (node) {
      // It stays out of the log's live region: the announcer has read it, and a last re-render must not repeat it.
      x.announce(true);
      node.classList.remove('cp-msg--streaming');
      var meta = node.querySelector('.cp-meta');
      if (meta) remove(meta);
    }
    if (x.error) {
      if (node) setMeta(node, TEXT.partial, 'warn');
      addNote(streamErrorText(x.error), 'error');
    } else if (!x.done) {
      if (node) setMeta(node, TEXT.partial, 'warn');
      addNote(TEXT.lost, 'error');
    } else if (!x.answer) {
      addNote(TEXT.empty, 'info');
    } else if (x.finish && !OK_STATUS.test(x.finish)) {
      setMeta(node, fill(TEXT.finishedEarly, { r: x.finish }), 'warn');
    }
  }

  /** After a reload: the last answer was still being written; follow it through the resume endpoint. */
  function followAnswer(messageId, node) {
    if (state.busy) return;
    state.busy = true;
    updateComposer();
    var gen = state.generation;
    var x = new Exchange(null, gen);
    x.messageId = messageId;
    x.fromHistory = true;
    var meta = node.querySelector('.cp-meta');
    if (meta) remove(meta);
    if (bubbleOf(node).textContent) {
      x.node = node;
      node.classList.add('cp-msg--streaming');
      node.setAttribute('aria-live', 'off');
      // What the history showed was read with the log; only what follows is news.
      x.announced = (bubbleOf(node).innerText || bubbleOf(node).textContent).length;
    } else {
      // Nothing of it arrived yet: the typing dots stand in for it until the first chunk.
      remove(node);
      x.typing = addTyping();
    }
    var controller = typeof AbortController === 'function' ? new AbortController() : null;
    state.controller = controller;
    log.setAttribute('aria-busy', 'true');
    x.resume(controller ? controller.signal : undefined, { immediate: true, quiet: true, label: TEXT.typing })
      .then(function () { finishExchange(x); }, function () { finishExchange(x); })
      .then(function () {
        if (gen !== state.generation) return;
        state.busy = false;
        state.controller = null;
        log.removeAttribute('aria-busy');
        setStatus('');
        setSubtitle('');
        updateComposer();
      });
  }

  /** Visitor-facing text for an SSE "error" event (the server's message is meant for logs as much as people). */
  function streamErrorText(err) {
    var code = typeof err.code === 'string' ? err.code : '';
    switch (code) {
      case 'client_gone': return TEXT.lost;
      case 'upstream_timeout': return TEXT.upstreamTimeout;
      case 'server_shutdown': return TEXT.serverShutdown;
      case 'answer_too_long': return TEXT.tooLong;
      case 'empty_answer': return TEXT.empty;
      case 'upstream_lost': return TEXT.interrupted;
      case 'upstream_error':
      case 'upstream_malformed': return TEXT.answerError;
      default:
        if (/^answer_/.test(code)) return TEXT.endedEarly;
        return typeof err.message === 'string' && err.message ? err.message : TEXT.answerFailed;
    }
  }

  function markNotSent(userNode, text) {
    setMeta(userNode, TEXT.notSent, 'error');
    userNode.classList.add('cp-msg--failed');
    if (!input.value) { input.value = text; autoGrow(); }
  }

  function send() {
    var text = input.value.replace(/^\s+|\s+$/g, '');
    if (!text || state.busy || state.refused) return;
    if (state.blockedUntil > Date.now()) { tickRateLimit(); return; }
    state.busy = true;
    updateComposer();
    // The session (and the history it shows) must be in place before the message is added to the log.
    var ready = state.sessionId ? Promise.resolve(true) : connect();
    ready.then(function (ok) {
      if (ok === false || !state.sessionId) {
        state.busy = false;
        updateComposer();
        return;
      }
      exchange(text);
    });
  }

  function exchange(text) {
    input.value = '';
    autoGrow();
    var gen = state.generation;
    var userNode = addMessage('user', text);
    while (announcer.firstChild) announcer.removeChild(announcer.firstChild);
    var typing = addTyping();
    var x = new Exchange(typing, gen);
    var controller = typeof AbortController === 'function' ? new AbortController() : null;
    var signal = controller ? controller.signal : undefined;
    state.controller = controller;
    log.setAttribute('aria-busy', 'true');

    var renewed = false;
    function start() {
      return openStream(text, signal).then(null, function (e) {
        if (e.status === 401 && !renewed) {
          renewed = true;
          return createSession().then(function () {
            addNote(TEXT.expired, 'info');
            return openStream(text, signal);
          });
        }
        throw e;
      });
    }

    start().then(function (res) {
      return x.read(res).then(null, function (e) {
        if (e && e.name === 'AbortError') throw e;
        // A network drop while reading: resumed below.
      });
    }).then(function () {
      if (x.done) return true;
      return x.resume(signal);
    }).then(function () {
      finishExchange(x);
    }, function (e) {
      remove(x.typing);
      if (gen !== state.generation || (e && e.name === 'AbortError')) return;
      if (x.node || x.messageId) { finishExchange(x); return; }
      markNotSent(userNode, text);
      if (e && e.status === 429) showRateLimit(e);
      else if (isRefusal(e)) showRefused();
      else addNote(friendly(e), 'error');
    }).then(function () {
      remove(x.typing);
      if (gen !== state.generation) return;
      state.busy = false;
      state.controller = null;
      log.removeAttribute('aria-busy');
      setStatus('');
      if (!state.refused) setSubtitle('');
      updateComposer();
      var active = document.activeElement;
      if (isOpen() && (!active || active === host || active === document.body)) input.focus();
    });
  }

  function restart() {
    if (state.refused) return;
    state.generation++;
    if (state.controller) state.controller.abort();
    state.controller = null;
    state.busy = false;
    state.ready = null;
    var old = state.sessionId;
    state.sessionId = null;
    clearLog();
    updateComposer();
    var gen = state.generation;
    var end = old ? api('DELETE', '/session').then(null, function () {}) : Promise.resolve();
    // Sending waits for this (send() goes through state.ready while there is no session id).
    state.ready = end.then(function () {
      return createSession();
    }).then(function () {
      if (gen === state.generation) addNote(TEXT.restarted, 'info');
      return true;
    }, function (e) {
      if (gen !== state.generation) return false;
      state.ready = null;
      if (e && e.status === 429) { showRateLimit(e); return false; }
      return connect();
    });
    input.focus();
  }

  // ----- open / close -----

  function isOpen() { return !panel.hidden; }

  function remember(open) {
    try {
      if (open) window.sessionStorage.setItem(STORE_OPEN, '1');
      else window.sessionStorage.removeItem(STORE_OPEN);
    } catch (e) { /* storage may be blocked */ }
  }

  function open(opts) {
    opts = opts || {};
    if (isOpen()) { if (!opts.restore) input.focus(); return; }
    panel.hidden = false;
    rootEl.classList.add('cp-root--open');
    launcher.setAttribute('aria-expanded', 'true');
    // Not "Close chat": that is the header button's name, and two controls must not share one.
    launcher.setAttribute('aria-label', TEXT.hide);
    remember(true);
    if (!opts.restore) {
      // Focus after the panel is rendered (it animates in).
      input.focus();
      // Tried again only when the first call did not take, and only if nothing in the widget has focus by then:
      // focus the visitor (or a test) moved meanwhile, even out of the widget, stays where it was put.
      if (shadow.activeElement !== input) {
        setTimeout(function () { if (isOpen() && !shadow.activeElement) input.focus(); }, 30);
      }
    }
    if (!state.ready && !state.refused) connect();
    fitViewport();
    scrollDown(true);
  }

  /*
   * Phones: the full-screen panel follows the visual viewport, which the on-screen keyboard shrinks (the layout
   * viewport does not), so the input stays above the keyboard. CSSOM writes pass a strict style-src CSP.
   */
  var SMALL_SCREEN = '(max-width: 480px)';
  function fitViewport() {
    var vv = window.visualViewport;
    var fit = vv && isOpen() && window.matchMedia && window.matchMedia(SMALL_SCREEN).matches;
    panel.style.top = fit ? vv.offsetTop + 'px' : '';
    panel.style.bottom = fit ? 'auto' : '';
    panel.style.height = fit ? vv.height + 'px' : '';
    if (fit) scrollDown(false);
  }
  if (window.visualViewport) {
    window.visualViewport.addEventListener('resize', fitViewport);
    window.visualViewport.addEventListener('scroll', fitViewport);
  }

  function close(opts) {
    opts = opts || {};
    if (!isOpen()) return;
    panel.hidden = true;
    rootEl.classList.remove('cp-root--open');
    launcher.setAttribute('aria-expanded', 'false');
    launcher.setAttribute('aria-label', TEXT.open);
    remember(false);
    fitViewport();
    if (opts.focus !== false) launcher.focus();
  }

  launcher.addEventListener('click', function () {
    if (isOpen()) close(); else open();
  });
  closeBtn.addEventListener('click', function () { close(); });
  restartBtn.addEventListener('click', restart);
  rootEl.addEventListener('keydown', function (e) {
    if ((e.key === 'Escape' || e.key === 'Esc') && isOpen() && !e.isComposing) {
      e.stopPropagation();
      close();
    }
  });
  form.addEventListener('submit', function (e) { e.preventDefault(); send(); });
  input.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); send(); }
  });
  input.addEventListener('input', autoGrow);

  function mount() {
    packLoaded.then(function (pack) {
      TEXT = strings(pack);
      applyText();
      (document.body || document.documentElement).appendChild(host);
      updateComposer();
      var restoreOpen = attr('data-open', '') === 'true';
      try { restoreOpen = restoreOpen || window.sessionStorage.getItem(STORE_OPEN) === '1'; } catch (e) { /* blocked */ }
      if (restoreOpen) open({ restore: true });
    });
  }

  window.ChatProxyWidget = {
    version: VERSION,
    open: function () { open(); },
    close: function () { close({ focus: false }); },
    toggle: function () { if (isOpen()) close({ focus: false }); else open(); }
  };

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', mount);
  else mount();
})();
