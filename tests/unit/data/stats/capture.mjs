#!/usr/bin/env node
// Captures real getStats() reports for the stats unit tests (tests/unit/stats_*.cpp):
// - `node tests/unit/data/stats/capture.mjs` (after `npm run build`) runs a consultation call
//   between two pages of Debian Chromium with fake devices through the reference server
//   (tests/e2e/harness.js), then takes three reports of the doctor's RTCPeerConnection about a
//   second apart: report-1..3.json;
// - `node tests/unit/data/stats/capture.mjs --firefox` runs a Chromium doctor → Firefox ESR client
//   call (tests/e2e/firefox-harness.js) and takes two reports of the Firefox client's
//   RTCPeerConnection a second apart: firefox-report-1..2.json.
// Keeps the entries of the types the core asks for (stats::report_types(), the collectStats
// effect's `types`) exactly as the browser gives them. Writes beside this file and prints the
// browser version.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSuite, establishCall, waitForStats } from '../../../e2e/harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const TYPES = ['inbound-rtp', 'outbound-rtp', 'remote-inbound-rtp', 'candidate-pair', 'local-candidate',
  'remote-candidate', 'media-source', 'transport'];
const firefoxSide = process.argv.includes('--firefox');

const suite = await startSuite('capture');
try {
  let page;
  let version;
  let count = 3;
  let prefix = 'report';
  if (firefoxSide) {
    const { launchFirefox } = await import('../../../e2e/firefox-harness.js');
    const firefox = await launchFirefox({ origin: suite.httpUrl });
    suite.browsers.push(firefox);
    ({ client: page } = await establishCall(suite, { tag: 'capture', clientBrowser: firefox }));
    version = firefox.version;
    count = 2;
    prefix = 'firefox-report';
  } else {
    ({ doctor: page } = await establishCall(suite, { tag: 'capture' }));
    version = suite.browser.context.browser()?.version() ?? (await page.evaluate(() => navigator.userAgent));
  }
  await waitForStats(page, { framesDecoded: 30, audioPacketsReceived: 50 });
  for (let i = 1; i <= count; i += 1) {
    const report = await page.evaluate(async (types) => {
      const pc = window.call.connection;
      const out = [];
      (await pc.getStats()).forEach((s) => { if (types.includes(s.type)) out.push(s); });
      await new Promise((resolve) => { setTimeout(resolve, 1000); }); // the next report a second later
      return out;
    }, TYPES);
    writeFileSync(path.join(here, `${prefix}-${i}.json`), `${JSON.stringify(report, null, 1)}\n`);
  }
  console.log(`captured ${count} reports from ${version}`);
} finally {
  await suite.close();
}
