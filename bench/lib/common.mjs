// Shared by the benchmarks: statistics, machine facts, Chromium.
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { ROOT } from './size.mjs';

export const median = (xs) => quantile(xs, 0.5);
/** Nearest-rank quantile (p90 of 20 values is the 18th smallest). */
export function quantile(xs, q) {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s[Math.max(0, Math.ceil(q * s.length) - 1)];
}

/** `uptime` load averages now, as "1.23 0.98 0.80". */
export const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

export function machine() {
  let chromium = '';
  try { chromium = execFileSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8' }).trim(); } catch { /* absent */ }
  return { nproc: cpus().length, cpu: cpus()[0]?.model ?? '?', node: process.version, chromium };
}

/** Chromium with the project's e2e flags (fake devices, loopback ICE): tests/e2e/harness.js. */
export async function launchChromium(extraArgs = []) {
  const harness = await import(pathToFileURL(join(ROOT, 'tests', 'e2e', 'harness.js')).href);
  return harness.launchBrowser({ args: [...harness.DEFAULT_ARGS, ...extraArgs] });
}

/** The reference signaling server (demo/server.js) on 127.0.0.1, a free port. */
export async function startSignaling() {
  const { startServer } = await import(pathToFileURL(join(ROOT, 'demo', 'server.js')).href);
  return startServer({ port: 0, host: '127.0.0.1' });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
