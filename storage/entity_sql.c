/* Generic SQL from the registry. The strings are composed once; the
 * prepared-statement cache in db.c then plans each once per session. */
#include "entity_sql.h"

#include "../domain/strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const child_sql_t CHILDREN[] = {
    {"employee_relatives",
     "(SELECT coalesce(json_agg(json_build_object('employee_id', r.relative_id, 'relation', "
     "r.relation) ORDER BY r.relative_id), '[]'::json) FROM employee_relatives r "
     "WHERE r.employee_id = t.id)",
     "DELETE FROM employee_relatives WHERE employee_id = $1::uuid",
     "INSERT INTO employee_relatives (employee_id, relative_id, relation) "
     "SELECT $1::uuid, x.employee_id, x.relation "
     "FROM json_to_recordset($2::json) AS x(employee_id uuid, relation text)",
     "employee_id",
     /* FOR KEY SHARE holds the referenced rows until commit, as the foreign
      * key would: a concurrent delete then either waits for us or, having
      * won, leaves the row missing here, where it is reported by position.
      * A row outside the writer's subtree ($2) is reported missing too, as a
      * GET would: a reference must not reveal what a read would not. */
     "WITH wanted AS (SELECT (x.v->>'employee_id')::uuid AS id, x.i "
     " FROM json_array_elements($1::json) WITH ORDINALITY AS x(v, i)),"
     " found AS (SELECT e.id FROM employees e WHERE e.id IN (SELECT id FROM wanted)"
     " AND ($2::uuid IS NULL OR org_in_subtree(e.organization_id, $2::uuid)) FOR KEY SHARE)"
     " SELECT (w.i - 1)::int FROM wanted w WHERE w.id NOT IN (SELECT id FROM found) ORDER BY w.i"},
};

/* Fields an entity shows whose values storage keeps in a table of their
 * own, and the JSON that gathers them for the row aliased t. The head_sql
 * read shows an empty array in their place. */
static const struct {
    const char *table, *field, *expr;
} ELSEWHERE[] = {
    /* A report's rows (0009_report_rows.sql): gathered whole for lists,
     * streamed a page at a time by GET /v1/reports/{id}. */
    {"reports", "rows",
     "(SELECT coalesce(json_agg(r.cells ORDER BY r.ordinal), '[]'::json) FROM report_rows r "
     "WHERE r.report_id = t.id)"},
};

static const char *elsewhere_expr(const entity_t *e, const field_t *f)
{
    for (size_t i = 0; i < sizeof ELSEWHERE / sizeof ELSEWHERE[0]; i++)
        if (strcmp(ELSEWHERE[i].table, e->table) == 0 && strcmp(ELSEWHERE[i].field, f->name) == 0)
            return ELSEWHERE[i].expr;
    return NULL;
}

static entity_sql_t *SQL; /* parallel to REGISTRY */

const child_sql_t *child_sql(const char *name)
{
    for (size_t i = 0; i < sizeof CHILDREN / sizeof CHILDREN[0]; i++)
        if (strcmp(CHILDREN[i].name, name) == 0)
            return &CHILDREN[i];
    return NULL;
}

static const char *sql_type(const field_t *f)
{
    switch (f->type) {
    case FT_UUID:
        return "uuid";
    case FT_INT:
        return "bigint";
    case FT_BOOL:
        return "boolean";
    case FT_DATE:
        return "date";
    case FT_TIMESTAMP:
        return "timestamptz";
    case FT_ARRAY:
    case FT_OBJECT:
    case FT_JSON:
        return "jsonb";
    case FT_MONEY:
        return "numeric";
    case FT_STRING:
    case FT_ENUM:
        return "text";
    }
    return "text";
}

static void output_expr(strbuf_t *b, const entity_t *e, const field_t *f, bool head)
{
    const char *gathered = elsewhere_expr(e, f);
    if (gathered) {
        strbuf_printf(b, "%s", head ? "'[]'::json" : gathered);
    } else if (f->child) {
        strbuf_printf(b, "%s", child_sql(f->child)->output_expr);
    } else if (f->type == FT_MONEY) {
        strbuf_printf(b, "t.%s::text", f->name); /* numeric(17,2) renders "5000000.00" */
    } else if (f->type == FT_TIMESTAMP) {
        strbuf_printf(b, "to_char(t.%s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')", f->name);
    } else {
        strbuf_printf(b, "t.%s", f->name);
    }
}

