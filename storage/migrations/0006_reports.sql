-- Reports the scheduler makes (DESIGN §2): a table of rows exact as of the
-- moment it was made, kept as it was. A report is keyed like the run that
-- made it, (kind, period, organization), so it exists once; later
-- publications or payments do not change it, which is why probity_app may
-- insert reports but not change or delete them.

CREATE TABLE reports (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind            text NOT NULL,
    period          text NOT NULL,
    organization_id uuid NOT NULL,   -- no foreign key: reports are history
    job_run_id      uuid,
    as_of           timestamptz NOT NULL,
    locale          text NOT NULL,
    title           text NOT NULL,
    -- [{"key": k, "heading": h}]: headings in the organization's locale.
    columns         jsonb NOT NULL,
    -- [[cell, ...]]: one array per row, in the order of columns.
    rows            jsonb NOT NULL,
    summary         jsonb NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    version         integer NOT NULL DEFAULT 1,
    CONSTRAINT reports_kind_period_org_key UNIQUE (kind, period, organization_id)
);
CREATE INDEX reports_org_idx ON reports (organization_id);
CREATE INDEX reports_updated_idx ON reports (updated_at);

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'probity_app') THEN
        REVOKE UPDATE, DELETE, TRUNCATE ON reports FROM probity_app;
    END IF;
END
$$;
