-- Fewer D1 rows written per request (D1 counts every index entry as a row).
-- request_logs becomes one b-tree keyed by (owner_id, created_at, id): the
-- key /api/logs and /api/usage read by, so a log row costs one written row
-- and no index. A request id carries its start time (req_<ms hex>...), which
-- finds a row by id through the key.
CREATE TABLE request_logs_v6 (
  id                  TEXT NOT NULL,
  owner_id            TEXT NOT NULL,
  api_key_id          TEXT,
  model_id            TEXT NOT NULL,
  served_model        TEXT,
  provider_id         TEXT,
  credential_id       TEXT,
  status              TEXT NOT NULL,
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
  cost_source         TEXT,
  usage_estimated     INTEGER NOT NULL DEFAULT 0,
  client_aborted      INTEGER NOT NULL DEFAULT 0,
  attempts            INTEGER NOT NULL DEFAULT 0,
  latency_ms          INTEGER,
  first_byte_ms       INTEGER,
  created_at          INTEGER NOT NULL,
  api                 TEXT NOT NULL DEFAULT 'chat',
  cache_write_tokens  INTEGER NOT NULL DEFAULT 0,
  -- A request whose only attempt succeeded keeps that attempt here, as its
  -- start after the request's (ms), instead of in request_attempt_rows.
  attempt_offset_ms   INTEGER,
  PRIMARY KEY (owner_id, created_at, id)
) WITHOUT ROWID;
INSERT INTO request_logs_v6 (id, owner_id, api_key_id, model_id, served_model, provider_id, credential_id, status, http_status, error_class, error_message, stream, input_tokens, output_tokens, cached_tokens, reasoning_tokens, base_cost_nusd, price_multiplier, effective_cost_nusd, list_cost_nusd, cost_source, usage_estimated, client_aborted, attempts, latency_ms, first_byte_ms, created_at, api, cache_write_tokens)
  SELECT id, owner_id, api_key_id, model_id, served_model, provider_id, credential_id, status, http_status, error_class, error_message, stream, input_tokens, output_tokens, cached_tokens, reasoning_tokens, base_cost_nusd, price_multiplier, effective_cost_nusd, list_cost_nusd, cost_source, usage_estimated, client_aborted, attempts, latency_ms, first_byte_ms, created_at, api, cache_write_tokens FROM request_logs;
DROP TABLE request_logs;
ALTER TABLE request_logs_v6 RENAME TO request_logs;
-- Attempts written one row each (failovers, failures, notes); the view adds
-- the attempts kept on their request's row, so readers see every attempt.
ALTER TABLE request_attempts RENAME TO request_attempt_rows;
CREATE VIEW request_attempts AS
  SELECT request_id, attempt, owner_id, provider_id, credential_id, model_id, status, http_status, error_class,
         error_message, latency_ms, first_byte_ms, created_at FROM request_attempt_rows
  UNION ALL
  SELECT id, 1, owner_id, provider_id, credential_id, model_id, 'ok', http_status, NULL, NULL,
         latency_ms - attempt_offset_ms, first_byte_ms - attempt_offset_ms, created_at + attempt_offset_ms
  FROM request_logs WHERE attempt_offset_ms IS NOT NULL;