static bool is_column(const field_t *f)
{
    return !f->child;
}

bool entity_sql_written(const field_t *f)
{
    return (!(f->flags & F_READONLY) || (f->flags & F_RULE_SET)) && is_column(f);
}

static bool in_view(const field_t *f, view_t view)
{
    return view == VIEW_FULL || f->read_roles == 0;
}

static void build(entity_sql_t *s, const entity_t *e)
{
    strbuf_t b = {0};
    s->entity = e;
    s->scope_column = e->scope_self ? "id" : e->scope_field;
    const char *version = e->append_only ? "1" : "t.version";
    for (int v = 0; v < VIEW__COUNT; v++) {
        for (int head = 0; head < 2; head++) {
            /* row_to_json renders compactly and keeps registry order. */
            strbuf_t o = {0};
            strbuf_printf(&o, "(SELECT row_to_json(x) FROM (SELECT ");
            bool first = true;
            for (size_t i = 0; i < e->nfields; i++) {
                if (!in_view(&e->fields[i], (view_t)v))
                    continue;
                strbuf_printf(&o, "%s", first ? "" : ", ");
                output_expr(&o, e, &e->fields[i], head);
                strbuf_printf(&o, " AS %s", e->fields[i].name);
                first = false;
            }
            strbuf_printf(&o, ") x)");
            b = (strbuf_t){0};
            strbuf_printf(&b,
                          "SELECT %s, %s::text FROM %s t WHERE t.id = $1::uuid AND ($2::uuid IS NULL",
                          version, o.s, e->table);
            if (e->scope_path)
                strbuf_printf(&b, " OR $2::uuid = ANY (t.%s))", e->scope_path);
            else if (s->scope_column)
                strbuf_printf(&b, " OR org_in_subtree(t.%s, $2::uuid))", s->scope_column);
            else
                strbuf_printf(&b, " OR true)");
            if (head) {
                s->head_sql[v] = b.s;
                free(o.s);
            } else {
                s->get_sql[v] = b.s;
                s->object_expr[v] = o.s;
            }
        }
    }
    b = (strbuf_t){0};
    /* NO KEY UPDATE: ids never change, and a plain FOR UPDATE would block the
     * KEY SHARE locks that foreign-key checks of concurrent writers take,
     * turning two re-parentings into a deadlock. */
    strbuf_printf(&b, "SELECT %s, %s::text FROM %s t WHERE t.id = $1::uuid FOR NO KEY UPDATE",
                  version, s->object_expr[VIEW_FULL], e->table);
    s->lock_sql = b.s;

    strbuf_t cols = {0}, vals = {0}, sets = {0};
    int n = 0;
    for (size_t i = 0; i < e->nfields; i++) {
        const field_t *f = &e->fields[i];
        if (!entity_sql_written(f))
            continue;
        n++;
        strbuf_printf(&cols, "%s%s", n > 1 ? ", " : "", f->name);
        strbuf_printf(&vals, "%s$%d::%s", n > 1 ? ", " : "", n, sql_type(f));
        strbuf_printf(&sets, "%s = $%d::%s, ", f->name, n + 1, sql_type(f));
    }
    s->nwritable = n;
    b = (strbuf_t){0};
    strbuf_printf(&b, "INSERT INTO %s (%s) VALUES (%s) RETURNING id::text", e->table, cols.s, vals.s);
    s->insert_sql = b.s;
    b = (strbuf_t){0};
    strbuf_printf(&b,
           "UPDATE %s SET %sversion = version + 1, updated_at = now() WHERE id = $1::uuid "
           "RETURNING version",
           e->table, sets.s);
    s->update_sql = b.s;
    free(cols.s);
    free(vals.s);
    free(sets.s);
    b = (strbuf_t){0};
    strbuf_printf(&b, "DELETE FROM %s WHERE id = $1::uuid RETURNING version", e->table);
    s->delete_sql = b.s;
    if (!e->scope_from)
        return;
    const field_t *via = registry_field(e, e->scope_from);
    const entity_t *parent = via && via->ref ? registry_find(via->ref) : NULL;
    if (!parent || !parent->scope_field || parent->scope_self)
        abort(); /* a registry mistake, met at start-up: scope_from names no scoped parent */
    b = (strbuf_t){0};
    strbuf_printf(&b,
                  "SELECT t.%s::text FROM %s t WHERE t.id = $1::uuid AND ($2::uuid IS NULL OR "
                  "org_in_subtree(t.%s, $2::uuid)) FOR KEY SHARE",
                  parent->scope_field, parent->table, parent->scope_field);
    s->parent_org_sql = b.s;
}

