-- Platform mode: credit wallets, their ledger, and who earned from a request.
-- Money is INTEGER nano-USD. A wallet's balance is the sum of its entries:
-- the trigger below is the only writer of wallets.balance_nusd, so the two
-- cannot disagree. An entry id is unique (a request's spend is
-- '<request id>:spend'), so a replayed settlement inserts nothing.
CREATE TABLE wallet_entries (
  id            TEXT PRIMARY KEY,
  owner_id      TEXT NOT NULL,
  kind          TEXT NOT NULL,              -- 'spend' | 'earn' | 'grant' | ... (payments add theirs)
  amount_nusd   INTEGER NOT NULL,           -- signed: spends are negative
  request_id    TEXT,
  credential_id TEXT,                       -- the contributor's credential, for 'earn'
  created_at    INTEGER NOT NULL
);
CREATE INDEX ix_wallet_entries_owner_time ON wallet_entries (owner_id, created_at);

CREATE TABLE wallets (
  owner_id     TEXT PRIMARY KEY,
  balance_nusd INTEGER NOT NULL DEFAULT 0,
  updated_at   INTEGER NOT NULL
);

-- (The body's statement ends on the END line: one statement for splitters that cut at a line-ending ';'.)
CREATE TRIGGER wallet_entries_apply AFTER INSERT ON wallet_entries
BEGIN
  INSERT INTO wallets (owner_id, balance_nusd, updated_at) VALUES (NEW.owner_id, NEW.amount_nusd, NEW.created_at)
    ON CONFLICT (owner_id) DO UPDATE SET balance_nusd = balance_nusd + NEW.amount_nusd, updated_at = NEW.created_at; END;

-- What in-flight shared-pool requests of a wallet are expected to cost. A
-- request may use others' credentials only while the balance minus these is
-- positive, so a wallet goes below zero by at most the last admitted
-- request's cost. The request's settlement deletes its row.
CREATE TABLE wallet_reservations (
  request_id  TEXT PRIMARY KEY,
  owner_id    TEXT NOT NULL,
  amount_nusd INTEGER NOT NULL,
  created_at  INTEGER NOT NULL
);
CREATE INDEX ix_wallet_reservations_owner ON wallet_reservations (owner_id, created_at);

-- A request served by another owner's credential: who that owner is, and
-- what moved. NULL for self-use (and in Core mode), so the partial index
-- costs a row only for cross-owner requests.
ALTER TABLE request_logs ADD COLUMN credential_owner_id TEXT;
ALTER TABLE request_logs ADD COLUMN consumer_charged_nusd INTEGER NOT NULL DEFAULT 0;
ALTER TABLE request_logs ADD COLUMN provider_earned_nusd INTEGER NOT NULL DEFAULT 0;
CREATE INDEX ix_request_logs_earned ON request_logs (credential_owner_id, created_at) WHERE credential_owner_id IS NOT NULL;
