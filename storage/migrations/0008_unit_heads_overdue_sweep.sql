-- Seed 004, two rules of the Kez district regulation that need the schema:
-- the report as of December 25 goes to the head of each executing unit
-- (3.5, 1.4), and a receivable is overdue from the day after its payment
-- date (4.2) whether or not anyone records it (jobs/README.md, the sweep).

-- Who heads a unit: a flag, not a position's wording, which is free text in
-- every language of the deployment. storage/collection_report_store.c
-- mails the year report to the heads of the units that answer for the
-- administrator's receivables.
ALTER TABLE employees ADD COLUMN unit_head boolean NOT NULL DEFAULT false;
CREATE INDEX employees_unit_heads_idx ON employees (organization_id, unit) WHERE unit_head;

-- The overdue sweep (storage/collection_sweep.c) runs at every planning
-- pass and looks only at current receivables whose due date has passed:
-- without this it would read the whole ledger each time to find a few.
CREATE INDEX receivables_current_due_idx ON receivables (due_date) WHERE status = 'current';
