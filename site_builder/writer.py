"""The only code that writes the site folder (owner: rendering stage). STUB: being written."""

from __future__ import annotations

from pathlib import Path


def write(out_dir: Path, outputs: dict[str, bytes]) -> None:
    for name, data in sorted(outputs.items()):
        target = out_dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
