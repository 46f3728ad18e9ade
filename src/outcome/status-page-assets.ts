import { createHash } from 'node:crypto';

/**
 * The status page's inline stylesheet and script, and the Content-Security-Policy that allows
 * exactly these two (by their SHA-256 hashes) and nothing else: no other script or style, no
 * external request of any kind, no framing, no forms. Both are constants, so the policy is too.
 */

export const STATUS_PAGE_CSS = `
:root{color-scheme:light dark;--bg:#f5f6f8;--fg:#15171c;--muted:#555c6b;--card:#fff;--line:#d5d9e0;
--ok:#0f5c27;--ok-bg:#dff3e5;--warn:#7a4a00;--warn-bg:#ffefcf;--bad:#9c1414;--bad-bg:#fde2e2;
--off:#3f4450;--off-bg:#e6e8ec;--held:#4d2796;--held-bg:#ece3fc;--focus:#1a5fd0}
@media (prefers-color-scheme:dark){:root{--bg:#0f1115;--fg:#eceef2;--muted:#a9afbc;--card:#1a1d24;
--line:#313641;--ok:#86e3a6;--ok-bg:#133320;--warn:#ffd07a;--warn-bg:#3b2a07;--bad:#ffa3a3;
--bad-bg:#4a1515;--off:#c8ccd5;--off-bg:#2a2e37;--held:#cdb6ff;--held-bg:#2e2247;--focus:#8ab4ff}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Ubuntu,sans-serif}
.wrap{max-width:1120px;margin:0 auto;padding:12px 16px 32px}
header.top{display:flex;flex-wrap:wrap;align-items:baseline;justify-content:space-between;gap:4px 16px}
h1{font-size:1.25rem;margin:4px 0}
h2{font-size:1.1rem;margin:0 0 10px}
h3{font-size:1rem;margin:0 0 6px;display:flex;flex-wrap:wrap;gap:6px;align-items:center;overflow-wrap:anywhere}
section{margin-top:18px}
.muted{color:var(--muted)}
.count{font-weight:400;color:var(--muted);font-size:.95rem}
a{color:var(--focus)}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.banner{border-radius:10px;padding:14px 16px;border:2px solid currentColor}
.banner h2{font-size:1.6rem;margin:0 0 4px;letter-spacing:.01em}
.banner p{margin:4px 0}
.banner ul{margin:8px 0 0;padding-left:1.2em}
.banner li{margin:3px 0;overflow-wrap:anywhere}
.ok{color:var(--ok);background:var(--ok-bg)}
.warn{color:var(--warn);background:var(--warn-bg)}
.bad{color:var(--bad);background:var(--bad-bg)}
.off{color:var(--off);background:var(--off-bg)}
.held{color:var(--held);background:var(--held-bg)}
.banner .detail{color:var(--fg)}
.banner ul.summary{display:flex;flex-wrap:wrap;gap:6px;margin:10px 0 6px;padding:0;list-style:none;color:var(--fg)}
.banner .summary li{margin:0;font-size:.92rem;background:var(--card);border:1px solid var(--line);border-radius:6px;padding:1px 8px}
.badge{display:inline-block;border-radius:999px;padding:1px 10px;font-size:.85rem;font-weight:650;border:1px solid currentColor;white-space:nowrap}
.cards{list-style:none;margin:0;padding:0;display:grid;gap:10px;grid-template-columns:repeat(auto-fill,minmax(290px,1fr))}
.card{background:var(--card);border:1px solid var(--line);border-left-width:6px;border-radius:8px;padding:10px 12px;min-width:0}
.card.is-ok{border-left-color:var(--ok)}
.card.is-warn{border-left-color:var(--warn)}
.card.is-bad{border-left-color:var(--bad)}
.card.is-off{border-left-color:var(--off)}
.card.is-held{border-left-color:var(--held)}
dl{margin:0}
dl.facts>div{display:grid;grid-template-columns:9em minmax(0,1fr);gap:8px;padding:2px 0}
dt{color:var(--muted)}
dd{margin:0;overflow-wrap:anywhere}
.levels{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:8px}
.levels>div{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:8px 10px;text-align:center}
.levels dd{font-size:1.6rem;font-weight:700;font-variant-numeric:tabular-nums}
.oldest{margin:10px 0 0;padding:8px 12px;border-radius:8px;border:1px solid var(--line);background:var(--card)}
.oldest.bad{border:2px solid currentColor;background:var(--bad-bg);font-weight:650}
.table{width:100%;border-collapse:collapse;background:var(--card);border:1px solid var(--line);border-radius:8px}
.table th,.table td{text-align:left;vertical-align:top;padding:6px 8px;border-bottom:1px solid var(--line);overflow-wrap:anywhere}
.table th{font-size:.9rem;color:var(--muted);font-weight:600}
.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.88em}
.lost{margin-top:10px;padding:10px 14px;border-radius:8px;border:2px solid currentColor;color:var(--bad);background:var(--bad-bg);font-weight:650}
footer{margin-top:24px;font-size:.9rem}
@media (max-width:640px){
.wrap{padding:8px 10px 24px}
.levels{grid-template-columns:repeat(2,minmax(0,1fr))}
.table thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
.table tr{display:block;border-bottom:2px solid var(--line);padding:4px 0}
.table td{display:grid;grid-template-columns:7em 1fr;gap:8px;border:0;padding:2px 8px}
.table td::before{content:attr(data-label);color:var(--muted)}
}
`;

