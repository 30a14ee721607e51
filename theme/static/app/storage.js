/* 三送三促 offline app: storage. IndexedDB "sansong", versioned with in-place migrations.
   Stores: records (one entry per record: {id, type, created_at, exported_at, record}; once offered to the
             sync endpoint also offered_at and, when it answered, sync: {state: 'sent'|'rejected', at, status, reason}),
           meta ({key, value}: device id, profile, persistence), exports ({id, exported_at, file, count, ids}).
   Records never expire and are never deleted by the app. Schema: docs/offline-app.md. */
(function (root) {
  'use strict';

  const DB_NAME = 'sansong';
  // migrations[n] upgrades a database of version n to n + 1; append, never edit a shipped one.
  const MIGRATIONS = [
    function toVersion1(db) {
      const records = db.createObjectStore('records', {keyPath: 'id'});
      records.createIndex('type', 'type');
      records.createIndex('created_at', 'created_at');
      db.createObjectStore('meta', {keyPath: 'key'});
      db.createObjectStore('exports', {keyPath: 'id'});
    },
  ];
  const DB_VERSION = MIGRATIONS.length;
  let opening = null;

  function open() {
    if (!opening) {
      opening = new Promise(function (resolve, reject) {
        if (!root.indexedDB) { reject(new Error('no-indexeddb')); return; }
        const request = root.indexedDB.open(DB_NAME, DB_VERSION);
        request.onupgradeneeded = function (event) {
          for (let v = event.oldVersion; v < DB_VERSION; v++) MIGRATIONS[v](request.result, request.transaction);
        };
        request.onsuccess = function () {
          const db = request.result;
          db.onversionchange = function () { db.close(); opening = null; };
          resolve(db);
        };
        request.onerror = function () { opening = null; reject(request.error); };
        request.onblocked = function () { /* another tab holds an older version; it closes on versionchange */ };
      });
    }
    return opening;
  }

  function transact(stores, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        const tx = db.transaction(stores, mode);
        let result;
        tx.oncomplete = function () { resolve(result); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error || new Error('aborted')); };
        work(tx, function (value) { result = value; });
      });
    });
  }

  function getAll(storeName) {
    return transact([storeName], 'readonly', function (tx, done) {
      const request = tx.objectStore(storeName).getAll();
      request.onsuccess = function () { done(request.result); };
    });
  }

  function get(storeName, key) {
    return transact([storeName], 'readonly', function (tx, done) {
      const request = tx.objectStore(storeName).get(key);
      request.onsuccess = function () { done(request.result); };
    });
  }

  function put(storeName, value) {
    return transact([storeName], 'readwrite', function (tx) { tx.objectStore(storeName).put(value); });
  }

  /* ---- time and ids ---- */

  function pad(n, width) { return String(n).padStart(width || 2, '0'); }

  // "2026-05-03T10:22:11+08:00": local time with the device's offset.
  function isoLocal(date) {
    const d = date || new Date();
    const offset = -d.getTimezoneOffset();
    const sign = offset >= 0 ? '+' : '-';
    const abs = Math.abs(offset);
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) +
      'T' + pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()) +
      sign + pad(Math.floor(abs / 60)) + ':' + pad(abs % 60);
  }

  function localDate(date) {
    const d = date || new Date();
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate());
  }

  // The one way the app writes a date for people, as the site does (render.cn_date): "2026-05-15" ->
  // "2026年5月15日"; a stamp "2026-05-03T10:22:11+08:00" -> "2026年5月3日 10:22" (the time as recorded).
  function cnDate(iso) {
    const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?/.exec(String(iso || ''));
    if (!m) return String(iso || '');
    const day = m[1] + '年' + Number(m[2]) + '月' + Number(m[3]) + '日';
    return m[4] ? day + ' ' + m[4] + ':' + m[5] : day;
  }

  function uuid() {
    const c = root.crypto;
    if (c && typeof c.randomUUID === 'function') return c.randomUUID();
    const bytes = new Uint8Array(16);
    if (c && c.getRandomValues) c.getRandomValues(bytes);
    else for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, function (b) { return pad(b.toString(16)); }).join('');
    return hex.slice(0, 8) + '-' + hex.slice(8, 12) + '-' + hex.slice(12, 16) + '-' + hex.slice(16, 20) + '-' + hex.slice(20);
  }

  /* ---- records ---- */

  function entryOf(record) {
    return {id: record.id, type: record.type, created_at: record.created_at, exported_at: null, record: record};
  }

  // Saves a new record; asks the browser to keep the site's storage once the first record exists. Tells
  // whoever listens (the outbox) with a "sansong:saved" event.
  function addRecord(record) {
    return transact(['records'], 'readwrite', function (tx) { tx.objectStore('records').add(entryOf(record)); })
      .then(requestPersistence).then(function () {
        if (typeof root.dispatchEvent === 'function' && typeof root.CustomEvent === 'function') {
          root.dispatchEvent(new root.CustomEvent('sansong:saved', {detail: {id: record.id}}));
        }
        return record;
      });
  }

  // Changes a record in place; refused once it has been exported (exported records are immutable).
  function updateRecord(id, changes) {
    return transact(['records'], 'readwrite', function (tx, done) {
      const store = tx.objectStore('records');
      const request = store.get(id);
      request.onsuccess = function () {
        const entry = request.result;
        if (!entry || entry.exported_at || entry.offered_at) { done(false); return; }
        Object.assign(entry.record, changes);
        store.put(entry);
        done(true);
      };
    });
  }

  function allEntries() {
    return getAll('records').then(function (entries) {
      return entries.sort(function (a, b) { return a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0; });
    });
  }

  function markExported(ids, exportedAt) {
    return updateEntries(ids, function (entry) {
      if (entry.exported_at) return false;
      entry.exported_at = exportedAt;
      return true;
    });
  }

  // Each entry's work(entry) -> true when it changed (then it is stored), in one transaction.
  function updateEntries(ids, work) {
    return transact(['records'], 'readwrite', function (tx) {
      const store = tx.objectStore('records');
      ids.forEach(function (id) {
        const request = store.get(id);
        request.onsuccess = function () {
          const entry = request.result;
          if (entry && work(entry)) store.put(entry);
        };
      });
    });
  }

  // About to be sent to the sync endpoint: from now on the record is immutable (a change is a new record).
  function markOffered(ids, at) {
    return updateEntries(ids, function (entry) {
      if (entry.offered_at) return false;
      entry.offered_at = at;
      return true;
    });
  }

  // The endpoint's answers [{id, status, reason}]: stored/known -> sent; conflict/rejected -> rejected.
  function recordAnswers(answers, at) {
    const byId = {};
    answers.forEach(function (a) { if (a.id) byId[a.id] = a; });
    return updateEntries(Object.keys(byId), function (entry) {
      const a = byId[entry.id];
      const sent = a.status === 'stored' || a.status === 'known';
      if (!sent && a.status !== 'conflict' && a.status !== 'rejected') return false;
      entry.sync = {state: sent ? 'sent' : 'rejected', at: at, status: a.status, reason: a.reason || null};
      return true;
    });
  }

  function logExport(entry) { return put('exports', entry); }
  function exportsLog() { return getAll('exports'); }

  /* ---- meta: device id, profile, persistence ---- */

  function getMeta(key) { return get('meta', key).then(function (row) { return row ? row.value : undefined; }); }
  function setMeta(key, value) { return put('meta', {key: key, value: value}); }

  function deviceId() {
    return getMeta('device').then(function (id) {
      if (id) return id;
      const fresh = uuid();
      return setMeta('device', fresh).then(function () { return fresh; });
    });
  }

  function profile() { return getMeta('profile').then(function (p) { return p || {}; }); }

  function rememberProfile(changes) {
    return profile().then(function (p) { return setMeta('profile', Object.assign({}, p, changes)); });
  }

  function requestPersistence() {
    return getMeta('persist').then(function (asked) {
      if (asked || !(navigator.storage && navigator.storage.persist)) return;
      return navigator.storage.persist().catch(function () { return false; })
        .then(function (granted) { return setMeta('persist', {asked_at: isoLocal(), granted: !!granted}); });
    });
  }

  root.Sansong = root.Sansong || {};
  root.Sansong.storage = {
    DB_NAME: DB_NAME, DB_VERSION: DB_VERSION, open: open,
    addRecord: addRecord, updateRecord: updateRecord, allEntries: allEntries, markExported: markExported,
    markOffered: markOffered, recordAnswers: recordAnswers,
    logExport: logExport, exportsLog: exportsLog, getMeta: getMeta, setMeta: setMeta,
    deviceId: deviceId, profile: profile, rememberProfile: rememberProfile,
  };
  root.Sansong.time = {isoLocal: isoLocal, localDate: localDate, cnDate: cnDate, pad: pad};
  root.Sansong.uuid = uuid;
})(self);
