#!/usr/bin/env node
// Captures real Chromium getStats() reports for the stats unit tests (tests/unit/stats_*.cpp):
// `node tests/unit/data/stats/capture.mjs` (after `npm run build`) runs a consultation call
// between two pages of Debian Chromium with fake devices through the reference server
// (tests/e2e/harness.js), then takes three reports of the doctor's RTCPeerConnection about a
// second apart, keeping the entries of the types the core asks for (stats::report_types(), the
// collectStats effect's `types`) exactly as Chromium gives them. Writes report-1..3.json beside
// this file and prints the browser version.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSuite, establishCall, waitForStats } from '../../../e2e/harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const TYPES = ['inbound-rtp', 'outbound-rtp', 'remote-inbound-rtp', 'candidate-pair', 'local-candidate',
  'remote-candidate', 'media-source', 'transport'];

const suite = await startSuite('capture');
try {
  const { doctor } = await establishCall(suite, { tag: 'capture' });
  await waitForStats(doctor, { framesDecoded: 30, audioPacketsReceived: 50 });
  const version = suite.browser.context.browser()?.version() ?? (await doctor.evaluate(() => navigator.userAgent));
  for (let i = 1; i <= 3; i += 1) {
    const report = await doctor.evaluate(async (types) => {
      const pc = window.call.connection;
      const out = [];
      (await pc.getStats()).forEach((s) => { if (types.includes(s.type)) out.push(s); });
      await new Promise((resolve) => { setTimeout(resolve, 1000); }); // the next report a second later
      return out;
    }, TYPES);
    writeFileSync(path.join(here, `report-${i}.json`), `${JSON.stringify(report, null, 1)}\n`);
  }
  console.log(`captured 3 reports from ${version}`);
} finally {
  await suite.close();
}
