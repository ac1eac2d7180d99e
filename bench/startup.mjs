// Startup (issue 5, item 3; package layout): import of each package variant in Chromium —
// `callcore` (dist/callcore.js + dist/callcore.wasm, streaming compile) and `callcore/inline`
// (dist/callcore.inline.js, the wasm inlined as hex) — median of N page loads (fresh page each,
// no HTTP cache: no-store, the two variants interleaved), split into phases
// (bench/pages/startup.html); and `import()` of each in Node (fresh process each).
// Run: npm run bench -- startup [--loads=20]   (or node bench/startup.mjs --loads=20)
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './lib/size.mjs';
import { launchChromium, load, median, quantile } from './lib/common.mjs';
import { startStaticServer } from './lib/static.mjs';

/** [variant, file in dist/] in table order. */
export const STARTUP_VARIANTS = [['split', 'callcore.js'], ['inline', 'callcore.inline.js']];
const PHASES = ['fetchJs', 'evaluate', 'instantiate', 'init', 'total', 'fetchWasm'];

const stats = (xs) => ({ median: median(xs), p90: quantile(xs, 0.9) });

/**
 * Runs the startup benchmark.
 * @param {{loads?: number, log?: (line: string) => void}} [options] loads per variant (after two
 *   uncounted warm-up loads each)
 * @returns {Promise<object>} {loads, load, browser: {split|inline: {phase: {median, p90}}},
 *   method: {split|inline: the WebAssembly function the page called}, transferSize: {split|inline:
 *   bytes of JS + wasm}, node: {split|inline: {import, process}, bareProcess}} (times in ms)
 * @throws {Error} when a page fails to import the package (its error message) or times out (20 s)
 */
