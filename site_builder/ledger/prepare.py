"""The pure part of offering a record: what ingest can know of it without the ledger.

check() gives the schema's reasons (the record is then rejected), else its canonical JSON and digest:
what every record needs. judge() gives what a record that may be new needs: the content's reasons
(semantic.py), the flags that depend only on the record and the settings (accept.record_flags, the
check-in's flags) and its `checkins` row. Neither touches the ledger, so for a big file ingest runs
both in worker processes (prepare_chunk, through site_builder.pool) while the main process looks up,
decides and writes (ledger/batch.py) in file order, with the outcome of one record at a time; a record
the ledger already holds is only checked. Otherwise records are checked in the main process, and a
record is judged only once it turns out to be new.

Checking may change a record (a full-width card number read as the app writes it, free text cleaned,
formats.text_checked); a record a worker changed is sent back (Prepared.record), so the main process
stores what the worker judged. An unchanged record stays the main process's own copy.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, NamedTuple

from site_builder import rules
from site_builder.ledger import accept, formats, semantic
from site_builder.safetext import printable


class Prepared(NamedTuple):
    """What check() and judge() found; a plain tuple on the way back from a worker (cheap to pickle)."""

    record_id: str | None  # the record's id when it is a string, printable (also for a rejected record)
    reasons: list[str] | None  # the schema's: rejected, and nothing below was computed; None: valid
    body: str = ""  # canonical JSON (accept.canonical)
    digest: str = ""
    judged: bool = False  # the three below were computed (judge())
    problems: list[str] | None = None  # the content's (semantic.problems): rejected if it is new
    flags: dict[str, str] | None = None  # accept.record_flags and the check-in's flags
    checkin: tuple | None = None  # the `checkins` row (accept.checkin_row); None for an unknown activity
    record: dict | None = None  # the record as checked; from a worker only when checking changed it


_RECORD = Prepared._fields.index("record")


class Setting(NamedTuple):
    """What a worker needs (pickled once per file): the settings without the private keys, which checker
    the file's records are validated with (formats.checker), and the digests the ledger holds for the
    file's ids (prepare's `stored`)."""

    settings: accept.Settings
    checker: tuple[int, bool]
    stored: dict[str, str]


def check(record: object, validate: Callable[[object], list[str]]) -> Prepared:
    """The schema's verdict and, for a valid record, its canonical JSON and digest: what every record needs."""
    _typed_on_a_phone(record)
    reasons = validate(record)
    if reasons:
        return Prepared(_id_of(record), reasons)
    assert isinstance(record, dict)  # the schema says so
    body = accept.canonical(record)
    return Prepared(_id_of(record), None, body, accept.digest_of(body), False, None, None, None, record)


def judge(prepared: Prepared, record: dict, settings: accept.Settings) -> Prepared:
    """The content's verdict on a checked record that may be new, its flags and its check-in row."""
    problems = semantic.problems(record, settings.catalogue)
    flags, checkin = None, None
    if not problems:
        flags = accept.record_flags(record, settings, prepared.body)
        if record["type"] == "checkin":
            checkin, checkin_flags = accept.checkin_row(record, settings)
            flags.update(checkin_flags)
    record_id, _, body, digest = prepared[:4]
    return Prepared(record_id, None, body, digest, True, problems or None, flags, checkin, prepared.record)


def prepare(record: object, settings: accept.Settings, validate: Callable[[object], list[str]],
            stored: str | None = None) -> Prepared:
    """check() and judge() (in a worker). `stored`: the digest the ledger held for the record's id before
    its file was offered, if any: a record stored with the same digest is known (only its digest is
    needed), one with another digest a conflict (its body, not judged): stored records never change."""
    prepared = check(record, validate)
    if prepared.reasons or prepared.record is None:
        return prepared
    if stored is not None:  # known (its body is not needed) or a conflict
        return prepared if stored != prepared.digest else Prepared(prepared.record_id, None, "", prepared.digest,
                                                                   record=prepared.record)
    return judge(prepared, prepared.record, settings)


def setting_of(settings: accept.Settings, checker: tuple[int, bool], stored: dict[str, str]) -> Setting:
    return Setting(dataclasses.replace(settings, keys=None), checker, stored)


def prepare_chunk(setting: Setting, records: list) -> list[tuple]:
    """prepare() in a worker (a site_builder.pool task), each as a plain tuple (Prepared._make() reads it):
    the record goes back only when checking changed it."""
    validate = formats.checker(*setting.checker)
    settings, stored, cleans_text = setting.settings, setting.stored, setting.checker[1]
    prepared: list[tuple] = []
    for record in records:
        before = _snapshot(record, cleans_text)
        record_id = record.get("id") if isinstance(record, dict) else None
        one = prepare(record, settings, validate, stored.get(record_id) if type(record_id) is str else None)
        if one.record is not None and before is not None and _unchanged(one.record, before):
            prepared.append(one[:_RECORD] + (None,) + one[_RECORD + 1:])  # one._replace(record=None), cheaper
        else:
            prepared.append(tuple(one))
    return prepared


def _snapshot(record: object, cleans_text: bool) -> tuple | None:
    """What checking may change, before it runs: the card and code (full-width typing); None (always send
    the record back) when the file's free text is cleaned."""
    if cleans_text or not isinstance(record, dict):
        return None
    return record.get("card"), record.get("code")


def _unchanged(record: dict, before: tuple) -> bool:
    return (record.get("card"), record.get("code")) == before


def _typed_on_a_phone(record: object) -> None:
    """A card number or check-in code typed full-width on a Chinese keyboard (Ｄ０３－００４２, １２３４５６) is
    read as the app would have written it (rules.normalise_card, NFKC), before the record is checked."""
    if not isinstance(record, dict):
        return
    card, code = record.get("card"), record.get("code")
    if isinstance(card, str) and not card.isascii():
        record["card"] = rules.normalise_card(card)
    if isinstance(code, str) and not code.isascii():
        record["code"] = rules.normalise_code(code)


def _id_of(record: object) -> str | None:
    """The record's id when it is a string, as it may be shown and stored (safetext.printable: a rejected
    record's id may hold anything)."""
    if isinstance(record, dict) and isinstance(record.get("id"), str):
        return printable(record["id"])
    return None
