"""Ingest at scale keeps the one-record-at-a-time rules: records are offered in batches (bulk lookups,
batched writes), validated by a compiled schema, found by a generator, and summarised without holding
every file's report. Each test here would fail if batching changed an outcome."""

from __future__ import annotations

import io
import json
from pathlib import Path

import jsonschema
import pytest

import exportkit as kit

from site_builder import cli
from site_builder.ledger import batch, formats, ingest, snapshot
from site_builder.progress import Progress


pytestmark = pytest.mark.usefixtures("fixed_clock")  # tests/conftest.py


def one_by_one(monkeypatch) -> None:
    """The reference: every record through accept.offer() with its own SQL, as before batching."""
    monkeypatch.setattr(batch.Offering, "_offer_one", lambda self, record, prepared: self._one_by_one(record))


def diary(card: str = "D03-0001", **fields) -> dict:
    return kit.record("diary", card=card, **fields)


def new_id() -> str:
    return kit.record("diary")["id"]


def big_file(earlier: dict[str, dict]) -> list:
    """1,300 records across three batches of 500, with every interaction placed within a batch and across
    batch boundaries: duplicates, conflicts, corrections in both orders, chains, a mismatching correction."""
    records: list = [diary(card=("D03-0001", "D03-0002", "D01-0001", "D03-0099")[n % 4], text=f"第{n}条")
                     for n in range(1300)]
    checkin = kit.record("checkin", checked_out_at=None)
    duplicate = diary(text="重复两次")
    twin = diary(text="同一批次里的原记录")
    later = diary(text="后到的原记录")
    late_original = kit.record("claim", card="D03-0002")
    chained = kit.record("checkin", card="D01-0001", checked_out_at=None)
    stranger = kit.record("claim")
    placed = {
        0: checkin,
        10: duplicate, 30: dict(duplicate, text="同编号不同内容"), 700: dict(duplicate),
        40: twin, 41: dict(twin, id=new_id(), replaces=twin["id"], text="同批次更正"), 42: dict(twin),
        45: dict(later, id=new_id(), replaces=later["id"], text="先到的更正"), 46: later,
        50: chained,
        60: dict(kit.record("claim", card="D03-0002"), replaces=stranger["id"]),  # names a claim of another card
        300: dict(late_original, id=new_id(), replaces=late_original["id"], pledge="更正在前"),
        499: earlier["known"], 500: dict(earlier["known"]), 1000: earlier["other"],
        520: dict(chained, id=new_id(), replaces=chained["id"], checked_out_at="2026-05-15T10:00:00+08:00"),
        600: dict(checkin, id=new_id(), replaces=checkin["id"], checked_out_at="2026-05-15T10:30:00+08:00"),
        800: late_original,
        900: dict(earlier["corrected"], id=new_id(), replaces=earlier["corrected"]["id"], pledge="更正旧文件"),
        950: dict(earlier["conflicted"], pledge="与旧文件冲突"),
        1100: dict(kit.record("claim", card="D03-0002"), replaces=earlier["other"]["id"]),  # a registration: rejected
        1150: {"id": "not-a-uuid", "type": "diary"},
        1151: diary(community="nowhere"),
        1210: dict(chained, id=new_id(), replaces=chained["id"], checked_out_at="2026-05-15T11:00:00+08:00"),
        1250: stranger,
    }
    for position, record in placed.items():
        records[position] = record
    return records


def earlier_records() -> dict[str, dict]:
    return {"known": diary(text="旧文件里的"), "other": kit.record("registration"),
            "corrected": kit.record("claim"), "conflicted": kit.record("claim", card="D01-0001")}


def ingest_both(tmp_path: Path, capsys, monkeypatch) -> tuple[tuple, tuple]:
    """The same two files into a batched ledger and a one-by-one ledger: (dump, summary) of each."""
    earlier = earlier_records()
    inbox = tmp_path / "inbox"
    first = kit.write(inbox, list(earlier.values()), name="a-earlier.json")
    second = kit.write(inbox, big_file(earlier), name="b-big.json")
    results = []
    for name in ("batched", "reference"):
        if name == "reference":
            one_by_one(monkeypatch)
        data = kit.data_dir(tmp_path / name)
        outs = [kit.ingest(capsys, data, path) for path in (first, second)]
        summary = [(status, _without_timing(out)) for status, out, _ in outs]
        results.append((kit.dump(data / "records.sqlite"), summary, data))
    return results[0], results[1]


def _without_timing(out: str) -> str:
    return "\n".join(line for line in out.splitlines() if not line.startswith("本次导入"))


