-- Platform mode: gift cards, the operator's credit adjustments, and the
-- redeem attempt limit. Money moves only as wallet_entries rows
-- ('gift_card:<card id>', 'grant:<adjustment id>', 'revoke:<adjustment id>'),
-- whose ids make a replay insert nothing.

-- A code is stored only as its SHA-256 (hex of the normalised
-- KAOS-XXXX-XXXX-XXXX-XXXX); `hint` is its last group.
CREATE TABLE gift_cards (
  id           TEXT PRIMARY KEY,
  batch_id     TEXT NOT NULL,
  code_sha256  TEXT NOT NULL UNIQUE,
  hint         TEXT NOT NULL,
  amount_cents INTEGER NOT NULL,
  note         TEXT,
  created_by   TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  redeemed_by  TEXT,
  redeemed_at  INTEGER
);
CREATE INDEX ix_gift_cards_batch ON gift_cards (batch_id, created_at, id);
-- The console lists every batch newest first.
CREATE INDEX ix_gift_cards_time ON gift_cards (created_at, id);

-- The operator's grants (amount_cents > 0) and revokes (< 0), with the
-- reason shown in the owner's transactions. A client's idempotency key makes
-- a retried grant return the first adjustment (NULL keys never collide).
CREATE TABLE credit_adjustments (
  id              TEXT PRIMARY KEY,
  owner_id        TEXT NOT NULL,
  amount_cents    INTEGER NOT NULL,
  reason          TEXT NOT NULL,
  created_by      TEXT NOT NULL,
  idempotency_key TEXT UNIQUE,
  created_at      INTEGER NOT NULL
);
CREATE INDEX ix_credit_adjustments_time ON credit_adjustments (created_at, id);

-- One row per failed redeem of the last hour; each redeem deletes its
-- owner's older rows and adds none once the limit is reached, so an owner
-- holds at most the limit's rows.
CREATE TABLE gift_card_redeem_failures (
  owner_id TEXT NOT NULL,
  at       INTEGER NOT NULL
);
CREATE INDEX ix_gift_card_redeem_failures_owner ON gift_card_redeem_failures (owner_id, at);
