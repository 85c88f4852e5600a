-- A report's rows in a table of their own (issue 5: "large reports stream;
-- no row limit"). In one jsonb document a report had to be read, parsed and
-- rendered whole; row by row it is read in pages by ordinal, so GET
-- /v1/reports/{id} streams with bounded memory however many rows it has.
-- reports keeps the head (title, columns, summary...).

CREATE TABLE report_rows (
    report_id uuid NOT NULL REFERENCES reports (id),
    ordinal   bigint NOT NULL CHECK (ordinal >= 1),  -- 1-based, the row's place in the table
    cells     jsonb NOT NULL CHECK (jsonb_typeof(cells) = 'array'),
    PRIMARY KEY (report_id, ordinal)
);

INSERT INTO report_rows (report_id, ordinal, cells)
SELECT r.id, e.ordinal, e.cells
FROM reports r CROSS JOIN LATERAL jsonb_array_elements(r.rows) WITH ORDINALITY AS e(cells, ordinal)
WHERE jsonb_typeof(r.rows) = 'array';

ALTER TABLE reports DROP COLUMN rows;

-- Kept as made, like the reports they belong to.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'probity_app') THEN
        REVOKE UPDATE, DELETE, TRUNCATE ON report_rows FROM probity_app;
        GRANT SELECT, INSERT ON report_rows TO probity_app;
    END IF;
END
$$;
