/* 三送三促 offline app: registers the service worker and handles its updates (every page).
   A new version WAITS. The page shows "有新版本" with a button; the new worker is activated (SKIP_WAITING)
   when the member presses it and no form is half-filled, or silently when the page is hidden and no form
   is dirty. The page reloads only after the member asked for it. Records in IndexedDB are never touched.
   A page loaded before the worker controlled it asks the worker to keep it (CACHE_URLS), so the pages a
   resident visited stay readable offline. A file link (a[data-offline-file], 添加到日历) that this phone
   cannot open offline says why instead of leading to the offline page. */
(function (root) {
  'use strict';

  const script = document.currentScript;

  // Offline, a file this phone has not kept cannot be downloaded: say so beside the link.
  document.addEventListener('click', function (event) {
    const link = event.target.closest && event.target.closest('a[data-offline-file]');
    if (!link || navigator.onLine !== false || event.defaultPrevented) return;
    event.preventDefault();
    const kept = root.caches ? root.caches.match(link.href).catch(function () { return undefined; }) : Promise.resolve(undefined);
    kept.then(function (response) {
      if (response && navigator.serviceWorker && navigator.serviceWorker.controller) {
        root.location.href = link.href;
        return;
      }
      const note = document.querySelector('[data-offline-note]');
      if (note) {
        note.textContent = '现在没有网络，这个日历文件还没有保存在本手机上，无法下载。请联网后再点“添加到日历”。';
        note.setAttribute('role', 'alert');
      }
    });
  });

  if (!('serviceWorker' in navigator) || !script) return;
  const swUrl = script.dataset.sw;
  const scope = script.dataset.scope;
  const devServer = !!script.dataset.devServer;  // under `site-builder serve`: its worker caches nothing, nothing to offer
  let memberAsked = false;
  let reloading = false;
  let banner = null;

  function dirty() { return !!document.querySelector('form[data-dirty="true"]'); }

  function activate(registration) {
    if (registration.waiting) registration.waiting.postMessage({type: 'SKIP_WAITING'});
  }

  function makeBanner(registration) {
    const box = document.createElement('div');
    box.className = 'update-banner';
    box.setAttribute('role', 'region');
    box.setAttribute('aria-label', '版本更新');
    const text = document.createElement('p');
    text.setAttribute('role', 'status');
    text.textContent = '有新版本。更新不会影响本机已保存的记录。';
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'button';
    button.textContent = '更新';
    button.addEventListener('click', function () {
      if (dirty()) {
        text.textContent = '有新版本。请先保存正在填写的表单，再点“更新”。';
        return;
      }
      memberAsked = true;
      button.disabled = true;
      text.textContent = '正在更新……';
      activate(registration);
    });
    box.append(text, button);
    return box;
  }

  function offer(registration) {
    if (devServer || banner || !navigator.serviceWorker.controller) return;
    banner = makeBanner(registration);
    document.body.append(banner);
    document.documentElement.dataset.update = 'waiting';
  }

  function follow(registration, worker) {
    if (!worker) return;
    worker.addEventListener('statechange', function () {
      if (worker.state === 'installed') offer(registration);
    });
  }

  function watch(registration) {
    if (registration.waiting) offer(registration);
    follow(registration, registration.installing);  // an update may have started before this page listened
    registration.addEventListener('updatefound', function () { follow(registration, registration.installing); });
    document.addEventListener('visibilitychange', function () {
      if (document.visibilityState === 'visible') registration.update().catch(function () { /* offline */ });
      else if (registration.waiting && !dirty()) activate(registration);
    });
  }

  navigator.serviceWorker.addEventListener('controllerchange', function () {
    if (memberAsked && !reloading && !dirty()) {
      reloading = true;
      root.location.reload();
    }
  });

  // This page (and its images) came from the network before a worker controlled it: ask the worker to
  // keep them, as it keeps every page visited under its control.
  function keepThisPage() {
    if (devServer || navigator.serviceWorker.controller) return;
    navigator.serviceWorker.ready.then(function (registration) {
      const urls = [root.location.href].concat(Array.from(document.images, function (img) { return img.currentSrc || img.src; }));
      if (registration.active) registration.active.postMessage({type: 'CACHE_URLS', urls: urls.filter(Boolean)});
    });
  }

  root.addEventListener('load', function () {
    navigator.serviceWorker.register(swUrl, {scope: scope}).then(function (registration) {
      document.documentElement.dataset.sw = 'registered';
      watch(registration);
      keepThisPage();
    }).catch(function () { /* forms and storage work without a service worker */ });
  });
})(self);
