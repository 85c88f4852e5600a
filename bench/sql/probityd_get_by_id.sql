-- probityd's statement for GET /v1/organizations/{id}: entity_sql.c build() -> get_sql for the
-- organizations entity of domain/registry.c, one line, $1 = the id (text), $2 = the caller's
-- subtree root (NULL for a global key). bench/run.sh reads
-- the live text from pg_stat_activity and uses this file only if that fails (then it warns);
-- it prints whether the two still agree. Not runnable as is ($1).
SELECT t.version, (SELECT row_to_json(x) FROM (SELECT t.id AS id, t.parent_id AS parent_id, t.code AS code, t.name AS name, t.kind AS kind, t.jurisdiction AS jurisdiction, t.timezone AS timezone, t.locale AS locale, t.currency AS currency, t.disclosure_frequency AS disclosure_frequency, t.contact_emails AS contact_emails, to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at, to_char(t.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated_at, t.version AS version) x)::text FROM organizations t WHERE t.id = $1::uuid AND ($2::uuid IS NULL OR org_in_subtree(t.id, $2::uuid))
