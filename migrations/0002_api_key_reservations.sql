-- What in-flight requests of a quota'd API key are expected to cost, so that
-- concurrent requests cannot together spend more than the quota. A request
-- reserves its estimate before reaching the upstream; its ledger batch
-- replaces the reservation by the real cost. A row older than the longest a
-- request can live (one that never settled) is deleted by the next reservation.
CREATE TABLE api_key_reservations (
  request_id  TEXT PRIMARY KEY,
  api_key_id  TEXT NOT NULL,
  amount_nusd INTEGER NOT NULL,
  created_at  INTEGER NOT NULL
);
CREATE INDEX ix_api_key_reservations_key ON api_key_reservations (api_key_id, created_at);
