// `npm run server` (demo/server.js CLI): no start without a token key unless --dev, which warns;
// a secret file or CALLCORE_JWT_SECRET turns tokens on; --limit and --allowed-origins are applied.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect, room, token, REPO, SECRET } from './helpers.js';

const SERVER = path.join(REPO, 'demo/server.js');

/** Runs the CLI; resolves {code, out, err} at exit, or at the first ws URL line with `child` still running. */
function run(args, env = {}) {
  const child = spawn(process.execPath, [SERVER, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`no start/exit: ${out} ${err}`)); }, 10000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /signaling server: (ws:\S+)/.exec(out);
      if (m) { clearTimeout(timer); resolve({ child, wsUrl: m[1], out, get err() { return err; } }); }
    });
    child.once('exit', (code) => { clearTimeout(timer); resolve({ code, out, err }); });
  });
}

async function stop(child) {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  return exited;
}

test('without a key the server refuses to start (exit 2) and says how to start it', async () => {
  const env = { CALLCORE_JWT_SECRET: '' };
  const r = await run([], env);
  assert.equal(r.code, 2);
  assert.match(r.err, /no token key given/);
  assert.match(r.err, /--dev/);
  const short = await run([], { CALLCORE_JWT_SECRET: 'short' });
  assert.equal(short.code, 2);
  assert.match(short.err, /at least 32 bytes/);
});

test('--dev starts without tokens and prints a warning', async () => {
  const r = await run(['--dev'], { CALLCORE_JWT_SECRET: '' });
  try {
    assert.match(r.err, /WARNING: --dev/);
    const a = await connect(r.wsUrl);
    const j = await a.join({ consultationId: room(), clientId: 'u', name: 'u' });
    assert.equal(j.type, 'joined');
    await a.close();
  } finally {
    assert.equal(await stop(r.child), 0);
  }
});

test('--jwt-secret-file (or CALLCORE_JWT_SECRET) requires tokens; --limit and --allowed-origins apply', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'callcore-cli-'));
  try {
    const file = path.join(dir, 'secret');
    await writeFile(file, `${SECRET}\n`);
    for (const [args, env] of [[['--jwt-secret-file', file], {}], [[], { CALLCORE_JWT_SECRET: SECRET }]]) {
      const r = await run([...args, '--limit', 'joinTimeoutMs=300', '--allowed-origins', 'https://portal.example'], env);
      try {
        assert.doesNotMatch(r.err, /WARNING/);
        await assert.rejects(connect(r.wsUrl), (e) => e.status === 403);
        const opts = { origin: 'https://portal.example' };
        const anon = await connect(r.wsUrl, opts);
        assert.equal((await anon.join({ consultationId: 'c', clientId: 'u' })).data.code, 'unauthorized');
        const idle = await connect(r.wsUrl, opts);
        assert.equal(await idle.closed, 4408, 'joinTimeoutMs=300 applied');
        const ok = await connect(r.wsUrl, opts);
        assert.equal((await ok.join({ token: await token(room(), 'doctor') })).type, 'joined');
        await ok.close();
      } finally {
        assert.equal(await stop(r.child), 0);
      }
    }
    const bad = await run(['--jwt-secret-file', file, '--limit', 'noSuchLimit=3']);
    assert.equal(bad.code, 2);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
