-- Idempotent creates: a POST with an Idempotency-Key records the key, a hash
-- of the request and the entity it created, in the same transaction as the
-- create. A retry with the same key and body replays the first answer; the
-- same key with another body is refused. Keys live 24 hours.
CREATE TABLE idempotency_keys (
    scope        text NOT NULL,          -- the caller the key belongs to
    key          text NOT NULL,
    request_hash bytea NOT NULL,         -- SHA-256 of the route and the body bytes
    entity       text NOT NULL,
    entity_id    uuid,                   -- set when the create commits
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
