// A reference server in its own process, for tests that measure it (RSS, relay latency under a
// flood from yet another process). Options: JSON in argv[2] (startServer options). Prints one JSON
// line `{"wsUrl", "pid"}` when listening; answers IPC `{op: 'snapshot'}` with the snapshot and
// `{op: 'rss'}` with process.memoryUsage().rss (bytes), `{op: 'drain'}` after server.drain(); exits on IPC `{op: 'close'}` or disconnect.
import { startServer } from '../../demo/server.js';

const server = await startServer(JSON.parse(process.argv[2] ?? '{}'));
process.on('message', async (msg) => {
  if (msg?.op === 'snapshot') process.send({ op: 'snapshot', snapshot: server.snapshot() });
  else if (msg?.op === 'rss') process.send({ op: 'rss', rss: process.memoryUsage().rss });
  else if (msg?.op === 'drain') {
    await server.drain();
    process.send({ op: 'drain' });
  }
  else if (msg?.op === 'close') {
    await server.close();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ op: 'ready', wsUrl: server.wsUrl, pid: process.pid });
