-- Which inbound API a request came in by (chat, messages, responses), and
-- the prompt tokens the upstream wrote to its cache (Anthropic-style clients
-- report them apart from cache reads).
ALTER TABLE request_logs ADD COLUMN api TEXT NOT NULL DEFAULT 'chat';
ALTER TABLE request_logs ADD COLUMN cache_write_tokens INTEGER NOT NULL DEFAULT 0;
