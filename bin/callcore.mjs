#!/usr/bin/env node
// `npx callcore replay REPORT.json`: replays the flight recording in a page's logger.export()
// (the bug report a portal attaches) in a fresh core, here in Node, and prints each session's
// timeline — every step's outputs and whether they are the ones recorded in the page.
// Exit status: 0 identical, 1 a step differs, 2 the report could not be read. docs/debugging.md.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [command, file, ...rest] = process.argv.slice(2);
if (command !== 'replay' || !file || rest.length > 0) {
  console.error('usage: callcore replay REPORT.json   (REPORT.json: logger.export() of the page)');
  process.exit(2);
}
const tool = fileURLToPath(new URL('../dist/callcore-replay.cjs', import.meta.url));
if (!existsSync(tool)) {
  console.error(`callcore replay: ${tool} is missing (run npm run build in a checkout)`);
  process.exit(2);
}
const r = spawnSync(process.execPath, [tool, file], { stdio: 'inherit' });
process.exit(r.status ?? 2);
