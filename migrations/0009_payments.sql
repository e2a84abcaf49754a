-- Platform mode: buying credits with Stripe, and auto top-up. A payment's
-- money reaches the wallet only as a wallet_entries row with the id
-- 'topup:<payment id>' (Checkout) or 'auto_topup:<payment id>' (an off-session
-- charge), so however often Stripe delivers an event, a payment credits once.
-- Amounts are integer cents here (what Stripe charges); the entry carries
-- nano-USD (1 cent = 10,000,000).

-- One Stripe customer per owner, created on the first checkout; the card a
-- paid Checkout saved (setup_future_usage=off_session) is what auto top-up charges.
CREATE TABLE stripe_customers (
  owner_id          TEXT PRIMARY KEY,
  customer_id       TEXT NOT NULL UNIQUE,
  payment_method_id TEXT,
  created_at        INTEGER NOT NULL
);

CREATE TABLE payments (
  id                       TEXT PRIMARY KEY,          -- pay_<hex>, ours
  owner_id                 TEXT NOT NULL,
  source                   TEXT NOT NULL,             -- 'checkout' | 'auto_topup'
  status                   TEXT NOT NULL,             -- 'pending' | 'completed' | 'expired' | 'failed'
  amount_cents             INTEGER NOT NULL,
  stripe_session_id        TEXT UNIQUE,
  stripe_payment_intent_id TEXT UNIQUE,
  error                    TEXT,
  created_at               INTEGER NOT NULL,
  completed_at             INTEGER
);
CREATE INDEX ix_payments_owner_time ON payments (owner_id, created_at, id);

-- Every verified event received, for the record (processing is idempotent
-- on its own: the guarded updates and the entries' unique ids).
CREATE TABLE stripe_events (
  id          TEXT PRIMARY KEY,
  type        TEXT NOT NULL,
  received_at INTEGER NOT NULL
);

-- An owner's auto top-up. claim_id/claimed_at is the only gate to a charge
-- (see wasm/payments/auto_topup.h); consecutive_failures drives the backoff
-- and, at 3, paused_reason stops it until the owner enables it again.
CREATE TABLE auto_topup (
  owner_id             TEXT PRIMARY KEY,
  enabled              INTEGER NOT NULL DEFAULT 0,
  threshold_cents      INTEGER NOT NULL,
  amount_cents         INTEGER NOT NULL,
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  paused_reason        TEXT,
  last_error           TEXT,
  last_attempt_at      INTEGER,
  claim_id             TEXT,
  claimed_at           INTEGER,
  updated_at           INTEGER NOT NULL
);
CREATE INDEX ix_auto_topup_enabled ON auto_topup (enabled) WHERE enabled = 1;
