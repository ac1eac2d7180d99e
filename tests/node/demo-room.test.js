// The room demo's Janus (scripts/demo-janus.mjs) and its settings endpoint (demo/server.js
// `demoRoom` → GET /demo-room): what `npm run demo` decides when Janus is missing, when it cannot
// create a network namespace, when the user gives a Janus of their own, and when Janus fails to
// start — each a message the room page shows (demo/room.html), never a failed demo. Starting Janus
// for real is covered by tests/e2e/room.test.js (its helper is the one the demo uses).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INSTALL_JANUS, startDemoJanus } from '../../scripts/demo-janus.mjs';
import { startServer, DEMO_ROOM_PATH } from '../../demo/server.js';

test('no janus binary: the settings say how to install it (scripts/install-deps.sh --browser), nothing is started', async () => {
  let started = false;
  const r = await startDemoJanus({ probe: { janusPath: () => null, namespaceUnavailable: () => null, start: async () => { started = true; } } });
  assert.equal(started, false);
  assert.match(r.settings.unavailable, /^Janus is not installed\. Install it with: sudo scripts\/install-deps\.sh --browser/);
  assert.ok(r.settings.unavailable.includes(INSTALL_JANUS));
  assert.equal(r.settings.janusUrl, undefined);
  await r.stop();
});

test('janus installed but no namespace (not root): the settings say what to run instead', async () => {
  const r = await startDemoJanus({ probe: { janusPath: () => '/usr/bin/janus', namespaceUnavailable: () => 'not root (uid 1000): creating a network namespace needs CAP_NET_ADMIN', start: async () => assert.fail('started') } });
  assert.match(r.settings.unavailable, /needs root \(not root \(uid 1000\)/);
  assert.match(r.settings.unavailable, /sudo npm run demo/);
  assert.match(r.settings.unavailable, /npm run demo -- --janus-url ws:\/\/HOST:8188\//);
});

test('janus started: its URL and room 4242, and stop() stops it; a failed start is a message', async () => {
  let stopped = 0;
  const r = await startDemoJanus({ probe: { janusPath: () => '/usr/bin/janus', namespaceUnavailable: () => null, start: async () => ({ url: 'ws://10.213.0.2:18588/', stop: async () => { stopped += 1; } }) } });
  assert.deepEqual(r.settings, { janusUrl: 'ws://10.213.0.2:18588/', room: 4242, started: true });
  await r.stop();
  assert.equal(stopped, 1);
  const failed = await startDemoJanus({ probe: { janusPath: () => '/usr/bin/janus', namespaceUnavailable: () => null, start: async () => { throw new Error('Janus exited before 10.213.0.2:18588 listened\nJanus output: ...'); } } });
  assert.deepEqual(failed.settings, { unavailable: 'Janus did not start: Janus exited before 10.213.0.2:18588 listened' });
});

test('a Janus of the user\'s own (--janus-url): used as given, with its room; a non-ws URL is refused with a message', async () => {
  const probe = { janusPath: () => assert.fail('probed'), namespaceUnavailable: () => assert.fail('probed'), start: async () => assert.fail('started') };
  const r = await startDemoJanus({ janusUrl: 'wss://janus.example.org/ws', room: 1234, probe });
  assert.deepEqual(r.settings, { janusUrl: 'wss://janus.example.org/ws', room: 1234, started: false });
  const bad = await startDemoJanus({ janusUrl: 'http://janus.example.org/', probe });
  assert.match(bad.settings.unavailable, /is not a ws:\/\/ or wss:\/\/ URL/);
});

test('the server serves demoRoom at /demo-room (JSON, not cached); without it /demo-room is 404', async () => {
  const settings = { unavailable: 'Janus is not installed. Install it with: x' };
  const server = await startServer({ port: 0, demoRoom: settings });
  const plain = await startServer({ port: 0 });
  try {
    const res = await fetch(`${server.httpUrl}${DEMO_ROOM_PATH}`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^application\/json/);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await res.json(), settings);
    // The page and its files are served as before.
    assert.equal((await fetch(`${server.httpUrl}/demo/room.html`)).status, 200);
    assert.equal((await fetch(`${plain.httpUrl}${DEMO_ROOM_PATH}`)).status, 404);
  } finally {
    await server.close();
    await plain.close();
  }
});
