"""What the phones need to send records (owner: sealed exports): `app/sync.json`, public data only.

    {"endpoint": "https://collect.example.cn/batches" | null,
     "public_key": {"alg": "RSA-OAEP-256+A256GCM", "kid": "<16 hex>", "spki": "<Base64 DER>"} | null}

site.yaml `sync.endpoint` is where `site-builder collect` listens (behind TLS); `sync.public_key` names a
PEM public key file inside content/ (made by `site-builder keys`). A private key named there is refused:
nothing secret is ever published. See docs/export-format.md and docs/offline-app.md ("Outbox").
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from site_builder import guard
from site_builder.errors import SiteBuilderError

SYNC_FILE = "app/sync.json"
LOOPBACK = ("127.0.0.1", "localhost", "[::1]", "::1")


def sync_settings(content) -> dict[str, Any]:
    """The contents of app/sync.json for this content (raises SiteBuilderError with a located reason)."""
    site = content.site
    return {"endpoint": _endpoint(site.sync_endpoint), "public_key": _public_key(Path(content.root), site.export_public_key)}


def _where() -> str:
    return "site.yaml"


def _endpoint(value: str | None) -> str | None:
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SiteBuilderError(f"{_where()}：sync.endpoint “{value}” 不是网址；应为 collect 的地址，例如 https://collect.example.cn/batches")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK:
        raise SiteBuilderError(f"{_where()}：sync.endpoint “{value}” 没有加密传输（http）；应为 https:// 地址"
                               "（collect 放在配置了 TLS 的 nginx 之后，见 docs/ledger.md），只有本机测试可用 http://127.0.0.1")
    return value


def _public_key(root: Path, name: str | None) -> dict[str, str] | None:
    if not name:
        return None
    path = (root / name)
    shown = f"sync.public_key “{name}”"
    try:
        inside = path.resolve().is_relative_to(root.resolve())
    except OSError:
        inside = False
    if Path(name).is_absolute() or not inside:
        raise SiteBuilderError(f"{_where()}：{shown} 不在内容文件夹中；应为 content/ 中的公钥文件，例如 export-public.pem")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SiteBuilderError(f"{_where()}：{shown} 无法读取，{guard.oserror_reason(error)}；应为 site-builder keys 生成的公钥文件") from None
    if b"PRIVATE KEY" in data:
        raise SiteBuilderError(f"{_where()}：{shown} 是私钥，绝不能随网站发布；应为公钥文件（site-builder keys 写的 "
                               "export-public.pem），私钥只放在 data/export-keys/")
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from site_builder.ledger import seal

    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, rsa.RSAPublicKey) or key.key_size < 2048:
        raise SiteBuilderError(f"{_where()}：{shown} 不是 2048 位以上的 RSA 公钥（PEM）；应为 site-builder keys 生成的公钥文件")
    return {"alg": seal.ALG, "kid": seal.key_id(key), "spki": base64.b64encode(seal.spki(key)).decode("ascii")}
