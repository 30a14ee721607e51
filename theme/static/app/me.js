/* 三送三促 offline app: 我的记录. Lists every record on this phone, this programme year's activities
   against the target, hours, what has been exported, a reminder for records waiting too long, export. */
(function (root) {
  'use strict';

  const S = root.Sansong;
  const F = S.forms;
  const REMIND_AFTER_DAYS = 3;
  const EMPTY_CATALOGUE = {year: null, targets: {}, communities: [], activities: []};

  function when(iso) { return iso ? iso.slice(0, 16).replace('T', ' ') : ''; }

  function summaryOf(record, names) {
    switch (record.type) {
      case 'registration': return record.name + ' · ' + (names.communities[record.community] || record.community);
      case 'claim': return (names.communities[record.community] || record.community) + ' · 岗位 ' + record.posts.join('、');
      case 'checkin': return (names.activities[record.activity] || record.activity) +
        (record.checked_out_at ? ' · 已签退 ' + when(record.checked_out_at) : ' · 未签退');
      case 'diary': return record.date + ' · ' + record.topic;
      default: return '';
    }
  }

  function names(catalogue) {
    const result = {communities: {}, activities: {}};
    catalogue.communities.forEach(function (c) { result.communities[c.id] = c.name; });
    catalogue.activities.forEach(function (a) { result.activities[a.id] = a.title; });
    return result;
  }

  function recordItem(entry, labels, replaced) {
    const r = entry.record;
    const item = F.text('li', undefined, 'card record');
    item.dataset.recordId = r.id;
    item.dataset.exported = entry.exported_at ? 'true' : 'false';
    item.append(F.text('h3', S.rules.typeName(r.type)), F.text('p', summaryOf(r, labels)),
      F.text('p', '报到卡 ' + r.card + ' · 保存于 ' + when(r.created_at), 'meta'));
    const state = entry.exported_at ? '已导出（' + when(entry.exported_at) + '）' : '未导出';
    item.append(F.text('p', state + (replaced ? ' · 已被后来的记录更正' : '') + (r.replaces ? ' · 更正先前记录' : ''),
      entry.exported_at ? 'state done' : 'state waiting'));
    return item;
  }

  function showRecords(entries, labels) {
    const list = F.$('[data-records]');
    const replaced = new Set(entries.map(function (e) { return e.record.replaces; }).filter(Boolean));
    const newestFirst = entries.slice().reverse();
    F.fill(list, newestFirst.map(function (e) { return recordItem(e, labels, replaced.has(e.id)); }));
    F.$('[data-records-empty]').hidden = entries.length > 0;
  }

  function showYear(entries, catalogue) {
    if (!catalogue.year) {
      F.$('[data-year-summary]').textContent = '暂时无法读取活动目录，联网后重新打开本页即可看到本年度活动统计。';
      return;
    }
    const summary = S.records.yearSummary(entries, catalogue);
    const hours = summary.hours + '小时' + (summary.estimated ? '（含预计）' : '');
    F.$('[data-year-summary]').textContent = summary.year + '年已参加活动 ' + summary.count + ' 次，目标每年至少 ' +
      summary.target + ' 次' + (summary.count >= summary.target ? '，已达到。' : '，还差 ' + (summary.target - summary.count) + ' 次。') +
      ' 服务时长合计 ' + hours + '。';
    const table = F.$('[data-year-table]');
    const body = F.$('tbody', table);
    F.fill(body, summary.rows.map(function (row) {
      const tr = F.text('tr');
      tr.append(F.text('td', row.activity.date), F.text('td', row.activity.title),
        F.text('td', row.hours + '小时' + (row.estimated ? '（预计）' : '')));
      return tr;
    }));
    table.hidden = !summary.rows.length;
  }

  function lastExport(log) {
    const latest = log.reduce(function (a, b) { return !a || b.exported_at > a.exported_at ? b : a; }, null);
    return latest ? '上次导出：' + when(latest.exported_at) + '（' + latest.count + ' 条）。' : '尚未导出过。';
  }

  function showExportState(entries, log) {
    const waiting = S.records.unexported(entries).length;
    F.$('[data-export-summary]').textContent = '本机共有记录 ' + entries.length + ' 条，其中未导出 ' + waiting + ' 条。' +
      lastExport(log);
    F.$('[data-export]').disabled = entries.length === 0;
    const days = S.records.daysWaiting(entries);
    const reminder = F.$('[data-reminder]');
    reminder.hidden = !(waiting && days >= REMIND_AFTER_DAYS);
    reminder.textContent = reminder.hidden ? '' : '有 ' + waiting + ' 条记录已在本手机上放了 ' + days +
      ' 天还没有导出。请现在导出，并通过微信等发送给社区，以免换手机或清理浏览器时丢失。';
  }

  function refresh(catalogue) {
    return Promise.all([S.storage.allEntries(), S.storage.exportsLog()]).then(function (values) {
      const entries = values[0];
      showExportState(entries, values[1]);
      showRecords(entries, names(catalogue));
      showYear(entries, catalogue);
    });
  }

  function exportStatus(message, kind) {
    const box = F.$('[data-export-status]');
    box.className = 'form-status' + (kind ? ' is-' + kind : '');
    box.textContent = message;
  }

  F.ready(function () {
    const button = F.$('[data-export]');
    const shareButton = F.$('[data-share]');
    let lastFile = null;
    // Without the catalogue (never loaded, no service worker) records and export still work.
    F.loadCatalogue().catch(function () { return EMPTY_CATALOGUE; }).then(function (catalogue) {
      button.addEventListener('click', function () {
        button.disabled = true;
        S.exporter.exportAll().then(function (result) {
          lastFile = result.file;
          shareButton.hidden = !result.shareable;
          exportStatus('已导出 ' + result.count + ' 条记录，文件名 ' + result.file.name + '。' +
            (result.shareable ? '可点“发送到微信等”直接发送，' : '请在下载文件夹中找到该文件，') + '通过微信发送给社区工作人员。', 'ok');
          return refresh(catalogue);
        }).catch(function (error) {
          exportStatus('导出没有完成：' + error.message, 'error');
        }).then(function () { button.disabled = false; });
      });
      shareButton.addEventListener('click', function () {
        if (lastFile) S.exporter.share(lastFile).catch(function () { /* the member closed the share sheet */ });
      });
      return refresh(catalogue);
    }).catch(function (error) {
      F.$('[data-export-summary]').textContent = '无法读取本机记录：' + error.message;
    });
  });
})(self);
