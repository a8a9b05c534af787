-- Sessions of anonymous visitors and their chat messages. Runs unchanged on PostgreSQL and H2.
CREATE TABLE sessions (
    id            VARCHAR(64)              NOT NULL PRIMARY KEY,
    origin_domain VARCHAR(255)             NOT NULL,
    page_url      VARCHAR(2048),
    fingerprint   VARCHAR(64)              NOT NULL,
    created_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    last_seen_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    expires_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    revoked_at    TIMESTAMP WITH TIME ZONE,
    -- last per-session message sequence number handed out; updating it serialises writers of one session
    last_seq      INTEGER                  NOT NULL DEFAULT 0
);

CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);

CREATE TABLE chat_messages (
    id         VARCHAR(64)              NOT NULL PRIMARY KEY,
    session_id VARCHAR(64)              NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    seq        INTEGER                  NOT NULL,
    role       VARCHAR(16)              NOT NULL CHECK (role IN ('user', 'assistant')),
    content    TEXT                     NOT NULL,
    status     VARCHAR(16)              NOT NULL CHECK (status IN ('complete', 'partial', 'error', 'streaming')),
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT chat_messages_session_seq_uq UNIQUE (session_id, seq)
);
