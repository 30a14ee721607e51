"""Sealed exports (format 2): a format-1 document encrypted for the organisation department.

The phone (theme/static/app/seal.js, WebCrypto) makes a fresh AES-256-GCM key for every file, encrypts
the UTF-8 bytes of the format-1 document with it, and wraps the AES key with the organisation's RSA
public key (RSA-OAEP, SHA-256 for the hash and MGF1). What is visible outside the seal is only what is
needed to open it: the algorithm, which key (`kid`), the wrapped key, the nonce and the ciphertext. The
header (format, version, alg, kid) is bound to the ciphertext as AES-GCM additional data, so changing any
part of the file is found when it is opened. docs/export-format.md, "Format 2", is the full description.

Private keys live in <data>/export-keys/<kid>.pem (PKCS#8 PEM, mode 0600), made by `site-builder keys`;
older keys stay there, so files sealed before a key change still open. The public key the site publishes
is named by site.yaml `sync.public_key` (site_builder/synckey.py).

Opening never raises anything but Unreadable (the file is quarantined with the Chinese reason).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from site_builder.errors import LedgerError
from site_builder.safetext import short
from site_builder.ledger.formats import FORMAT, Unreadable

VERSION = 2
ALG = "RSA-OAEP-256+A256GCM"
KEYS_DIR = "export-keys"  # under the data folder
KEY_BITS = 3072
NONCE_BYTES = 12
FIELDS = ("format", "version", "alg", "kid", "key", "iv", "ciphertext")
_KID = re.compile(r"^[0-9a-f]{16}$")
_B64 = re.compile(r"^[A-Za-z0-9+/]*={0,2}$")

PrivateKeys = Mapping[str, rsa.RSAPrivateKey]


def _oaep() -> padding.OAEP:
    return padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


def spki(public_key: rsa.RSAPublicKey) -> bytes:
    """The public key as DER SubjectPublicKeyInfo: what WebCrypto imports ('spki')."""
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def key_id(public_key: rsa.RSAPublicKey) -> str:
    """The key's id: the first 16 hex digits of the sha256 of its SPKI DER bytes."""
    return hashlib.sha256(spki(public_key)).hexdigest()[:16]


def header(kid: str) -> bytes:
    """The additional authenticated data: the visible header, so no part of it can be changed unnoticed."""
    return f"{FORMAT}|{VERSION}|{ALG}|{kid}".encode("ascii")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def seal(plain: bytes, public_key: rsa.RSAPublicKey) -> dict:
    """The sealed document (format 2) of a format-1 document's bytes, as the phone makes it."""
    kid = key_id(public_key)
    aes_key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(NONCE_BYTES)
    return {
        "format": FORMAT, "version": VERSION, "alg": ALG, "kid": kid,
        "key": _b64(public_key.encrypt(aes_key, _oaep())),
        "iv": _b64(nonce),
        "ciphertext": _b64(AESGCM(aes_key).encrypt(nonce, plain, header(kid))),
    }


def sealed_bytes(plain: bytes, public_key: rsa.RSAPublicKey) -> bytes:
    return (json.dumps(seal(plain, public_key), indent=1) + "\n").encode("utf-8")


def _field(document: dict, name: str, limit: int) -> bytes:
    value = document.get(name)
    if not isinstance(value, str) or not value or len(value) > limit or not _B64.match(value) or len(value) % 4:
        raise Unreadable(f"加密文件的结构不对：{name} 应为 Base64 文字，无法打开（文件可能被改动过）")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise Unreadable(f"加密文件的结构不对：{name} 不是有效的 Base64，无法打开（文件可能被改动过）") from None


def open_document(document: dict, keys: PrivateKeys | None) -> bytes:
    """The format-1 document's bytes inside a sealed document, or Unreadable with the reason."""
    extra = sorted(set(document) - set(FIELDS))
    if extra:
        raise Unreadable(f"加密文件中有不应有的字段 {extra[0]}，无法确认其来源（文件可能被改动过）")
    if document.get("alg") != ALG:
        raise Unreadable(f"加密方式 {str(document.get('alg'))[:40]} 无法识别；应为 {ALG}")
    kid = document.get("kid")
    if not isinstance(kid, str) or not _KID.match(kid):
        raise Unreadable("加密文件的结构不对：kid 应为 16 位十六进制的密钥编号（文件可能被改动过）")
    if not keys:
        raise Unreadable(f"这是加密的导出文件（密钥编号 {kid}），但数据文件夹中没有私钥（{KEYS_DIR}/），无法打开；"
                         "应先把 site-builder keys 生成的私钥放回 data/export-keys/，再导入这个文件")
    private = keys.get(kid)
    if private is None:
        raise Unreadable(f"加密所用的公钥（编号 {kid}）与数据文件夹中的私钥（{'、'.join(sorted(keys))}）都不匹配，无法打开")
    wrapped = _field(document, "key", 2048)
    nonce = _field(document, "iv", 64)
    ciphertext = _field(document, "ciphertext", 30 * 1024 * 1024)
    if len(nonce) != NONCE_BYTES:
        raise Unreadable(f"加密文件的结构不对：iv 应为 {NONCE_BYTES} 个字节（文件可能被改动过）")
    try:
        aes_key = private.decrypt(wrapped, _oaep())
    except ValueError:
        raise Unreadable("密封校验失败：加密的密钥无法用私钥解开，文件被改动过或不是为本机构加密的") from None
    if len(aes_key) != 32:
        raise Unreadable("密封校验失败：解开的密钥长度不对，文件被改动过")
    try:
        return AESGCM(aes_key).decrypt(nonce, ciphertext, header(kid))
    except InvalidTag:
        raise Unreadable("密封校验失败：文件内容或文件头被改动过（或在传输中损坏），无法打开") from None


# ---- keys ----

def keys_dir(data_dir: Path) -> Path:
    return Path(data_dir) / KEYS_DIR


def load_private_keys(data_dir: Path) -> dict[str, rsa.RSAPrivateKey]:
    """Every private key in <data>/export-keys/ by key id ({} when there is none)."""
    folder = keys_dir(data_dir)
    if not folder.is_dir():
        return {}
    keys: dict[str, rsa.RSAPrivateKey] = {}
    for path in sorted(folder.glob("*.pem")):
        try:
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except (ValueError, TypeError) as error:
            raise LedgerError(f"{path}：无法读取私钥，不是未加密的 PEM 私钥（cryptography 提示：{short(str(error), 80)}）；"
                              "应为 site-builder keys 生成的 PEM 私钥文件") from None
        if not isinstance(key, rsa.RSAPrivateKey):
            raise LedgerError(f"{path}：不是 RSA 私钥；应为 site-builder keys 生成的 PEM 私钥文件")
        keys[key_id(key.public_key())] = key
    return keys


def new_private_key(bits: int = KEY_BITS) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def private_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def public_pem(key: rsa.RSAPublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