export async function startup({ loads = 20, log = () => {} } = {}) {
  const statics = await startStaticServer();
  const browser = await launchChromium();
  const loadBefore = load();
  const rows = Object.fromEntries(STARTUP_VARIANTS.map(([v]) => [v, []]));
  const method = {};
  const transferSize = {};
  try {
    for (let i = -2; i < loads; i++) { // two warm-up loads per variant (browser start-up), not counted
      for (const [variant, file] of STARTUP_VARIANTS) {
        const page = await browser.context.newPage();
        await page.goto(`${statics.url}/bench/pages/startup.html?entry=${file}`, { waitUntil: 'load' });
        await page.waitForFunction(() => window.done || window.loadError, undefined, { timeout: 20000 });
        const p = await page.evaluate(() => ({ ...window.phases, loadError: window.loadError }));
        await page.close();
        if (p.loadError) throw new Error(`startup page (${file}): ${p.loadError}`);
        if (i < 0) continue;
        // The core's own start: the wasm request (split: the loader fetches, then streams into
        // the compiler), or the WebAssembly.instantiate call (inline: after the hex decode).
        const coreStart = p.wasmFetchStart ?? p.instantiateStart;
        const row = {
          fetchJs: p.responseEnd - p.fetchStart,
          evaluate: coreStart - p.responseEnd,
          instantiate: p.instantiateEnd - coreStart,
          init: p.importEnd - p.instantiateEnd,
          total: p.importEnd - p.importStart,
          fetchWasm: p.wasmResponseEnd === undefined ? NaN : p.wasmResponseEnd - p.wasmFetchStart,
        };
        rows[variant].push(row);
        method[variant] ??= p.method;
        transferSize[variant] ??= p.transferSize + (p.wasmTransferSize ?? 0);
        log(`${variant} load #${i + 1} (${p.method}): ${Object.entries(row).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);
      }
    }
  } finally {
    await browser.close();
    await statics.close();
  }
  const browserStats = {};
  for (const [variant] of STARTUP_VARIANTS) {
    browserStats[variant] = Object.fromEntries(PHASES.map((k) => [k, stats(rows[variant].map((r) => r[k]))]));
  }

  // Node: import time inside a fresh process, and the process wall time against a bare node.
  const wall = (args) => {
    const t = process.hrtime.bigint();
    const out = execFileSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
    return [Number(process.hrtime.bigint() - t) / 1e6, out];
  };
  const node = {};
  const samples = Object.fromEntries(STARTUP_VARIANTS.map(([v]) => [v, { import: [], process: [] }]));
  const bare = [];
  for (let i = -1; i < loads; i++) {
    for (const [variant, file] of STARTUP_VARIANTS) {
      const url = pathToFileURL(join(ROOT, 'dist', file)).href;
      const code = `const t=performance.now();await import(${JSON.stringify(url)});console.log(performance.now()-t)`;
      const [ms, out] = wall(['--input-type=module', '-e', code]);
      if (i < 0) continue;
      samples[variant].import.push(Number(out.trim()));
      samples[variant].process.push(ms);
    }
    const [ms] = wall(['--input-type=module', '-e', 'console.log(0)']);
    if (i >= 0) bare.push(ms);
  }
  for (const [variant] of STARTUP_VARIANTS) node[variant] = { import: stats(samples[variant].import), process: stats(samples[variant].process) };
  node.bareProcess = stats(bare);
  return { loads, load: { before: loadBefore, after: load() }, browser: browserStats, method, transferSize, node };
}

/**
 * The "## Startup" section of docs/benchmarks.md from a stored result.
 * @param {{data: object}} r the stored result of startup()
 * @param {{table: Function, int: Function, ms: Function, stamp: Function}} fmt bench/run.mjs's formatters
 * @returns {string} markdown
 */
export function startupSection(r, { table, int, ms, stamp }) {
  const d = r.data;
  const b = d.browser;
  const both = (phase) => [ms(b.split[phase].median), ms(b.split[phase].p90), ms(b.inline[phase].median), ms(b.inline[phase].p90)];
  return [
    '## Startup',
    '',
    `Chromium: median (p90) of ${d.loads} page loads per variant of bench/pages/startup.html (fresh page each, \`no-store\`,`,
    `the variants interleaved, two warm-up loads each not counted), from a local server without compression:`,
    `\`callcore\` (dist/callcore.js + dist/callcore.wasm, ${int(d.transferSize.split)} B transferred; the page called`,
    `\`WebAssembly.${d.method.split}\`) and \`callcore/inline\` (dist/callcore.inline.js, ${int(d.transferSize.inline)} B; \`WebAssembly.${d.method.inline}\`).`,
    '',
    table(['phase', '`callcore` median ms', 'p90', '`callcore/inline` median ms', 'p90'], [
      ['fetch the JS module (Resource Timing start → responseEnd)', ...both('fetchJs')],
      ['evaluate the module (inline: and decode the hex wasm) → the core starts: `callcore` requests callcore.wasm, inline calls WebAssembly.instantiate', ...both('evaluate')],
      ['→ the wasm instantiated (`callcore`: download callcore.wasm, compiled while it streams; inline: compile + instantiate)', ...both('instantiate')],
      ['runtime + embind init, enums (→ import resolved)', ...both('init')],
      ['**total**: import() called → resolved', ...both('total')],
      ['of which: fetch callcore.wasm (Resource Timing start → responseEnd)', ms(b.split.fetchWasm.median), ms(b.split.fetchWasm.p90), '–', '–'],
    ]),
    '',
    'The warm-up passes of js/core.js (four in-memory calls, one task each) run after import: not in the import figures (the Node process figure includes them); in Chromium ~20-50 ms for the first pass, 3-20 ms for each next one.',
    '',
    `Node, inside a fresh process: \`await import()\` of dist/callcore.js (reads callcore.wasm with node:fs) takes ${ms(d.node.split.import.median)} ms`,
    `(p90 ${ms(d.node.split.import.p90)}), of dist/callcore.inline.js ${ms(d.node.inline.import.median)} ms (p90 ${ms(d.node.inline.import.p90)}); the whole process runs`,
    `${ms(d.node.split.process.median)} / ${ms(d.node.inline.process.median)} ms against ${ms(d.node.bareProcess.median)} ms for a bare \`node -e\` (medians of ${d.loads}).`,
    '',
    stamp(r),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const loads = Number(process.argv.find((a) => a.startsWith('--loads='))?.slice(8) ?? 20);
  console.log(JSON.stringify(await startup({ loads, log: console.log }), null, 1));
}
