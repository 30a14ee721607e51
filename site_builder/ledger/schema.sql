-- The ledger: every accepted record, every file ever ingested, and what was decided about them.
-- Contract between ingest (writes) and aggregates/reports (read through snapshot.py).
-- Changes: add columns/tables only (never drop or rename); bump meta 'schema_version' and migrate in ledger/db.py.

CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- One row per distinct file content ever offered to ingest (archived byte for byte as data/archive/<sha256>.json).
CREATE TABLE IF NOT EXISTS files (
  sha256         TEXT PRIMARY KEY,
  name           TEXT NOT NULL,             -- the file name it arrived with (first time seen)
  size           INTEGER NOT NULL,
  received_at    TEXT NOT NULL,             -- ISO 8601, ledger clock
  status         TEXT NOT NULL CHECK (status IN ('ingested', 'quarantined')),
  reason         TEXT,                      -- why quarantined (Chinese, for the secretary)
  device         TEXT,
  exported_at    TEXT,
  format_version INTEGER,
  accepted       INTEGER NOT NULL DEFAULT 0,
  known          INTEGER NOT NULL DEFAULT 0,
  conflicting    INTEGER NOT NULL DEFAULT 0,
  rejected       INTEGER NOT NULL DEFAULT 0
);

-- Accepted records, never updated except superseded_by; body is the record's canonical JSON.
CREATE TABLE IF NOT EXISTS records (
  id            TEXT PRIMARY KEY,
  type          TEXT NOT NULL,              -- registration | claim | checkin | diary | evaluation
  card          TEXT NOT NULL,
  created_at    TEXT NOT NULL,              -- device clock, ISO 8601 with offset
  schema        INTEGER NOT NULL,           -- the record's schema version
  replaces      TEXT,                       -- id of the record this one corrects
  superseded_by TEXT,                       -- id of the accepted record that corrects this one
  body          TEXT NOT NULL,
  digest        TEXT NOT NULL,              -- sha256 of body
  file_sha256   TEXT NOT NULL REFERENCES files(sha256),
  device        TEXT,
  ingested_at   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_card ON records(card);
CREATE INDEX IF NOT EXISTS records_type ON records(type);
-- Corrections: "which records name this one in replaces" (ingest, per batch and per correction; snapshot chains).
CREATE INDEX IF NOT EXISTS records_replaces ON records(replaces) WHERE replaces IS NOT NULL;
-- "how many cards has this phone checked in" (ledger/devices.py, after every file with check-ins).
CREATE INDEX IF NOT EXISTS records_device_checkins ON records(device, card) WHERE type = 'checkin';
-- "a card's first or effective registration" (ledger/trust.py, ledger/devices.py): without it SQLite walks
-- records_type over every registration for each lookup, and ingest slows with the ledger.
CREATE INDEX IF NOT EXISTS records_registrations ON records(card, created_at) WHERE type = 'registration';

-- Flags on accepted records: unknown_card, late, missing_checkout, code_mismatch, unknown_activity, capped, …
CREATE TABLE IF NOT EXISTS flags (
  record_id TEXT NOT NULL REFERENCES records(id),
  flag      TEXT NOT NULL,
  detail    TEXT,
  PRIMARY KEY (record_id, flag)
);
-- "records with flag F": unknown_activity at the start of every ingest, `ledger list --flag F`.
CREATE INDEX IF NOT EXISTS flags_flag ON flags(flag);

-- Derived at ingest for type = 'checkin': credited hours per the rules and whether the code matched.
CREATE TABLE IF NOT EXISTS checkins (
  record_id      TEXT PRIMARY KEY REFERENCES records(id),
  activity       TEXT NOT NULL,
  community      TEXT,                      -- the activity's community id (NULL for a team-only activity)
  team           TEXT,
  activity_date  TEXT NOT NULL,             -- YYYY-MM-DD
  checked_in_at  TEXT,
  checked_out_at TEXT,
  hours          REAL NOT NULL,             -- hours per the rules (capped, planned if no check-out); count only when verified/confirmed
  verification   TEXT NOT NULL CHECK (verification IN ('verified', 'unverified', 'confirmed', 'rejected'))
);

-- Same id, different content: kept aside, never applied.
CREATE TABLE IF NOT EXISTS conflicts (
  record_id   TEXT NOT NULL,
  digest      TEXT NOT NULL,
  body        TEXT NOT NULL,
  file_sha256 TEXT NOT NULL,
  found_at    TEXT NOT NULL,
  PRIMARY KEY (record_id, digest)
);

-- Records of an ingested file that failed validation, with the reason.
CREATE TABLE IF NOT EXISTS rejections (
  file_sha256 TEXT NOT NULL,
  position    INTEGER NOT NULL,             -- index in the file's records array
  record_id   TEXT,
  reason      TEXT NOT NULL,
  PRIMARY KEY (file_sha256, position)
);

-- An organiser's decision on an unverified check-in (history kept: latest row wins).
CREATE TABLE IF NOT EXISTS decisions (
  record_id  TEXT NOT NULL REFERENCES records(id),
  decision   TEXT NOT NULL CHECK (decision IN ('confirmed', 'rejected')),
  decided_at TEXT NOT NULL,
  decided_by TEXT,
  note       TEXT
);
-- One check-in's decisions (`ledger history`, the latest per check-in).
CREATE INDEX IF NOT EXISTS decisions_record ON decisions(record_id);
