// callcore.logger after a connected call (test 8).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSuite, establishCall, waitFor, waitForStats } from './harness.js';

const TEST_TIMEOUT = 180000;

describe('logger', () => {
  let suite;
  const run = (fn) => (t) => suite.wrap(fn)(t);
  before(async () => { suite = await startSuite('logger'); });
  after(async () => { if (suite) await suite.close(); });

  it('getConnectionEvents / filter / export after a connected call', { timeout: TEST_TIMEOUT }, run(async () => {
    const { doctor, client } = await establishCall(suite, { tag: 'logger' });
    await waitForStats(client, { framesDecoded: 1 });

    for (const page of [doctor, client]) {
      // The log entry of the 'connected' transition may be written just after callState flips.
      await waitFor(page, () => window.callcore.logger.getConnectionEvents().some((e) => e.event === 'connectionstatechange'
        && ((e.data && e.data.state) === 'connected' || e.data === 'connected')), undefined, {
        message: "logger.getConnectionEvents() has connectionstatechange 'connected'",
      });

      const r = await page.evaluate(() => {
        const { logger, CONNECTION_EVENT_LIST } = window.callcore;
        const stateOf = (e) => (e.data && typeof e.data === 'object' ? e.data.state : e.data);
        const plain = (e) => ({ time: e.time, level: e.level, event: e.event, connectionId: e.connectionId, state: stateOf(e) });
        const connectionEvents = logger.getConnectionEvents();
        const filtered = logger.filter((e) => e.event === 'connectionstatechange');
        const exported = logger.export();
        let parsed = null;
        let parseError = null;
        try { parsed = JSON.parse(exported); } catch (e) { parseError = e.message; }
        return {
          connectionEventNames: Object.values(CONNECTION_EVENT_LIST),
          connectionEvents: connectionEvents.map(plain),
          filtered: filtered.map(plain),
          exportedType: typeof exported,
          parseError,
          parsedFormat: parsed && parsed.format,
          parsedDropped: parsed && parsed.dropped,
          parsedTruncated: parsed && parsed.truncated,
          parsedLength: parsed && Array.isArray(parsed.entries) ? parsed.entries.length : null,
          dropped: logger.dropped(),
          entriesLength: logger.entries().length,
        };
      });
      const label = `[${page.label}]`;
      assert.ok(r.connectionEvents.length > 0, `${label} getConnectionEvents() not empty`);
      for (const e of r.connectionEvents) {
        assert.ok(r.connectionEventNames.includes(e.event), `${label} ${e.event} is a CONNECTION_EVENT_LIST event`);
        assert.equal(typeof e.time, 'number', `${label} entry time is a number`);
        assert.ok(['debug', 'info', 'warn', 'error'].includes(e.level), `${label} level ${e.level}`);
      }
      const ice = r.connectionEvents.filter((e) => e.event === 'iceconnectionstatechange');
      const conn = r.connectionEvents.filter((e) => e.event === 'connectionstatechange');
      assert.ok(ice.length > 0, `${label} has iceconnectionstatechange entries`);
      assert.ok(conn.length > 0, `${label} has connectionstatechange entries`);
      assert.ok(ice.some((e) => e.state === 'connected' || e.state === 'completed'),
        `${label} ice states include connected: ${JSON.stringify(ice.map((e) => e.state))}`);
      assert.ok(conn.some((e) => e.state === 'connected'),
        `${label} connection states include connected: ${JSON.stringify(conn.map((e) => e.state))}`);

      assert.ok(r.filtered.length > 0, `${label} filter() found connectionstatechange entries`);
      assert.ok(r.filtered.every((e) => e.event === 'connectionstatechange'), `${label} filter() returns only matches`);
      assert.ok(r.filtered.length >= conn.length, `${label} filter() finds every connectionstatechange entry`);

      assert.equal(r.exportedType, 'string', `${label} export() returns a string`);
      assert.equal(r.parseError, null, `${label} export() parses as JSON`);
      assert.equal(r.parsedFormat, 'callcore-log', `${label} export() names its format`);
      assert.equal(r.parsedLength, r.entriesLength, `${label} export() carries every entry`);
      assert.equal(r.parsedDropped, r.dropped, `${label} export() carries logger.dropped()`);
      assert.equal(r.parsedTruncated, r.dropped > 0, `${label} export() says whether it was truncated`);
    }
  }));
});
