/* 三送三促 offline app: records. Builds records exactly as docs/export-format.md (format 1) describes,
   and derives what 我的记录 shows: effective check-ins, hours, activities this programme year. */
(function (root) {
  'use strict';

  const S = root.Sansong;
  const SCHEMA = 1;
  const HOUR = 3600 * 1000;

  function newRecord(type, card, fields) {
    return Object.assign({id: S.uuid(), type: type, schema: SCHEMA, created_at: S.time.isoLocal(), card: card}, fields);
  }

  // Entries whose record no later record replaces (the ledger counts the newest of a chain).
  function effective(entries) {
    const replaced = new Set(entries.map(function (e) { return e.record.replaces; }).filter(Boolean));
    return entries.filter(function (e) { return !replaced.has(e.id); });
  }

  function checkins(entries) {
    return effective(entries).filter(function (e) { return e.type === 'checkin'; });
  }

  function openCheckins(entries) {
    return checkins(entries).filter(function (e) { return !e.record.checked_out_at; });
  }

  function findCheckin(entries, card, activityId) {
    return checkins(entries).find(function (e) { return e.record.card === card && e.record.activity === activityId; });
  }

  // Check-out: in place while the check-in is unexported, else a new record that replaces it.
  function checkOut(entry, when) {
    const time = S.time.isoLocal(when);
    return S.storage.updateRecord(entry.id, {checked_out_at: time}).then(function (changed) {
      if (changed) return entry.record;
      const r = entry.record;
      return S.storage.addRecord(newRecord('checkin', r.card, {
        activity: r.activity, code: r.code, checked_in_at: r.checked_in_at, checked_out_at: time, replaces: r.id}));
    });
  }

  // Hours of one check-in (rules.js: the ledger's rule); without a check-out the planned hours, estimated (预计).
  function hoursOf(record, activity) {
    const planned = activity ? activity.hours : 0;
    if (!record.checked_out_at) return {hours: S.rules.creditedHours(null, planned), estimated: true};
    const spent = Date.parse(record.checked_out_at) - Date.parse(record.checked_in_at);
    return {hours: S.rules.creditedHours(spent, planned), estimated: false};
  }

  function activityById(catalogue) {
    const map = new Map();
    (catalogue ? catalogue.activities : []).forEach(function (a) { map.set(a.id, a); });
    return map;
  }

  // This programme year's activities (one per activity id) with hours; year from site.yaml via the catalogue.
  function yearSummary(entries, catalogue) {
    const activities = activityById(catalogue);
    const year = String(catalogue.year);
    const seen = new Map();
    checkins(entries).forEach(function (e) {
      const activity = activities.get(e.record.activity);
      if (!activity || activity.date.slice(0, 4) !== year || seen.has(activity.id)) return;
      seen.set(activity.id, Object.assign({activity: activity, entry: e}, hoursOf(e.record, activity)));
    });
    const rows = Array.from(seen.values()).sort(function (a, b) { return a.activity.date < b.activity.date ? -1 : 1; });
    const total = rows.reduce(function (sum, row) { return sum + row.hours; }, 0);
    const estimated = rows.some(function (row) { return row.estimated; });
    return {year: catalogue.year, target: catalogue.targets.activities_per_member, rows: rows,
            count: rows.length, hours: Math.round(total * 100) / 100, estimated: estimated};
  }

  function unexported(entries) { return entries.filter(function (e) { return !e.exported_at; }); }

  // Not yet sent to the sync endpoint (nor answered by it).
  function unsent(entries) { return entries.filter(function (e) { return !e.sync; }); }

  // Neither exported nor sent: records only this phone holds.
  function undelivered(entries) {
    return entries.filter(function (e) { return !e.exported_at && !(e.sync && e.sync.state === 'sent'); });
  }

  // The export document (format 1, docs/export-format.md) of some entries: what a file holds, and what
  // the outbox sends (sealed when the site publishes a key).
  function exportDocument(entries, device, now) {
    return {format: 'sansong-records', version: 1, exported_at: S.time.isoLocal(now), device: device,
            records: entries.map(function (e) { return e.record; })};
  }

  // Whole days the oldest record only this phone holds has waited (0 when none).
  function daysWaiting(entries, now) {
    const waiting = undelivered(entries);
    if (!waiting.length) return 0;
    const oldest = Math.min.apply(null, waiting.map(function (e) { return Date.parse(e.created_at); }));
    return Math.floor(((now || new Date()).getTime() - oldest) / (24 * HOUR));
  }

  root.Sansong.records = {
    SCHEMA: SCHEMA, newRecord: newRecord, effective: effective, checkins: checkins,
    openCheckins: openCheckins, findCheckin: findCheckin, checkOut: checkOut, hoursOf: hoursOf,
    activityById: activityById, yearSummary: yearSummary, unexported: unexported, daysWaiting: daysWaiting,
    unsent: unsent, undelivered: undelivered, exportDocument: exportDocument,
  };
})(self);
