// The bundle-size budget (issue 5; package layout): what a browser downloads for the
// consultation API, for the room API (`callcore/room`: dist/room.js + dist/room.wasm, and
// dist/room.inline.js) and for the SIP API (`callcore/sip`, likewise), in both variants the package ships — `callcore` (dist/callcore.js +
// dist/callcore.wasm) and `callcore/inline` (dist/callcore.inline.js) — per part (total, its
// JavaScript, its wasm), gzip -9 and brotli q11, must stay within bench/size-budget.json. The
// budget is set at the measured size + 5% (docs/benchmarks.md); raise it only on purpose, in the
// same commit as the growth.
// Run: node --test tests/node/size-budget.test.js (after npm run build); figures: npm run bench -- size
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import {
  DIST, DIST_INLINE, DIST_ROOM, DIST_ROOM_INLINE, DIST_ROOM_WASM, DIST_SIP, DIST_SIP_INLINE, DIST_SIP_WASM, DIST_WASM, VARIANTS,
  measureDist, overBudget, readBudget,
} from '../../bench/lib/size.mjs';

test('every package variant (consultation, room and SIP, split and inline) stays within the size budget (bench/size-budget.json)', () => {
  for (const file of [DIST, DIST_WASM, DIST_INLINE, DIST_ROOM, DIST_ROOM_WASM, DIST_ROOM_INLINE, DIST_SIP, DIST_SIP_WASM, DIST_SIP_INLINE]) assert.ok(existsSync(file), `${file} is missing: run npm run build first`);
  const budget = readBudget();
  // Every variant and part is budgeted (a part left out of the file would silently escape the check).
  assert.deepEqual(Object.fromEntries(Object.entries(budget.parts).map(([v, parts]) => [v, Object.keys(parts)])), VARIANTS);
  const over = overBudget(measureDist(), budget);
  const lines = over.map(({ part, encoding, size, budget: limit }) =>
    `  ${part} (${encoding}): ${size} bytes > budget ${limit} bytes (+${size - limit})`);
  assert.deepEqual(lines, [], `the package grew past its size budget:\n${lines.join('\n')}\n` +
    'Shrink it, or raise bench/size-budget.json on purpose and record why in docs/benchmarks.md.');
});

test('the budget check names a part that grew', () => {
  const measured = measureDist();
  const budget = readBudget();
  const tight = structuredClone(budget);
  tight.parts.split.wasm.gzip = measured.split.wasm.gzip - 1;
  assert.deepEqual(overBudget(measured, tight), [{ part: 'split.wasm', encoding: 'gzip', size: measured.split.wasm.gzip, budget: measured.split.wasm.gzip - 1 }]);
  assert.throws(() => overBudget(measured, { parts: { split: { nope: { gzip: 1 } } } }), /unknown part split\.nope\.gzip/);
});
