// Memory (issue 5, item 5): call / hangUp cycles in one Chromium page (bench/pages/memory.html),
// doctor and client in the same page through the reference signaling server, in two modes:
// 'reuse' (the same RTCDoctor/RTCClient call again) and 'fresh' (new objects per cycle,
// destroy()ed). Sampled at the start, after the warm-up cycles, half-way and at the end, each after
// a forced GC (CDP HeapProfiler.collectGarbage): wasm memory (diagnostics.wasmHeapBytes()), wasm
// heap in use (diagnostics.wasmHeapInUse(), then again with the logger cleared), JS heap used (CDP Runtime.getHeapUsage), RTCPeerConnections constructed /
// closed / collected (FinalizationRegistry) / still open, local tracks still live,
// allMediaStreams length, logger entries.
// Plus, in Node: the wasm heap bytes in use (emmalloc statistics) over the same number of whole
// calls replayed through the wasm core (sessions created and deleted), i.e. leaks of the C++
// core itself. Run: npm run bench -- memory [--cycles=200]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ROOT } from './lib/size.mjs';
import { launchChromium, load, sleep, startSignaling } from './lib/common.mjs';
import { startStaticServer } from './lib/static.mjs';
import { recordCall } from './throughput.mjs';

const require = createRequire(import.meta.url);
const WARMUP = 10;

async function measure(page, cdp) {
  for (let i = 0; i < 3; i++) {
    await cdp.send('HeapProfiler.collectGarbage');
    await sleep(200); // FinalizationRegistry callbacks run after the GC
  }
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  const sample = await page.evaluate(() => window.sample());
  // Then the core's heap without the page logger (which refills within ~15 cycles).
  const wasmHeapInUseLoggerCleared = await page.evaluate(() => window.heapInUseLoggerCleared());
  return { jsHeapUsed: usedSize, ...sample, wasmHeapInUseLoggerCleared };
}

async function pageCycles(browser, statics, signaling, mode, cycles, log) {
  const page = await browser.context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${statics.url}/bench/pages/memory.html`, { waitUntil: 'load' });
  await page.waitForFunction(() => window.ready === true, undefined, { timeout: 20000 });
  const cdp = await page.context().newCDPSession(page);
  await page.evaluate((o) => window.setup(o), { wsUrl: signaling.wsUrl, consultationId: `bench-memory-${mode}-${process.pid}`, mode });
  const samples = { start: await measure(page, cdp) };
  const started = Date.now();
  for (let i = 1; i <= cycles; i++) {
    await page.evaluate(() => window.cycle());
    if (i === WARMUP) samples.warm = await measure(page, cdp);
    if (i === Math.floor(cycles / 2)) samples.mid = await measure(page, cdp);
    if (i % 50 === 0) log(`memory ${mode}: ${i} cycles`);
  }
  samples.end = await measure(page, cdp);
  const seconds = (Date.now() - started) / 1000;
  await page.close();
  return { mode, cycles, seconds, samples, errors };
}

/** Whole calls replayed through the wasm core in Node; emmalloc bytes in use. */
async function coreReplay(cycles) {
  const call = recordCall();
  const createModule = require(join(ROOT, 'build', 'wasm', 'callcore_core.cjs'));
  const core = await createModule({ wasmBinary: readFileSync(join(ROOT, 'build', 'wasm', 'callcore_core.wasm')) });
  const inUse = () => core._emmalloc_dynamic_heap_size() - core._emmalloc_free_dynamic_memory();
  const steps = call.inputs.map(({ side, input }) => ({ side: side === 'doctor' ? 0 : 1, text: JSON.stringify(input) }));
  const oneCall = () => {
    let now = 1000;
    const sides = [new core.Consultation('doctor', JSON.stringify(call.doctorParams), now), new core.Consultation('client', JSON.stringify(call.clientParams), now)];
    sides[0].drain(0);
    sides[1].drain(0);
    for (const s of steps) sides[s.side].handle(s.text, ++now);
    sides[0].delete();
    sides[1].delete();
  };
  const samples = { start: inUse() };
  // The page logger (1000 entries) fills during the first ~20 calls; measure after that, and
  // with the logger emptied (at the warm sample and at the end) to compare what else is held.
  const warm = 30;
  for (let i = 1; i <= cycles; i++) {
    oneCall();
    if (i === warm) {
      samples.warm = inUse();
      core.loggerClear();
      samples.warmLoggerCleared = inUse();
    }
  }
  samples.end = inUse();
  core.loggerClear();
  samples.endLoggerCleared = inUse();
  return { cycles, warm, samples, wasmMemoryBytes: core.HEAP8.length };
}

export async function memory({ cycles = 200, log = () => {} } = {}) {
  const loadBefore = load();
  const signaling = await startSignaling();
  const statics = await startStaticServer();
  const browser = await launchChromium();
  const pages = [];
  try {
    for (const mode of ['reuse', 'fresh']) pages.push(await pageCycles(browser, statics, signaling, mode, cycles, log));
  } finally {
    await browser.close();
    await statics.close();
    await signaling.close();
  }
  const core = await coreReplay(cycles);
  return { cycles, warmup: WARMUP, load: { before: loadBefore, after: load() }, pages, core };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const cycles = Number(process.argv.find((a) => a.startsWith('--cycles='))?.slice(9) ?? 200);
  console.log(JSON.stringify(await memory({ cycles, log: console.log }), null, 1));
}
