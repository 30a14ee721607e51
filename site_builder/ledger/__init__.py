"""The ledger of returned records: schema.sql (tables), snapshot.py (read side), ingest (write side)."""

from pathlib import Path

DATA_DIR = "data"  # the private folder, beside content/; never deployed


def ledger_in(data_dir: Path) -> Path:
    """Where the ledger lives in a private data folder; every command derives its default from this."""
    return Path(data_dir) / "records.sqlite"
