-- Transparency (the Glass Account law, seed 000): what must be published, by
-- which kinds of organization, how often and by which day; and what each
-- organization published. Compliance is derived from the two (disclosure_store.c).

CREATE TABLE disclosure_requirements (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code               text NOT NULL UNIQUE,
    name               text NOT NULL,
    category           text NOT NULL,
    jurisdiction       text NOT NULL CHECK (jurisdiction ~ '^[A-Z]{2}$'),
    org_kinds          jsonb NOT NULL CHECK (jsonb_typeof(org_kinds) = 'array'),
    frequency          text NOT NULL CHECK (frequency IN ('monthly', 'quarterly')),
    due_day            integer NOT NULL DEFAULT 15 CHECK (due_day BETWEEN 1 AND 28),
    threshold_amount   numeric(17, 2) CHECK (threshold_amount >= 0),
    threshold_currency text,
    active_from        date NOT NULL,
    active_to          date,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    version            integer NOT NULL DEFAULT 1,
    CONSTRAINT disclosure_requirements_active_to_check
        CHECK (active_to IS NULL OR active_to >= active_from),
    CONSTRAINT disclosure_requirements_threshold_currency_check
        CHECK ((threshold_amount IS NULL) = (threshold_currency IS NULL))
);
CREATE INDEX disclosure_requirements_updated_idx ON disclosure_requirements (updated_at);

CREATE TABLE disclosures (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
    requirement_id  uuid NOT NULL REFERENCES disclosure_requirements (id) ON DELETE RESTRICT,
    period          text NOT NULL CHECK (period ~ '^2[0-9]{3}-(0[1-9]|1[0-2]|Q[1-4])$'),
    published_at    timestamptz NOT NULL,
    reference       text NOT NULL,
    amount          numeric(17, 2) CHECK (amount >= 0),
    currency        text,
    note            text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    version         integer NOT NULL DEFAULT 1,
    CONSTRAINT disclosures_currency_check CHECK ((amount IS NULL) = (currency IS NULL)),
    -- One publication per item and period: a correction is a PATCH.
    CONSTRAINT disclosures_period_key UNIQUE (organization_id, requirement_id, period)
);
CREATE INDEX disclosures_period_idx ON disclosures (period, organization_id);
CREATE INDEX disclosures_requirement_idx ON disclosures (requirement_id);
CREATE INDEX disclosures_updated_idx ON disclosures (updated_at);
