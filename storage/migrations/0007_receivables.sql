-- Receivables to the budget (seed 004, the Kez district regulation; DESIGN
-- §1.6): the income codes debts are owed under, the debtors an administrator
-- keeps, the receivables themselves, and what happens to them: payments,
-- installment plans and the collection actions of sections 4-7. The rules
-- that need several rows at once (balances, the status a step leads to, the
-- regulation's transitions) are storage/collection_store.c's; the constraints
-- here are the last line of defence behind it and the registry. Money is
-- numeric(17, 2) next to its currency, never a float.

-- A claim names the officer who prepared it and a telephone to reach them
-- (4.4 item 8): employees get one.
ALTER TABLE employees ADD COLUMN phone text;

-- Budget classification codes (Appendix 1 lists the five of the seed): shared
-- reference data like the disclosure requirements. A code is unique within
-- its jurisdiction's classification, whose codes are 17 to 20 digits.
CREATE TABLE income_codes (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code         text NOT NULL CHECK (code ~ '^[0-9]{17,20}$'),
    name         text NOT NULL,
    jurisdiction text NOT NULL CHECK (jurisdiction IN ('MN', 'KZ', 'RU')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    version      integer NOT NULL DEFAULT 1,
    CONSTRAINT income_codes_code_key UNIQUE (jurisdiction, code)
);
CREATE INDEX income_codes_updated_idx ON income_codes (updated_at);

-- A debtor as one administrator keeps it: the same company may owe two
-- administrators, each with its own record. Bankruptcy and enforcement
-- proceedings are what the quarterly inventory marks (3.3).
CREATE TABLE debtors (
    id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id         uuid NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
    kind                    text NOT NULL CHECK (kind IN ('legal', 'natural')),
    name                    text NOT NULL,
    tax_number              text,
    registered_address      text NOT NULL,
    actual_address          text,
    -- the language the claim (4.4) is written in
    locale                  text NOT NULL CHECK (locale IN ('mn', 'kk', 'ru', 'en')),
    phone                   text,
    email                   text,
    bankrupt                boolean NOT NULL DEFAULT false,
    bankrupt_since          date,
    enforcement_proceedings boolean NOT NULL DEFAULT false,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    version                 integer NOT NULL DEFAULT 1,
    CONSTRAINT debtors_bankrupt_since_check CHECK (bankrupt = (bankrupt_since IS NOT NULL)),
    -- NULLs are distinct: a debtor without a known tax number is no clash.
    -- The index also serves the organization-scoped lists.
    CONSTRAINT debtors_tax_number_key UNIQUE (organization_id, tax_number)
);
CREATE INDEX debtors_updated_idx ON debtors (updated_at);

-- One debt under one basis document. paid_amount is the sum of the
-- receivable's payments, kept by the payment rule in the payment's
-- transaction; balance follows from it, so the two cannot disagree.
-- status_since is the administrator's local day the status was reached.
CREATE TABLE receivables (
    id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id         uuid NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
    debtor_id               uuid NOT NULL REFERENCES debtors (id) ON DELETE RESTRICT,
    income_code_id          uuid NOT NULL REFERENCES income_codes (id) ON DELETE RESTRICT,
    basis_document          text NOT NULL,
    basis_date              date NOT NULL,
    arose_on                date NOT NULL,
    due_date                date NOT NULL,
    principal               numeric(17, 2) NOT NULL CHECK (principal >= 0),
    penalties               numeric(17, 2) NOT NULL DEFAULT 0 CHECK (penalties >= 0),
    fines                   numeric(17, 2) NOT NULL DEFAULT 0 CHECK (fines >= 0),
    currency                text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    paid_amount             numeric(17, 2) NOT NULL DEFAULT 0 CHECK (paid_amount >= 0),
    balance                 numeric(17, 2) NOT NULL
                            GENERATED ALWAYS AS (principal + penalties + fines - paid_amount) STORED,
    status                  text NOT NULL CHECK (status IN (
                                'current', 'overdue', 'claim_sent', 'memo', 'court_decision',
                                'lawsuit_filed', 'judgment', 'enforcement_bank',
                                'enforcement_bailiffs', 'doubtful', 'hopeless', 'paid',
                                'written_off')),
    status_reason           text,
    status_since            date NOT NULL,
    claim_waived            boolean NOT NULL DEFAULT false,
    voluntary_days          integer CHECK (voluntary_days BETWEEN 1 AND 366),
    payment_details         text NOT NULL,
    responsible_employee_id uuid REFERENCES employees (id) ON DELETE RESTRICT,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    version                 integer NOT NULL DEFAULT 1,
    CONSTRAINT receivables_due_date_check CHECK (due_date >= arose_on),
    -- nothing is ever paid beyond what is owed (the payment rule says so first)
    CONSTRAINT receivables_balance_check CHECK (paid_amount <= principal + penalties + fines)
);
-- The administrator's ledger by status: what the deadlines and reports walk.
CREATE INDEX receivables_org_status_idx ON receivables (organization_id, status);
CREATE INDEX receivables_debtor_idx ON receivables (debtor_id);
CREATE INDEX receivables_income_code_idx ON receivables (income_code_id);
CREATE INDEX receivables_employee_idx ON receivables (responsible_employee_id);
CREATE INDEX receivables_updated_idx ON receivables (updated_at);

-- A payment is a financial record: written once, never changed or removed (a
-- mistaken one is corrected by the accounts, not by editing history).
-- organization_id is the receivable's, copied for scoping.
CREATE TABLE payments (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    receivable_id   uuid NOT NULL REFERENCES receivables (id) ON DELETE RESTRICT,
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
    paid_on         date NOT NULL,
    amount          numeric(17, 2) NOT NULL CHECK (amount > 0),
    currency        text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    document        text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    version         integer NOT NULL DEFAULT 1
);
CREATE INDEX payments_receivable_idx ON payments (receivable_id, paid_on);
CREATE INDEX payments_org_idx ON payments (organization_id);
CREATE INDEX payments_updated_idx ON payments (updated_at);

-- A deferral or installment schedule granted on a receivable (4.1 item 3):
-- lines [{due_on, amount, interest}] whose amounts add up to the balance when
-- it was granted. A schedule is read and replaced whole, so it is jsonb.
CREATE TABLE installment_plans (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    receivable_id     uuid NOT NULL REFERENCES receivables (id) ON DELETE RESTRICT,
    organization_id   uuid NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
    granted_on        date NOT NULL,
    decision_document text NOT NULL,
    lines             jsonb NOT NULL
                      CHECK (jsonb_typeof(lines) = 'array' AND jsonb_array_length(lines) BETWEEN 1 AND 120),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    version           integer NOT NULL DEFAULT 1
);
CREATE INDEX installment_plans_receivable_idx ON installment_plans (receivable_id);
CREATE INDEX installment_plans_org_idx ON installment_plans (organization_id);
CREATE INDEX installment_plans_updated_idx ON installment_plans (updated_at);

-- The steps of sections 4-7, each on its day by someone. A step that moves
-- the receivable's status is kept as the evidence of that move, so actions
-- are not deleted; the timeline reads the latest of each kind.
CREATE TABLE collection_actions (
    id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    receivable_id           uuid NOT NULL REFERENCES receivables (id) ON DELETE RESTRICT,
    organization_id         uuid NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
    kind                    text NOT NULL CHECK (kind IN (
                                'claim', 'memo', 'court_decision', 'lawsuit', 'judgment',
                                'enforcement_decision', 'document_received', 'enforcement_sent',
                                'appeal', 'other')),
    target                  text,
    done_on                 date NOT NULL,
    document_number         text,
    responsible_employee_id uuid NOT NULL REFERENCES employees (id) ON DELETE RESTRICT,
    outcome                 text,
    -- the bank reported no funds, an arrest or suspended operations (6.5)
    bank_found_no_funds     boolean NOT NULL DEFAULT false,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    version                 integer NOT NULL DEFAULT 1,
    -- only an instruction to enforce, or the sending of the document, goes somewhere
    CONSTRAINT collection_actions_target_check CHECK (
        (target IS NULL OR target IN ('bank', 'bailiffs'))
        AND (target IS NOT NULL) = (kind IN ('enforcement_decision', 'enforcement_sent')))
);
-- The facts of one receivable: the latest day of each kind.
CREATE INDEX collection_actions_receivable_idx ON collection_actions (receivable_id, kind, done_on);
CREATE INDEX collection_actions_org_idx ON collection_actions (organization_id);
CREATE INDEX collection_actions_employee_idx ON collection_actions (responsible_employee_id);
CREATE INDEX collection_actions_updated_idx ON collection_actions (updated_at);

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'probity_app') THEN
        -- 0003's default privileges granted everything; a payment stays as written.
        REVOKE UPDATE, DELETE, TRUNCATE ON payments FROM probity_app;
    END IF;
END
$$;