def test_batches_give_the_same_ledger_and_summary_as_one_record_at_a_time(tmp_path, capsys, monkeypatch):
    (dump, summary, _), (reference, reference_summary, _) = ingest_both(tmp_path, capsys, monkeypatch)
    assert dump == reference
    assert summary == reference_summary
    assert "退回 3 条" in summary[1][1] and "冲突 2 条" in summary[1][1]


def test_batch_outcomes_within_and_across_batches(tmp_path, capsys, monkeypatch):
    (dump, summary, data), _ = ingest_both(tmp_path, capsys, monkeypatch)
    conn = kit.ledger(data)
    records = json.loads((tmp_path / "inbox" / "b-big.json").read_text("utf-8"))["records"]
    superseded = dict(conn.execute("SELECT id, superseded_by FROM records WHERE superseded_by IS NOT NULL"))
    by = {position: records[position]["id"] for position in (0, 40, 41, 45, 46, 50, 300, 520, 600, 800, 900, 1210)}
    assert superseded == {by[0]: by[600], by[40]: by[41], by[46]: by[45], by[800]: by[300], by[50]: by[520],
                          by[520]: by[1210], records[900]["replaces"]: by[900]}
    flags = {(rid, flag) for rid, flag in conn.execute("SELECT record_id, flag FROM flags")
             if flag in ("replaces_pending", "replaces_mismatch")}
    assert flags == {(records[60]["id"], "replaces_pending"), (records[60]["id"], "replaces_mismatch")}
    assert conn.execute("SELECT count(*) FROM conflicts").fetchone()[0] == 2
    assert [p for (p,) in conn.execute("SELECT position FROM rejections ORDER BY position")] == [1100, 1150, 1151]
    big = summary[1][1]
    assert "第 1101 条记录" in big and "第 1152 条记录" in big and "类型或报到卡号不同" in big
    accepted, known = conn.execute("SELECT accepted, known FROM files WHERE name = 'b-big.json'").fetchone()
    assert known == 5  # 42 and 700 (same batch and another), 499, 500, 1000 from the earlier file
    assert accepted + known + 2 + 3 == 1300
    effective = snapshot.read(data / "records.sqlite")
    # the corrections change hours: the originals count until an organiser confirms them (ledger/trust.py)
    assert sorted((c.record.id, c.hours) for c in effective.checkins) == sorted([(by[0], 2.5), (by[50], 2.5)])
    waiting = {rid for (rid,) in conn.execute("SELECT record_id FROM flags WHERE flag = 'correction_unconfirmed'")}
    assert waiting == {by[520], by[600], by[1210]}


def test_the_same_file_again_and_a_re_export_change_nothing(tmp_path, capsys, monkeypatch):
    (dump, _, data), _ = ingest_both(tmp_path, capsys, monkeypatch)
    inbox = tmp_path / "inbox"
    status, out, _ = kit.ingest(capsys, data, inbox)
    assert out.count("此文件已处理过") == 2
    records = json.loads((inbox / "b-big.json").read_text("utf-8"))["records"]
    again = kit.write(tmp_path / "re-export", records, exported_at="2026-06-01T08:00:00+08:00")
    status, out, _ = kit.ingest(capsys, data, again)
    after = kit.dump(data / "records.sqlite")
    assert after["records"] == dump["records"] and after["flags"] == dump["flags"]
    assert "新接收 0 条" in out and "退回 3 条" in out


def test_a_new_ledger_has_big_pages_and_an_old_one_keeps_its_own(tmp_path, capsys, monkeypatch):
    """db.PAGE_BYTES for a ledger made now; one made with SQLite's default 4 KiB pages keeps them, is opened
    and ingested into again, and holds as many rows for the same files."""
    import sqlite3

    from site_builder.ledger import db

    (new, _, made_now), _ = ingest_both(tmp_path / "new", capsys, monkeypatch)
    with sqlite3.connect(made_now / "records.sqlite") as made:
        assert made.execute("PRAGMA page_size").fetchone()[0] == db.PAGE_BYTES == 16384
    monkeypatch.setattr(db, "PAGE_BYTES", 4096)  # as ledgers made before it were
    (old, _, data), _ = ingest_both(tmp_path / "old", capsys, monkeypatch)
    monkeypatch.undo()
    with sqlite3.connect(data / "records.sqlite") as made:
        assert made.execute("PRAGMA page_size").fetchone()[0] == 4096
    assert kit.ingest(capsys, data, tmp_path / "old" / "inbox")[1].count("此文件已处理过") == 2  # opened again
    with sqlite3.connect(data / "records.sqlite") as made:
        assert made.execute("PRAGMA page_size").fetchone()[0] == 4096
    assert len(old["records"]) == len(new["records"]) > 0 and len(old["flags"]) == len(new["flags"])


