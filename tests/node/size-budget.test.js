// The bundle-size budget (issue 5): what a browser downloads for the consultation API,
// dist/callcore.js, per part (whole file, its JavaScript, the inlined wasm), gzip -9 and
// brotli q11, must stay within bench/size-budget.json. The budget started at the measured size
// + 5% (docs/benchmarks.md); raise it only on purpose, in the same commit as the growth.
// Run: node --test tests/node/size-budget.test.js (after npm run build); figures: npm run bench -- size
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { DIST, measureDist, overBudget, readBudget } from '../../bench/lib/size.mjs';

test('dist/callcore.js stays within the size budget (bench/size-budget.json)', () => {
  assert.ok(existsSync(DIST), `${DIST} is missing: run npm run build first`);
  const measured = measureDist();
  const over = overBudget(measured, readBudget());
  const lines = over.map(({ part, encoding, size, budget }) =>
    `  ${part} (${encoding}): ${size} bytes > budget ${budget} bytes (+${size - budget})`);
  assert.deepEqual(lines, [], `dist/callcore.js grew past its size budget:\n${lines.join('\n')}\n` +
    'Shrink it, or raise bench/size-budget.json on purpose and record why in docs/benchmarks.md.');
});
