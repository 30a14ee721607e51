-- What community and department staff decide at the desk (site-builder desk) or on the command line.
-- Applied after schema.sql on every open (CREATE … IF NOT EXISTS), so an older ledger gains these tables
-- the next time it is opened for writing. Add tables/columns only; history is kept, the latest row wins.

-- Approval of a claimed post (认领岗位审核): per card x post x programme year.
CREATE TABLE IF NOT EXISTS claim_decisions (
  card       TEXT NOT NULL,
  post       TEXT NOT NULL,
  year       INTEGER NOT NULL,
  decision   TEXT NOT NULL CHECK (decision IN ('approved', 'declined', 'pending')),
  decided_at TEXT NOT NULL,
  decided_by TEXT,
  note       TEXT
);
CREATE INDEX IF NOT EXISTS claim_decisions_post ON claim_decisions(post, year);

-- The 报到卡 回执 came back to the member's unit (department), per card x programme year.
CREATE TABLE IF NOT EXISTS receipts (
  card        TEXT NOT NULL,
  year        INTEGER NOT NULL,
  returned    INTEGER NOT NULL CHECK (returned IN (0, 1)),  -- 0: a mistaken entry withdrawn
  returned_on TEXT,                                        -- YYYY-MM-DD, the day the unit received it
  recorded_at TEXT NOT NULL,
  recorded_by TEXT
);
CREATE INDEX IF NOT EXISTS receipts_card ON receipts(card, year);

-- 民情日记 择优报送: diary records a department picked to send upward.
CREATE TABLE IF NOT EXISTS diary_selections (
  record_id  TEXT NOT NULL REFERENCES records(id),
  selected   INTEGER NOT NULL CHECK (selected IN (0, 1)),
  decided_at TEXT NOT NULL,
  decided_by TEXT
);
CREATE INDEX IF NOT EXISTS diary_selections_record ON diary_selections(record_id);
