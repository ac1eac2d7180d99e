// The demo's quality badge and diagnostics panel. They only display what the core computed
// (docs/api.md "Stats and quality"): the level and MOS of the store's `peers[].quality` and of the
// STATS / QUALITY_CHANGED events, and the figures of each STATS event, charted with uPlot. Nothing
// is computed here: a series is one field of the payload, drawn as it came.
//
// One Diagnostics per page; follow(call) for each call instance, stop() when its call ended (the
// listeners and the store are removed; the charts keep that call's last figures until the next
// call's first report). No timer of its own: the charts move when a STATS event arrives.

/** Samples kept per chart: the last two minutes at the core's 1 s interval. */
export const WINDOW = 120;

const IN_VIDEO = '#2563eb';
const IN_AUDIO = '#93c5fd';
const OUT_VIDEO = '#16a34a';
const OUT_AUDIO = '#86efac';

// A series reads one field of one stream of the payload (first stream of that direction and kind:
// the demo sends one camera and one microphone), or one top-level field.
const stream = (dir, kind, field) => (p) => p[dir]?.find((s) => s.kind === kind)?.[field];
const CHARTS = [
  {
    key: 'bitrate', title: 'Bitrate (bps)', unit: 'bps',
    series: [
      { label: 'in video', color: IN_VIDEO, value: stream('inbound', 'video', 'bitrate') },
      { label: 'in audio', color: IN_AUDIO, value: stream('inbound', 'audio', 'bitrate') },
      { label: 'out video', color: OUT_VIDEO, value: stream('outbound', 'video', 'bitrate') },
      { label: 'out audio', color: OUT_AUDIO, value: stream('outbound', 'audio', 'bitrate') },
    ],
  },
  {
    key: 'rtt', title: 'Round trip (ms)', unit: 'ms',
    series: [
      { label: 'candidate pair', color: IN_VIDEO, value: (p) => p.rttMs },
      { label: 'out video (RTCP)', color: OUT_VIDEO, value: stream('outbound', 'video', 'rttMs') },
      { label: 'out audio (RTCP)', color: OUT_AUDIO, value: stream('outbound', 'audio', 'rttMs') },
    ],
  },
  {
    key: 'loss', title: 'Packet loss (%)', unit: '%',
    series: [
      { label: 'in video', color: IN_VIDEO, value: stream('inbound', 'video', 'packetLoss') },
      { label: 'in audio', color: IN_AUDIO, value: stream('inbound', 'audio', 'packetLoss') },
      { label: 'out video', color: OUT_VIDEO, value: stream('outbound', 'video', 'packetLoss') },
      { label: 'out audio', color: OUT_AUDIO, value: stream('outbound', 'audio', 'packetLoss') },
    ],
  },
  {
    key: 'fps', title: 'Frames per second', unit: 'fps',
    series: [
      { label: 'in video', color: IN_VIDEO, value: stream('inbound', 'video', 'fps') },
      { label: 'out video', color: OUT_VIDEO, value: stream('outbound', 'video', 'fps') },
    ],
  },
];

const LEVELS = ['excellent', 'good', 'poor', 'lost', 'unknown'];
const LEVEL_TEXT = {
  excellent: 'excellent', good: 'good', poor: 'poor', lost: 'lost', unknown: 'measuring…',
};

/** Axis labels: 1.2M, 350k, 12 (display only). */
function shortNumber(v) {
  if (v == null) return '';
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  return `${+v.toFixed(1)}`;
}

export class Diagnostics {
  /**
   * @param {{badge: HTMLElement, panel: HTMLDetailsElement}} elements the badge (`<b>` in the
   *   header) and the panel (`<details>`), both empty; this fills them
   * @param {{EVENT_LIST: object, createCallStore: Function}} sdk what the page imported
   */
  constructor({ badge, panel }, { EVENT_LIST, createCallStore }) {
    this.EVENT_LIST = EVENT_LIST;
    this.createCallStore = createCallStore;
    this.offs = [];            // unsubscribe functions of the followed call (emitter + store)
    this.store = null;
    this.following = false;    // a call instance is followed (follow() .. stop())
    this.inCall = false;       // its call is connecting or connected (the store's callState)
    this.fresh = true;         // no report from it yet: the next one starts new charts
    this.updates = 0;          // STATS events of the current / last call
    this.level = null;         // the store's peers[0].quality, null outside a call
    this.mos = undefined;      // the last MOS the core gave (STATS / QUALITY_CHANGED)
    this.uPlot = null;
    this.charts = {};          // key → uPlot instance
    this.columns = {};         // key → [xs, ...ys], the charts' data (at most WINDOW points)

    badge.innerHTML = '<span class="quality-level" aria-live="polite">—</span><span class="quality-mos"></span>';
    badge.title = 'Connection quality of the far side, as the core rates it (docs/api.md, Stats and quality)';
    this.badge = badge;
    this.badgeLevel = badge.querySelector('.quality-level');
    this.badgeMos = badge.querySelector('.quality-mos');

    panel.innerHTML = `
      <summary><h2>Diagnostics</h2> <span class="diag-status">no call yet</span></summary>
      <p class="diag-path"></p>
      <div class="charts">${CHARTS.map((c) => `<div class="chart" data-chart="${c.key}" data-points="0"></div>`).join('')}</div>
      <p class="diag-note"></p>`;
    this.panel = panel;
    this.status = panel.querySelector('.diag-status');
    this.path = panel.querySelector('.diag-path');
    this.note = panel.querySelector('.diag-note');
    for (const c of CHARTS) this.columns[c.key] = [[], ...c.series.map(() => [])];
    this.render();
  }

