'use strict';

// Incremental SSE parser (WHATWG event-stream rules). push() takes decoded text in any
// pieces; lines end in \r\n, \n or \r; one optional space after "field:"; data lines are
// joined with \n; a blank line dispatches; ':' lines are comments (heartbeats).
// end() also flushes a last event that lacks its blank line (the spec would drop it).
function createSseParser(onEvent) {
  let buf = '';
  let type = '';
  let data = [];
  let lastId = '';

  function dispatch() {
    if (data.length) onEvent({ event: type || 'message', data: data.join('\n'), id: lastId });
    type = '';
    data = [];
  }

  function line(text) {
    if (text === '') return dispatch();
    if (text[0] === ':') return;
    const i = text.indexOf(':');
    const field = i < 0 ? text : text.slice(0, i);
    let value = i < 0 ? '' : text.slice(i + 1);
    if (value[0] === ' ') value = value.slice(1);
    if (field === 'event') type = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id' && value.indexOf('\0') < 0) lastId = value;
  }

  function drain(final) {
    const re = /\r\n|\r|\n/g;
    let start = 0;
    let m;
    while ((m = re.exec(buf)) !== null) {
      // A lone '\r' at the very end may be the first half of a split "\r\n".
      if (!final && m[0] === '\r' && m.index === buf.length - 1) break;
      line(buf.slice(start, m.index));
      start = re.lastIndex;
    }
    buf = buf.slice(start);
  }

  return {
    push(text) { buf += text; drain(false); },
    end() {
      drain(true);
      if (buf !== '') line(buf);
      buf = '';
      dispatch();
    }
  };
}

if (typeof module !== 'undefined' && module.exports) module.exports = { createSseParser };

