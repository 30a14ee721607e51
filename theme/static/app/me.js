/* 三送三促 offline app: 我的记录. Lists every record on this phone, this programme year's activities
   against the target, hours, what has been exported, a reminder for records waiting too long, export. */
(function (root) {
  'use strict';

  const S = root.Sansong;
  const F = S.forms;
  const REMIND_AFTER_DAYS = 3;
  const EMPTY_CATALOGUE = {year: null, targets: {}, communities: [], activities: []};

  function when(iso) { return iso ? S.time.cnDate(iso) : ''; }

  // A check-in the organiser will look at: another day than its activity's, or an activity this phone's
  // catalogue does not know (a QR code for a newer activity). Said only once the catalogue is read.
  function checkinNote(record, names) {
    if (!names.loaded) return '';
    const activity = names.activities[record.activity];
    if (!activity) return ' · 本机活动目录中没有这个活动，社区将核对';
    return S.rules.checkinTiming(record.checked_in_at, activity.date) ? ' · 签到日期与活动日期不同，组织者将核对' : '';
  }

  function summaryOf(record, names) {
    switch (record.type) {
      case 'registration': return record.name + ' · ' + (names.communities[record.community] || record.community);
      case 'claim': return (names.communities[record.community] || record.community) + ' · 岗位 ' + record.posts.join('、');
      case 'checkin': {
        const activity = names.activities[record.activity];
        return (activity ? activity.title : '活动编号 ' + record.activity) +
          (record.checked_out_at ? ' · 已签退 ' + when(record.checked_out_at) : ' · 未签退') + checkinNote(record, names);
      }
      case 'diary': return when(record.date) + ' · ' + record.topic;
      default: return '';
    }
  }

  function names(catalogue) {
    const result = {communities: {}, activities: {}, loaded: !!catalogue.year};
    catalogue.communities.forEach(function (c) { result.communities[c.id] = c.name; });
    catalogue.activities.forEach(function (a) { result.activities[a.id] = a; });
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
      tr.append(F.text('td', when(row.activity.date)), F.text('td', row.activity.title),
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

  /* ---- export: the file is made and downloaded; records count as exported only when the member
     confirms the file was saved (已保存) or the share sheet reports success. ---- */

  F.ready(function () {
    const button = F.$('[data-export]');
    const shareButton = F.$('[data-share]');
    const confirmBox = F.$('[data-confirm]');
    let prepared = null;  // the last file made, not yet confirmed
    if (F.isWeChat()) F.$('[data-wechat-export]').hidden = false;
    // Without the catalogue (never loaded, no service worker) records and export still work.
    F.loadCatalogue().catch(function () { return EMPTY_CATALOGUE; }).then(function (catalogue) {
      function confirmed(how) {
        const done = prepared;
        prepared = null;
        confirmBox.hidden = true;
        shareButton.hidden = true;
        return S.exporter.confirm(done).then(function () {
          exportStatus(how + done.count + ' 条记录已标为“已导出”。请确认社区工作人员收到了文件 ' + done.file.name + '。', 'ok');
          return refresh(catalogue);
        });
      }

      button.addEventListener('click', function () {
        button.disabled = true;
        S.exporter.prepare().then(function (result) {
          prepared = result;
          S.exporter.download(result.file);
          shareButton.hidden = !result.shareable;
          F.$('[data-confirm-file]').textContent = '文件名 ' + result.file.name + '（' + result.count + ' 条记录）。' +
            '请看手机是否提示下载完成，或在“文件管理”的“下载”（Download）文件夹中找一找。';
          confirmBox.hidden = false;
          exportStatus('已生成导出文件。确认文件已保存后，记录才标为“已导出”。' +
            (result.shareable ? '也可以点“发送到微信等”直接发送。' : ''), '');
          F.$('#confirm-question').focus();
        }).catch(function (error) {
          exportStatus('导出没有完成：' + error.message, 'error');
        }).then(function () { button.disabled = false; });
      });

      F.$('[data-confirm-yes]').addEventListener('click', function () {
        if (prepared) confirmed('已确认保存：').catch(function (error) { exportStatus('没有记下导出：' + error.message, 'error'); });
      });

      F.$('[data-confirm-no]').addEventListener('click', function () {
        confirmBox.hidden = true;
        exportStatus('记录仍是“未导出”，不会丢失。请再点“导出全部记录”试一次' +
          (prepared && prepared.shareable ? '，或点“发送到微信等”直接发送' : '') + '。' +
          (F.isWeChat() ? '在微信中请点右上角“···”，选择“在浏览器中打开”后再导出。'
            : '如果浏览器不允许下载，请在浏览器设置中允许本站下载文件，或换用手机自带的浏览器。'), 'error');
      });

      shareButton.addEventListener('click', function () {
        if (!prepared) return;
        const sending = prepared;
        S.exporter.share(sending.file).then(function () {
          if (prepared === sending) return confirmed('已通过分享发送：');
        }).catch(function () {
          exportStatus('没有完成分享，记录仍是“未导出”。可以再试一次，或保存文件后点“已保存”。', 'error');
        });
      });
      return refresh(catalogue);
    }).catch(function (error) {
      F.$('[data-export-summary]').textContent = '无法读取本机记录：' + error.message;
    });
  });
})(self);