def test_a_folder_of_many_small_files(tmp_path, capsys):
    data = kit.data_dir(tmp_path)
    inbox = tmp_path / "inbox"
    written = []
    for n in range(240):
        folder = inbox / f"{'ab'[n % 2]}" / (f"sub{n % 3}" if n % 5 else "")
        card = ("D03-0001", "D03-0002", "D01-0001")[n % 3]
        records = [kit.record("diary", card=card, text=f"第{n}份"), kit.record("checkin", card=card)]
        phone = f"3f1c9a2e-0000-4000-8000-00000000000{n % 3}"  # each member's own phone (one phone for three cards is flagged)
        written.append(kit.write(folder, records, name=f"sansong-{card}-{n:04d}.json", device=phone))
    kit.write(inbox, [kit.record("diary")], name="Z-last.json")
    (inbox / ".hidden").mkdir()
    kit.write(inbox / ".hidden", [kit.record("diary")], name="ignored.json")
    (inbox / "a" / "notes.txt").write_text("不是导出文件", "utf-8")
    status, out, _ = kit.ingest(capsys, data, inbox)
    assert status == 0, out
    assert "合计：241 个文件（其中已处理过 0 个，隔离 0 个）；新接收 481 条，已存在 0 条" in out
    assert "本次导入：241 个文件，存入 481 条新记录，用时" in out
    order = [line.split("】")[0].lstrip("【") for line in out.splitlines() if line.startswith("【")]
    expected = sorted(p for p in inbox.rglob("*") if p.suffix == ".json" and ".hidden" not in p.parts)
    assert order == [str(p) for p in expected]
    assert list(ingest.collect([inbox])) == expected
    conn = kit.ledger(data)
    assert conn.execute("SELECT count(*), sum(accepted) FROM files").fetchone() == (241, 481)
    assert conn.execute("SELECT count(*) FROM checkins").fetchone()[0] == 240
    again_status, again, _ = kit.ingest(capsys, data, inbox)
    assert again_status == 0 and again.count("此文件已处理过") == 241


def test_collect_checks_every_path_before_the_first_file(tmp_path, capsys):
    data = kit.data_dir(tmp_path)
    good = kit.write(tmp_path / "in", [kit.record("diary")])
    status = cli.main(["ingest", str(good), str(tmp_path / "missing"), "--content", str(kit.CONTENT), "--data", str(data)])
    assert status == 1 and "文件或文件夹不存在" in capsys.readouterr().err
    assert not (data / "records.sqlite").exists()  # refused before the ledger was even opened


def test_digest_changes_with_every_write_and_only_then(tmp_path, capsys):
    data = kit.data_dir(tmp_path)
    ledger = data / "records.sqlite"
    assert snapshot.digest(ledger) is None
    wrong = kit.record("checkin", code="000000")
    inbox = kit.write(tmp_path / "in", [kit.record("registration"), wrong]).parent
    kit.ingest(capsys, data, inbox)
    first = snapshot.digest(ledger)
    kit.ingest(capsys, data, inbox)  # every file seen: nothing changes
    assert snapshot.digest(ledger) == first
    kit.ingest(capsys, data, kit.write(tmp_path / "bad", ["not a record"]))  # only a rejection
    second = snapshot.digest(ledger)
    assert second != first
    cli.main(["ledger", "confirm", wrong["id"], "--data", str(data)])
    third = snapshot.digest(ledger)
    cli.main(["ledger", "reject", wrong["id"], "--data", str(data)])
    assert len({first, second, third, snapshot.digest(ledger)}) == 4


def test_digest_tells_two_ledgers_apart(tmp_path, capsys):
    digests = set()
    for name in ("one", "two"):
        data = kit.data_dir(tmp_path / name)
        kit.ingest(capsys, data, kit.write(tmp_path / name / "in", [kit.record("diary")]))
        digests.add(snapshot.digest(data / "records.sqlite"))
    assert len(digests) == 2


def variants() -> list:
    """Schema-valid records and small mutations of them: wrong types, bools for numbers, trailing newlines."""
    found: list = ["text", 1, None, [], {}, {"type": "checkin"}, {"type": ["checkin"]}]
    for type_ in ("registration", "claim", "checkin", "diary", "evaluation"):
        record = kit.record(type_, replaces="0b7e9c1a-1111-4222-8333-444455556666")
        found.append(record)
        for key in record:
            for value in (None, True, False, 0, 1, 1.0, "", "x", "2026-05-15T09:00:00+08:00\n", "D03-0001\n", [], {},
                          "registration", "checkin", ["YG-ZC-01"], {"honour_roll": 1, "stories": False}):
                found.append(dict(record, **{key: value}))
            found.append({k: v for k, v in record.items() if k != key})
    return found


