-- Foundation: organizations (a tree), employees with declared relatives, and
-- per-jurisdiction working-day calendars. Column names match the entity
-- registry (domain/registry.c); constraints here are the last line of defence
-- behind the registry's validation.

CREATE TABLE organizations (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    parent_id            uuid REFERENCES organizations (id) ON DELETE RESTRICT,
    code                 text UNIQUE,
    name                 text NOT NULL,
    kind                 text NOT NULL,
    jurisdiction         text NOT NULL CHECK (jurisdiction ~ '^[A-Z]{2}$'),
    timezone             text NOT NULL,
    locale               text NOT NULL,
    currency             text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    disclosure_frequency text NOT NULL DEFAULT 'monthly',
    contact_emails       jsonb NOT NULL DEFAULT '[]',
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    version              integer NOT NULL DEFAULT 1,
    CHECK (parent_id IS DISTINCT FROM id)
);
CREATE INDEX organizations_parent_idx ON organizations (parent_id);
CREATE INDEX organizations_updated_idx ON organizations (updated_at);

CREATE TABLE employees (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
    full_name       text NOT NULL,
    unit            text,
    position        text,
    email           text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    version         integer NOT NULL DEFAULT 1
);
CREATE INDEX employees_org_idx ON employees (organization_id, unit);
CREATE INDEX employees_updated_idx ON employees (updated_at);

-- A declared relation is stored once, as the declaring employee wrote it; the
-- conflict check reads it in both directions. RESTRICT on the relative makes
-- deleting a declared relative a 409, not a silent loss of the declaration.
CREATE TABLE employee_relatives (
    employee_id uuid NOT NULL REFERENCES employees (id) ON DELETE CASCADE,
    relative_id uuid NOT NULL REFERENCES employees (id) ON DELETE RESTRICT,
    relation    text NOT NULL,
    PRIMARY KEY (employee_id, relative_id),
    CHECK (employee_id <> relative_id)
);
CREATE INDEX employee_relatives_relative_idx ON employee_relatives (relative_id);

CREATE TABLE calendars (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    jurisdiction text NOT NULL UNIQUE CHECK (jurisdiction ~ '^[A-Z]{2}$'),
    name         text NOT NULL,
    weekend_days jsonb NOT NULL DEFAULT '[6, 7]',
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    version      integer NOT NULL DEFAULT 1
);

-- kind: 'holiday' (a weekday off: public holiday or a day off moved onto a
-- weekday) or 'working_day' (a weekend day made a working day by a transfer).
CREATE TABLE calendar_days (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    jurisdiction text NOT NULL REFERENCES calendars (jurisdiction) ON DELETE RESTRICT ON UPDATE CASCADE,
    date         date NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('holiday', 'working_day')),
    name         text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    version      integer NOT NULL DEFAULT 1,
    UNIQUE (jurisdiction, date)
);
CREATE INDEX calendar_days_updated_idx ON calendar_days (updated_at);
