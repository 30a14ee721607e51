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

  // With a sync endpoint: 未发送 / 已发送 / 被退回 (with why); [text, class, data-sync].
  function syncState(entry) {
    if (!entry.sync) return ['未发送', 'waiting', 'unsent'];
    if (entry.sync.state === 'sent') return ['已发送（' + when(entry.sync.at) + '）', 'done', 'sent'];
    return ['被退回：' + (entry.sync.reason || '原因不明') + '。请联系社区工作人员核对', 'refused', 'rejected'];
  }

  function recordItem(entry, labels, replaced, syncing) {
    const r = entry.record;
    const item = F.text('li', undefined, 'card record');
    item.dataset.recordId = r.id;
    item.dataset.exported = entry.exported_at ? 'true' : 'false';
    item.append(F.text('h3', S.rules.typeName(r.type)), F.text('p', summaryOf(r, labels)),
      F.text('p', '报到卡 ' + r.card + ' · 保存于 ' + when(r.created_at), 'meta'));
    const exported = entry.exported_at ? '已导出（' + when(entry.exported_at) + '）' : '未导出';
    const notes = (replaced ? ' · 已被后来的记录更正' : '') + (r.replaces ? ' · 更正先前记录' : '');
    if (syncing) {
      const sync = syncState(entry);
      item.dataset.sync = sync[2];
      item.append(F.text('p', sync[0] + (entry.exported_at ? ' · ' + exported : '') + notes, 'state ' + sync[1]));
    } else {
      item.append(F.text('p', exported + notes, entry.exported_at ? 'state done' : 'state waiting'));
    }
    return item;
  }

  function showRecords(entries, labels, syncing) {
    const list = F.$('[data-records]');
    const replaced = new Set(entries.map(function (e) { return e.record.replaces; }).filter(Boolean));
    const newestFirst = entries.slice().reverse();
    F.fill(list, newestFirst.map(function (e) { return recordItem(e, labels, replaced.has(e.id), syncing); }));
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
    const held = S.records.undelivered(entries).length;
    const reminder = F.$('[data-reminder]');
    reminder.hidden = !(held && days >= REMIND_AFTER_DAYS);
    reminder.textContent = reminder.hidden ? '' : '有 ' + held + ' 条记录已在本手机上放了 ' + days +
      ' 天还没有导出或发送。请现在导出，并通过微信等发送给社区，以免换手机或清理浏览器时丢失。';
  }

  // 自动发送: what the outbox is doing (Sansong.outbox status), only when the site names an endpoint.
  function showOutbox(status) {
    const box = F.$('[data-outbox-status]');
    const waiting = status.waiting || 0;
    const texts = {
      sending: '正在发送 ' + waiting + ' 条记录……',
      sent: waiting ? '还有 ' + waiting + ' 条记录等待发送。' : '全部记录已发送到社区（被退回的除外，见下方记录）。',
      offline: '现在没有网络，' + waiting + ' 条记录等联网后自动发送。',
      retrying: '发送没有成功（' + (status.reason || '') + '），' + waiting + ' 条记录留在本手机上，' +
        (status.next_at ? S.time.cnDate(S.time.isoLocal(new Date(status.next_at))).slice(-5) + ' 左右' : '稍后') + '自动重试，不会丢失。',
      refused: '社区服务器没有接收这批记录：' + (status.reason || '') + '。记录仍在本手机上；请把这句话告诉社区工作人员，也可以导出文件发送。',
      idle: '',
      off: '',
    };
    box.textContent = texts[status.state] !== undefined ? texts[status.state] : '';
    box.className = 'outbox-status' + (status.state === 'refused' ? ' is-error' : '');
    box.dataset.state = status.state;
  }

  function refresh(catalogue, syncing) {
    return Promise.all([S.storage.allEntries(), S.storage.exportsLog()]).then(function (values) {
      const entries = values[0];
      showExportState(entries, values[1]);
      showRecords(entries, names(catalogue), syncing);
      showYear(entries, catalogue);
    });
  }

  function showSealing(config) {
    const note = F.$('[data-seal-note]');
    note.hidden = false;
    note.dataset.sealed = config.key ? 'true' : 'false';
    note.textContent = config.key
      ? '导出的文件是加密的：只有区委组织部能打开，转发文件的人看不到其中的姓名、卡号和日记。'
      : '注意：本站没有配置加密，导出的文件没有加密，转发文件的人都能看到其中的姓名、报到卡号和民情日记。请只发送给社区工作人员。';
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
    const sync = S.outbox.settings().catch(function () { return {endpoint: null, key: null}; });
    Promise.all([F.loadCatalogue().catch(function () { return EMPTY_CATALOGUE; }), sync]).then(function (loaded) {
      const catalogue = loaded[0];
      const syncing = !!loaded[1].endpoint;
      showSealing(loaded[1]);
      if (syncing) {
        F.$('[data-outbox]').hidden = false;
        showOutbox(S.outbox.status());
        root.addEventListener('sansong:outbox', function (event) {
          showOutbox(event.detail);
          if (event.detail.state !== 'sending') refresh(catalogue, syncing);
        });
      }
      function confirmed(how) {
        const done = prepared;
        prepared = null;
        confirmBox.hidden = true;
        shareButton.hidden = true;
        return S.exporter.confirm(done).then(function () {
          exportStatus(how + done.count + ' 条记录已标为“已导出”。请确认社区工作人员收到了文件 ' + done.file.name + '。', 'ok');
          return refresh(catalogue, syncing);
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
          exportStatus('已生成' + (result.sealed ? '加密的' : '（未加密的）') + '导出文件。确认文件已保存后，记录才标为“已导出”。' +
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
      return refresh(catalogue, syncing);
    }).catch(function (error) {
      F.$('[data-export-summary]').textContent = '无法读取本机记录：' + error.message;
    });
  });
})(self);
