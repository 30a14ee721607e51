/* 三送三促 offline app: 民情日记. Refuses text that holds an ID or mobile number, however it is typed
   (spaces, dashes, full-width digits): rules.js personalNumbers, the twin of site_builder/privacy.py. */
(function (root) {
  'use strict';

  const S = root.Sansong;
  const F = S.forms;

  function check(form) {
    const errors = {};
    ['text', 'action', 'outcome', 'followup', 'topic'].forEach(function (name) {
      const found = S.rules.personalNumbers(F.value(form, name));
      if (found.length) {
        errors[form.elements[name].id] = '这里像是写了' + found.map(function (f) { return f[1]; }).join('和') +
          '（“' + found[0][0] + '”）。请不要写群众的身份证号或手机号码，删去后再保存。';
      }
    });
    return errors;
  }

  function build(form) {
    return S.records.newRecord('diary', F.value(form, 'card'), {
      community: F.value(form, 'community'),
      date: F.value(form, 'date'),
      topic: F.value(form, 'topic'),
      text: F.value(form, 'text'),
      action: F.optional(form, 'action'),
      outcome: F.optional(form, 'outcome'),
      followup: F.optional(form, 'followup'),
    });
  }

  F.ready(function () {
    const form = document.getElementById('diary-form');
    form.elements.date.value = S.time.localDate();
    F.attach(form, {
      check: check,
      build: build,
      savedMessage: '民情日记已保存在本手机上。记得在“我的记录”中导出并发送给社区。',
      saved: function () { F.clearFields(form); form.elements.date.value = S.time.localDate(); },
    }).catch(function (error) { F.failed(form, error); });
  });
})(self);
