// Startup (issue 5, item 3; package layout): import of each package variant in Chromium —
// `callcore` (dist/callcore.js + dist/callcore.wasm, streaming compile), the same with the wasm
// preloaded by the page, and `callcore/inline` (dist/callcore.inline.js, the wasm inlined as
// hex) — median of N page loads per variant and network (fresh page each, no HTTP cache:
// no-store, gzip as a production server sends it, the variants interleaved), split into phases
// (bench/pages/startup.html), on loopback and on a throttled network (CDP network emulation);
// and `import()` of each file in Node (fresh process each).
// Run: npm run bench -- startup [--loads=20]   (or node bench/startup.mjs --loads=20)
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './lib/size.mjs';
import { launchChromium, load, median, quantile } from './lib/common.mjs';
import { startStaticServer } from './lib/static.mjs';

/** [variant, startup.html query] in table order. */
export const STARTUP_VARIANTS = [['split', 'entry=callcore.js'], ['preload', 'entry=callcore.js&preload=1'], ['inline', 'entry=callcore.inline.js']];
/**
 * [network, CDP Network.emulateNetworkConditions parameters or null]: loopback as is, and a
 * throttled link (40 ms round trip, 10 Mbit/s down, 5 Mbit/s up; throughputs in bytes/s).
 */
export const NETWORKS = [
  ['loopback', null],
  ['throttled', { offline: false, latency: 40, downloadThroughput: 10e6 / 8, uploadThroughput: 5e6 / 8 }],
];
/** [variant, file in dist/] imported in Node. */
const NODE_VARIANTS = [['split', 'callcore.js'], ['inline', 'callcore.inline.js']];
const PHASES = ['fetchJs', 'evaluate', 'instantiate', 'init', 'total', 'fetchWasm'];

const stats = (xs) => ({ median: median(xs), p90: quantile(xs, 0.9) });

/**
 * Runs the startup benchmark.
 * @param {{loads?: number, log?: (line: string) => void}} [options] loads per variant and network
 *   (after two uncounted warm-up loads each)
 * @returns {Promise<object>} {loads, load, networks, browser: {network: {variant: {phase: {median,
 *   p90}, method: the WebAssembly function the page called, transferSize: bytes of JS + wasm on
 *   the wire}}}, node: {split|inline: {import, process}, bareProcess}} (times in ms)
 * @throws {Error} when a page fails to import the package (its error message), requests the wasm
 *   twice, or times out (30 s)
 */