def test_compiled_validator_is_never_more_lenient_and_reasons_are_unchanged():
    compiled = formats._compiled(1)
    _, reference = formats._validators(1)
    check = formats.record_checker(1)
    for value in variants():
        try:
            compiled(value)
            fast = True
        except Exception:
            fast = False
        assert not fast or reference.is_valid(value), value
        assert check(value) == formats._schema_reasons(reference, value), value
    assert isinstance(reference, jsonschema.Draft202012Validator)


def test_progress_counter_only_on_a_terminal():
    screen = io.StringIO()
    progress = Progress(stream=screen, enabled=True).start("导入中：文件", 3)
    progress.INTERVAL = 0
    progress.note("已处理 500 条记录")
    progress.advance()
    assert "导入中：文件 1/3，已处理 500 条记录" in screen.getvalue()
    progress.done()
    assert screen.getvalue().endswith("\r\033[K")
    quiet = io.StringIO()
    Progress(stream=quiet).start("导入中：文件", 3).advance()  # a StringIO is no terminal
    assert quiet.getvalue() == ""


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_file_lines_print_above_the_counter_on_a_shared_terminal():
    screen = Terminal()
    progress = Progress(stream=screen).start("导入中：文件", 2)
    progress.note("已处理 7 条记录")
    progress.print_above("【a.json】新接收 7 条", out=screen)
    text = screen.getvalue()
    assert text.index("导入中") < text.index("【a.json】") < text.rindex("导入中")  # erased, printed, drawn again
    progress.done()
    assert screen.getvalue().endswith("\r\033[K")


def test_every_query_ingest_runs_is_answered_from_an_index(tmp_path, capsys, monkeypatch):
    """No per-record query may walk the ledger: each SELECT ingest runs on the sample district's exports
    (registrations, consent, corrections, check-ins, diaries) is a SEARCH by an index or the rowid, never a
    SCAN, and never a walk over every record of a type (records_type alone). A lookup by card that fell back
    to records_type made a 100,000-record ingest 50 s instead of 12 (ledger/trust.py, ledger/devices.py)."""
    import re
    import shutil
    import sqlite3

    from site_builder.ledger import db

    root = Path(__file__).resolve().parent.parent
    data = tmp_path / "data"
    data.mkdir()
    for name in ("roster.csv", "checkin.key"):
        shutil.copy(root / "sample" / name, data / name)
    statements: set[str] = set()
    connect = db.connect

    def traced(path):
        conn = connect(path)
        conn.set_trace_callback(statements.add)  # expanded SQL: the values as bound
        return conn

    monkeypatch.setattr(db, "connect", traced)
    assert cli.main(["ingest", str(root / "sample" / "exports"), "--content", str(root / "content"),
                     "--data", str(data)]) in (0, 2)
    capsys.readouterr()
    plans: dict[str, list[str]] = {}
    with sqlite3.connect(data / "records.sqlite") as conn:
        for sql in statements:
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            shape = re.sub(r"IN \([^)]*\)", "IN (…)", re.sub(r"\b\d+\b", "N", re.sub(r"'[^']*'", "?", sql)))
            plans.setdefault(shape, [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql)])
    assert any("records_registrations" in " ".join(plan) for plan in plans.values())  # the card lookups ran
    walks = {shape: plan for shape, plan in plans.items()
             if any(step.startswith("SCAN") or step.endswith("USING INDEX records_type (type=?)") for step in plan)}
    assert walks == {}


def test_consent_in_a_batch_is_judged_after_the_registrations_before_it(tmp_path, capsys, monkeypatch):
    """A card's first registration decides whether consent from this phone needs an organiser. When that
    first registration is earlier in the same batch, the batch sees it as one record at a time does."""
    from site_builder.ledger import trust

    elsewhere = kit.record("registration", card="D03-0002", created_at="2026-05-10T09:00:00+08:00")
    first = kit.record("registration", card="D03-0002", created_at="2026-05-01T09:00:00+08:00")
    consent = kit.record("registration", card="D03-0002", created_at="2026-05-12T09:00:00+08:00",
                         consent={"honour_roll": True, "stories": False})
    inbox = tmp_path / "inbox"
    earlier = kit.write(inbox, [elsewhere], name="a-phone-b.json", device="phone-b-0001")
    batch_file = kit.write(inbox, [first, consent], name="b-phone-a.json", device="phone-a-0001")
    dumps = []
    for name in ("batched", "reference"):
        if name == "reference":
            one_by_one(monkeypatch)
        data = kit.data_dir(tmp_path / name)
        for path in (earlier, batch_file):
            kit.ingest(capsys, data, path)
        dumps.append(kit.dump(data / "records.sqlite"))
        flagged = {flag for _, flag, _ in dumps[-1]["flags"]} if "flags" in dumps[-1] else set()
        assert trust.CONSENT_UNCONFIRMED not in flagged, name  # this phone's registration came first
    assert dumps[0] == dumps[1]
