/* 三送三促 offline app: 报到 (registration with the 基本情况登记卡). */
(function (root) {
  'use strict';

  const S = root.Sansong;
  const F = S.forms;

  // The registration names this phone (its device id): ingest flags check-ins of the card from other phones.
  function build(form) {
    return S.storage.deviceId().then(function (device) { return S.records.newRecord('registration', F.value(form, 'card'), {
      name: F.value(form, 'name'),
      department: F.value(form, 'department'),
      branch: F.value(form, 'branch'),
      community: F.value(form, 'community'),
      basis: F.checked(form, 'basis')[0],
      skills: F.optional(form, 'skills'),
      intentions: F.checked(form, 'intentions'),
      availability: F.optional(form, 'availability'),
      phone: F.optional(form, 'phone'),
      consent: {honour_roll: form.elements.consent_honour_roll.checked, stories: form.elements.consent_stories.checked},
      device: device,
    }); });
  }

  // The card number names the issuing department (D03-0042 -> D03).
  function check(form) {
    const card = F.value(form, 'card');
    const department = F.value(form, 'department');
    if (S.rules.isCard(card) && department && S.rules.departmentOf(card) !== department) {
      return {'reg-department': '报到卡编号以 ' + S.rules.departmentOf(card) + ' 开头，与所选单位不一致，请核对。'};
    }
    return {};
  }

  function guessDepartment(form) {
    const card = S.rules.normaliseCard(F.value(form, 'card'));
    const select = form.elements.department;
    if (!select.value && S.rules.isCard(card)) {
      const option = Array.from(select.options).find(function (o) { return o.value === S.rules.departmentOf(card); });
      if (option) select.value = option.value;
    }
  }

  F.ready(function () {
    const form = document.getElementById('register-form');
    F.attach(form, {
      check: check,
      build: build,
      savedMessage: '报到登记已保存在本手机上。下一步：认领岗位、填写服务承诺；记得在“我的记录”中导出并发送给社区。',
      saved: function () { F.clearFields(form, ['card', 'name', 'department', 'branch', 'community', 'phone']); },
    }).then(function (profile) {
      ['department', 'branch'].forEach(function (name) {
        if (profile[name] && !form.elements[name].value) form.elements[name].value = profile[name];
      });
      guessDepartment(form);
    }).catch(function (error) { F.failed(form, error); });
    form.elements.card.addEventListener('change', function () { guessDepartment(form); });
  });
})(self);
