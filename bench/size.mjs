// Size (issue 5; package layout): what a browser downloads for the consultation API in each
// variant (bench/lib/size.mjs: dist/callcore.js + dist/callcore.wasm, or the one-file
// dist/callcore.inline.js), the wasm binary, an anchor library, the budget, and what two product
// entries could share (the layout note in scripts/build.mjs). `--set-budget` rewrites
// bench/size-budget.json to the measured sizes + 5% (on purpose only); `--set-budget=sipSplit,sipInline`
// only those variants.
// Run: npm run bench -- size [--set-budget[=VARIANT,...]]   (or node bench/size.mjs after npm run build)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { BUDGET_FILE, ROOT, VARIANTS, measureDist, readBudget, sizes } from './lib/size.mjs';

/**
 * The JavaScript a second product entry (callcore/sip, callcore/room) could share with the
 * consultation: the shell modules that are not consultation-specific, bundled and minified alone
 * (js/core.js, which carries this product's wasm, left out).
 * @returns {Promise<{shell: object, coreFree: object, modules: string[], coreFreeModules: string[]}>}
 *   sizes() of all shareable modules, and of those that do not read the wasm module at all
 */
async function shareable() {
  const modules = ['emitter', 'store', 'elements', 'call-error', 'logger', 'dictionary'];
  const coreFreeModules = ['call-error', 'elements']; // import nothing that reads ./core.js
  const bundled = async (names) => {
    const result = await build({
      stdin: { contents: names.map((n) => `export * from './${n}.js';`).join('\n'), resolveDir: join(ROOT, 'js'), loader: 'js' },
      bundle: true, format: 'esm', platform: 'neutral', target: 'es2022', minify: true, legalComments: 'none', write: false,
      logLevel: 'silent',
      plugins: [{ name: 'core-external', setup(b) { b.onResolve({ filter: /\/core\.js$/ }, (args) => ({ path: args.path, external: true })); } }],
    });
    return sizes(Buffer.from(result.outputFiles[0].contents));
  };
  return { shell: await bundled(modules), coreFree: await bundled(coreFreeModules), modules, coreFreeModules };
}

/**
 * bench/size-budget.json := the measured sizes + 5% (rounded up) of `only` (default: every
 * variant); the other variants keep their budget and measurement from the file, when it has them.
 * @param {object} measured measureDist()
 * @param {string[]} [only] variant names of VARIANTS (`--set-budget=sipSplit,sipInline`)
 * @throws {Error} when `only` names an unknown variant
 */
export function setBudget(measured, only = Object.keys(VARIANTS)) {
  for (const v of only) if (!VARIANTS[v]) throw new Error(`setBudget: unknown variant ${v}; known: ${Object.keys(VARIANTS).join(', ')}`);
  let previous = { parts: {}, measuredAtBudget: {} };
  try { previous = readBudget(); } catch { /* no file yet: every variant is set */ }
  const parts = {};
  const measuredAtBudget = { date: new Date().toISOString().slice(0, 10) };
  if (only.length < Object.keys(VARIANTS).length) measuredAtBudget.dates = { ...(previous.measuredAtBudget.dates ?? {}) };
  for (const [variant, names] of Object.entries(VARIANTS)) {
    if (!only.includes(variant) && previous.parts[variant]) {
      parts[variant] = previous.parts[variant];
      measuredAtBudget[variant] = previous.measuredAtBudget[variant];
      if (measuredAtBudget.dates && !measuredAtBudget.dates[variant]) measuredAtBudget.dates[variant] = previous.measuredAtBudget.date;
      continue;
    }
    parts[variant] = {};
    for (const p of names) parts[variant][p] = { gzip: Math.ceil(measured[variant][p].gzip * 1.05), brotli: Math.ceil(measured[variant][p].brotli * 1.05) };
    measuredAtBudget[variant] = Object.fromEntries(names.map((p) => [p, measured[variant][p]]));
    if (measuredAtBudget.dates) measuredAtBudget.dates[variant] = measuredAtBudget.date;
  }
  const budget = {
    comment: 'Size budget of what a page downloads for the consultation API, the room API and the SIP API (tests/node/size-budget.test.js): measured size + 5% when set (npm run bench -- size --set-budget, or --set-budget=VARIANT,... for some variants only; measuredAtBudget.dates then says when each was measured); bytes, gzip -9 and brotli q11 (node:zlib). split = dist/callcore.js + dist/callcore.wasm (total = the two downloads added, js = the module, wasm = the binary); inline = dist/callcore.inline.js (total = the file, js = the file without the inlined wasm literal, wasm = that hex literal); roomSplit and roomInline: the same for dist/room.js + dist/room.wasm and dist/room.inline.js; sipSplit and sipInline for dist/sip.js + dist/sip.wasm and dist/sip.inline.js. See docs/benchmarks.md.',
    measuredAtBudget,
    parts,
  };
  writeFileSync(BUDGET_FILE, `${JSON.stringify(budget, null, 2)}\n`);
}

