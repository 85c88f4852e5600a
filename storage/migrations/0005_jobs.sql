-- The scheduler and the mail outbox (DESIGN §2). A run is keyed by (kind,
-- period, organization): the unique constraint, not any one instance, is
-- what makes it happen once. A run is owned through a lease and a fence:
-- every claim increments fence, and a run's writes commit only while its
-- (id, fence) is still the current one, so an instance that stalled past its
-- lease and wakes up writes nothing.

CREATE TABLE job_runs (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind            text NOT NULL,
    period          text NOT NULL,
    organization_id uuid NOT NULL,   -- no foreign key: runs are history
    due_at          timestamptz NOT NULL,
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'running', 'done', 'skipped', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    lease_owner     text,
    lease_until     timestamptz,
    fence           bigint NOT NULL DEFAULT 0,
    result          jsonb,
    last_error      text,
    finished_at     timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    version         integer NOT NULL DEFAULT 1,
    CONSTRAINT job_runs_kind_period_org_key UNIQUE (kind, period, organization_id)
);
-- What the claimers walk: unfinished runs, oldest moment first (which
-- (kind, period) goes next), then within one (kind, period) (the batch).
-- Without them every claim sorts all unfinished runs.
CREATE INDEX job_runs_ready_idx ON job_runs (due_at, kind, period)
    WHERE status IN ('pending', 'running');
CREATE INDEX job_runs_batch_idx ON job_runs (kind, period, due_at, id)
    WHERE status IN ('pending', 'running');
CREATE INDEX job_runs_org_idx ON job_runs (organization_id);
CREATE INDEX job_runs_updated_idx ON job_runs (updated_at);

-- The outbox: a mail is decided in the same transaction as the run's
-- progress, and the sender delivers it at least once. dedupe_key makes the
-- decision idempotent; message_id is fixed with the row, so a retried
-- delivery is recognisably the same message.
CREATE TABLE notifications (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    dedupe_key      text NOT NULL UNIQUE,
    job_run_id      uuid,
    organization_id uuid,
    recipient       text NOT NULL,
    locale          text NOT NULL,
    template        text NOT NULL,
    subject         text NOT NULL,
    body_text       text NOT NULL,
    body_html       text,
    message_id      text NOT NULL UNIQUE,
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_reply      text,
    sent_at         timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    version         integer NOT NULL DEFAULT 1
);
CREATE INDEX notifications_ready_idx ON notifications (next_attempt_at)
    WHERE status IN ('pending', 'sending');
CREATE INDEX notifications_org_idx ON notifications (organization_id);
CREATE INDEX notifications_run_idx ON notifications (job_run_id);
CREATE INDEX notifications_updated_idx ON notifications (updated_at);