if (typeof document !== 'undefined') {
  const API = '/api/v1';
  const $ = (id) => document.getElementById(id);
  const log = $('log'), form = $('composer'), input = $('input');
  const sendBtn = $('send'), newBtn = $('new-session'), sessionLabel = $('session-id');
  let sessionId = null, busy = false;
  const OK_STATUS = /^(complete|completed|done|ok|stop)$/i;

  async function toError(res) {
    let body = null;
    try { body = await res.json(); } catch (e) { /* not JSON */ }
    const err = (body && body.error) || {};
    let message = err.message || 'Request failed (HTTP ' + res.status + ').';
    if (res.status === 429) {
      const secs = parseInt(res.headers.get('Retry-After') || '', 10);
      message = 'Too many requests' + (secs >= 0 ? ': try again in ' + secs + ' s.' : ', please wait a moment.');
    }
    return Object.assign(new Error(message), { status: res.status, code: err.code || 'http_' + res.status });
  }

  async function api(method, path, body) {
    const res = await fetch(API + path, {
      method, credentials: 'include',
      headers: body === undefined ? { Accept: 'application/json' }
        : { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body)
    });
    if (!res.ok) throw await toError(res);
    return res.status === 204 ? null : res.json();
  }

  function setSession(id) {
    sessionId = id || null;
    sessionLabel.textContent = sessionId ? sessionId.slice(0, 8) + '…' : 'none';
    sessionLabel.title = sessionId || '';
  }

  async function createSession() {
    setSession(null);
    const s = await api('POST', '/session/create', { origin_domain: location.hostname, page_url: location.href });
    setSession(s.session_id);
  }

  async function ensureSession() {
    try {
      const v = await api('GET', '/session/validate');
      if (v && v.valid) return setSession(v.session_id);
    } catch (e) {
      if (e.status !== 401) throw e;
    }
    await createSession();
  }

  // Runs fn; on a 401 creates a fresh session once and retries.
  async function withSession(fn) {
    try {
      return await fn();
    } catch (e) {
      if (e.status !== 401) throw e;
      await createSession();
      addNote('Your session had expired, so a new one was started.');
      return fn();
    }
  }

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  // Creates an element; text always goes through textContent, never HTML.
  function el(tag, className, text) {
    const e = document.createElement(tag);
    e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function addMessage(role, text, status) {
    const m = el('div', 'msg msg--' + (role === 'user' ? 'user' : 'assistant'));
    m.append(el('p', 'msg__text', text || ''));
    if (status) setStatus(m, status);
    log.append(m);
    scrollDown();
    return m;
  }

  function setStatus(m, status) {
    if (!OK_STATUS.test(status)) m.append(el('p', 'msg__meta', status));
  }

  function addNote(text, isError) {
    log.append(el('p', isError ? 'note note--error' : 'note', text));
    scrollDown();
  }

  function showError(e) {
    if (e && e.status) return addNote(e.message, true);
    addNote('Network error: ' + ((e && e.message) || e) + '. Please try again.', true);
  }

  function addTyping() {
    const t = el('div', 'msg msg--assistant typing');
    t.append(el('span', 'visually-hidden', 'Assistant is typing…'), el('span', 'dot'), el('span', 'dot'), el('span', 'dot'));
    log.append(t);
    scrollDown();
    return t;
  }

  async function loadHistory() {
    let h;
    try {
      h = await withSession(() => api('GET', '/chat/history/' + encodeURIComponent(sessionId)));
    } catch (e) {
      if (e.status !== 404) throw e;
      h = { messages: [] };
    }
    log.replaceChildren();
    for (const m of (h && h.messages) || []) addMessage(m.role, m.content, m.status);
  }

  async function openStream(message) {
    const res = await fetch(API + '/chat/stream', {
      method: 'POST', credentials: 'include',
      headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
      body: JSON.stringify({ message, page_url: location.href })
    });
    const isSse = (res.headers.get('content-type') || '').includes('text/event-stream');
    if (!res.ok || !isSse || !res.body) throw await toError(res);
    return res;
  }

  // Reads the SSE body; grows one assistant bubble; returns when the stream ends.
  async function readStream(res, typing) {
    let bubble = null, answer = '', done = false;
    const ensureBubble = () => {
      if (!bubble) { typing.remove(); bubble = addMessage('assistant', ''); }
      return bubble;
    };
    const parser = createSseParser((ev) => {
      let d = {};
      try { d = JSON.parse(ev.data); } catch (e) { /* keep {} */ }
      if (ev.event === 'chunk' && typeof d.content === 'string') {
        answer += d.content;
        ensureBubble().firstChild.textContent = answer;
        scrollDown();
      } else if (ev.event === 'end') {
        done = true;
        if (!bubble && !answer) addNote('The assistant returned an empty answer.');
        else if (d.finish_reason && !OK_STATUS.test(d.finish_reason)) {
          setStatus(ensureBubble(), 'finished: ' + d.finish_reason);
        }
      } else if (ev.event === 'error') {
        done = true;
        addNote('Answer failed: ' + (d.message || d.code || 'unknown error') + '.', true);
      }
    });
    const reader = res.body.getReader();
    const decoder = new TextDecoder('utf-8');
    for (;;) {
      const { value, done: eof } = await reader.read();
      if (eof) break;
      parser.push(decoder.decode(value, { stream: true }));
    }
    parser.push(decoder.decode());
    parser.end();
    if (!done) addNote('The connection closed before the answer was complete.', true);
  }

  function setBusy(b) {
    busy = sendBtn.disabled = newBtn.disabled = b;
    log.setAttribute('aria-busy', String(b));
  }

  async function send() {
    const text = input.value.trim();
    if (busy || !text) return;
    setBusy(true);
    input.value = '';
    addMessage('user', text);
    const typing = addTyping();
    try {
      if (!sessionId) await ensureSession();
      const res = await withSession(() => openStream(text));
      await readStream(res, typing);
    } catch (e) {
      showError(e);
    } finally {
      typing.remove();
      setBusy(false);
      input.focus();
    }
  }

  async function newSession() {
    if (busy) return;
    setBusy(true);
    try {
      try { await fetch(API + '/session', { method: 'DELETE', credentials: 'include' }); } catch (e) { /* ignore */ }
      log.replaceChildren();
      await createSession();
      addNote('New session started.');
    } catch (e) {
      showError(e);
    } finally {
      setBusy(false);
      input.focus();
    }
  }

  form.addEventListener('submit', (e) => { e.preventDefault(); send(); });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); send(); }
  });
  newBtn.addEventListener('click', newSession);

  // On load: validate (or create) the session, then show its history.
  setBusy(true);
  ensureSession().then(loadHistory).catch(showError).finally(() => setBusy(false));
}