/** The variants `--set-budget[=a,b]` in `args` asks for: null (absent), every variant, or those named. */
export function setBudgetArg(args) {
  const arg = args.find((a) => a === '--set-budget' || a.startsWith('--set-budget='));
  if (!arg) return null;
  return arg === '--set-budget' ? Object.keys(VARIANTS) : arg.slice('--set-budget='.length).split(',').filter(Boolean);
}

/**
 * Runs the size benchmark.
 * @param {{setBudget?: boolean, log?: (line: string) => void}} [options]
 * @returns {Promise<object>} {dist: {split, inline}, wasmFile, shareable, budget, anchors}
 * @throws {Error} when dist/ or build/wasm is missing or stale (run npm run build)
 */
export async function size({ setBudget: set = false, log = () => {} } = {}) {
  const dist = measureDist();
  if (set) {
    const only = Array.isArray(set) ? set : Object.keys(VARIANTS);
    setBudget(dist, only);
    log(`bench/size-budget.json set to the measured sizes + 5% (${only.join(', ')})`);
  }
  const wasmFile = sizes(readFileSync(join(ROOT, 'build', 'wasm', 'callcore_core.wasm')));
  const spBundle = readFileSync(join(ROOT, 'node_modules', 'simple-peer', 'simplepeer.min.js'));
  return { dist, wasmFile, shareable: await shareable(), budget: readBudget(), anchors: { 'simple-peer': sizes(spBundle) } };
}

const ANCHORS = [
  ['simple-peer 9.11 (P2P only)', 'published ~28 KB gz; simplepeer.min.js measured here', 'simple-peer'],
  ['JsSIP (SIP only)', 'published 59 KB gz', null, 59000],
  ["LiveKit client's size budget", '150 KB (their budget)', null, 150000],
];

/**
 * The "## Size" section of docs/benchmarks.md from a stored result.
 * @param {{data: object}} r the stored result of size()
 * @param {{table: Function, int: Function, stamp: Function}} fmt bench/run.mjs's formatters
 * @returns {string} markdown
 */