void entity_sql_init(void)
{
    SQL = calloc(REGISTRY_COUNT, sizeof *SQL);
    if (!SQL)
        abort();
    for (size_t i = 0; i < REGISTRY_COUNT; i++)
        build(&SQL[i], REGISTRY[i]);
}

void entity_sql_free(void)
{
    for (size_t i = 0; SQL && i < REGISTRY_COUNT; i++) {
        for (int v = 0; v < VIEW__COUNT; v++) {
            free(SQL[i].object_expr[v]);
            free(SQL[i].get_sql[v]);
            free(SQL[i].head_sql[v]);
        }
        free(SQL[i].lock_sql);
        free(SQL[i].insert_sql);
        free(SQL[i].update_sql);
        free(SQL[i].delete_sql);
        free(SQL[i].parent_org_sql);
    }
    free(SQL);
    SQL = NULL;
}

const entity_sql_t *entity_sql(const entity_t *e)
{
    for (size_t i = 0; i < REGISTRY_COUNT; i++)
        if (REGISTRY[i] == e)
            return &SQL[i];
    return NULL;
}

char *entity_sql_list(const entity_t *e, const list_query_t *q, view_t view, const char *scope,
                      const char **params, int *nparams, char limit_buf[16])
{
    const entity_sql_t *s = entity_sql(e);
    strbuf_t b = {0};
    int n = 0;
    strbuf_printf(&b, "SELECT t.id::text, %s::text FROM %s t WHERE true", s->object_expr[view],
                  e->table);
    if (scope && e->scope_path) {
        params[n++] = scope;
        strbuf_printf(&b, " AND $%d::uuid = ANY (t.%s)", n, e->scope_path);
    } else if (scope && s->scope_column) {
        params[n++] = scope;
        strbuf_printf(&b, " AND t.%s IN (SELECT org_subtree($%d::uuid))", s->scope_column, n);
    }
    if (q->has_after) {
        params[n++] = q->after;
        strbuf_printf(&b, " AND t.id > $%d::uuid", n);
    }
    if (q->updated_since) {
        params[n++] = q->updated_since;
        strbuf_printf(&b, " AND t.%s >= $%d::timestamptz",
                      e->append_only ? "created_at" : "updated_at", n);
    }
    for (size_t i = 0; i < q->nfilters; i++) {
        const list_filter_t *f = &q->filters[i];
        static const char *const OPS[] = {[FILTER_EQ] = "=", [FILTER_GE] = ">=", [FILTER_LE] = "<="};
        params[n++] = f->value;
        if (f->field->type == FT_TIMESTAMP && f->op == FILTER_LE)
            /* Timestamps are shown to the millisecond but stored to the
             * microsecond: an upper bound copied from an answer must still
             * include that row. */
            strbuf_printf(&b, " AND t.%s < $%d::timestamptz + interval '1 millisecond'",
                          f->field->name, n);
        else
            strbuf_printf(&b, " AND t.%s %s $%d::%s", f->field->name, OPS[f->op], n,
                          sql_type(f->field));
    }
    snprintf(limit_buf, 16, "%d", q->limit + 1);
    params[n++] = limit_buf;
    strbuf_printf(&b, " ORDER BY t.id LIMIT $%d::int", n);
    *nparams = n;
    return b.s;
}

char *entity_sql_param(json_t *v)
{
    char *out = NULL;
    if (!v) /* an absent member is SQL NULL */
        return NULL;
    switch (json_typeof(v)) {
    case JSON_NULL:
        return NULL;
    case JSON_STRING:
        out = strdup(json_string_value(v));
        break;
    case JSON_INTEGER:
        if (asprintf(&out, "%" JSON_INTEGER_FORMAT, json_integer_value(v)) < 0)
            out = NULL;
        break;
    case JSON_TRUE:
        out = strdup("true");
        break;
    case JSON_FALSE:
        out = strdup("false");
        break;
    default:
        out = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        break;
    }
    if (!out)
        abort();
    return out;
}
