/*
 * LimitGuard dashboard page. Plain browser JavaScript, no build step: live counts from the SSE
 * stream (/api/v1/stream), history and top blocked keys from the pass-through to the analytics
 * query API (/api/v1/history/...). Charts are uPlot, served by the app from its webjar.
 */
(() => {
  'use strict';

  const LIVE_SECONDS = 120;          // the live charts show the last two minutes
  const FAILURE_SECONDS = 10;        // the failure-mode panel looks at the last ten seconds
  const TOP_BLOCKED_SECONDS = 300;   // top blocked keys over the last five minutes
  const TOP_BLOCKED_POLL_MS = 5000;
  const HISTORY_TABLE_ROWS = 2000;   // a 1 s step over a day is 86,400 windows: the table shows the newest
  const STEP_SECONDS = { '1s': 1, '1m': 60, '1h': 3600 };

  const COLORS = { allowed: '#3fb950', blocked: '#f85149', rate: '#d29922', grid: '#2a3140', axis: '#8b96a5' };
  const $ = (id) => document.getElementById(id);
  const fmtInt = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
  const fmtRate = (r) => (r * 100).toFixed(r > 0 && r < 0.1 ? 1 : 0) + ' %';

  // ---------- counts semantics (same as io.limitguard.events.OutcomeCounts) ----------
  const total = (c) => c.allowed + c.blocked + c.shadowBlocked + c.failedOpen + c.failedClosed + c.localAllowed + c.localBlocked;
  const rejected = (c) => c.blocked + c.failedClosed + c.localBlocked;
  const letThrough = (c) => total(c) - rejected(c);
  const blockRate = (c) => { const t = total(c); return t === 0 ? 0 : rejected(c) / t; };

  // ---------- live state ----------
  /** topicKey -> { dimension, id, windows: Map(windowStart ms -> counts), points } */
  const series = new Map();
  const cards = new Map();           // route id -> { el, chart, figures }
  let newestWindow = 0;              // the newest 1 s window start seen, ms
  let renderQueued = false;

  function onCounts(update) {
    if (update.step !== '1s') return; // the live view is per second; coarser windows are history
    const key = update.dimension.toLowerCase() + ':' + update.id;
    let s = series.get(key);
    if (!s) {
      s = { dimension: update.dimension, id: update.id, windows: new Map(), points: 0, firstLive: update.windowStart };
      series.set(key, s);
      rememberId(update.dimension.toLowerCase(), update.id);
      backfill(s);
    }
    // A later update of the same window replaces the earlier one (counts only grow in a window).
    s.windows.set(update.windowStart, update.counts);
    s.points++;
    newestWindow = Math.max(newestWindow, update.windowStart);
    queueRender();
  }

  /**
   * Fills the two minutes before the first live update of a route or rule from the history API, so a
   * freshly opened page shows the recent past at once. Only windows older than the first live one are
   * taken: live updates stay the only source from then on. Without analytics the live view still works.
   */
  async function backfill(s) {
    const to = s.firstLive;
    const url = '/api/v1/history/block-rate?' + s.dimension.toLowerCase() + '=' + encodeURIComponent(s.id)
      + '&from=' + iso(to - LIVE_SECONDS * 1000) + '&to=' + iso(to) + '&step=1s';
    try {
      const body = await getJson(url);
      for (const w of body.windows) {
        const start = Date.parse(w.start);
        if (start < s.firstLive && !s.windows.has(start)) s.windows.set(start, w);
      }
      queueRender();
    } catch (e) {
      console.info('No history before the live stream for ' + s.id + ': ' + e.message);
    }
  }

  function prune() {
    const oldest = newestWindow - (LIVE_SECONDS + 5) * 1000;
    for (const s of series.values()) {
      for (const start of s.windows.keys()) {
        if (start < oldest) s.windows.delete(start);
      }
    }
  }

  function queueRender() {
    if (renderQueued) return;
    renderQueued = true;
    // At most a few renders per second, however many updates arrive.
    setTimeout(() => { renderQueued = false; render(); }, 250);
  }

  function render() {
    prune();
    const routes = [...series.values()].filter((s) => s.dimension === 'ROUTE').sort((a, b) => a.id.localeCompare(b.id));
    $('no-routes').hidden = routes.length > 0;
    let allowedNow = 0, blockedNow = 0;
    for (const s of routes) {
      const latest = s.windows.get(newestWindow);
      if (latest) { allowedNow += letThrough(latest); blockedNow += rejected(latest); }
      renderCard(s);
    }
    $('total-allowed').textContent = fmtInt.format(allowedNow);
    $('total-blocked').textContent = fmtInt.format(blockedNow);
    const sum = allowedNow + blockedNow;
    $('total-rate').textContent = sum === 0 ? '–' : fmtRate(blockedNow / sum);
    renderFailureModes();
  }

  /** Continuous per-second arrays for the last LIVE_SECONDS: a window with no update had no traffic. */
  function liveData(s) {
    const end = Math.floor(newestWindow / 1000);
    const xs = [], allowed = [], blocked = [], rate = [];
    for (let t = end - LIVE_SECONDS + 1; t <= end; t++) {
      const c = s.windows.get(t * 1000);
      xs.push(t);
      allowed.push(c ? letThrough(c) : 0);
      blocked.push(c ? rejected(c) : 0);
      rate.push(c ? blockRate(c) * 100 : null);
    }
    return [xs, allowed, blocked, rate];
  }

  function renderCard(s) {
    let card = cards.get(s.id);
    if (!card) card = createCard(s.id);
    const latest = s.windows.get(newestWindow) || s.windows.get(Math.max(...s.windows.keys()));
    card.allowed.textContent = latest ? fmtInt.format(letThrough(latest)) : '0';
    card.blocked.textContent = latest ? fmtInt.format(rejected(latest)) : '0';
    card.rate.textContent = latest ? fmtRate(blockRate(latest)) : '–';
    const mode = failureMode(recentSum(s));
    card.badge.className = 'badge ' + mode.css;
    card.badge.textContent = mode.label;
    card.el.dataset.points = String(s.points);
    card.chart.setData(liveData(s));
  }

  function createCard(id) {
    const el = document.createElement('article');
    el.className = 'card';
    el.dataset.route = id;
    el.dataset.points = '0';
    el.innerHTML = `
      <div class="card-head"><span class="card-title"></span><span class="badge normal">normal</span></div>
      <div class="figures">
        <div class="figure"><div class="label">allowed/s</div><div class="value ok" data-figure="allowed">0</div></div>
        <div class="figure"><div class="label">blocked/s</div><div class="value bad" data-figure="blocked">0</div></div>
        <div class="figure"><div class="label">block rate</div><div class="value rate" data-figure="rate">–</div></div>
      </div>
      <div class="chart"></div>`;
    el.querySelector('.card-title').textContent = id;
    // Keep cards in route order.
    const after = [...$('routes').children].find((c) => c.dataset.route.localeCompare(id) > 0);
    $('routes').insertBefore(el, after || null);
    const chartEl = el.querySelector('.chart');
    const chart = new uPlot(liveChartOptions(chartEl.clientWidth || 420), [[], [], [], []], chartEl);
    const card = {
      el, chart,
      allowed: el.querySelector('[data-figure=allowed]'),
      blocked: el.querySelector('[data-figure=blocked]'),
      rate: el.querySelector('[data-figure=rate]'),
      badge: el.querySelector('.badge'),
    };
    cards.set(id, card);
    return card;
  }

  function axis(extra) {
    return Object.assign({ stroke: COLORS.axis, grid: { stroke: COLORS.grid, width: 1 }, ticks: { stroke: COLORS.grid, width: 1 } }, extra);
  }

  function liveChartOptions(width) {
    return {
      width, height: 170,
      legend: { show: false },
      cursor: { points: { size: 6 } },
      scales: { x: { time: true }, rate: { range: [0, 100] } },
      axes: [
        axis({}),
        axis({ size: 48, values: (u, vals) => vals.map((v) => fmtInt.format(v)) }),
        axis({ scale: 'rate', side: 1, size: 44, grid: { show: false }, values: (u, vals) => vals.map((v) => v + '%') }),
      ],
      series: [
        {},
        { label: 'allowed/s', stroke: COLORS.allowed, width: 2, fill: 'rgba(63,185,80,.10)', points: { show: false } },
        { label: 'blocked/s', stroke: COLORS.blocked, width: 2, fill: 'rgba(248,81,73,.10)', points: { show: false } },
        { label: 'block rate', stroke: COLORS.rate, width: 1.5, dash: [4, 3], scale: 'rate', points: { show: false } },
      ],
    };
  }

  // ---------- failure mode ----------
  function recentSum(s) {
    const since = newestWindow - (FAILURE_SECONDS - 1) * 1000;
    const sum = { allowed: 0, blocked: 0, shadowBlocked: 0, failedOpen: 0, failedClosed: 0, localAllowed: 0, localBlocked: 0 };
    for (const [start, c] of s.windows) {
      if (start >= since) for (const k in sum) sum[k] += c[k];
    }
    return sum;
  }

  /** The gateway's state for a route or rule, from the outcomes of its recent decisions. */
  function failureMode(c) {
    if (c.failedClosed > 0) return { css: 'failed-closed', label: 'failed-closed' };
    if (c.failedOpen > 0) return { css: 'failed-open', label: 'failed-open' };
    if (c.localAllowed + c.localBlocked > 0) return { css: 'local', label: 'local counts' };
    return { css: 'normal', label: 'normal' };
  }

  function renderFailureModes() {
    const body = $('failure-modes').tBodies[0];
    const rows = [...series.values()].sort((a, b) => a.dimension.localeCompare(b.dimension) || a.id.localeCompare(b.id));
    $('failure-empty').hidden = rows.length > 0;
    body.replaceChildren(...rows.map((s) => {
      const c = recentSum(s);
      const mode = failureMode(c);
      const tr = document.createElement('tr');
      tr.dataset.key = s.dimension.toLowerCase() + ':' + s.id;
      tr.append(
        cell(s.dimension.toLowerCase() + ' ' + s.id, 'key'),
        badgeCell(mode),
        cell(fmtInt.format(c.failedOpen), 'num'),
        cell(fmtInt.format(c.failedClosed), 'num'),
        cell(fmtInt.format(c.localAllowed + c.localBlocked), 'num'));
      return tr;
    }));
  }

  function cell(text, css) {
    const td = document.createElement('td');
    td.textContent = text;
    if (css) td.className = css;
    return td;
  }

  function badgeCell(mode) {
    const td = document.createElement('td');
    const b = document.createElement('span');
    b.className = 'badge ' + mode.css;
    b.textContent = mode.label;
    td.append(b);
    return td;
  }

  // ---------- connection: EventSource with a visible state and a watchdog ----------
  let source = null;
  let lastMessage = 0;
  let heartbeatMs = 15000;
  let retryDelay = 1000;
  let retryTimer = null;
  // Server clock minus browser clock, from the heartbeats: history ranges are computed on the server's
  // clock, so a browser whose clock is off does not ask for windows analytics no longer keeps.
  let clockOffset = 0;
  const serverNow = () => Date.now() + clockOffset;

  function setConnection(state, detail) {
    document.body.dataset.connection = state;
    $('connection-label').textContent = {
      connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…', disconnected: 'disconnected',
    }[state];
    $('connection-detail').textContent = detail || '';
    $('offline-banner').hidden = state === 'live' || state === 'connecting';
  }

  function connect() {
    clearTimeout(retryTimer);
    if (source) source.close();
    source = new EventSource('/api/v1/stream');
    source.onopen = () => { retryDelay = 1000; lastMessage = Date.now(); setConnection('live'); };
    source.addEventListener('heartbeat', (e) => {
      lastMessage = Date.now();
      try {
        const beat = JSON.parse(e.data);
        heartbeatMs = beat.intervalMs || heartbeatMs;
        if (beat.serverTime) clockOffset = beat.serverTime - Date.now();
      } catch (ignored) { /* keep the last values */ }
      if (document.body.dataset.connection !== 'live') setConnection('live');
    });
    source.addEventListener('counts', (e) => {
      lastMessage = Date.now();
      onCounts(JSON.parse(e.data));
    });
    source.onerror = () => {
      if (source.readyState === EventSource.CONNECTING) {
        // The browser retries by itself (the server suggests 2 s).
        setConnection('reconnecting', 'server or network went away');
      } else {
        // The browser gave up (e.g. a proxy answered with an error): retry ourselves, backing off.
        setConnection('disconnected', 'retrying in ' + Math.round(retryDelay / 1000) + ' s');
        retryTimer = setTimeout(connect, retryDelay);
        retryDelay = Math.min(retryDelay * 2, 15000);
      }
    };
  }

  // A stream that stays open but goes silent (a stuck proxy) is as dead as a closed one.
  setInterval(() => {
    if (document.body.dataset.connection === 'live' && Date.now() - lastMessage > 3 * heartbeatMs + 1000) {
      setConnection('reconnecting', 'no heartbeat for ' + Math.round((Date.now() - lastMessage) / 1000) + ' s');
      connect();
    }
  }, 1000);

  // ---------- history pass-through ----------
  async function getJson(url) {
    const response = await fetch(url, { headers: { Accept: 'application/json, application/problem+json' } });
    const type = response.headers.get('Content-Type') || '';
    const body = type.includes('json') ? await response.json() : await response.text();
    if (!response.ok) {
      const detail = (body && body.detail) || (typeof body === 'string' && body) || response.statusText;
      throw new Error(response.status + ' ' + (body.title || response.statusText) + ': ' + detail);
    }
    return body;
  }

  const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

  async function refreshTopBlocked() {
    const now = serverNow();
    const url = '/api/v1/history/top-blocked?from=' + iso(now - TOP_BLOCKED_SECONDS * 1000) + '&to=' + iso(now) + '&limit=10';
    const error = $('top-blocked-error');
    try {
      const body = await getJson(url);
      error.hidden = true;
      const max = Math.max(1, ...body.keys.map((k) => k.blocked));
      $('top-blocked').tBodies[0].replaceChildren(...body.keys.map((k) => {
        const tr = document.createElement('tr');
        const bar = document.createElement('td');
        const fill = document.createElement('div');
        fill.className = 'bar';
        fill.style.width = (100 * k.blocked / max).toFixed(1) + '%';
        bar.append(fill);
        tr.append(cell(k.key, 'key'), cell(fmtInt.format(k.blocked), 'num'), bar);
        return tr;
      }));
      $('top-blocked-empty').hidden = body.keys.length > 0;
    } catch (e) {
      error.textContent = 'Analytics: ' + e.message;
      error.hidden = false;
    }
  }

  function rememberId(dimension, id) {
    const list = $('known-ids');
    if (![...list.options].some((o) => o.value === id)) {
      const option = document.createElement('option');
      option.value = id;
      option.label = dimension;
      list.append(option);
    }
    const input = $('history-id');
    if (!input.value && dimension === 'route') input.value = id;
  }

  function historyRange(stepSeconds) {
    const stepMs = stepSeconds * 1000;
    const range = $('history-range').value;
    let from, to;
    if (range === 'custom') {
      from = new Date($('history-from').value).getTime();
      to = new Date($('history-to').value).getTime();
      if (Number.isNaN(from) || Number.isNaN(to)) throw new Error('choose both from and to');
    } else {
      to = serverNow();
      from = to - Number(range) * 1000;
    }
    // Whole windows, to up to the end of the current window. from goes UP to a window start: rounding
    // it down could ask for a moment just beyond what analytics keeps, which it rightly refuses.
    const end = Math.ceil(to / stepMs) * stepMs;
    let start = Math.ceil(from / stepMs) * stepMs;
    if (start >= end) start = end - stepMs;
    return { from: start, to: end };
  }

  let historyChart = null;

  async function loadHistory(event) {
    if (event) event.preventDefault();
    const status = $('history-status');
    const error = $('history-error');
    const dimension = $('history-dimension').value;
    const id = $('history-id').value.trim();
    const step = $('history-step').value;
    let range;
    try {
      if (!id) throw new Error('enter a ' + dimension + ' id');
      range = historyRange(STEP_SECONDS[step]);
    } catch (e) {
      error.textContent = e.message;
      error.hidden = false;
      return;
    }
    const url = '/api/v1/history/block-rate?' + dimension + '=' + encodeURIComponent(id)
      + '&from=' + iso(range.from) + '&to=' + iso(range.to) + '&step=' + step;
    status.textContent = 'loading…';
    try {
      const body = await getJson(url);
      error.hidden = true;
      renderHistory(body);
      status.textContent = body.windows.length + ' windows of ' + body.step + ', ' + body.dimension + ' ' + body.id;
    } catch (e) {
      error.textContent = e.message;
      error.hidden = false;
      status.textContent = '';
    }
  }

  function renderHistory(body) {
    const w = body.windows;
    const data = [
      w.map((x) => Date.parse(x.start) / 1000),
      w.map((x) => x.total - (x.blocked + x.failedClosed + x.localBlocked)),
      w.map((x) => x.blocked + x.failedClosed + x.localBlocked),
      w.map((x) => x.blockRate * 100),
    ];
    const el = $('history-chart');
    if (historyChart) historyChart.destroy();
    const options = liveChartOptions(el.clientWidth || 900);
    options.height = 240;
    options.legend = { show: true };
    options.series[1].label = 'allowed';
    options.series[2].label = 'blocked';
    historyChart = new uPlot(options, data, el);

    const table = $('history-table');
    const rows = w.slice(-HISTORY_TABLE_ROWS).reverse(); // newest first
    table.tBodies[0].replaceChildren(...rows.map((x) => {
      const tr = document.createElement('tr');
      tr.append(
        cell(new Date(x.start).toLocaleString()),
        cell(fmtInt.format(x.allowed), 'num'),
        cell(fmtInt.format(x.blocked), 'num'),
        cell(fmtInt.format(x.shadowBlocked), 'num'),
        cell(fmtInt.format(x.failedOpen), 'num'),
        cell(fmtInt.format(x.failedClosed), 'num'),
        cell(fmtInt.format(x.localAllowed + x.localBlocked), 'num'),
        cell(fmtInt.format(x.total), 'num'),
        cell(fmtRate(x.blockRate), 'num'));
      return tr;
    }));
    table.hidden = false;
    table.dataset.rows = String(rows.length);
  }

  function resizeCharts() {
    for (const card of cards.values()) {
      const width = card.el.querySelector('.chart').clientWidth;
      if (width) card.chart.setSize({ width, height: 170 });
    }
    if (historyChart) historyChart.setSize({ width: $('history-chart').clientWidth, height: 240 });
  }

  // ---------- start ----------
  $('history-form').addEventListener('submit', loadHistory);
  $('history-range').addEventListener('change', () => {
    const range = $('history-range').value;
    document.querySelectorAll('.controls .custom').forEach((l) => { l.hidden = range !== 'custom'; });
    // 1 s windows are kept for an hour: beyond that, suggest minutes.
    if (range !== 'custom' && Number(range) > 3600 && $('history-step').value === '1s') $('history-step').value = '1m';
  });
  window.addEventListener('resize', () => { clearTimeout(resizeCharts.timer); resizeCharts.timer = setTimeout(resizeCharts, 150); });
  setConnection('connecting');
  connect();
  refreshTopBlocked();
  setInterval(refreshTopBlocked, TOP_BLOCKED_POLL_MS);
})();
