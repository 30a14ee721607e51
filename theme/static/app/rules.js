/* 三送三促 offline app: the programme's rules, as site_builder/rules.py states them (and the personal-number
   check of site_builder/privacy.py). The values come with app/catalogue.json ("rules"); the functions here
   are the only JavaScript copies of Python's, and tests (tests/test_rules.py, tests/test_privacy_patterns.py)
   run both on the same inputs. Loaded before records.js. */
(function (root) {
  'use strict';

  const HOUR_MS = 3600 * 1000;
  const DAY_MS = 24 * HOUR_MS;
  const DASHES = /[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]/g;  // ‐ ‑ ‒ – — ― − ﹘ ﹣ －
  // privacy.py: one blank or dash between groups of digits; 3-4-4 mobile numbers, 6-4-4-4 ID numbers.
  // No look-behind (older WeChat WebViews lack it): a non-digit or the start, then the number (group 1).
  const SEP = '[ \\t\\-\u2010-\u2015\u2212\ufe58\ufe63\uff0d]';
  const MOBILE = new RegExp('(?:^|[^0-9])(1[3-9][0-9]' + SEP + '?[0-9]{4}' + SEP + '?[0-9]{4})(?![0-9])');
  const ID_NUMBER = new RegExp('(?:^|[^0-9])([1-9][0-9]{5}' + SEP + '?[0-9]{4}' + SEP + '?[0-9]{4}' + SEP +
    '?[0-9]{3}[0-9Xx])(?![0-9A-Za-z])');
  const PERSONAL = [[MOBILE, '手机号码'], [ID_NUMBER, '身份证号码']];
  // Until the catalogue is read (it always is before a form is saved); the same as rules.py.
  let card = /^D[0-9]{2}-[0-9]{4}$/;
  let code = /^[0-9]{6}$/;
  let offsetMinutes = 8 * 60;  // Beijing time, UTC+8
  let earliestDays = 1;
  let types = {};

  function nfkc(text) {
    const value = String(text === undefined || text === null ? '' : text);
    return value.normalize ? value.normalize('NFKC') : value;
  }

  // A card number as typed on a Chinese keyboard: full-width letters and digits as ASCII (NFKC), every
  // dash a hyphen, blanks removed, upper case: "Ｄ０３－００４２" -> "D03-0042".
  function normaliseCard(text) {
    return nfkc(text).replace(DASHES, '-').replace(/\s+/g, '').toUpperCase();
  }

  // A check-in code as typed: full-width digits as ASCII, blanks and dashes removed: "１２３ ４５６" -> "123456".
  function normaliseCode(text) {
    return nfkc(text).replace(DASHES, '').replace(/\s+/g, '').replace(/-/g, '');
  }

  // Any other number (a phone): NFKC, every dash a hyphen, blanks at either end removed.
  function normaliseDigits(text) {
    return nfkc(text).replace(DASHES, '-').trim();
  }

  function departmentOf(cardNumber) { return cardNumber.slice(0, 3); }

  // Hours credited to a check-in: check-in to check-out capped at the planned hours, to the hundredth
  // (half up, in whole milliseconds); the planned hours without a check-out (rules.credited_hours).
  function creditedHours(spentMs, planned) {
    const plannedHundredths = Math.floor(planned * 100 + 0.5);
    if (spentMs === null || spentMs === undefined) return plannedHundredths / 100;
    const spentHundredths = Math.floor((Math.max(spentMs, 0) * 100 + HOUR_MS / 2) / HOUR_MS);
    return Math.min(spentHundredths, plannedHundredths) / 100;
  }

  // The date in Beijing time (YYYY-MM-DD) of a moment (a Date, or an ISO 8601 stamp with its offset).
  function beijingDate(moment) {
    const ms = moment instanceof Date ? moment.getTime() : moment === undefined ? Date.now() : Date.parse(moment);
    return new Date(ms + offsetMinutes * 60000).toISOString().slice(0, 10);
  }

  // rules.checkin_timing: null on the activity's day; 'early' more than a day before it (refused);
  // 'other_day' on any other day (saved, and the organiser checks it). Both dates in Beijing time.
  function checkinTiming(checkedInAt, activityDate) {
    const day = beijingDate(checkedInAt);
    const ahead = Math.round((Date.parse(activityDate + 'T00:00:00Z') - Date.parse(day + 'T00:00:00Z')) / DAY_MS);
    if (ahead > earliestDays) return 'early';
    return ahead ? 'other_day' : null;
  }

  // privacy.personal_numbers: [[the number as read after NFKC, what it is]], at most one of each kind.
  function personalNumbers(text) {
    const folded = nfkc(text);
    const found = [];
    PERSONAL.forEach(function (pair) {
      const match = pair[0].exec(folded);
      if (match) found.push([match[1], pair[1]]);
    });
    return found;
  }

  function use(catalogue) {
    const rules = catalogue && catalogue.rules;
    if (!rules) return;
    card = new RegExp(rules.card_pattern);
    if (rules.code_pattern) code = new RegExp(rules.code_pattern);
    if (typeof rules.utc_offset_minutes === 'number') offsetMinutes = rules.utc_offset_minutes;
    if (typeof rules.checkin_earliest_days === 'number') earliestDays = rules.checkin_earliest_days;
    types = rules.record_types || {};
  }

  root.Sansong = root.Sansong || {};
  root.Sansong.rules = {
    use: use,
    isCard: function (text) { return card.test(text); },
    isCode: function (text) { return code.test(text); },
    normaliseCard: normaliseCard,
    normaliseCode: normaliseCode,
    normaliseDigits: normaliseDigits,
    departmentOf: departmentOf,
    creditedHours: creditedHours,
    beijingDate: beijingDate,
    checkinTiming: checkinTiming,
    personalNumbers: personalNumbers,
    earliestDays: function () { return earliestDays; },
    typeName: function (type) { return types[type] || type; },
  };
})(self);
