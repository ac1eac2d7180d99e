#!/usr/bin/env node
// `npm run bench [-- NAME ...] [--calls=20] [--loads=20] [--cycles=200] [--iterations=2000] [--no-build]`
// Runs the benchmarks (all, or those named: size, size-variants, latency, answer, throughput,
// startup, memory; answer also takes --pause=1500), prints their tables, stores each result with
// its command, date, machine and load in bench/results.json, and writes docs/benchmarks.md from
// every stored result (so one benchmark can be rerun alone) followed by bench/notes.md (the
// hand-written analysis).
// Benchmarks, never timed tests: nothing here fails on a slow figure (the size budget is
// enforced by tests/node/size-budget.test.js instead).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './lib/size.mjs';
import { sizeSection } from './size.mjs';
import { startupSection } from './startup.mjs';
import { load, machine } from './lib/common.mjs';

const RESULTS = join(ROOT, 'bench', 'results.json');
const DOC = join(ROOT, 'docs', 'benchmarks.md');
const NOTES = join(ROOT, 'bench', 'notes.md');
const ALL = ['size', 'size-variants', 'throughput', 'startup', 'latency', 'answer', 'memory'];

const args = process.argv.slice(2);
const option = (name, fallback) => Number(args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback);
const names = args.filter((a) => !a.startsWith('--'));
for (const n of names) if (!ALL.includes(n)) throw new Error(`unknown benchmark ${n}; one of ${ALL.join(', ')}`);
// `--doc-only`: rewrite docs/benchmarks.md from bench/results.json and bench/notes.md, run nothing.
const selected = args.includes('--doc-only') ? [] : names.length ? names : ALL;

