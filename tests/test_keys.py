"""site-builder keys and the published app/sync.json: the private key stays in data/export-keys/ (0600,
never overwritten), the public key is what the build publishes, with the endpoint; a private key or a
file outside content/ named in site.yaml stops the build with a located Chinese message."""

from __future__ import annotations

import json
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import exportkit as kit
from site_builder.ledger import formats, seal

CLI = [sys.executable, "-m", "site_builder"]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(CLI + list(args), capture_output=True, text=True, cwd=cwd, timeout=120)


@pytest.fixture
def tree(tmp_path) -> Path:
    shutil.copytree(kit.CONTENT, tmp_path / "content")
    return tmp_path


def set_sync(content: Path, endpoint: str = "null", public_key: str = "null") -> None:
    path = content / "site.yaml"
    text = path.read_text("utf-8")
    text = re.sub(r"\nsync:.*", "", text, flags=re.S) + f"\nsync:\n  endpoint: {endpoint}\n  public_key: {public_key}\n"
    path.write_text(text, "utf-8")


def test_keys_makes_a_private_key_in_data_and_a_public_key_in_content(tree):
    result = run("keys", "--bits", "2048", cwd=tree)
    assert result.returncode == 0, result.stderr
    (private,) = (tree / "data" / seal.KEYS_DIR).glob("*.pem")
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert stat.S_IMODE(private.parent.stat().st_mode) == 0o700
    public = tree / "content" / "export-public.pem"
    assert b"PUBLIC KEY" in public.read_bytes() and b"PRIVATE" not in public.read_bytes()
    keys = seal.load_private_keys(tree / "data")
    assert list(keys) == [private.stem]
    assert "sync: public_key: export-public.pem" in result.stdout

    again = run("keys", "--bits", "2048", cwd=tree)
    assert again.returncode == 1 and "已存在" in again.stderr and "Traceback" not in again.stderr
    old = seal.sealed_bytes(json.dumps(kit.export([kit.record("diary")])).encode(), keys[private.stem].public_key())
    assert run("keys", "--bits", "2048", "--force", cwd=tree).returncode == 0
    assert len(seal.load_private_keys(tree / "data")) == 2  # the old key stays: files sealed with it still open
    assert formats.read(old, seal.load_private_keys(tree / "data")).records


def test_the_build_publishes_the_endpoint_and_public_key_and_nothing_private(tree):
    assert run("keys", "--bits", "2048", cwd=tree).returncode == 0
    set_sync(tree / "content", "https://collect.example.cn/batches", "export-public.pem")
    result = run("build", "--today", "2026-05-01", cwd=tree)
    assert result.returncode == 0, result.stderr
    site = tree / "build" / "site"
    published = json.loads((site / "app" / "sync.json").read_text("utf-8"))
    (private,) = (tree / "data" / seal.KEYS_DIR).glob("*.pem")
    assert published["endpoint"] == "https://collect.example.cn/batches"
    assert published["public_key"]["kid"] == private.stem and published["public_key"]["alg"] == seal.ALG
    assert "app/sync.json" in (site / "sw.js").read_text("utf-8")  # precached: known offline
    secret = b"".join(private.read_bytes().splitlines()[1:-1])
    for path in site.rglob("*"):
        if path.is_file():
            assert b"PRIVATE KEY" not in path.read_bytes() and secret[100:160] not in path.read_bytes(), path


def test_without_sync_settings_nothing_is_published_but_nulls(tree):
    assert run("build", "--today", "2026-05-01", cwd=tree).returncode == 0
    published = json.loads((tree / "build" / "site" / "app" / "sync.json").read_text("utf-8"))
    assert published == {"endpoint": None, "public_key": None}


@pytest.mark.parametrize("endpoint, public_key, says", [
    ("null", "data/export-keys/KEY.pem", "不在内容文件夹中"),
    ("null", "private.pem", "是私钥"),
    ("null", "missing.pem", "无法读取，文件或文件夹不存在（ENOENT）"),  # the reason in Chinese, not the system's English
    ("null", "site.yaml", "不是 2048 位以上的 RSA 公钥"),
    ("http://collect.example.cn/batches", "null", "没有加密传输"),
    ("collect.example.cn", "null", "不是网址"),
])
def test_bad_sync_settings_stop_the_build_with_the_reason(tree, endpoint, public_key, says):
    assert run("keys", "--bits", "2048", cwd=tree).returncode == 0
    (private,) = (tree / "data" / seal.KEYS_DIR).glob("*.pem")
    shutil.copy(private, tree / "content" / "private.pem")
    set_sync(tree / "content", endpoint, public_key.replace("KEY", private.stem).replace("data/", "../data/"))
    result = run("build", "--today", "2026-05-01", cwd=tree)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "site.yaml：" in result.stderr and says in result.stderr
    assert not (tree / "build" / "site").exists()


def test_a_damaged_private_key_is_named_in_chinese_and_nothing_is_ingested(tree):
    assert run("keys", "--bits", "2048", cwd=tree).returncode == 0
    (private,) = (tree / "data" / seal.KEYS_DIR).glob("*.pem")
    private.write_text("-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n", encoding="utf-8")
    inbox = tree / "inbox"
    inbox.mkdir()
    (inbox / "a.json").write_text("{}", encoding="utf-8")
    result = run("ingest", str(inbox), cwd=tree)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{private.name}：无法读取私钥，不是未加密的 PEM 私钥" in result.stderr, result.stderr
    assert not (tree / "data" / "records.sqlite").exists()
