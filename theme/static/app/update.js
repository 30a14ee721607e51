/* 三送三促 offline app: registers the service worker and handles its updates (every page).
   A new version WAITS. The page shows "有新版本" with a button; the new worker is activated (SKIP_WAITING)
   when the member presses it and no form is half-filled, or silently when the page is hidden and no form
   is dirty. The page reloads only after the member asked for it. Records in IndexedDB are never touched. */
(function (root) {
  'use strict';

  const script = document.currentScript;
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

  root.addEventListener('load', function () {
    navigator.serviceWorker.register(swUrl, {scope: scope}).then(function (registration) {
      document.documentElement.dataset.sw = 'registered';
      watch(registration);
    }).catch(function () { /* forms and storage work without a service worker */ });
  });
})(self);