export async function startup({ loads = 20, log = () => {} } = {}) {
  const statics = await startStaticServer({ compress: true });
  const browser = await launchChromium();
  const loadBefore = load();
  const browserStats = {};
  try {
    for (const [network, conditions] of NETWORKS) {
      const rows = Object.fromEntries(STARTUP_VARIANTS.map(([v]) => [v, []]));
      const facts = {};
      for (let i = -2; i < loads; i++) { // two warm-up loads per variant (browser start-up), not counted
        for (const [variant, query] of STARTUP_VARIANTS) {
          const page = await browser.context.newPage();
          if (conditions) {
            const cdp = await browser.context.newCDPSession(page);
            await cdp.send('Network.enable');
            await cdp.send('Network.emulateNetworkConditions', conditions);
          }
          await page.goto(`${statics.url}/bench/pages/startup.html?${query}`, { waitUntil: 'load' });
          await page.waitForFunction(() => window.done || window.loadError, undefined, { timeout: 30000 });
          const p = await page.evaluate(() => ({ ...window.phases, loadError: window.loadError }));
          await page.close();
          if (p.loadError) throw new Error(`startup page (${query}, ${network}): ${p.loadError}`);
          if (p.wasmRequests > 1) throw new Error(`startup page (${query}): callcore.wasm requested ${p.wasmRequests} times (preload not reused)`);
          if (i < 0) continue;
          // The core's own start: the wasm request (split: the loader fetches, then streams into
          // the compiler; with preload, before the module is even evaluated), or the
          // WebAssembly.instantiate call (inline: after the hex decode).
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
          facts[variant] ??= { method: p.method, transferSize: p.transferSize + (p.wasmTransferSize ?? 0) };
          log(`${network} ${variant} load #${i + 1} (${p.method}): ${Object.entries(row).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);
        }
      }
      browserStats[network] = {};
      for (const [variant] of STARTUP_VARIANTS) {
        browserStats[network][variant] = { ...facts[variant], ...Object.fromEntries(PHASES.map((k) => [k, stats(rows[variant].map((r) => r[k]))])) };
      }
    }
  } finally {
    await browser.close();
    await statics.close();
  }

  // Node: import time inside a fresh process, and the process wall time against a bare node.
  const wall = (args) => {
    const t = process.hrtime.bigint();
    const out = execFileSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
    return [Number(process.hrtime.bigint() - t) / 1e6, out];
  };
  const node = {};
  const samples = Object.fromEntries(NODE_VARIANTS.map(([v]) => [v, { import: [], process: [] }]));
  const bare = [];
  for (let i = -1; i < loads; i++) {
    for (const [variant, file] of NODE_VARIANTS) {
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
  for (const [variant] of NODE_VARIANTS) node[variant] = { import: stats(samples[variant].import), process: stats(samples[variant].process) };
  node.bareProcess = stats(bare);
  return { loads, load: { before: loadBefore, after: load() }, networks: Object.fromEntries(NETWORKS), browser: browserStats, node };
}

/**
 * The "## Startup" section of docs/benchmarks.md from a stored result.
 * @param {{data: object}} r the stored result of startup()
 * @param {{table: Function, int: Function, ms: Function, stamp: Function}} fmt bench/run.mjs's formatters
 * @returns {string} markdown
 */
export function startupSection(r, { table, int, ms, stamp }) {
  const d = r.data;
  const label = { split: '`callcore`', preload: '`callcore` + preload', inline: '`callcore/inline`' };
  const rows = [];
  for (const [network, byVariant] of Object.entries(d.browser)) {
    for (const [variant, x] of Object.entries(byVariant)) {
      rows.push([network, label[variant], int(x.transferSize), ms(x.fetchJs.median), ms(x.evaluate.median), ms(x.instantiate.median),
        ms(x.init.median), `**${ms(x.total.median)}**`, ms(x.total.p90), ms(x.fetchWasm.median)]);
    }
  }
  const t = d.networks.throttled;
  const total = (network, variant) => d.browser[network][variant].total.median;
  return [
    '## Startup',
    '',
    `Chromium: medians of ${d.loads} page loads per variant and network of bench/pages/startup.html (fresh page each, \`no-store\`,`,
    'gzip -9 from a local server as a production server would send it, the variants interleaved, two warm-up loads each',
    `not counted). Networks: **loopback** as is, and **throttled** by Chromium's network emulation (${t.latency} ms round trip,`,
    `${(t.downloadThroughput * 8) / 1e6} Mbit/s down). Variants: \`callcore\` (dist/callcore.js, which then fetches dist/callcore.wasm and`,
    'compiles it while it streams); `callcore` + preload (the page first adds `<link rel="preload" href="/dist/callcore.wasm"',
    'as="fetch" crossorigin>`, README.md, so both downloads start together); `callcore/inline` (dist/callcore.inline.js, one',
    'file, the wasm decoded from hex and compiled after the whole download).',
    '',
    'Phases (ms): **JS** = the module\'s Resource Timing (start → responseEnd); **evaluate** = → the core starts (`callcore`:',
    'the callcore.wasm request, negative when preloaded; inline: the hex decoded, WebAssembly.instantiate called);',
    '**instantiate** = → the wasm instantiated (`callcore`: its download, compiled while it arrives; inline: compile);',
    '**init** = runtime + embind init, enums (→ import resolved); **total** = import() called → resolved; **wasm** = the',
    'callcore.wasm Resource Timing.',
    '',
    table(['network', 'variant', 'bytes on the wire', 'JS', 'evaluate', 'instantiate', 'init', 'total', 'total p90', 'wasm'], rows),
    '',
    `Throttled, \`callcore\` imports in ${ms(total('throttled', 'split'))} ms, ${ms(total('throttled', 'preload'))} ms with the preload, against ${ms(total('throttled', 'inline'))} ms for`,
    `the one file; on loopback ${ms(total('loopback', 'split'))} / ${ms(total('loopback', 'preload'))} / ${ms(total('loopback', 'inline'))} ms.`,
    'The warm-up passes of js/core.js (four in-memory calls, one task each) run after import: not in these figures (the',
    'Node process figure includes them); in Chromium ~20-50 ms for the first pass, 3-20 ms for each next one.',
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
