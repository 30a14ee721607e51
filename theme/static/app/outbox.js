/* 三送三促 offline app: the outbox. When the site names a sync endpoint (site.yaml sync.endpoint, published
   in app/sync.json), records not yet sent go to it by themselves: on page start, when the phone comes
   online, after each saved record, and from the service worker's Background Sync where the browser has it.

   - Records go in batches of BATCH, each an export document (format 1), sealed (format 2) when the site
     publishes a public key; the device id rides along in X-Sansong-Device (the rate limit's key).
   - A record is marked sent only when the endpoint answers for it: stored or known -> sent; conflict or
     rejected -> 被退回 with the reason. A record the answer does not mention stays unsent.
   - HTTP 5xx, 429, a timeout or a network error: tried again after BASE_DELAY, doubling up to MAX_DELAY,
     forever. Nothing expires, nothing is dropped (Workbox's queue drops after 7 days and takes a 500 as
     delivered: docs/offline-app.md, "Outbox").
   - Any other 4xx: the reason (the endpoint's "error", Chinese) is shown on 我的记录; no timer, the next
     page start, saved record or `online` tries again.
   Status: Sansong.outbox.status() and a "sansong:outbox" event with {state, waiting, reason, next_at}. */
(function (root) {
  'use strict';

  const S = root.Sansong;
  const BATCH = 200;
  const BASE_DELAY = 5000;
  const MAX_DELAY = 10 * 60 * 1000;
  const TIMEOUT = 30000;
  const SYNC_TAG = 'sansong-outbox';
  const state = {running: null, again: false, timer: null, attempts: 0, last: {state: 'idle', waiting: 0}, url: null};

  function Retry(message, after) { this.message = message; this.after = after || 0; }
  function Refused(message) { this.message = message; }

  // app/sync.json beside app/catalogue.json (pages), or the URL the service worker configured.
  function settingsUrl() {
    if (state.url) return state.url;
    const holder = root.document && root.document.querySelector('[data-catalogue]');
    return holder ? holder.dataset.catalogue.replace(/catalogue\.json$/, 'sync.json') : null;
  }

  function settings() {
    const url = settingsUrl();
    return url ? S.seal.settings(url) : Promise.resolve({endpoint: null, key: null});
  }

  function report(status) {
    status.attempts = state.attempts;  // failed attempts in a row (0 after a success)
    state.last = status;
    if (typeof root.dispatchEvent === 'function' && typeof root.CustomEvent === 'function') {
      root.dispatchEvent(new root.CustomEvent('sansong:outbox', {detail: status}));
    }
    return status;
  }

  function withLock(work) {
    const locks = root.navigator && root.navigator.locks;
    return locks && locks.request ? locks.request('sansong-outbox', work) : work();
  }

  function reasonOf(response) {
    return response.json().then(function (body) { return body && body.error; }, function () { return null; })
      .then(function (error) { return error || ('服务器答复 HTTP ' + response.status); });
  }

  function post(endpoint, body, device) {
    const controller = typeof AbortController === 'function' ? new AbortController() : null;
    const timer = controller ? root.setTimeout(function () { controller.abort(); }, TIMEOUT) : null;
    return fetch(endpoint, {method: 'POST', body: body, credentials: 'omit', cache: 'no-store', mode: 'cors',
      headers: {'Content-Type': 'application/json', 'X-Sansong-Device': device},
      signal: controller ? controller.signal : undefined})
      .catch(function (error) {
        throw new Retry(error && error.name === 'AbortError' ? '服务器长时间没有答复' : '网络不通');
      })
      .then(function (response) {
        if (timer) root.clearTimeout(timer);
        if (response.ok) return response.json();
        return reasonOf(response).then(function (reason) {
          if (response.status >= 500 || response.status === 429 || response.status === 408) {
            throw new Retry(reason, Number(response.headers.get('Retry-After')) * 1000 || 0);
          }
          throw new Refused(reason);
        });
      });
  }

  function sendBatch(config, entries, device) {
    const now = new Date();
    const text = JSON.stringify(S.records.exportDocument(entries, device, now));
    const body = config.key ? S.seal.seal(text, config.key).then(JSON.stringify) : Promise.resolve(text);
    const ids = entries.map(function (e) { return e.id; });
    return body.then(function (payload) {
      return S.storage.markOffered(ids, S.time.isoLocal(now)).then(function () { return post(config.endpoint, payload, device); });
    }).then(function (answer) {
      if (!answer || !Array.isArray(answer.records)) throw new Retry('服务器的答复不完整');
      return S.storage.recordAnswers(answer.records, S.time.isoLocal(new Date()));
    });
  }

  function sendAll() {
    return Promise.all([settings(), S.storage.deviceId()]).then(function (values) {
      const config = values[0];
      const device = values[1];
      if (!config.endpoint) return report({state: 'off', waiting: 0});
      return S.storage.allEntries().then(function (entries) {
        const waiting = S.records.unsent(entries);
        if (!waiting.length) { state.attempts = 0; return report({state: 'sent', waiting: 0}); }
        if (root.navigator && root.navigator.onLine === false) return report({state: 'offline', waiting: waiting.length});
        report({state: 'sending', waiting: waiting.length});
        let chain = Promise.resolve();
        for (let i = 0; i < waiting.length; i += BATCH) {
          const part = waiting.slice(i, i + BATCH);
          chain = chain.then(function () { return sendBatch(config, part, device); });
        }
        return chain.then(function () {
          state.attempts = 0;
          return S.storage.allEntries().then(function (all) {
            return report({state: 'sent', waiting: S.records.unsent(all).length});
          });
        });
      });
    });
  }

  function unsentCount() {
    return S.storage.allEntries().then(function (entries) { return S.records.unsent(entries).length; });
  }

  // Sends what waits; resolves with the status. In the service worker (throwOnRetry) a failure that is
  // worth retrying rejects, so the browser's Background Sync tries again later.
  function flush(options) {
    const throwOnRetry = !!(options && options.throwOnRetry);
    if (state.running) { state.again = true; return state.running; }
    if (state.timer) { root.clearTimeout(state.timer); state.timer = null; }
    state.running = withLock(sendAll).catch(function (error) {
      return unsentCount().then(function (waiting) {
        if (error instanceof Refused) return report({state: 'refused', waiting: waiting, reason: error.message});
        if (!(error instanceof Retry)) error = new Retry(error && error.message ? error.message : String(error));
        state.attempts += 1;
        const delay = Math.max(error.after, Math.min(MAX_DELAY, BASE_DELAY * Math.pow(2, state.attempts - 1)));
        if (!throwOnRetry) state.timer = root.setTimeout(function () { state.timer = null; flush(); }, delay);
        askBackgroundSync();
        const status = report({state: 'retrying', waiting: waiting, reason: error.message,
          next_at: new Date(Date.now() + delay).toISOString()});
        if (throwOnRetry) throw new Error(error.message);
        return status;
      });
    }).then(function (status) {
      state.running = null;
      if (state.again) { state.again = false; return flush(options); }
      return status;
    }, function (error) {
      state.running = null;
      throw error;
    });
    return state.running;
  }

  // Background Sync (Chromium): the service worker sends when the network is back, even with no page open.
  function askBackgroundSync() {
    const sw = root.navigator && root.navigator.serviceWorker;
    if (!sw || !root.document) return;
    sw.getRegistration().then(function (registration) {
      if (registration && registration.sync) return registration.sync.register(SYNC_TAG);
    }).catch(function () { /* not allowed here: the page's own retries go on */ });
  }

  // Pages: send on start, when the phone comes online, after each saved record.
  function start() {
    if (!root.document) return;
    const go = function () { flush().catch(function () { /* reported */ }); };
    root.addEventListener('online', go);
    root.addEventListener('sansong:saved', function () { askBackgroundSync(); go(); });
    go();
  }

  function configure(url) { state.url = url; }
  function status() { return state.last; }

  root.Sansong.outbox = {BATCH: BATCH, BASE_DELAY: BASE_DELAY, MAX_DELAY: MAX_DELAY, SYNC_TAG: SYNC_TAG,
    flush: flush, start: start, settings: settings, configure: configure, status: status};
  if (root.document) {
    if (root.document.readyState === 'loading') root.document.addEventListener('DOMContentLoaded', start);
    else start();
  }
})(self);