export function sizeSection(r, { table, int, stamp }) {
  const d = r.data;
  const budget = d.budget.parts;
  const row = (variant, part, label) => {
    const m = d.dist[variant][part];
    return [label, int(m.raw), int(m.gzip), int(m.brotli), `${int(budget[variant][part].gzip)} / ${int(budget[variant][part].brotli)}`];
  };
  const split = d.dist.split.total;
  const inline = d.dist.inline.total;
  return [
    '## Size',
    '',
    'What a browser downloads for the consultation API, the room API and the SIP API, in each variant the package ships',
    '(minified by esbuild); a page of one product downloads nothing of the others.',
    'Bytes; gzip -9 and brotli q11 by node:zlib, each file compressed on its own as a server sends it.',
    '',
    table(['variant / part', 'raw', 'gzip', 'brotli', 'budget gzip / brotli'], [
      row('split', 'total', '**`callcore`**: dist/callcore.js + dist/callcore.wasm (two downloads)'),
      row('split', 'js', 'dist/callcore.js: SDK shell + Emscripten glue'),
      row('split', 'wasm', 'dist/callcore.wasm: the wasm core (binary)'),
      row('inline', 'total', '**`callcore/inline`**: dist/callcore.inline.js (one file)'),
      row('inline', 'js', 'its JavaScript: SDK shell + Emscripten glue'),
      row('inline', 'wasm', `its wasm core, inlined as hex text (${int(d.dist.inline.wasmBinary)} B binary)`),
      ...(d.dist.roomSplit ? [
        row('roomSplit', 'total', '**`callcore/room`**: dist/room.js + dist/room.wasm (two downloads)'),
        row('roomSplit', 'js', 'dist/room.js: VideoCallClient, shell + Emscripten glue'),
        row('roomSplit', 'wasm', 'dist/room.wasm: the room\'s wasm core (binary)'),
        row('roomInline', 'total', '**`callcore/room/inline`**: dist/room.inline.js (one file)'),
        row('roomInline', 'js', 'its JavaScript'),
        row('roomInline', 'wasm', `its wasm core, inlined as hex text (${int(d.dist.roomInline.wasmBinary)} B binary)`),
      ] : []),
      ...(d.dist.sipSplit ? [
        row('sipSplit', 'total', '**`callcore/sip`**: dist/sip.js + dist/sip.wasm (two downloads)'),
        row('sipSplit', 'js', 'dist/sip.js: SipConnector, shell + Emscripten glue'),
        row('sipSplit', 'wasm', 'dist/sip.wasm: the SIP user agent\'s wasm core (binary)'),
        row('sipInline', 'total', '**`callcore/sip/inline`**: dist/sip.inline.js (one file)'),
        row('sipInline', 'js', 'its JavaScript'),
        row('sipInline', 'wasm', `its wasm core, inlined as hex text (${int(d.dist.sipInline.wasmBinary)} B binary)`),
      ] : []),
    ]),
    '',
    `The split variant downloads ${int(inline.gzip - split.gzip)} B less gzip (${int(inline.brotli - split.brotli)} B less brotli) than the one file: the binary`,
    `compresses better than its hex text (${int(d.dist.split.wasm.gzip)} against ${int(d.dist.inline.wasm.gzip)} B gzip), and it compiles while it streams (Startup).`,
    `build/wasm/callcore_core.wasm: ${int(d.wasmFile.raw)} B (the same bytes as dist/callcore.wasm).`,
    '',
    `**Budget** (bench/size-budget.json, enforced by \`npm test\` in tests/node/size-budget.test.js): set at the sizes`,
    `measured on ${d.budget.measuredAtBudget.date} + 5%: \`callcore\` ≤ ${int(budget.split.total.gzip)} B gzip and ≤ ${int(budget.split.total.brotli)} B brotli in all,`,
    `\`callcore/inline\` ≤ ${int(budget.inline.total.gzip)} / ${int(budget.inline.total.brotli)}, and each part as in the table. The test fails naming the`,
    'variant, the part, its size and the budget.',
    ...(budget.roomSplit ? [
      `The room page's download has its own entries, set the same way: \`callcore/room\` (roomSplit) ≤ ${int(budget.roomSplit.total.gzip)} B gzip and`,
      `≤ ${int(budget.roomSplit.total.brotli)} B brotli in all, \`callcore/room/inline\` (roomInline) ≤ ${int(budget.roomInline.total.gzip)} / ${int(budget.roomInline.total.brotli)}, each part as in the table.`,
    ] : []),
    '',
    `**Per-product entries** (README.md, "Package layout"): the shell modules a second product could share with the`,
    `consultation (${d.shareable.modules.map((m) => `js/${m}.js`).join(', ')}), bundled and minified alone:`,
    `${int(d.shareable.shell.raw)} B, ${int(d.shareable.shell.gzip)} B gzip, ${int(d.shareable.shell.brotli)} B brotli; of which ${int(d.shareable.coreFree.gzip)} B gzip in modules that do not read the`,
    `product's wasm module (${d.shareable.coreFreeModules.map((m) => `js/${m}.js`).join(', ')}). Each entry duplicates them rather than`,
    'loading a shared chunk (one more request on every page, and the rest read their own product\'s wasm core).',
    '',
    'Anchors (published figures, not measured here unless said):',
    '',
    table(['library', 'size', '`callcore` total gzip vs it'], ANCHORS.map(([name, what, key, bytes]) => {
      const b = key ? d.anchors[key].gzip : bytes;
      return [name, key ? `${what}: ${int(b)} B gzip` : what, `${(split.gzip / b).toFixed(2)}×`];
    })),
    '',
    stamp(r),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await size({ setBudget: setBudgetArg(process.argv) ?? false, log: console.error }), null, 1));
}
