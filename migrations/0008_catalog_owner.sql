-- Custom providers' catalogue rows and sync state belong to their owner, so
-- two owners may each have a provider called 'mine' with the same models.
-- catalog.owner_id is '' for built-in providers (one row per offering, shared
-- by everyone) and the owner's id for a custom provider's rows.
CREATE TABLE catalog_v8 (
  owner_id          TEXT NOT NULL DEFAULT '',
  provider_id       TEXT NOT NULL,
  model_id          TEXT NOT NULL,
  model_suffix      TEXT NOT NULL,
  upstream_model_id TEXT NOT NULL,
  name              TEXT,
  input_price       REAL,
  output_price      REAL,
  cache_read_price  REAL,
  cache_write_price REAL,
  context_length    INTEGER,
  input_modalities  TEXT,
  output_modalities TEXT,
  source            TEXT NOT NULL,
  is_active         INTEGER NOT NULL DEFAULT 1,
  created_at        INTEGER NOT NULL,
  refreshed_at      INTEGER NOT NULL,
  model_type        TEXT NOT NULL DEFAULT 'chat',
  PRIMARY KEY (owner_id, provider_id, model_id)
);
-- Rows of a custom provider go to every owner that has one of that id; the
-- rest are built-in providers' rows.
INSERT INTO catalog_v8 (owner_id, provider_id, model_id, model_suffix, upstream_model_id, name, input_price, output_price, cache_read_price, cache_write_price, context_length, input_modalities, output_modalities, source, is_active, created_at, refreshed_at, model_type)
  SELECT p.owner_id, c.provider_id, c.model_id, c.model_suffix, c.upstream_model_id, c.name, c.input_price, c.output_price, c.cache_read_price, c.cache_write_price, c.context_length, c.input_modalities, c.output_modalities, c.source, c.is_active, c.created_at, c.refreshed_at, c.model_type
  FROM catalog c JOIN custom_providers p ON p.id = c.provider_id;
INSERT INTO catalog_v8 (owner_id, provider_id, model_id, model_suffix, upstream_model_id, name, input_price, output_price, cache_read_price, cache_write_price, context_length, input_modalities, output_modalities, source, is_active, created_at, refreshed_at, model_type)
  SELECT '', provider_id, model_id, model_suffix, upstream_model_id, name, input_price, output_price, cache_read_price, cache_write_price, context_length, input_modalities, output_modalities, source, is_active, created_at, refreshed_at, model_type
  FROM catalog WHERE provider_id NOT IN (SELECT id FROM custom_providers);
DROP TABLE catalog;
ALTER TABLE catalog_v8 RENAME TO catalog;
CREATE INDEX ix_catalog_model ON catalog (model_id, is_active);
CREATE INDEX ix_catalog_suffix ON catalog (model_suffix, is_active);

-- A custom provider's sync state moves to 'sync:<owner>/<provider>' keys; the
-- old keys are dropped, so its next sync writes every row again.
DELETE FROM meta WHERE key IN (SELECT 'sync:' || id FROM custom_providers UNION SELECT 'sync_rows:' || id FROM custom_providers);
