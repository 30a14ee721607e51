/* 三送三促 offline app: export. One file with every record of this phone (format 1, docs/export-format.md),
   sealed (format 2) when the site publishes the organisation's public key (app/sync.json), downloaded as
   sansong-<card>-<YYYYMMDD-HHMMSS>.json (sealed: sansong-<device prefix>-<YYYYMMDD-HHMMSS>.json, so the
   name shows no card number either) and offered to the share sheet where the browser can share files. Records are marked exported only when the member confirms the file was saved or
   sent, or the share sheet reports success (confirm); a refused or lost download leaves them unexported. */
(function (root) {
  'use strict';

  const S = root.Sansong;
  const FORMAT = 'sansong-records';
  const VERSION = 1;

  function stamp(date) {
    const p = S.time.pad;
    return date.getFullYear() + p(date.getMonth() + 1) + p(date.getDate()) + '-' +
      p(date.getHours()) + p(date.getMinutes()) + p(date.getSeconds());
  }

  // The card the file is named after: the remembered one, else the newest record's.
  function cardOf(entries, profile) {
    if (profile.card) return profile.card;
    const last = entries[entries.length - 1];
    return last ? last.record.card : 'unknown';
  }

  function build(entries, device, now) { return S.records.exportDocument(entries, device, now); }

  // The organisation's public key ({kid, key}) or null: none published, or the settings cannot be read.
  function sealingKey() {
    return S.outbox.settings().then(function (config) { return config.key; }, function () { return null; });
  }

  function download(file) {
    const url = URL.createObjectURL(file);
    const link = document.createElement('a');
    link.href = url;
    link.download = file.name;
    link.hidden = true;
    document.body.append(link);
    link.click();
    link.remove();
    root.setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
  }

  function canShare(file) {
    try {
      return !!(navigator.canShare && navigator.share && navigator.canShare({files: [file]}));
    } catch (error) {
      return false;
    }
  }

  // Builds the file: {file, count, ids, exportedAt, shareable}. Never a partial file: the whole JSON is
  // built first. Nothing is marked exported here: a download may be refused or lost (confirm() does it).
  // {file, count, ids, exportedAt, shareable, sealed}.
  function prepare() {
    const now = new Date();
    return Promise.all([S.storage.allEntries(), S.storage.deviceId(), S.storage.profile(), sealingKey()]).then(function (values) {
      const entries = values[0];
      const key = values[3];
      if (!entries.length) throw new Error('本手机上还没有记录，无需导出。');
      const text = JSON.stringify(build(entries, values[1], now), null, 1);
      const sealing = key ? S.seal.seal(text, key).then(function (doc) { return JSON.stringify(doc, null, 1); }) : Promise.resolve(text);
      return sealing.then(function (body) {
        const name = 'sansong-' + (key ? values[1].slice(0, 8) : cardOf(entries, values[2])) + '-' + stamp(now) + '.json';
        const file = new File([body], name, {type: 'application/json'});
        return {file: file, count: entries.length, ids: entries.map(function (e) { return e.id; }),
                exportedAt: S.time.isoLocal(now), shareable: canShare(file), sealed: !!key};
      });
    });
  }

  // The member said the file was saved or sent (or the share sheet reported success): only now are the
  // file's records marked exported (with the file's time) and the export logged.
  function confirm(prepared) {
    return S.storage.markExported(prepared.ids, prepared.exportedAt)
      .then(function () {
        return S.storage.logExport({id: S.uuid(), exported_at: prepared.exportedAt, file: prepared.file.name,
                                    count: prepared.ids.length, ids: prepared.ids});
      })
      .then(function () { return prepared; });
  }

  function share(file) {
    return navigator.share({files: [file], title: file.name, text: '三送三促 记录导出文件'});
  }

  root.Sansong.exporter = {FORMAT: FORMAT, VERSION: VERSION, build: build, prepare: prepare, download: download,
    confirm: confirm, share: share, stamp: stamp};
})(self);
