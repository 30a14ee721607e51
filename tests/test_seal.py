"""Sealed exports (format 2): the committed test vectors open on both sides (Python: ledger/seal.py;
JavaScript: theme/static/app/seal.js in node), fresh seals cross the language boundary both ways, any
change to a sealed file is refused by both, and ingest opens sealed files with the private key in
data/export-keys/ or quarantines them with the reason, changing nothing already stored."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

import exportkit as kit
import sealjs
from site_builder.ledger import formats, seal

VECTORS = Path(__file__).parent / "fixtures" / "seal"
PRIVATE = serialization.load_pem_private_key((VECTORS / "TEST-ONLY-private.pem").read_bytes(), password=None)
KEYS = {seal.key_id(PRIVATE.public_key()): PRIVATE}  # type: ignore[union-attr]
PLAIN = (VECTORS / "plain.json").read_text("utf-8")
PKCS8 = base64.b64encode(PRIVATE.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption())).decode()
PUBLISHED = {"alg": seal.ALG, "kid": seal.key_id(PRIVATE.public_key()),
             "spki": base64.b64encode(seal.spki(PRIVATE.public_key())).decode()}


def vector(name: str) -> dict:
    return json.loads((VECTORS / name).read_text("utf-8"))


@pytest.mark.parametrize("name", ["sealed-by-python.json", "sealed-by-javascript.json"])
def test_python_opens_the_committed_vectors(name):
    assert seal.open_document(vector(name), KEYS).decode("utf-8") == PLAIN


@pytest.mark.parametrize("name", ["sealed-by-python.json", "sealed-by-javascript.json"])
def test_the_apps_javascript_opens_the_committed_vectors(name):
    assert sealjs.open_(vector(name), PKCS8) == PLAIN


def test_a_fresh_python_seal_opens_in_javascript_and_the_reverse():
    text = PLAIN.replace("三号楼楼道灯坏了", "五号楼门禁坏了，老人进出不便")
    by_python = seal.seal(text.encode("utf-8"), PRIVATE.public_key())  # type: ignore[union-attr]
    assert sealjs.open_(by_python, PKCS8) == text
    by_js = sealjs.seal(text, PUBLISHED)
    assert set(by_js) == set(seal.FIELDS) and by_js["kid"] == PUBLISHED["kid"]
    assert seal.open_document(by_js, KEYS).decode("utf-8") == text
    assert by_js["ciphertext"] != sealjs.seal(text, PUBLISHED)["ciphertext"]  # a fresh key and nonce every time


def _flip(text: str) -> str:
    """The Base64 text with one byte of what it encodes changed."""
    raw = bytearray(base64.b64decode(text))
    raw[len(raw) // 2] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


TAMPERED = {
    "ciphertext": lambda d: {**d, "ciphertext": _flip(d["ciphertext"])},
    "wrapped key": lambda d: {**d, "key": _flip(d["key"])},
    "nonce": lambda d: {**d, "iv": _flip(d["iv"])},
    "key id (header)": lambda d: {**d, "kid": "0" * 16},
    "cut short": lambda d: {**d, "ciphertext": d["ciphertext"][:-8]},
}


@pytest.mark.parametrize("change", sorted(TAMPERED))
def test_a_tampered_seal_is_refused_by_both_sides(change):
    document = TAMPERED[change](vector("sealed-by-javascript.json"))
    with pytest.raises(formats.Unreadable):
        seal.open_document(document, KEYS | {"0" * 16: PRIVATE})  # even the right key under a forged kid fails
    assert sealjs.open_(document, PKCS8).startswith("ERROR")


def test_reasons_for_files_that_cannot_be_opened():
    document = vector("sealed-by-python.json")
    with pytest.raises(formats.Unreadable, match="没有私钥.*export-keys"):
        seal.open_document(document, {})
    with pytest.raises(formats.Unreadable, match="都不匹配"):
        seal.open_document(document, {"1" * 16: PRIVATE})
    with pytest.raises(formats.Unreadable, match="不应有的字段 records"):
        seal.open_document({**document, "records": []}, KEYS)
    with pytest.raises(formats.Unreadable, match="加密方式"):
        seal.open_document({**document, "alg": "RSA1_5"}, KEYS)
    with pytest.raises(formats.Unreadable, match="Base64"):
        seal.open_document({**document, "iv": "not base64!"}, KEYS)


def test_a_sealed_file_inside_a_sealed_file_is_refused():
    inner = (VECTORS / "sealed-by-python.json").read_bytes()
    outer = seal.sealed_bytes(inner, PRIVATE.public_key())  # type: ignore[union-attr]
    with pytest.raises(formats.Unreadable, match="又是加密文件"):
        formats.read(outer, KEYS)


def test_the_sealed_file_shows_nothing_personal():
    data = (VECTORS / "sealed-by-javascript.json").read_text("utf-8")
    for secret in ("D03-0001", "楼道", "三号楼", "yangguang", "3f1c9a2e"):
        assert secret not in data
    assert json.loads(data)["version"] == 2


# ---- ingest ----

def _data(tmp_path: Path) -> Path:
    data = kit.data_dir(tmp_path)
    keys = data / seal.KEYS_DIR
    keys.mkdir()
    shutil.copy(VECTORS / "TEST-ONLY-private.pem", keys / f"{PUBLISHED['kid']}.pem")
    return data


def _sealed(folder: Path, name: str, records: list, **envelope) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    plain = json.dumps(kit.export(records, **envelope), ensure_ascii=False).encode("utf-8")
    path = folder / name
    path.write_bytes(seal.sealed_bytes(plain, PRIVATE.public_key()))  # type: ignore[union-attr]
    return path


def test_ingest_opens_a_sealed_file_and_quarantines_a_tampered_one(tmp_path, capsys, fixed_clock):
    data = _data(tmp_path)
    records = [kit.record("registration"), kit.record("diary")]
    good = _sealed(tmp_path / "in", "a.json", records)
    status, out, _ = kit.ingest(capsys, data, good)
    assert status == 0, out
    conn = kit.ledger(data)
    assert {r[0] for r in conn.execute("SELECT id FROM records")} == {r["id"] for r in records}
    assert conn.execute("SELECT format_version, device FROM files").fetchone() == (2, "3f1c9a2e-0000-4000-8000-000000000001")
    conn.close()
    before = kit.dump(data / "records.sqlite")
    document = json.loads(good.read_text())
    bad = tmp_path / "in2" / "b.json"
    bad.parent.mkdir()
    bad.write_text(json.dumps(TAMPERED["ciphertext"](document)))
    status, out, _ = kit.ingest(capsys, data, bad)
    assert status == 2
    assert "隔离" in out and "密封校验失败" in out
    after = kit.dump(data / "records.sqlite")
    for table in ("records", "flags", "checkins", "conflicts", "rejections", "decisions"):
        assert after[table] == before[table]
    assert [r[4:6] for r in after["files"] if r[4] == "quarantined"] == [("quarantined", "密封校验失败：文件内容或文件头被改动过（或在传输中损坏），无法打开")]
    assert len(list((data / "quarantine").iterdir())) == 1


def test_ingest_without_the_private_key_quarantines_with_the_reason(tmp_path, capsys, fixed_clock):
    data = kit.data_dir(tmp_path)
    path = _sealed(tmp_path / "in", "a.json", [kit.record("diary")])
    status, out, err = kit.ingest(capsys, data, path)
    assert status == 2 and "Traceback" not in out + err
    assert "没有私钥" in out


def test_plain_format_1_files_are_still_read(tmp_path, capsys, fixed_clock):
    data = _data(tmp_path)
    path = kit.write(tmp_path / "in", [kit.record("diary")])
    assert kit.ingest(capsys, data, path)[0] == 0


@pytest.mark.parametrize("name", ["sealed-by-python.json", "sealed-by-javascript.json"])
def test_the_vectors_match_the_published_schema_of_format_2(name):
    import jsonschema

    jsonschema.Draft202012Validator(formats.schema(2)).validate(vector(name))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(formats.schema(2)).validate({**vector(name), "device": "x"})
