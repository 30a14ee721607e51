"""site-builder keys: the organisation department's key pair for sealed exports (docs/export-format.md).

The private key goes to <data>/export-keys/<kid>.pem (mode 0600, never overwritten, never in content/ or
build/); the public key to content/export-public.pem (or --public), which site.yaml `sync.public_key`
names and the build publishes for the phones. Making a new pair keeps the old private keys, so files
sealed with the old public key still open.
"""

from __future__ import annotations

import os
from pathlib import Path

from site_builder.commands.common import add_data_arguments, content_dir_of, data_dir_of
from site_builder.commands.ingest import usage_exit_1
from site_builder.errors import UsageError, rel
from site_builder.ledger import seal
from site_builder.ledger.archive import atomic_write

HELP = "create the key pair that seals exports: private key in data/export-keys/, public key for site.yaml sync.public_key"
PUBLIC_NAME = "export-public.pem"


def add_arguments(p) -> None:
    usage_exit_1(p)
    add_data_arguments(p)
    p.add_argument("--public", metavar="FILE", help=f"where to write the public key (default: <content>/{PUBLIC_NAME})")
    p.add_argument("--force", action="store_true", help="replace an existing public key file (the old private key is kept)")
    p.add_argument("--bits", type=int, default=seal.KEY_BITS, choices=(2048, 3072, 4096), help="RSA key size (default: 3072)")


def run(args) -> int:
    content_dir = content_dir_of(args)
    data_dir = data_dir_of(args)
    public = Path(args.public) if args.public else content_dir / PUBLIC_NAME
    if public.exists() and not args.force:
        raise UsageError(f"{rel(public)}：公钥文件已存在；应为换新密钥时加 --force（旧私钥保留在 "
                         f"{rel(seal.keys_dir(data_dir))}/，旧文件仍能打开），或用 --public 另选文件")
    if _inside(public, data_dir):
        raise UsageError(f"--public {args.public}：公钥要随网站发布，不能放在私有数据文件夹中；应为 content/ 中的文件")
    key = seal.new_private_key(args.bits)
    kid = seal.key_id(key.public_key())
    folder = seal.keys_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    private = folder / f"{kid}.pem"
    fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, seal.private_pem(key))
        os.fsync(fd)
    finally:
        os.close(fd)
    public.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(public, seal.public_pem(key.public_key()))
    print(f"已生成加密密钥（编号 {kid}）：")
    print(f"  私钥 {rel(private)}（只在本机，权限 0600；不要上传、不要发送，请另行备份到安全的地方）")
    print(f"  公钥 {rel(public)}（随网站发布，手机用它加密导出的记录）")
    try:
        named = public.resolve().relative_to(content_dir.resolve()).as_posix()
    except ValueError:
        named = str(public)
    print(f"请在 {rel(content_dir / 'site.yaml')} 中写明：sync: public_key: {named}，然后重新构建网站。")
    return 0


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False
