/* 三送三促 offline app: 签到 / 签退. Lists the activities a member can check in to now (today's, tomorrow's
   and the last few days', Beijing time) of the member's community; ?a=<activity>&c=<code> from the QR code
   pre-fills the form. A scan is never lost: an activity this phone's catalogue does not know (published
   after the phone last loaded the site) is said plainly and can still be checked in to — the record names
   the activity id and code from the QR and ingest verifies both — and, online, a newer catalogue can be
   fetched. A check-in more than a day before the activity is refused; one on another day is saved and
   flagged to the member (rules.checkinTiming). An open check-in offers 签退. */
(function (root) {
  'use strict';

  const S = root.Sansong;
  const F = S.forms;
  const LATE_DAYS = 7;  // past activities still listed (a late check-in is saved and checked by the organiser)
  const DAY_MS = 24 * 3600 * 1000;

  function describe(activity) {
    return S.time.cnDate(activity.date) + ' ' + activity.start + '–' + activity.end + ' ' + activity.title;
  }

  function shiftDate(iso, days) {
    return new Date(Date.parse(iso + 'T00:00:00Z') + days * DAY_MS).toISOString().slice(0, 10);
  }

  function today() { return S.rules.beijingDate(new Date()); }

  // Options grouped: today, tomorrow, the last few days (late), and the activity a QR code names (any day,
  // known or not). `community` narrows the first three.
  function groupsFor(state, community) {
    const day = today();
    const tomorrow = shiftDate(day, S.rules.earliestDays());
    const earliest = shiftDate(day, -LATE_DAYS);
    const groups = [['今天', []], ['明天', []], ['最近几天（补签，组织者将核对）', []], ['扫码指定的活动', []]];
    state.catalogue.activities.forEach(function (a) {
      const here = !community || a.community === community;
      const group = !here ? null : a.date === day ? groups[0] : a.date > day && a.date <= tomorrow ? groups[1] :
        a.date < day && a.date >= earliest ? groups[2] : null;
      if (group) group[1].push([a.id, describe(a)]);
      else if (a.id === state.wanted) groups[3][1].push([a.id, describe(a)]);
    });
    if (state.wanted && !state.activities.has(state.wanted)) {
      groups[3][1].push([state.wanted, '活动编号 ' + state.wanted + '（本机活动目录中没有）']);
    }
    return groups;
  }

  function fillActivities(form, state) {
    const select = form.elements.activity;
    const keep = select.value || state.wanted;
    F.fill(select, [Object.assign(F.text('option', '请选择'), {value: ''})]);
    groupsFor(state, F.value(form, 'community')).forEach(function (pair) {
      if (!pair[1].length) return;
      const group = F.text('optgroup');
      group.label = pair[0];
      pair[1].forEach(function (item) {
        const option = F.text('option', item[1]);
        option.value = item[0];
        group.append(option);
      });
      select.append(group);
    });
    if (keep && Array.from(select.options).some(function (o) { return o.value === keep; })) select.value = keep;
  }

  function index(state, catalogue) {
    state.catalogue = catalogue;
    state.activities = S.records.activityById(catalogue);
  }

  /* ---- an activity the phone does not know ---- */

  function showUnknown(form, state) {
    const box = F.$('[data-unknown-activity]');
    const unknown = !!state.wanted && !state.activities.has(state.wanted);
    box.hidden = !unknown;
    if (!unknown) return;
    F.$('[data-unknown-text]').textContent = '二维码中的活动（编号 ' + state.wanted + '）不在本手机保存的活动目录中，' +
      '可能是刚发布的新活动。您仍然可以签到：记录会写明这个活动编号和签到码，社区收到后核对。';
    showOnline();
  }

  function showOnline() {
    const online = navigator.onLine !== false;
    F.$('[data-refresh-catalogue]').hidden = !online;
    F.$('[data-refresh-offline]').hidden = online;
  }

  function refresh(form, state) {
    const button = F.$('[data-refresh-catalogue]');
    const status = F.$('[data-refresh-status]');
    button.disabled = true;
    status.textContent = '正在获取最新活动目录……';
    F.loadCatalogue({fresh: true}).then(function (catalogue) {
      index(state, catalogue);
      const found = state.activities.get(state.wanted);
      if (found && found.community) form.elements.community.value = found.community;
      fillActivities(form, state);
      showOpen(form, state);
      if (found) {
        F.$('[data-unknown-text]').textContent = '已获取最新活动目录，找到了这个活动：' + describe(found) + '。';
        button.hidden = true;
        status.textContent = '';
      } else {
        status.textContent = '最新活动目录中也没有这个活动（编号 ' + state.wanted + '）。仍可签到，社区收到后核对。';
      }
      if (navigator.serviceWorker && navigator.serviceWorker.getRegistration) {
        navigator.serviceWorker.getRegistration().then(function (r) { if (r) return r.update(); }).catch(function () { /* offline */ });
      }
    }).catch(function () {
      status.textContent = '没有获取到最新活动目录，请检查网络后再试。';
    }).then(function () { button.disabled = false; });
  }

  /* ---- saving ---- */

  function check(form, state) {
    const id = F.value(form, 'activity');
    if (!id) return {};
    const activity = state.activities.get(id);
    if (!activity) {
      return id === state.wanted ? {} : {'checkin-activity': '找不到这个活动，请从列表中选择。'};
    }
    if (S.rules.checkinTiming(S.time.isoLocal(), activity.date) === 'early') {
      return {'checkin-activity': '这个活动在' + S.time.cnDate(activity.date) + '举行，最早可在活动前一天签到，现在还不能签到。'};
    }
    return {};
  }

  function build(form, state) {
    const card = F.value(form, 'card');
    const activity = F.value(form, 'activity');
    return S.storage.allEntries().then(function (entries) {
      if (S.records.findCheckin(entries, card, activity)) {
        F.showError(form.elements.activity, '您已签到过这个活动；离开时请在上方“已签到、尚未签退”中签退。');
        F.status(form, '已签到过，无需重复签到。', 'error');
        return null;
      }
      return S.records.newRecord('checkin', card, {
        activity: activity, code: F.value(form, 'code'), checked_in_at: S.time.isoLocal(), checked_out_at: null});
    });
  }

  function savedMessage(record, state) {
    const activity = state.activities.get(record.activity);
    let message = '签到成功，已保存在本手机上。';
    if (!activity) {
      message += '这个活动（编号 ' + record.activity + '，签到码 ' + record.code + '）不在本机活动目录中，社区收到记录后会核对。';
    } else if (S.rules.checkinTiming(record.checked_in_at, activity.date)) {
      message += '签到日期与活动日期不同，组织者将核对。';
    }
    return message + '离开时请回到本页签退。';
  }

  /* ---- open check-ins: 签退 ---- */

  function openItem(entry, activity, form, state) {
    const item = F.text('li', undefined, 'card');
    const title = activity ? activity.title : '活动编号 ' + entry.record.activity;
    item.append(F.text('h3', title), F.text('p', '签到时间：' + S.time.cnDate(entry.record.checked_in_at), 'meta'));
    const button = F.text('button', '签退');
    button.type = 'button';
    button.className = 'button big';
    button.setAttribute('aria-label', '签退：' + title);
    button.addEventListener('click', function () {
      button.disabled = true;
      S.records.checkOut(entry).then(function () {
        F.status(form, '已签退。记录已保存在本手机上，记得导出并发送给社区。', 'ok');
        return showOpen(form, state);
      }).catch(function (error) { button.disabled = false; F.status(form, '签退失败：' + error.message, 'error'); });
    });
    item.append(button);
    return item;
  }

  function showOpen(form, state) {
    const section = F.$('[data-open-checkins]');
    const list = F.$('[data-open-list]');
    return S.storage.allEntries().then(function (entries) {
      const open = S.records.openCheckins(entries);
      F.fill(list, open.map(function (e) { return openItem(e, state.activities.get(e.record.activity), form, state); }));
      section.hidden = !open.length;
    });
  }

  F.ready(function () {
    const form = document.getElementById('checkin-form');
    const params = F.params();
    const state = {catalogue: null, activities: new Map(), wanted: (params.get('a') || '').trim()};
    F.loadCatalogue().then(function (catalogue) {
      index(state, catalogue);
      return F.attach(form, {
        check: function () { return check(form, state); },
        build: function () { return build(form, state); },
        savedMessage: function (record) { return savedMessage(record, state); },
        saved: function () {
          state.wanted = '';
          F.clearFields(form, ['card', 'community']);
          fillActivities(form, state);
          showUnknown(form, state);
          showOpen(form, state);
        },
      }).then(function () {
        // The community stays the member's (remembered, or ?community=); a known QR activity shows its own.
        const target = state.activities.get(state.wanted);
        if (target && target.community) form.elements.community.value = target.community;
        fillActivities(form, state);
        if (params.get('c')) form.elements.code.value = S.rules.normaliseCode(params.get('c')).slice(0, 12);
        showUnknown(form, state);
        if (target) F.showError(form.elements.activity, check(form, state)['checkin-activity'] || '');
        form.elements.community.addEventListener('change', function () { fillActivities(form, state); });
        form.elements.activity.addEventListener('change', function () {
          F.showError(form.elements.activity, check(form, state)['checkin-activity'] || '');
        });
        F.$('[data-refresh-catalogue]').addEventListener('click', function () { refresh(form, state); });
        root.addEventListener('online', showOnline);
        root.addEventListener('offline', showOnline);
        return showOpen(form, state);
      });
    }).catch(function (error) { F.failed(form, error); });
  });
})(self);
