'use strict';
// Starts the packaged chat-proxy jar as a child process, configured by environment variables only, in its own
// temporary working directory (so no .env or ./data of the repository is used), and stops it again.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const crypto = require('node:crypto');
const http = require('node:http');

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function get(url, timeoutMs = 2000, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: timeoutMs, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/**
 * @param {object} o
 * @param {string} o.java       java executable
 * @param {string} o.jar        chat-proxy.jar
 * @param {string} o.workDir    working directory (created)
 * @param {string} o.logFile    stdout+stderr go here
 * @param {object} o.env        settings (SERVER_PORT etc. are added)
 * @param {string} [o.extraClasspath]  appended to the class path (then the jar is run with -cp, not -jar)
 * @param {function} [o.onPid]  called with the child's pid (the run script kills leftovers by pid)
 */
async function startProxy(o) {
  fs.mkdirSync(o.workDir, { recursive: true });
  const port = await freePort();
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME || o.workDir,
    LANG: 'C.UTF-8',
    DEBUG: 'true',
    LOG_LEVEL: 'INFO',
    SERVER_HOST: '127.0.0.1',
    SERVER_PORT: String(port),
    DATABASE_URL: 'jdbc:h2:file:' + path.join(o.workDir, 'db'),
    JWT_SECRET_KEY: crypto.randomBytes(32).toString('base64url'),
    SESSION_SECRET_KEY: crypto.randomBytes(32).toString('base64url'),
    ...o.env
  };
  const jvm = ['-Xms64m', '-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1'];
  const args = o.extraClasspath
    ? [...jvm, '-cp', o.jar + path.delimiter + o.extraClasspath, 'io.chatproxy.Main']
    : [...jvm, '-jar', o.jar];
  const log = fs.openSync(o.logFile, 'a');
  const child = spawn(o.java, args, { cwd: o.workDir, env, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  if (o.onPid) o.onPid(child.pid);
  let exited = null;
  child.on('exit', (code, signal) => { exited = { code, signal }; });

  const url = 'http://127.0.0.1:' + port;
  const deadline = Date.now() + 90000;
  for (;;) {
    if (exited) {
      const tail = fs.readFileSync(o.logFile, 'utf8').split('\n').slice(-25).join('\n');
      throw new Error('chat-proxy exited during start-up (' + JSON.stringify(exited) + '); log tail:\n' + tail);
    }
    try {
      const r = await get(url + '/health');
      if (r.status === 200) break;
    } catch (e) { /* not up yet */ }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('chat-proxy did not become healthy within 90 s; see ' + o.logFile);
    }
    await new Promise((r) => setTimeout(r, 250));
  }

  return {
    port,
    url,
    pid: child.pid,
    get,
    async stop() {
      if (exited) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => { if (!exited) child.kill('SIGKILL'); }, 8000);
      await gone;
      clearTimeout(t);
    }
  };
}

module.exports = { startProxy, freePort, get };
