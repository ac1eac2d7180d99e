// Debian's Firefox ESR for the cross-browser e2e tests (tests/e2e/firefox.test.js), driven by
// puppeteer-core over WebDriver BiDi (Playwright cannot drive Debian's ESR; puppeteer-core never
// downloads a browser). launchFirefox() returns the shape of harness.js's launchBrowser() —
// {context: {newPage()}, close()} — whose pages answer the Playwright calls harness.js makes
// (evaluate(fn, arg), waitForFunction(fn, arg, {timeout, polling}), goto, on, close), so the
// suite's helpers (suite.newPage, createParty, waitForStats, …) drive a Firefox page unchanged.
import puppeteer from 'puppeteer-core';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { WAIT_MS } from './harness.js';

/** The Firefox ESR binary (Debian package firefox-esr; FIREFOX_PATH overrides). */
export const FIREFOX = process.env.FIREFOX_PATH || '/usr/bin/firefox-esr';

/** True when FIREFOX exists on this machine. */
export function haveFirefox() {
  return existsSync(FIREFOX);
}

/**
 * Firefox preferences for calls between pages of `origin` (e.g. 'http://127.0.0.1:PORT') on
 * loopback, each seen working with Firefox ESR 153:
 * - fake camera and microphone, no permission prompt, autoplay allowed;
 * - ICE: `ice.loopback` gathers 127.0.0.1 and ::1 too, `obfuscate_host_addresses: false` gives
 *   addresses instead of mDNS names (fake devices alone do not count as granted). Like Chromium,
 *   Firefox also gathers on the machine's other interfaces, whose addresses are local too (no
 *   packet leaves the machine); `media.peerconnection.ice.force_interface` changes nothing in
 *   ESR 153 (checked: 'lo' and 'eth0' both still gather every interface), so it is not set. Only
 *   a network namespace with just `lo` keeps every pair on 127.0.0.1;
 * - camera/microphone granted to `origin` by default (`permissions.default.*` and a defaults
 *   file named by `permissions.manager.defaultsUrl`, written by launchFirefox): with fake devices
 *   and no grant, Firefox hides host addresses and gathers on the default route only;
 * - background tabs' timers not clamped to 1 s;
 * - no first-run pages, updates, telemetry or remote settings (no traffic off the machine).
 */
export function firefoxPrefs() {
  return {
    'media.navigator.streams.fake': true,
    'media.navigator.permission.disabled': true,
    'media.autoplay.default': 0,
    'media.peerconnection.ice.loopback': true,
    'media.peerconnection.ice.obfuscate_host_addresses': false,
    'permissions.default.camera': 1,
    'permissions.default.microphone': 1,
    'dom.min_background_timeout_value_without_budget_throttling': 4,
    'app.update.enabled': false,
    'app.update.auto': false,
    'datareporting.policy.dataSubmissionEnabled': false,
    'toolkit.telemetry.enabled': false,
    'browser.shell.checkDefaultBrowser': false,
    'browser.startup.homepage_override.mstone': 'ignore',
    'services.settings.server': 'http://127.0.0.1:9/',
    'network.captive-portal-service.enabled': false,
    'network.connectivity-service.enabled': false,
  };
}

/**
 * A puppeteer-core Page seen through the Playwright calls harness.js makes. Playwright passes
 * one argument after the function and the options last; puppeteer takes the options first.
 * Events: 'console' (msg.type(), msg.text()), 'pageerror', 'requestfailed', 'close' as they are;
 * Playwright's 'crash' is puppeteer's 'error'.
 */
function playwrightShaped(page) {
  return {
    raw: page,
    label: undefined,
    evaluate: (fn, arg) => page.evaluate(fn, arg),
    waitForFunction: (fn, arg, { timeout = WAIT_MS, polling = 100 } = {}) =>
      page.waitForFunction(fn, { timeout, polling }, arg),
    goto: (url, { waitUntil = 'load', timeout = WAIT_MS } = {}) => page.goto(url, { waitUntil, timeout }),
    on(event, listener) {
      page.on(event === 'crash' ? 'error' : event, listener);
      return this;
    },
    close: () => page.close(),
    isClosed: () => page.isClosed(),
  };
}

/**
 * Launches Firefox ESR headless with a fresh profile (firefoxPrefs(), camera and microphone
 * granted to `origin`) over WebDriver BiDi. Takes 3-5 s. Returns {kind: 'firefox', version
 * (e.g. 'firefox/153.8.0'), pid, dir, context: {newPage()}, close()}; the first newPage() is the
 * window Firefox opened at start, later ones open tabs. close() closes the browser (SIGKILL by PID
 * if it has not gone within 10 s) and removes the profile. Throws when FIREFOX is missing or does
 * not start within 60 s.
 */
export async function launchFirefox({ origin, prefs = {} } = {}) {
  if (!haveFirefox()) throw new Error(`firefox-esr not found at ${FIREFOX}: install it with scripts/install-deps.sh --browser`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'callcore-e2e-firefox-'));
  const allPrefs = { ...firefoxPrefs(), ...prefs };
  if (origin) {
    // One line per permission: origin TAB type TAB capability (1 = allow) TAB origin.
    const file = path.join(dir, 'permissions-defaults.txt');
    writeFileSync(file, ['camera', 'microphone'].map((p) => `origin\t${p}\t1\t${origin}\n`).join(''));
    allPrefs['permissions.manager.defaultsUrl'] = pathToFileURL(file).href;
  }
  let browser;
  try {
    browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX,
      headless: true,
      userDataDir: path.join(dir, 'profile'),
      extraPrefsFirefox: allPrefs,
      timeout: 60000,
      protocolTimeout: 60000,
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const pid = browser.process()?.pid ?? null;
  const version = await browser.version();
  let first = (await browser.pages())[0] ?? null;
  let closed = false;
  return {
    kind: 'firefox',
    version,
    pid,
    dir,
    browser,
    context: {
      async newPage() {
        const page = first ?? (await browser.newPage());
        first = null;
        return playwrightShaped(page);
      },
    },
    async close() {
      if (closed) return;
      closed = true;
      let timer;
      try {
        await Promise.race([
          browser.close(),
          new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('close deadline')), 10000); }),
        ]);
      } catch {
        if (pid) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
      } finally {
        clearTimeout(timer);
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
