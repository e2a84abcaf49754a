-- What a catalogue offering is for: 'chat' (/v1/chat/completions) or
-- 'embedding' (/v1/embeddings). Routing never crosses the two, so an
-- embedding model is never sent a chat request and vice versa.
ALTER TABLE catalog ADD COLUMN model_type TEXT NOT NULL DEFAULT 'chat';
