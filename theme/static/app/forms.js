/* 三送三促 offline app: what every form shares. Inline validation in Chinese (aria-live), the remembered
   card number and name, "dirty" tracking (the update prompt never reloads a half-filled form), the
   catalogue, and the save flow: validate -> build record -> IndexedDB -> confirmation. */
(function (root) {
  'use strict';

  const S = root.Sansong;
  const MESSAGES = {
    valueMissing: '请填写此项。',
    patternMismatch: '格式不对。',
    tooLong: '内容太长。',
    rangeUnderflow: '数值太小。',
    rangeOverflow: '数值太大。',
    typeMismatch: '格式不对。',
    badInput: '格式不对。',
  };
  let catalogueLoading = null;

  function $(selector, scope) { return (scope || document).querySelector(selector); }
  function $all(selector, scope) { return Array.from((scope || document).querySelectorAll(selector)); }

  function params() { return new URLSearchParams(root.location.search); }

  // The catalogue (app/catalogue.json). {fresh: true} asks the network for the newest one, past the
  // service worker's precache and the HTTP cache (sw.js answers a 'reload' request from the network and
  // keeps the answer); on success it replaces the one this page uses, on failure the old one stays.
  function loadCatalogue(options) {
    const fresh = !!(options && options.fresh);
    if (catalogueLoading && !fresh) return catalogueLoading;
    const url = document.documentElement.dataset.catalogue || $('[data-catalogue]').dataset.catalogue;
    const loading = fetch(url, {credentials: 'same-origin', cache: fresh ? 'reload' : 'default'}).then(function (response) {
      if (!response.ok) throw new Error('catalogue HTTP ' + response.status);
      return response.json();
    }).then(function (catalogue) {
      S.rules.use(catalogue);  // the programme's rules as this site states them
      return catalogue;
    });
    if (!fresh || !catalogueLoading) catalogueLoading = loading;
    else loading.then(function () { catalogueLoading = loading; }, function () { /* keep the one we had */ });
    return loading;
  }

  // WeChat's in-app browser (its user agent names MicroMessenger): saving files often fails there.
  function isWeChat() { return /MicroMessenger/i.test(navigator.userAgent || ''); }

  /* ---- dirty tracking ---- */

  function setDirty(form, dirty) { form.dataset.dirty = dirty ? 'true' : 'false'; }
  function anyDirty() { return !!$('form[data-dirty="true"]'); }

  /* ---- validation ---- */

  function errorBox(field) {
    const key = field.dataset.errorFor || field.id || field.name;
    return document.getElementById(key + '-error');
  }

  function showError(field, message) {
    const box = errorBox(field);
    if (box) box.textContent = message || '';
    const targets = field.matches('fieldset') ? $all('input', field) : [field];
    targets.forEach(function (t) { if (message) t.setAttribute('aria-invalid', 'true'); else t.removeAttribute('aria-invalid'); });
  }

  function messageFor(field) {
    const v = field.validity;
    for (const key in MESSAGES) {
      if (v[key]) return field.dataset[key] || MESSAGES[key];
    }
    return '';
  }

  // Checks every field; `extra(form)` returns {fieldId: message} for rules a field cannot state itself.
  function validate(form, extra) {
    const errors = [];
    $all('input, select, textarea', form).forEach(function (field) {
      if (field.type === 'checkbox' || field.type === 'radio' || field.disabled) return;
      const message = messageFor(field);
      showError(field, message);
      if (message) errors.push(field);
    });
    $all('fieldset[data-required]', form).forEach(function (group) {
      const none = !$all('input:checked', group).length;
      const message = none ? group.dataset.valueMissing || '请至少选择一项。' : '';
      showError(group, message);
      if (message) errors.push(group);
    });
    const more = extra ? extra(form) || {} : {};
    Object.keys(more).forEach(function (id) {
      const field = document.getElementById(id);
      if (!field) return;
      showError(field, more[id]);
      if (more[id] && errors.indexOf(field) < 0) errors.push(field);
    });
    return errors;
  }

  function focusFirst(errors) {
    const first = errors[0];
    const target = first.matches('fieldset') ? $('input', first) : first;
    if (target) target.focus();
  }

  function status(form, message, kind) {
    const box = $('.form-status', form.parentNode) || $('.form-status');
    box.textContent = '';
    box.className = 'form-status' + (kind ? ' is-' + kind : '');
    // Written after clearing so screen readers announce the same message again.
    root.setTimeout(function () { box.textContent = message; }, 30);
  }

  /* ---- values ---- */

  function value(form, name) {
    const field = form.elements[name];
    return field ? String(field.value || '').trim() : '';
  }

  function optional(form, name) { return value(form, name) || undefined; }

  function checked(form, name) {
    return $all('input[name="' + name + '"]:checked', form).map(function (input) { return input.value; });
  }

  function normaliseCard(input) {
    input.value = S.rules.normaliseCard(input.value).replace(/_/g, '-').replace(/^D(\d{2})(\d{4})$/, 'D$1-$2');
  }

  // Numbers typed on a Chinese keyboard (full-width digits, full-width dashes, blanks), made what the
  // pattern expects before it is checked: data-normalise="card" | "code" | "digits" (rules.js).
  const NORMALISE = {
    card: normaliseCard,
    code: function (input) { input.value = S.rules.normaliseCode(input.value); },
    digits: function (input) { input.value = S.rules.normaliseDigits(input.value); },
  };

  function normalise(form) {
    $all('[data-normalise]', form).forEach(function (input) {
      const fix = NORMALISE[input.dataset.normalise];
      if (fix && input.value) fix(input);
    });
  }

  /* ---- the remembered profile: card number and name ---- */

  function prefill(form, profile) {
    // Links from the site pre-fill: ?card= (QR on the 报到卡), ?community= (a community's page).
    const query = params();
    const values = {card: query.get('card') || profile.card, name: profile.name,
                    community: query.get('community') || profile.community};
    Object.keys(values).forEach(function (name) {
      const field = form.elements[name];
      if (field && !field.value && values[name]) field.value = values[name];
    });
    normalise(form);
  }

  function remember(record, form) {
    const changes = {card: record.card};
    if (form.elements.name && value(form, 'name')) changes.name = value(form, 'name');
    // The member's community is the one reported to (报到) or claimed in, not one a diary mentions.
    const keys = record.type === 'registration' ? ['community', 'department', 'branch'] : record.type === 'claim' ? ['community'] : [];
    keys.forEach(function (key) { if (record[key]) changes[key] = record[key]; });
    return S.storage.rememberProfile(changes);
  }

  /* ---- the save flow ---- */

  // options: {check(form) -> {id: message}, build(form) -> Promise<record|null> | record, saved(record, form)}
  function attach(form, options) {
    const submit = $('button[type="submit"]', form);
    if (submit) submit.disabled = false;
    setDirty(form, false);
    form.addEventListener('input', function () { setDirty(form, true); });
    form.addEventListener('change', function () { setDirty(form, true); });
    $all('[data-normalise]', form).forEach(function (input) {
      input.addEventListener('blur', function () { normalise(form); });
    });
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      normalise(form);
      const errors = validate(form, options.check);
      if (errors.length) {
        status(form, '有' + errors.length + '处需要修改，请查看标红的说明。', 'error');
        focusFirst(errors);
        return;
      }
      save(form, options);
    });
    return S.storage.profile().then(function (profile) {
      prefill(form, profile);
      form.dataset.ready = 'true';  // remembered values are in (tests and styles may wait for this)
      return profile;
    });
  }

  function save(form, options) {
    Promise.resolve(options.build(form)).then(function (record) {
      if (!record) return null;
      return S.storage.addRecord(record).then(function () { return remember(record, form); }).then(function () { return record; });
    }).then(function (record) {
      if (!record) return;
      setDirty(form, false);
      const message = typeof options.savedMessage === 'function' ? options.savedMessage(record) : options.savedMessage;
      status(form, message || '已保存在本手机上。请记得在“我的记录”中导出并发送给社区。', 'ok');
      if (options.saved) options.saved(record, form);
    }).catch(function (error) {
      status(form, '保存失败：' + (error && error.message ? error.message : error) + '。填写的内容仍在页面上，请稍后再试。', 'error');
    });
  }

  // Clears the fields a member fills anew each time; keeps card, name, community.
  function clearFields(form, keep) {
    $all('input, select, textarea', form).forEach(function (field) {
      if ((keep || ['card', 'name', 'community']).indexOf(field.name) >= 0) return;
      if (field.type === 'checkbox' || field.type === 'radio') field.checked = field.defaultChecked;
      else if (field.tagName === 'SELECT') field.selectedIndex = 0;
      else field.value = field.defaultValue;
    });
    setDirty(form, false);
  }

  function text(tag, content, className) {
    const node = document.createElement(tag);
    if (content !== undefined) node.textContent = content;
    if (className) node.className = className;
    return node;
  }

  // node.replaceChildren(...children) for browsers without it (older WeChat and Android WebViews).
  function fill(node, children) {
    while (node.firstChild) node.removeChild(node.firstChild);
    (children || []).forEach(function (child) { node.appendChild(child); });
    return node;
  }

  function ready(fn) {
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', fn);
    else fn();
  }

  function failed(form, error) {
    const reason = error && error.message ? error.message : String(error);
    status(form, reason.indexOf('catalogue') === 0
      ? '无法读取社区和活动目录（' + reason + '）。请联网后重新打开本页。'
      : '无法读取本机存储（' + reason + '）。请不要使用无痕模式，或换用手机自带浏览器。', 'error');
  }

  // In WeChat every app page says where records live and how files get out (app/layout.html, [data-wechat]).
  ready(function () {
    const notice = $('[data-wechat]');
    if (notice && isWeChat()) notice.hidden = false;
  });

  root.Sansong.forms = {
    $: $, $all: $all, params: params, loadCatalogue: loadCatalogue, isWeChat: isWeChat, normalise: normalise,
    anyDirty: anyDirty, setDirty: setDirty,
    validate: validate, showError: showError, status: status, value: value, optional: optional,
    checked: checked, attach: attach, clearFields: clearFields, text: text, fill: fill, ready: ready, failed: failed,
  };
})(self);
