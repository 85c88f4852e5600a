-- Security: API keys, the append-only audit trail, the organization-subtree
-- functions every scoped query uses, and the privileges of the application's
-- own database role.

-- Is org inside the subtree rooted at root? Walks up from org (a handful of
-- index lookups), which is cheaper than expanding the subtree for one row.
CREATE FUNCTION org_in_subtree(org uuid, root uuid) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH RECURSIVE up (id, parent_id, depth) AS (
        SELECT o.id, o.parent_id, 0 FROM organizations o WHERE o.id = org
        UNION ALL
        SELECT o.id, o.parent_id, up.depth + 1
        FROM organizations o JOIN up ON o.id = up.parent_id
        WHERE up.depth < 100)
    SELECT EXISTS (SELECT 1 FROM up WHERE up.id = root)
$$;

-- Every organization in the subtree rooted at root, root included: lists
-- filter on it once rather than walking up from every row.
CREATE FUNCTION org_subtree(root uuid) RETURNS SETOF uuid
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH RECURSIVE down (id, depth) AS (
        SELECT o.id, 0 FROM organizations o WHERE o.id = root
        UNION ALL
        SELECT o.id, down.depth + 1
        FROM organizations o JOIN down ON o.parent_id = down.id
        WHERE down.depth < 100)
    SELECT id FROM down
$$;

-- The organization and its ancestors, nearest first: the subtrees a record
-- of that organization is visible in.
CREATE FUNCTION org_ancestors(org uuid) RETURNS uuid[]
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH RECURSIVE up (id, parent_id, depth) AS (
        SELECT o.id, o.parent_id, 0 FROM organizations o WHERE o.id = org
        UNION ALL
        SELECT o.id, o.parent_id, up.depth + 1
        FROM organizations o JOIN up ON o.id = up.parent_id
        WHERE up.depth < 100)
    SELECT coalesce(array_agg(id ORDER BY depth), '{}') FROM up
$$;

-- Only a SHA-256 of the secret is kept; the token is prb_<prefix>_<secret>
-- and the prefix finds the row. organization_id NULL: bound to no subtree
-- (the whole tree), made on the command line to bootstrap.
CREATE TABLE api_keys (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    prefix          text NOT NULL UNIQUE,
    secret_hash     bytea NOT NULL CHECK (length(secret_hash) = 32),
    name            text NOT NULL,
    role            text NOT NULL
                    CHECK (role IN ('admin', 'auditor', 'officer', 'viewer', 'integration')),
    organization_id uuid REFERENCES organizations (id) ON DELETE RESTRICT,
    expires_at      timestamptz,
    revoked_at      timestamptz,
    last_used_at    timestamptz,
    created_by      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    version         integer NOT NULL DEFAULT 1
);
CREATE INDEX api_keys_org_idx ON api_keys (organization_id);
CREATE INDEX api_keys_updated_idx ON api_keys (updated_at);

-- Time-ordered UUIDs (the layout of RFC 9562 version 7), so that the audit
-- trail's id order is its time order and keyset pages walk it in sequence.
CREATE FUNCTION probity_uuid7() RETURNS uuid
LANGUAGE sql VOLATILE AS $$
    SELECT encode(
        set_bit(set_bit(
            overlay(uuid_send(gen_random_uuid())
                    PLACING substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint)
                                      FROM 3)
                    FROM 1 FOR 6),
            52, 1), 53, 1),
        'hex')::uuid
$$;

CREATE TABLE audit_events (
    id              uuid PRIMARY KEY DEFAULT probity_uuid7(),
    created_at      timestamptz NOT NULL DEFAULT now(),
    actor           text NOT NULL,
    role            text NOT NULL,
    action          text NOT NULL CHECK (action IN ('create', 'update', 'delete', 'revoke')),
    entity          text NOT NULL,
    entity_id       uuid NOT NULL,
    organization_id uuid,          -- no foreign key: the trail outlives what it describes
    -- Every organization the record sat under, before and after the change,
    -- taken when it happened: an auditor keeps seeing the history of a
    -- record that has since been deleted or moved out of their subtree.
    org_path        uuid[] NOT NULL DEFAULT '{}',
    before          jsonb,
    after           jsonb,
    request_id      text NOT NULL,
    client_addr     text
);
CREATE INDEX audit_events_entity_idx ON audit_events (entity, entity_id);
CREATE INDEX audit_events_org_idx ON audit_events (organization_id);
CREATE INDEX audit_events_path_idx ON audit_events USING gin (org_path);
CREATE INDEX audit_events_created_idx ON audit_events (created_at);

-- Append-only even for the table's owner: the trigger refuses what the
-- missing privileges already refuse the application's role.
CREATE FUNCTION audit_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

-- probityd serves as the role probity_app (created by the operator, see
-- README): it may read and write the data but not alter the schema, and
-- it may only append to the audit trail. Tables of later migrations get the
-- same grants through the default privileges.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'probity_app') THEN
        GRANT USAGE ON SCHEMA public TO probity_app;
        GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO probity_app;
        GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO probity_app;
        REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM probity_app;
        REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON schema_migrations FROM probity_app;
        ALTER DEFAULT PRIVILEGES IN SCHEMA public
            GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO probity_app;
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE ON SEQUENCES TO probity_app;
    END IF;
END
$$;
