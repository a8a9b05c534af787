-- Sessions opened through the @n8n/chat-compatible endpoint are found again by a key derived from the widget's own
-- session id, the site's origin and the browser's fingerprint (the widget sends no cookies cross-site).
ALTER TABLE sessions ADD COLUMN client_key VARCHAR(64);
CREATE UNIQUE INDEX sessions_client_key_uq ON sessions (client_key);
