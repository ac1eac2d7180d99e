// Startup (issue 5, item 3): fetch + compile + instantiate of the wasm core in Chromium, median
// of N page loads (fresh page each, no HTTP cache: no-store), split into phases
// (bench/pages/startup.html); and `import('callcore')` in Node (fresh process each).
// Run: npm run bench -- startup [--loads=20]
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DIST, ROOT } from './lib/size.mjs';
import { launchChromium, load, median, quantile } from './lib/common.mjs';
import { startStaticServer } from './lib/static.mjs';

export async function startup({ loads = 20, log = () => {} } = {}) {
  const statics = await startStaticServer();
  const browser = await launchChromium();
  const loadBefore = load();
  const rows = [];
  try {
    for (let i = -2; i < loads; i++) { // two warm-up loads (browser start-up), not counted
      const page = await browser.context.newPage();
      await page.goto(`${statics.url}/bench/pages/startup.html`, { waitUntil: 'load' });
      await page.waitForFunction(() => window.done || window.loadError, undefined, { timeout: 20000 });
      const p = await page.evaluate(() => ({ ...window.phases, loadError: window.loadError }));
      await page.close();
      if (p.loadError) throw new Error(`startup page: ${p.loadError}`);
      if (i < 0) continue;
      const row = {
        fetch: p.responseEnd - p.fetchStart,
        evaluate: p.instantiateStart - p.responseEnd,
        compile: p.instantiateEnd - p.instantiateStart,
        init: p.importEnd - p.instantiateEnd,
        total: p.importEnd - p.importStart,
        transferSize: p.transferSize,
      };
      rows.push(row);
      log(`load #${i + 1}: ${Object.entries(row).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);
    }
  } finally {
    await browser.close();
    await statics.close();
  }
  const browserStats = {};
  for (const key of ['fetch', 'evaluate', 'compile', 'init', 'total']) {
    const xs = rows.map((r) => r[key]);
    browserStats[key] = { median: median(xs), p90: quantile(xs, 0.9) };
  }

  // Node: import time inside a fresh process, and the process wall time against a bare node.
  const distUrl = pathToFileURL(DIST).href;
  const importCode = `const t=performance.now();await import(${JSON.stringify(distUrl)});console.log(performance.now()-t)`;
  const nodeImport = [];
  const nodeProcess = [];
  const bareProcess = [];
  const wall = (args) => {
    const t = process.hrtime.bigint();
    const out = execFileSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
    return [Number(process.hrtime.bigint() - t) / 1e6, out];
  };
  for (let i = -1; i < loads; i++) {
    const [ms, out] = wall(['--input-type=module', '-e', importCode]);
    const [bare] = wall(['--input-type=module', '-e', 'console.log(0)']);
    if (i < 0) continue;
    nodeImport.push(Number(out.trim()));
    nodeProcess.push(ms);
    bareProcess.push(bare);
  }
  return {
    loads,
    load: { before: loadBefore, after: load() },
    browser: browserStats,
    transferSize: rows[0]?.transferSize,
    node: {
      import: { median: median(nodeImport), p90: quantile(nodeImport, 0.9) },
      process: { median: median(nodeProcess), p90: quantile(nodeProcess, 0.9) },
      bareProcess: { median: median(bareProcess), p90: quantile(bareProcess, 0.9) },
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const loads = Number(process.argv.find((a) => a.startsWith('--loads='))?.slice(8) ?? 20);
  console.log(JSON.stringify(await startup({ loads, log: console.log }), null, 1));
}
