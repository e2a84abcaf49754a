-- Keyaos schema. Every user-owned row carries owner_id ('self' in Core mode),
-- so accounts can be added without reshaping the data.
-- Money is INTEGER nano-USD (1e-9 USD); prices are REAL USD per 1M tokens.
-- Times are INTEGER milliseconds since the Unix epoch.

CREATE TABLE credentials (
  id               TEXT PRIMARY KEY,
  owner_id         TEXT NOT NULL,
  provider_id      TEXT NOT NULL,
  label            TEXT,
  encrypted_secret TEXT NOT NULL,          -- AES-256-GCM, base64(iv || ciphertext)
  secret_hash      TEXT NOT NULL,          -- SHA-256, for duplicate detection
  secret_hint      TEXT NOT NULL,
  price_multiplier REAL NOT NULL DEFAULT 1.0,
  quota_nusd       INTEGER,                -- remaining USD quota; NULL = unlimited
  quota_source     TEXT,                   -- 'manual' | 'auto' | NULL
  is_enabled       INTEGER NOT NULL DEFAULT 1,
  health           TEXT NOT NULL DEFAULT 'ok',   -- 'ok' | 'dead'
  dead_reason      TEXT,
  state            TEXT,                   -- protocol state (OAuth project, token expiry), no secrets
  spent_nusd       INTEGER NOT NULL DEFAULT 0,
  request_count    INTEGER NOT NULL DEFAULT 0,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL
);
CREATE UNIQUE INDEX ux_credentials_owner_secret ON credentials (owner_id, secret_hash);
CREATE INDEX ix_credentials_owner_provider ON credentials (owner_id, provider_id);

-- Cooldowns per credential x model ('*' = the whole credential).
CREATE TABLE cooldowns (
  credential_id TEXT NOT NULL,
  model_id      TEXT NOT NULL,
  until_ms      INTEGER NOT NULL,
  failures      INTEGER NOT NULL DEFAULT 1,
  reason        TEXT,
  updated_at    INTEGER NOT NULL,
  PRIMARY KEY (credential_id, model_id)
);

-- One row per (provider, canonical model) offering.
CREATE TABLE catalog (
  provider_id       TEXT NOT NULL,
  model_id          TEXT NOT NULL,          -- canonical vendor/model, lower-case
  model_suffix      TEXT NOT NULL,          -- model_id after the vendor, for bare-id lookups
  upstream_model_id TEXT NOT NULL,
  name              TEXT,
  input_price       REAL,
  output_price      REAL,
  cache_read_price  REAL,
  cache_write_price REAL,
  context_length    INTEGER,
  input_modalities  TEXT,                   -- JSON array
  output_modalities TEXT,                   -- JSON array
  source            TEXT NOT NULL,          -- 'snapshot' | 'sync' | 'custom'
  is_active         INTEGER NOT NULL DEFAULT 1,
  created_at        INTEGER NOT NULL,
  refreshed_at      INTEGER NOT NULL,
  PRIMARY KEY (provider_id, model_id)
);
CREATE INDEX ix_catalog_model ON catalog (model_id, is_active);
CREATE INDEX ix_catalog_suffix ON catalog (model_suffix, is_active);

CREATE TABLE api_keys (
  id             TEXT PRIMARY KEY,
  owner_id       TEXT NOT NULL,
  name           TEXT NOT NULL,
  key_hash       TEXT NOT NULL,
  key_hint       TEXT NOT NULL,
  is_enabled     INTEGER NOT NULL DEFAULT 1,
  expires_at     INTEGER,
  quota_nusd     INTEGER,
  used_nusd      INTEGER NOT NULL DEFAULT 0,
  request_count  INTEGER NOT NULL DEFAULT 0,
  allowed_models TEXT,                      -- JSON array or NULL
  allowed_ips    TEXT,                      -- JSON array or NULL
  created_at     INTEGER NOT NULL,
  last_used_at   INTEGER
);
CREATE UNIQUE INDEX ux_api_keys_hash ON api_keys (key_hash);
CREATE INDEX ix_api_keys_owner ON api_keys (owner_id);

-- One row per client request: what was asked, who served it, what it cost.
CREATE TABLE request_logs (
  id                  TEXT PRIMARY KEY,
  owner_id            TEXT NOT NULL,
  api_key_id          TEXT,
  model_id            TEXT NOT NULL,        -- canonical model routed to (or as requested when unresolved)
  served_model        TEXT,                 -- model name the upstream reported
  provider_id         TEXT,
  credential_id       TEXT,
  status              TEXT NOT NULL,        -- 'ok' | 'error'
  http_status         INTEGER NOT NULL,
  error_class         TEXT,
  error_message       TEXT,
  stream              INTEGER NOT NULL DEFAULT 0,
  input_tokens        INTEGER NOT NULL DEFAULT 0,
  output_tokens       INTEGER NOT NULL DEFAULT 0,
  cached_tokens       INTEGER NOT NULL DEFAULT 0,
  reasoning_tokens    INTEGER NOT NULL DEFAULT 0,
  base_cost_nusd      INTEGER NOT NULL DEFAULT 0,
  price_multiplier    REAL NOT NULL DEFAULT 1.0,
  effective_cost_nusd INTEGER NOT NULL DEFAULT 0,
  list_cost_nusd      INTEGER NOT NULL DEFAULT 0,
  cost_source         TEXT,                 -- 'upstream' | 'catalog' | NULL
  usage_estimated     INTEGER NOT NULL DEFAULT 0,
  client_aborted      INTEGER NOT NULL DEFAULT 0,
  attempts            INTEGER NOT NULL DEFAULT 0,
  latency_ms          INTEGER,
  first_byte_ms       INTEGER,
  created_at          INTEGER NOT NULL
);
CREATE INDEX ix_request_logs_owner_time ON request_logs (owner_id, created_at);
CREATE INDEX ix_request_logs_credential ON request_logs (credential_id);

-- One row per upstream attempt, so failovers are visible.
CREATE TABLE request_attempts (
  request_id    TEXT NOT NULL,
  attempt       INTEGER NOT NULL,
  owner_id      TEXT NOT NULL,
  provider_id   TEXT NOT NULL,
  credential_id TEXT NOT NULL,
  model_id      TEXT NOT NULL,
  status        TEXT NOT NULL,              -- 'ok' | 'error'
  http_status   INTEGER,
  error_class   TEXT,
  error_message TEXT,
  latency_ms    INTEGER,
  first_byte_ms INTEGER,
  created_at    INTEGER NOT NULL,
  PRIMARY KEY (request_id, attempt)
);

CREATE TABLE settings (
  owner_id   TEXT NOT NULL,
  key        TEXT NOT NULL,
  value      TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (owner_id, key)
);

-- User-defined OpenAI-compatible providers.
CREATE TABLE custom_providers (
  id         TEXT NOT NULL,
  owner_id   TEXT NOT NULL,
  definition TEXT NOT NULL,                 -- provider definition JSON
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (owner_id, id)
);

-- Instance bookkeeping (catalogue seed version, sync state).
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
