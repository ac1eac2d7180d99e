// Kamailio for the SIP e2e tests (docs/sip.md "Tests"): Debian's kamailio 5.6 with the project's
// config (tests/e2e/kamailio/kamailio.cfg) on 127.0.0.1, a free port, digest users in db_text
// files of a temp dir (auth_db, plain passwords). Readiness: its port accepts a TCP connection
// (polled with a deadline, never a fixed sleep). stop() kills it by PID (SIGTERM, then SIGKILL)
// and removes the temp dir, also on failure; an exit hook kills it if the test process ends
// without calling stop(). Media never goes through Kamailio (the pages' ICE is end to end on
// loopback), so no namespace is needed.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, stopChild } from '../servers.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const KAMAILIO_CANDIDATES = [process.env.KAMAILIO_PATH, '/usr/sbin/kamailio', '/usr/bin/kamailio'].filter(Boolean);
/** The digest realm of kamailio.cfg (auth_challenge / auth_check). */
export const KAMAILIO_REALM = 'example.test';

/** The kamailio binary, or null when the Debian package is missing (scripts/install-deps.sh --browser). */
export function kamailioPath() {
  return KAMAILIO_CANDIDATES.find((p) => existsSync(p)) ?? null;
}

const running = new Set();
process.once('exit', () => {
  for (const child of running) {
    try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ }
  }
});

/** Resolves once 127.0.0.1:`port` accepts a TCP connection; rejects after `timeoutMs` or when the process died. */
async function waitForPort(port, timeoutMs, alive, log) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
      socket.setTimeout(500, () => { socket.destroy(); resolve(false); });
    });
    if (ok) return;
    if (!alive()) throw new Error(`kamailio exited before 127.0.0.1:${port} listened:\n${log()}`);
    if (Date.now() > deadline) throw new Error(`kamailio did not listen on 127.0.0.1:${port} within ${timeoutMs} ms:\n${log()}`);
    await new Promise((r) => setTimeout(r, 50)); // poll interval of a deadline wait
  }
}

/**
 * Starts one Kamailio instance.
 * @param {object} [options]
 * @param {'MD5' | 'SHA-256'} [options.algorithm='MD5'] the digest algorithm it challenges with
 *   (Kamailio 5.6: one per instance)
 * @param {Record<string, string>} [options.users] user → password (db_text `subscriber` rows)
 * @param {number} [options.timeoutMs=15000] readiness deadline
 * @returns {Promise<{url: string, port: number, domain: string, realm: string, pid: number,
 *   log: () => string, stop: () => Promise<void>}>} url = ws://127.0.0.1:PORT/ (subprotocol sip)
 * @throws {Error} when kamailio is missing or does not listen in time (the process and the temp
 *   dir are removed first)
 */
export async function startKamailio({ algorithm = 'MD5', users = { alice: 'alicepw', bob: 'bobpw' }, timeoutMs = 15000 } = {}) {
  const binary = kamailioPath();
  if (!binary) throw new Error('kamailio is not installed: run scripts/install-deps.sh --browser (Debian packages kamailio kamailio-websocket-modules)');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'callcore-kamailio-'));
  const dbDir = path.join(dir, 'db');
  mkdirSync(dbDir);
  // db_text tables (Kamailio's dbtext schema): the version table names subscriber's version 7.
  writeFileSync(path.join(dbDir, 'version'), 'id(int,auto) table_name(string) table_version(int)\n0:subscriber:7\n');
  const rows = Object.entries(users).map(([user, password], i) => `${i + 1}:${user}:${KAMAILIO_REALM}:${password}::`);
  writeFileSync(path.join(dbDir, 'subscriber'), `id(int,auto) username(string) domain(string) password(string) ha1(string,null) ha1b(string,null)\n${rows.join('\n')}\n`);
  const port = await freePort();
  const cfg = path.join(dir, 'kamailio.cfg');
  writeFileSync(cfg, readFileSync(path.join(HERE, 'kamailio.cfg'), 'utf8').replaceAll('@PORT@', String(port)).replaceAll('@DBTEXT_DIR@', dbDir));
  const args = ['-DD', '-E', '-f', cfg, '-Y', dir, '-w', dir, '-P', path.join(dir, 'kamailio.pid'), '-m', '32', '-M', '4'];
  if (algorithm === 'SHA-256') args.push('-A', 'WITH_SHA256');
  else if (algorithm !== 'MD5') throw new Error(`startKamailio: algorithm must be MD5 or SHA-256; got ${algorithm}`);
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let output = '';
  const collect = (d) => { output = (output + d).slice(-20000); };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const alive = () => child.exitCode === null && child.signalCode === null;
  const stop = async () => {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, timeoutMs, alive, () => output);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `ws://127.0.0.1:${port}/`, port, domain: '127.0.0.1', realm: KAMAILIO_REALM, pid: child.pid, log: () => output, stop };
}
