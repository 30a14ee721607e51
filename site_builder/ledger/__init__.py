"""The ledger of returned records: schema.sql (tables), snapshot.py (read side), ingest (write side)."""
