// The Janus of `npm run demo`'s room page (demo/room.html): started with the project's own
// configuration (tests/e2e/janus/*.jcfg: VideoRoom room 4242, VP8/opus, 8 publishers) in a network
// namespace of its own, as the room e2e tests do (tests/e2e/janus/janus.js: Janus offers ICE
// candidates only on a non-loopback interface, so it gets a veth pair; the browser on this machine
// reaches it at the namespace's address). That needs root and the Debian package `janus`; when
// either is missing, or the user gives a Janus of their own (--janus-url / JANUS_URL), this says
// what to do instead of failing: the demo's consultation pages work without Janus.
import { JANUS_ROOM, janusPath, namespaceUnavailable, startJanusInNamespace } from '../tests/e2e/janus/janus.js';

/** What to run to install Janus (the Debian package), as printed and shown on the room page. */
export const INSTALL_JANUS = 'sudo scripts/install-deps.sh --browser   (or: sudo apt-get install -y janus)';

/**
 * Decides and starts the room demo's Janus.
 * @param {object} [options]
 * @param {string} [options.janusUrl] a Janus WebSocket URL of the user's own (ws:// or wss://):
 *   used as is, nothing is started
 * @param {number} [options.room=4242] the VideoRoom room id with `janusUrl` (the started Janus has 4242)
 * @param {{janusPath?: () => string | null, namespaceUnavailable?: () => string | null,
 *   start?: () => Promise<{url: string, stop: () => Promise<void>}>}} [options.probe] for tests:
 *   replace the checks and the start of tests/e2e/janus/janus.js
 * @returns {Promise<{settings: {janusUrl: string, room: number, started: boolean} | {unavailable: string},
 *   stop: () => Promise<void>}>} `settings` is what /demo-room serves to the page (demo/server.js
 *   demoRoom); `stop` kills the started Janus and removes its namespace (a no-op otherwise)
 */
export async function startDemoJanus({ janusUrl, room = JANUS_ROOM, probe = {} } = {}) {
  const none = async () => {};
  if (janusUrl) {
    if (!/^wss?:\/\//.test(janusUrl)) return { settings: { unavailable: `--janus-url ${janusUrl} is not a ws:// or wss:// URL` }, stop: none };
    return { settings: { janusUrl, room, started: false }, stop: none };
  }
  const find = probe.janusPath ?? janusPath;
  if (!find()) {
    return {
      settings: { unavailable: `Janus is not installed. Install it with: ${INSTALL_JANUS}; then run npm run demo again.` },
      stop: none,
    };
  }
  const why = (probe.namespaceUnavailable ?? namespaceUnavailable)();
  if (why) {
    return {
      settings: {
        unavailable: `Janus is installed but needs a network namespace of its own, which needs root (${why}). `
          + 'Run the demo as root: sudo npm run demo — or start a Janus yourself and give its WebSocket URL: '
          + 'npm run demo -- --janus-url ws://HOST:8188/ [--janus-room ID].',
      },
      stop: none,
    };
  }
  try {
    const janus = await (probe.start ?? startJanusInNamespace)();
    return { settings: { janusUrl: janus.url, room: JANUS_ROOM, started: true }, stop: () => janus.stop() };
  } catch (error) {
    return { settings: { unavailable: `Janus did not start: ${error.message.split('\n')[0]}` }, stop: none };
  }
}
