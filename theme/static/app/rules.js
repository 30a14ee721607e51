/* 三送三促 offline app: the programme's rules, as site_builder/rules.py states them. The values come with
   app/catalogue.json ("rules"); the functions here are the only JavaScript copies of Python's, and a test
   (tests/test_rules.py) runs both on the same inputs. Loaded before records.js. */
(function (root) {
  'use strict';

  const HOUR_MS = 3600 * 1000;
  const DASHES = /[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]/g;  // ‐ ‑ ‒ – — ― − ﹘ ﹣ －
  // Until the catalogue is read (it always is before a form is saved); the same as rules.CARD_PATTERN.
  let card = /^D[0-9]{2}-[0-9]{4}$/;
  let types = {};

  // A card number as typed on a Chinese keyboard: full-width letters and digits as ASCII (NFKC), every
  // dash a hyphen, blanks removed, upper case: "Ｄ０３－００４２" -> "D03-0042".
  function normaliseCard(text) {
    return String(text).normalize('NFKC').replace(DASHES, '-').replace(/\s+/g, '').toUpperCase();
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

  function use(catalogue) {
    const rules = catalogue && catalogue.rules;
    if (!rules) return;
    card = new RegExp(rules.card_pattern);
    types = rules.record_types || {};
  }

  root.Sansong = root.Sansong || {};
  root.Sansong.rules = {
    use: use,
    isCard: function (text) { return card.test(text); },
    normaliseCard: normaliseCard,
    departmentOf: departmentOf,
    creditedHours: creditedHours,
    typeName: function (type) { return types[type] || type; },
  };
})(self);