  /** Loads uPlot and draws the (empty) charts; without it the badge still works. */
  async load() {
    try {
      this.uPlot = (await import('/vendor/uplot/uPlot.esm.js')).default;
    } catch (err) {
      this.note.textContent = `Charts unavailable: /vendor/uplot/uPlot.esm.js did not load (run npm install). ${err?.message ?? ''}`;
      return;
    }
    for (const c of CHARTS) {
      const holder = this.panel.querySelector(`[data-chart="${c.key}"]`);
      this.charts[c.key] = new this.uPlot({
        title: c.title,
        width: holder.clientWidth || 480,
        height: 170,
        scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(max ?? 0, c.unit === '%' ? 5 : 1)] } },
        series: [{}, ...c.series.map((s) => ({
          label: s.label, stroke: s.color, width: 1.5, spanGaps: false,
          value: (u, v) => (v == null ? '—' : `${shortNumber(v)} ${c.unit}`),
        }))],
        axes: [
          { space: 70, values: (u, vals) => vals.map((v) => new Date(v * 1000).toLocaleTimeString()) },
          { size: 56, values: (u, vals) => vals.map(shortNumber) },
        ],
      }, this.columns[c.key], holder);
    }
    // Follow the panel's width (0 while it is closed: nothing to do then).
    this.resizer = new ResizeObserver(() => {
      for (const c of CHARTS) {
        const holder = this.panel.querySelector(`[data-chart="${c.key}"]`);
        const u = this.charts[c.key];
        if (holder.clientWidth > 0 && holder.clientWidth !== u.width) u.setSize({ width: holder.clientWidth, height: 170 });
      }
    });
    for (const holder of this.panel.querySelectorAll('.chart')) this.resizer.observe(holder);
  }

  /** Follows a call instance: its STATS and QUALITY_CHANGED events, and its store's quality. */
  follow(call) {
    this.stop();
    const { EVENT_LIST } = this;
    this.offs.push(call.emitter.on(EVENT_LIST.STATS, ({ payload }) => this.onStats(payload)));
    this.offs.push(call.emitter.on(EVENT_LIST.QUALITY_CHANGED, ({ payload }) => {
      if (payload.mos !== undefined) this.mos = payload.mos;
      this.render();
    }));
    this.store = this.createCallStore(call);
    const onStore = () => {
      // The far side's level while the media path is up (before, the core says 'unknown').
      const snapshot = this.store.getSnapshot();
      const inCall = snapshot.callState === 'connected' || snapshot.callState === 'connecting';
      const quality = inCall ? snapshot.peers[0]?.quality ?? null : null;
      if (quality !== this.level || inCall !== this.inCall) {
        this.level = quality;
        this.inCall = inCall;
        this.render();
      }
    };
    this.offs.push(this.store.subscribe(onStore));
    this.following = true;
    this.inCall = false;
    this.fresh = true;
    this.level = null;
    this.mos = undefined;
    onStore();
    this.render();
  }

  /** The call ended (or its instance is going): no more listeners, the charts stay as they are. */
  stop() {
    for (const off of this.offs.splice(0)) off();
    this.store?.destroy();
    this.store = null;
    if (!this.following) return;
    this.following = false;
    this.inCall = false;
    this.level = null;
    this.mos = undefined;
    this.render();
  }

  /** How many listeners this holds on the followed call and its store (for tests: 0 or 3). */
  get listeners() {
    return this.offs.length;
  }

  get live() {
    return this.following && this.inCall && !this.fresh;
  }

  onStats(payload) {
    if (!this.following) return;
    if (this.fresh) {
      // A new call's first report: the previous call's figures go.
      this.fresh = false;
      this.updates = 0;
      for (const cols of Object.values(this.columns)) for (const col of cols) col.length = 0;
    }
    this.updates += 1;
    if (payload.mos !== undefined) this.mos = payload.mos;
    const t = Date.now() / 1000;
    for (const c of CHARTS) {
      const cols = this.columns[c.key];
      cols[0].push(t);
      c.series.forEach((s, i) => cols[i + 1].push(s.value(payload) ?? null));
      if (cols[0].length > WINDOW) for (const col of cols) col.shift();
      this.charts[c.key]?.setData(cols);
    }
    const pair = payload.candidatePair;
    this.path.textContent = pair
      ? `path: ${pair.localType} → ${pair.remoteType}, ${pair.protocol}${pair.relayProtocol ? ` (relay over ${pair.relayProtocol})` : ''}`
        + `${pair.availableOutgoingBitrate ? `, available outgoing ${shortNumber(pair.availableOutgoingBitrate)}bps` : ''}`
      : '';
    this.render();
  }

  /** The badge, the status line and the data attributes tests read. */
  render() {
    const level = this.following && LEVELS.includes(this.level) ? this.level : null;
    this.badge.dataset.quality = level ?? 'none';
    this.badgeLevel.textContent = level ? LEVEL_TEXT[level] : '—';
    this.badgeMos.textContent = level && this.mos !== undefined ? ` · MOS ${this.mos.toFixed(1)}` : '';

    const samples = this.columns[CHARTS[0].key][0].length;
    this.status.textContent = this.live ? `live, ${samples} samples`
      : this.following && this.inCall ? 'waiting for the first figures'
        : this.updates ? `last call, ${samples} samples (ended)` : 'no call yet';
    Object.assign(this.panel.dataset, { live: this.live ? '1' : '0', samples: String(samples), updates: String(this.updates) });
    for (const c of CHARTS) {
      const points = this.columns[c.key].slice(1).reduce((n, col) => n + col.filter((v) => v != null).length, 0);
      this.panel.querySelector(`[data-chart="${c.key}"]`).dataset.points = String(points);
    }
  }
}