// ---- formatting -----------------------------------------------------------------------------
const kb = (bytes) => (bytes / 1000).toFixed(1);
const ms = (x) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const int = (x) => Math.round(x).toLocaleString('en-US');
const table = (head, rows) => [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const stamp = (r) => `Command: \`${r.command}\` — ${r.date}, load average (1/5/15 min) ${r.load.before} before, ${r.load.after} after; ${r.machine.nproc} cores, ${r.machine.cpu}, Node ${r.machine.node}${r.machine.chromium ? `, ${r.machine.chromium}` : ''}.`;

function sizeVariantsSection(r) {
  const steps = r.data.steps;
  const first = steps[0];
  const last = steps[steps.length - 1];
  const pct = (a, b) => `${(((a - b) / b) * 100).toFixed(0)}%`;
  return [
    '### Before / after',
    '',
    'The wasm module built step by step (each row adds its measure to the ones above; `emcmake cmake',
    '-DCALLCORE_WASM_MIN=OFF` with the flags shown, `callcore_wasm` target), and what inlining it in the',
    'bundle costs: Emscripten\'s SINGLE_FILE used base64; scripts/build.mjs now inlines hex.',
    '',
    table(['step', 'wasm raw', 'wasm gzip', 'wasm brotli', 'base64 gzip', 'hex gzip', 'hex brotli'], steps.map((s) => [
      `${s.step}: ${s.what}`, int(s.wasm.raw), int(s.wasm.gzip), int(s.wasm.brotli), int(s.base64.gzip), int(s.hex.gzip), int(s.hex.brotli),
    ])),
    '',
    `Wasm binary: ${int(first.wasm.raw)} → ${int(last.wasm.raw)} B (${pct(last.wasm.raw, first.wasm.raw)}); inlined and gzipped:`,
    `${int(first.base64.gzip)} B (base64, before) → ${int(last.hex.gzip)} B (hex, after) (${pct(last.hex.gzip, first.base64.gzip)}).`,
    `Compile flags of the last step: \`${last.cxx}\`; link: \`${last.ld}\`. The shipped module also exports emmalloc's two`,
    'heap statistics functions (for the memory benchmark): the few hundred bytes between the last row and the Size table.',
    '',
    stamp(r),
  ].join('\n');
}

function latencySection(r) {
  const d = r.data.results;
  const v = d.vanilla;
  const rows = Object.entries(d).map(([kind, x]) => [
    kind, `${x.calls}${x.failures.length ? ` (+${x.failures.length} failed)` : ''}`,
    ms(x.ice.median), ms(x.ice.p90), ms(x.frame.median), ms(x.frame.p90),
    `${(x.ice.median / v.ice.median).toFixed(2)} / ${(x.frame.median / v.frame.median).toFixed(2)}`,
  ]);
  const c = d.callcore;
  const sp = d['simple-peer'];
  const verdict = (name, ok) => `${name}: ${ok ? 'met' : '**missed**'}`;
  const lines = [
    '## Call setup latency',
    '',
    'Headless Chromium (Debian), loopback, fake camera and microphone, one browser, the three contenders interleaved',
    '(callcore, vanilla, simple-peer, callcore, …) after one warm-up call each; every call between two fresh pages',
    '(caller, callee) of bench/pages/ through the reference signaling server (demo/server.js). The pages are',
    'instrumented identically (bench/pages/instrument.js).',
    '',
    '- **t0**: the caller page\'s mark just before the call starts: before `doctor.call()` for callcore, before',
    '  `getUserMedia()` for vanilla and simple-peer. Both pages are loaded and both sockets have joined the',
    '  consultation before t0 (socket set-up is not counted).',
    '- **ICE connected**: t0 → the callee\'s RTCPeerConnection reports iceConnectionState `connected` (first',
    '  `connected` or `completed` event).',
    '- **first frame**: t0 → the callee\'s `getStats()` (polled every 5 ms) first shows an `inbound-rtp` video',
    '  report with `framesDecoded > 0`.',
    '- Flows: **vanilla** caller getUserMedia → offer; callee getUserMedia when the offer arrives → answer; trickle',
    '  ICE. **simple-peer** the same, through its `signal` data. **callcore** (consultation protocol): doctor',
    '  getUserMedia → `enter` → client replies `enter` and, its app calling `client.call()` on EVENT_LIST.ENTER,',
    '  acquires media while the doctor offers (the client holds the offer) → `accept` and the answer; trickle',
    '  ICE. The enter/accept exchange is a round trip vanilla and simple-peer do not have; it overlaps the',
    '  client\'s getUserMedia. callcore runs four in-memory warm-up calls, one task each, after its import',
    '  (js/core.js), before t0, as in any page that loads the SDK before the user calls.',
    '- `node bench/latency.mjs --warm-pages` measures instead the second call made in the same two pages.',
    '',
    table(['contender', 'calls', 'ICE connected median', 'p90', 'first frame median', 'p90', 'ratio to vanilla (ICE / frame)'], rows),
    '',
    `Target: callcore within 10% of vanilla and faster than simple-peer — ${verdict('ICE within 10% of vanilla', c.ice.median <= 1.1 * v.ice.median)},`,
    `${verdict('first frame within 10% of vanilla', c.frame.median <= 1.1 * v.frame.median)}; ${verdict('faster than simple-peer (ICE)', c.ice.median < sp.ice.median)},`,
    `${verdict('faster than simple-peer (first frame)', c.frame.median < sp.frame.median)} (medians, ms).`,
    '',
    'Where the time goes: median time of each step from t0 (ms; both pages, first occurrence of each mark):',
    '',
  ];
  for (const [kind, x] of Object.entries(d)) {
    lines.push(`**${kind}**: ${x.timeline.map((t) => `${t.what} ${ms(t.median)}`).join(' → ')}`, '');
  }
  lines.push(stamp(r));
  return lines.join('\n');
}

function answerSection(r) {
  const d = r.data.results;
  const v = d.vanilla;
  const ratio = (x, k) => (x[k].median / v[k].median).toFixed(2);
  const rows = Object.entries(d).map(([kind, x]) => [
    kind, `${x.calls}${x.failures.length ? ` (+${x.failures.length} failed)` : ''}`,
    ms(x.client.median), ms(x.client.p90), ms(x.doctor.median), ms(x.doctor.p90),
    `${ratio(x, 'client')} / ${ratio(x, 'doctor')}`,
    x.ring.iceConnected ? `${x.ring.iceConnected} of ${x.calls}, ${int(x.ring.framesDecoded)} frames, ${int(x.ring.bytesSent)} B sent` : '–',
  ]);
  const c = d.callcore;
  const g = r.data.goals;
  const verdict = (k) => (c[k].median <= g[k] * v[k].median ? 'met' : '**missed**');
  const lines = [
    '## Instant answer',
    '',
    'Answer (`client.call()`) → the first remote frame decoded on each side (issue 14; docs/api.md "Instant answer").',
    'Headless Chromium (Debian), loopback, fake camera and microphone, one browser; the contenders interleaved',
    '(callcore, vanilla, callcore-nopreconnect, callcore, …) after one warm-up call each; every call between two fresh',
    'pages (bench/pages/answer-callcore.html, answer-vanilla.html) through the reference signaling server.',
    '',
    `- **Ringing**: the caller calls (callcore: \`doctor.call()\`; vanilla: getUserMedia, offer sent, its candidates`,
    '  trickled); the callee rings (callcore: EVENT_LIST.ENTER; vanilla: the offer arrived and is held). Then a fixed',
    `  **${r.data.pauseMs} ms pause** models the person taking a moment before pressing Answer (callcore preconnects meanwhile).`,
    '- **t0**: the callee page\'s mark just before `client.call()` (vanilla: before its getUserMedia; then',
    '  setRemoteDescription of the held offer, addTrack, the held candidates, createAnswer / setLocalDescription,',
    '  the answer sent; then ICE, DTLS, media).',
    '- **client\'s first frame**: t0 → the first moment the client\'s app has the doctor\'s video (callcore:',
    '  EVENT_LIST.REMOTE_STREAM; vanilla: the video `track` event) and its `getStats()` (polled every 5 ms from t0)',
    '  shows `inbound-rtp` video with `framesDecoded > 0`; frames decoded while ringing count from the moment the app',
    '  is given the stream.',
    '- **doctor\'s first frame**: t0 → the doctor\'s `getStats()` (polled every 5 ms) first shows `inbound-rtp` video',
    '  with `framesDecoded > 0`.',
    '- **callcore-nopreconnect**: callcore with `preconnect: false` (the offer is held until `call()`).',
    '',
    table(['contender', 'calls', 'client first frame median', 'p90', 'doctor first frame median', 'p90', 'ratio to vanilla (client / doctor)', 'client\'s connection at t0 (ICE connected, doctor frames decoded, bytes sent)'], rows),
    '',
    `Goal (medians): the client\'s first frame ≤ ${g.client}× vanilla: ${verdict('client')}; the doctor\'s ≤ ${g.doctor}× vanilla: ${verdict('doctor')}.`,
    '',
    'Where the time goes: median time of each step from t0 (ms; both pages, first occurrence after t0):',
    '',
  ];
  for (const [kind, x] of Object.entries(d)) {
    lines.push(`**${kind}**: ${x.timeline.map((t) => `${t.what} ${ms(t.median)}`).join(' → ')}`, '');
  }
  lines.push(stamp(r));
  return lines.join('\n');
}

function throughputSection(r) {
  const d = r.data;
  const n = d.native;
  const rows = [
    ['native, state machine only (inputs as C++ values)', int(n.decoded.inputsPerSecond), ms(n.decoded.nsPerInput / 1000)],
    ['native, JSON in and out (what bindings.cpp does, no JS)', int(n.json.inputsPerSecond), ms(n.json.nsPerInput / 1000)],
    ['wasm under Node, `Session.handle(json, now)`', int(d.wasm.inputsPerSecond), ms(d.wasm.nsPerInput / 1000)],
    ['wasm + the shell\'s JSON.stringify / JSON.parse (js/shell/loop.js)', int(d.wasmShell.inputsPerSecond), ms(d.wasmShell.nsPerInput / 1000)],
    ['no-op input (stale timerFired), native JSON path', int(n.noop.inputsPerSecond), ms(n.noop.nsPerInput / 1000)],
    ['no-op input, wasm `Session.handle`', int(d.wasmNoop.inputsPerSecond), ms(d.wasmNoop.nsPerInput / 1000)],
    ['empty embind call (`loggerClear()` on an empty log)', int(d.emptyCall.inputsPerSecond), ms(d.emptyCall.nsPerInput / 1000)],
  ];
  return [
    '## Core throughput',
    '',
    `A whole consultation call — ${d.inputsPerCall} inputs to the two sessions: media, enter/accept, offer/answer with a`,
    'Chrome-sized SDP (~3.5 KB, redacted by the logger), 6 ICE candidates each way, state changes, tracks, a mute,',
    `hang up — recorded once by bench/core_throughput.cpp and replayed ${int(d.iterations)} times on fresh sessions (the`,
    'page logger, 1000 entries, stays full). Native: g++ -O3 (CMake Release); wasm: the shipped module (-Oz, LTO).',
    '',
    table(['path', 'inputs / s', 'µs / input'], rows),
    '',
    `Per-input cost of the JS⇄wasm boundary: an empty embind call costs ${ms(d.emptyCall.nsPerInput)} ns; a no-op input costs`,
    `${ms(d.wasmNoop.nsPerInput / 1000)} µs through wasm against ${ms(n.noop.nsPerInput / 1000)} µs natively (string in and out, JSON parse of the`,
    `input, "[]" out). A whole call costs the core ${ms((d.wasm.nsPerInput * d.inputsPerCall) / 1e6)} ms of CPU in wasm`,
    `(${ms((d.wasmShell.nsPerInput * d.inputsPerCall) / 1e6)} ms with the shell's JSON), ${ms((n.json.nsPerInput * d.inputsPerCall) / 1e6)} ms natively, once the code is warm. The first call`,
    `through a freshly instantiated module (a page's first call: Liftoff code, cold caches) takes ${ms(d.cold.firstCallMs)} ms, the second`,
    `${ms(d.cold.secondCallMs)} ms (medians of ${d.cold.runs} fresh Node processes).`,
    '',
    stamp(r),
  ].join('\n');
}

function memorySection(r) {
  const d = r.data;
  const rows = [];
  for (const p of d.pages) {
    for (const key of ['start', 'warm', 'mid', 'end']) {
      const s = p.samples[key];
      if (!s) continue;
      const at = { start: 'before', warm: `after ${d.warmup}`, mid: `after ${Math.floor(p.cycles / 2)}`, end: `after ${p.cycles}` }[key];
      const inUse = s.wasmHeapInUse === undefined ? '–' : `${int(s.wasmHeapInUse)} / ${int(s.wasmHeapInUseLoggerCleared)}`;
      rows.push([`${p.mode}: ${at}`, int(s.wasmHeapBytes), inUse, int(s.jsHeapUsed),
        `${s.pcs.constructed} / ${s.pcs.closed} / ${s.pcs.collected} / ${s.pcs.open}`, s.liveLocalTracks, s.allMediaStreams, s.loggerEntries]);
    }
  }
  const growth = (p) => (p.samples.end.jsHeapUsed - p.samples.warm.jsHeapUsed) / (p.cycles - d.warmup);
  const coreGrowth = (p) => (p.samples.end.wasmHeapInUseLoggerCleared - p.samples.mid.wasmHeapInUseLoggerCleared) / (p.cycles - Math.floor(p.cycles / 2));
  const c = d.core;
  return [
    '## Memory',
    '',
    `${d.cycles} call / hangUp cycles in one Chromium page (bench/pages/memory.html): doctor and client in the same page,`,
    'through the reference signaling server, each cycle waiting for both sides `connected`, then `ended`. Mode',
    '**reuse**: the same RTCDoctor / RTCClient call again; mode **fresh**: new objects every cycle, `destroy()`ed',
    'after the hang up. Each sample after three forced GCs (CDP HeapProfiler.collectGarbage).',
    '',
    table(['sample', 'wasm memory B', 'wasm heap in use B / logger cleared', 'JS heap used B', 'RTCPeerConnections constructed / closed / collected / open', 'live local tracks', 'allMediaStreams', 'logger entries'], rows),
    '',
    ...d.pages.map((p) => `- ${p.mode}: JS heap ${growth(p) >= 0 ? '+' : ''}${int(growth(p))} B per cycle between cycle ${d.warmup} and ${p.cycles} (${ms(p.seconds)} s for the ${p.cycles} cycles)` +
      (p.samples.mid?.wasmHeapInUseLoggerCleared === undefined ? '.' : `; wasm heap in use, logger cleared, ${coreGrowth(p) >= 0 ? '+' : ''}${int(coreGrowth(p))} B per cycle between cycle ${Math.floor(p.cycles / 2)} and ${p.cycles}.`)),
    '',
    `"wasm memory" is \`diagnostics.wasmHeapBytes()\`, the size of the wasm memory: it grows in 64 KiB pages from`,
    `16 MiB and never shrinks, so it only shows a leak past 16 MiB. "wasm heap in use" is \`diagnostics.wasmHeapInUse()\`,`,
    `the bytes the core holds (emmalloc's statistics), then the same once \`logger.clear()\` emptied the page logger (it refills`,
    `within ~15 cycles). A reused call object also remembers the last 1024 inbound messageIds (duplicate detection,`,
    `docs/reliability.md): up to ~200 KB per object, full after ~60 calls for the client (~17 ids per call) and ~130`,
    `for the doctor (~8): what 'reuse' gains until then, flat afterwards. The same figure is`,
    `measured in Node over ${c.cycles} whole calls replayed through the shipped wasm module`,
    `(sessions created and deleted): ${int(c.samples.start)} B in use before, ${int(c.samples.warm)} B after ${c.warm} calls (the page`,
    `logger's 1000 entries are full by then) and ${int(c.samples.warmLoggerCleared)} B once the logger is cleared; ${int(c.samples.end)} B after`,
    `${c.cycles} calls and ${int(c.samples.endLoggerCleared)} B once cleared: ${int((c.samples.endLoggerCleared - c.samples.warmLoggerCleared) / (c.cycles - c.warm))} B per call held by the core.`,
    '',
    stamp(r),
  ].join('\n');
}

const fmt = { table, int, ms, kb, stamp };
const SECTIONS = {
  size: (r) => sizeSection(r, fmt), 'size-variants': sizeVariantsSection, latency: latencySection, answer: answerSection,
  throughput: throughputSection,
  startup: (r) => startupSection(r, fmt), memory: memorySection,
};

function writeDoc(results) {
  const parts = [
    '# callcore benchmarks',
    '',
    'Written by `npm run bench` (bench/run.mjs) from bench/results.json; every figure carries the command that',
    'produced it, the date, the machine and its load. Benchmarks, not timed tests; only the size budget is',
    'enforced (by `npm test`). Run one: `npm run bench -- latency` (or size, size-variants, answer, throughput,',
    'startup, memory); the others keep their stored figures. The machine is shared with other builds and browsers: compare',
    'figures of one run, not across runs.',
    '',
  ];
  for (const name of ['size', 'size-variants', 'latency', 'answer', 'throughput', 'startup', 'memory']) {
    if (results[name]) parts.push(SECTIONS[name](results[name]), '');
  }
  if (existsSync(NOTES)) parts.push(readFileSync(NOTES, 'utf8').trim(), '');
  writeFileSync(DOC, parts.join('\n'));
}

// ---- run ----------------------------------------------------------------------------------
if (!args.includes('--no-build')) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
const results = existsSync(RESULTS) ? JSON.parse(readFileSync(RESULTS, 'utf8')) : {};
const log = (line) => console.error(line);
const info = machine();
for (const name of selected) {
  const before = load();
  let data;
  let command = `npm run bench -- ${name}`;
  if (name === 'size') {
    const sizeModule = await import('./size.mjs');
    data = await sizeModule.size({ setBudget: sizeModule.setBudgetArg(args) ?? false, log });
  } else if (name === 'size-variants') {
    data = (await import('./size-variants.mjs')).sizeVariants({ log });
  } else if (name === 'latency') {
    const calls = option('calls', 20);
    command += ` --calls=${calls}`;
    data = await (await import('./latency.mjs')).latency({ calls, log });
  } else if (name === 'answer') {
    const calls = option('calls', 10);
    const pauseMs = option('pause', 1500);
    command += ` --calls=${calls}${pauseMs === 1500 ? '' : ` --pause=${pauseMs}`}`;
    data = await (await import('./answer.mjs')).answer({ calls, pauseMs, log });
  } else if (name === 'throughput') {
    const iterations = option('iterations', 2000);
    command += ` --iterations=${iterations}`;
    data = await (await import('./throughput.mjs')).throughput({ iterations });
  } else if (name === 'startup') {
    const loads = option('loads', 20);
    command += ` --loads=${loads}`;
    data = await (await import('./startup.mjs')).startup({ loads, log });
  } else if (name === 'memory') {
    const cycles = option('cycles', 200);
    command += ` --cycles=${cycles}`;
    data = await (await import('./memory.mjs')).memory({ cycles, log });
  }
  results[name] = { command, date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), load: { before, after: load() }, machine: info, data };
  writeFileSync(RESULTS, `${JSON.stringify(results, null, 1)}\n`);
  console.log(`\n${SECTIONS[name](results[name])}\n`);
}
writeDoc(results);
console.log(`wrote ${DOC}`);
