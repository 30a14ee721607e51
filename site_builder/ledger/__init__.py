"""The ledger of returned records: schema.sql (tables), snapshot.py (read side), ingest (write side)."""

from pathlib import Path

DATA_DIR = "data"  # the private folder, beside content/; never deployed


def data_dir_for(content_dir: Path | str, data: Path | str | None = None) -> Path:
    """The private data folder: `data` when given (--data), else data/ beside the content folder.

    Every command decides where data/ is with this, so ingest, ledger, codes, report, build and serve
    agree whatever the working directory."""
    return Path(data) if data else Path(content_dir).resolve().parent / DATA_DIR


def ledger_in(data_dir: Path) -> Path:
    """Where the ledger lives in a private data folder; every command derives its default from this."""
    return Path(data_dir) / "records.sqlite"
