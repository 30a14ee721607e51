"""site-builder collect: the endpoint phones send their records to (docs/ledger.md, "Collect").

`receive.py` stores one batch (inbox first, then the same ingest code as `site-builder ingest`) and
answers per record; `answers.py` turns an ingested file into those answers; `limits.py` holds the size
and rate limits; `server.py` is the Starlette application (one route, POST /batches) that uvicorn runs.
"""
