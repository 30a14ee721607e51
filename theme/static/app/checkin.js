/* 三送三促 offline app: 签到 / 签退. Lists today's and upcoming activities (device clock) of the member's
   community; ?a=<activity>&c=<code> from the QR code pre-fills the form; an open check-in offers 签退. */
(function (root) {
  'use strict';

  const S = root.Sansong;
  const F = S.forms;

  function describe(activity) {
    return activity.date + ' ' + activity.start + '–' + activity.end + ' ' + activity.title;
  }

  // Activities of the chosen community (or all) from today on, plus the one a QR link names.
  function choices(catalogue, community, wanted) {
    const today = S.time.localDate();
    return catalogue.activities.filter(function (a) {
      if (a.id === wanted) return true;
      return a.date >= today && (!community || a.community === community);
    });
  }

  function fillActivities(form, catalogue, wanted) {
    const select = form.elements.activity;
    const keep = select.value || wanted;
    const today = S.time.localDate();
    const groups = {today: F.text('optgroup'), later: F.text('optgroup'), other: F.text('optgroup')};
    groups.today.label = '今天';
    groups.later.label = '近期';
    groups.other.label = '扫码指定的活动';
    choices(catalogue, F.value(form, 'community'), wanted).forEach(function (a) {
      const option = F.text('option', describe(a));
      option.value = a.id;
      (a.date === today ? groups.today : a.date > today ? groups.later : groups.other).append(option);
    });
    F.fill(select, [Object.assign(F.text('option', '请选择'), {value: ''})]);
    Object.values(groups).forEach(function (g) { if (g.children.length) select.append(g); });
    if (keep) select.value = keep;
  }

  function build(form, catalogue) {
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

  function openItem(entry, activity, form, catalogue) {
    const item = F.text('li', undefined, 'card');
    item.append(F.text('h3', activity ? activity.title : entry.record.activity),
      F.text('p', '签到时间：' + entry.record.checked_in_at.slice(0, 16).replace('T', ' '), 'meta'));
    const button = F.text('button', '签退');
    button.type = 'button';
    button.className = 'button big';
    button.setAttribute('aria-label', '签退：' + (activity ? activity.title : entry.record.activity));
    button.addEventListener('click', function () {
      button.disabled = true;
      S.records.checkOut(entry).then(function () {
        F.status(form, '已签退。记录已保存在本手机上，记得导出并发送给社区。', 'ok');
        return showOpen(form, catalogue);
      }).catch(function (error) { button.disabled = false; F.status(form, '签退失败：' + error.message, 'error'); });
    });
    item.append(button);
    return item;
  }

  function showOpen(form, catalogue) {
    const section = F.$('[data-open-checkins]');
    const list = F.$('[data-open-list]');
    const activities = S.records.activityById(catalogue);
    return S.storage.allEntries().then(function (entries) {
      const open = S.records.openCheckins(entries);
      F.fill(list, open.map(function (e) { return openItem(e, activities.get(e.record.activity), form, catalogue); }));
      section.hidden = !open.length;
    });
  }

  F.ready(function () {
    const form = document.getElementById('checkin-form');
    const params = F.params();
    const wanted = params.get('a') || '';
    F.loadCatalogue().then(function (catalogue) {
      const activities = S.records.activityById(catalogue);
      return F.attach(form, {
        build: function () { return build(form, catalogue); },
        check: function () {
          const id = F.value(form, 'activity');
          return id && !activities.has(id) ? {'checkin-activity': '找不到这个活动，请从列表中选择。'} : {};
        },
        savedMessage: '签到成功，已保存在本手机上。离开时请回到本页签退。',
        saved: function () { F.clearFields(form, ['card', 'community']); fillActivities(form, catalogue, ''); showOpen(form, catalogue); },
      }).then(function (profile) {
        const target = activities.get(wanted);
        if (!wanted && profile.community) form.elements.community.value = profile.community;
        if (target && target.community) form.elements.community.value = target.community;
        fillActivities(form, catalogue, target ? wanted : '');
        if (params.get('c')) form.elements.code.value = params.get('c').replace(/\D/g, '').slice(0, 6);
        if (wanted && !target) F.showError(form.elements.activity, '二维码中的活动（' + wanted + '）不在活动目录中，请从列表中选择。');
        form.elements.community.addEventListener('change', function () { fillActivities(form, catalogue, wanted); });
        return showOpen(form, catalogue);
      });
    }).catch(function (error) { F.failed(form, error); });
  });
})(self);
