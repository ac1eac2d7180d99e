// The shell's transport host (js/shell/transports.js) with a stand-in WebSocket class: what it
// writes for a send effect. Run: node --test tests/node/transports.test.js
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TransportHost } from '../../js/shell/transports.js';

class FakeSocket {
  static last = null;
  constructor(url, protocol) {
    this.url = url;
    this.protocol = protocol;
    this.readyState = 1;
    this.written = [];
    FakeSocket.last = this;
  }
  send(text) { this.written.push(text); }
  close() {}
}

test('send: a JSON object is written as JSON text, a string (a SIP message) as is', () => {
  const saved = globalThis.WebSocket;
  globalThis.WebSocket = FakeSocket;
  try {
    const inputs = [];
    const host = new TransportHost((i) => inputs.push(i), null);
    host.openTransport({ transport: 1, url: 'wss://127.0.0.1/webrtc/wss/', protocol: 'sip' });
    assert.equal(FakeSocket.last.protocol, 'sip');
    const sip = 'OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 0\r\n\r\n';
    host.send({ transport: 1, message: sip });
    host.send({ transport: 1, message: { type: 'join' } });
    assert.deepEqual(FakeSocket.last.written, [sip, '{"type":"join"}']);
    assert.deepEqual(inputs, []);
  } finally {
    globalThis.WebSocket = saved;
  }
});
