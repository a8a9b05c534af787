'use strict';
// A TCP forwarder in front of the proxy, so a test can drop the browser's connections in the middle of a
// stream (cut()) and refuse new ones for a while (refuse(ms)), as a flaky mobile network would.

const net = require('node:net');

function createForwarder(targetPort, targetHost = '127.0.0.1') {
  const sockets = new Set();
  let refuseUntil = 0;
  let connections = 0;
  let refused = 0;
  const servers = [];

  function handle(client) {
    if (Date.now() < refuseUntil) {
      refused++;
      client.destroy();
      return;
    }
    connections++;
    const upstream = net.connect(targetPort, targetHost);
    const pair = { client, upstream };
    sockets.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      sockets.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
  }

  return {
    /** Listens on 127.0.0.1 (and ::1 when available, since Chromium may try it for "localhost"). */
    async listen(port = 0) {
      const v4 = net.createServer(handle);
      await new Promise((resolve, reject) => { v4.once('error', reject); v4.listen(port, '127.0.0.1', resolve); });
      servers.push(v4);
      const actual = v4.address().port;
      const v6 = net.createServer(handle);
      await new Promise((resolve) => {
        v6.once('error', () => resolve());
        v6.listen(actual, '::1', () => { servers.push(v6); resolve(); });
      });
      return actual;
    },
    /** Destroys every open connection (both sides), like a network drop. */
    cut() {
      const n = sockets.size;
      for (const { client, upstream } of sockets) {
        client.resetAndDestroy ? client.resetAndDestroy() : client.destroy();
        upstream.destroy();
      }
      sockets.clear();
      return n;
    },
    refuse(ms) { refuseUntil = Date.now() + ms; },
    stats() { return { connections, refused, open: sockets.size }; },
    close() {
      this.cut();
      return Promise.all(servers.map((s) => new Promise((r) => s.close(() => r()))));
    }
  };
}

module.exports = { createForwarder };