/**
 * Refreshes the page in place: fetches this same URL (the server-rendered HTML, the one rendering
 * function), swaps the contents of #status-root when they changed, and copies the title. A failed
 * or slow fetch shows that the figures are stale instead of leaving old data looking current.
 * `<time data-local>` elements are rewritten to the reader's local time.
 */
export const STATUS_PAGE_SCRIPT = `
(function () {
  'use strict';
  var every = Number(document.body.getAttribute('data-refresh-ms')) || 5000;
  var root = document.getElementById('status-root');
  var note = document.getElementById('refresh-note');
  var lost = document.getElementById('connection');
  var lastHtml = root ? root.innerHTML : '';
  var lostSince = null;
  function clock(d) { return d.toLocaleTimeString(); }
  function localTimes(scope) {
    var times = scope.querySelectorAll('time[data-local]');
    var today = new Date().toDateString();
    for (var i = 0; i < times.length; i++) {
      var iso = times[i].getAttribute('datetime');
      var d = new Date(iso);
      if (isNaN(d.getTime())) continue;
      times[i].textContent = d.toDateString() === today ? clock(d) : d.toLocaleString();
      times[i].title = iso;
    }
  }
  function ok() {
    document.body.setAttribute('data-connection', 'ok');
    lostSince = null;
    lost.hidden = true;
    lost.textContent = '';
    note.textContent = 'Updated ' + clock(new Date()) + ' · refreshes every ' + Math.round(every / 1000) + ' s';
  }
  function failed(why) {
    document.body.setAttribute('data-connection', 'lost');
    if (lostSince === null) lostSince = new Date();
    lost.hidden = false;
    lost.textContent = 'No answer from the worker since ' + clock(lostSince) + ' (' + why + '). ' +
      'The figures below are from before then; retrying every ' + Math.round(every / 1000) + ' s.';
  }
  function tick() {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, Math.max(every, 4000));
    fetch(location.pathname + location.search, { cache: 'no-store', headers: { accept: 'text/html' }, signal: controller.signal })
      .then(function (res) {
        if (!res.ok) throw new Error('HTTP ' + res.status);
        return res.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, 'text/html');
        var next = doc.getElementById('status-root');
        if (!next) throw new Error('no status in the answer');
        if (next.innerHTML !== lastHtml) {
          lastHtml = next.innerHTML;
          root.innerHTML = lastHtml;
          root.setAttribute('data-generated-at', next.getAttribute('data-generated-at') || '');
          localTimes(root);
        }
        document.title = doc.title;
        ok();
      })
      .catch(function (error) {
        failed(error && error.name === 'AbortError' ? 'timed out' : String(error && error.message || error));
      })
      .then(function () {
        clearTimeout(timer);
        setTimeout(tick, every);
      });
  }
  localTimes(document);
  ok();
  setTimeout(tick, every);
})();
`;

const hash = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** Allows the two inline blocks above by hash; `connect-src 'self'` for the refresh. */
export const STATUS_PAGE_CSP = [
  "default-src 'none'",
  `script-src ${hash(STATUS_PAGE_SCRIPT)}`,
  `style-src ${hash(STATUS_PAGE_CSS)}`,
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const STATUS_PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': STATUS_PAGE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};
