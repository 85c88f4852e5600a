/* SQL for every registry entity, composed once at start-up from the
 * registry's column names (never from request data: values always travel as
 * parameters). storage/ owns every SQL string; this is where the generic
 * ones come from. */
#ifndef PROBITY_ENTITY_SQL_H
#define PROBITY_ENTITY_SQL_H

#include <jansson.h>
#include <stdbool.h>

#include "../domain/query.h"
#include "../domain/registry.h"

/* What a reader sees of a row: everything, or only the fields without a
 * read_roles restriction of their own (authz_full_view decides). */
typedef enum { VIEW_FULL, VIEW_REDACTED, VIEW__COUNT } view_t;

typedef struct {
    const entity_t *entity;
    const char *scope_column; /* the column scoped reads test; NULL for shared data */
    char *object_expr[VIEW__COUNT]; /* the row aliased t as JSON */
    char *get_sql[VIEW__COUNT]; /* $1 id, $2 subtree root or NULL -> (version, json) */
    /* get_sql with the fields kept in tables of their own (entity_sql.c,
     * ELSEWHERE) shown as the row's placeholder: a record's head, whose
     * rest the caller reads in pages. */
    char *head_sql[VIEW__COUNT];
    char *lock_sql;     /* $1 id -> (version, json), full view, FOR NO KEY UPDATE */
    char *insert_sql;   /* writable columns in registry order -> id */
    char *update_sql;   /* $1 id, then writable columns -> version */
    char *delete_sql;   /* $1 id -> version */
    /* With scope_from: $1 the parent's id, $2 the writer's subtree or NULL ->
     * the parent's organization, the parent held FOR KEY SHARE as its
     * foreign key would hold it; no row when it is missing or unseen. */
    char *parent_org_sql;
    int nwritable;      /* parameters of insert (update has one more) */
} entity_sql_t;

/* A child table behind an FT_ARRAY field (registry `child`). */
typedef struct {
    const char *name;
    const char *output_expr; /* JSON array for the row aliased t */
    const char *clear_sql;   /* $1 parent id */
    const char *insert_sql;  /* $1 parent id, $2 the JSON array */
    const char *ref_member;  /* the item member that refers to another row */
    const char *missing_sql; /* $1 the JSON array, $2 the writer's subtree or NULL -> 0-based
                              * positions whose reference is unknown or out of scope */
} child_sql_t;

/* Whether f is a column the generic insert and update write: the writable
 * fields, and the read-only ones a rule fills in (F_RULE_SET). */
bool entity_sql_written(const field_t *f);

void entity_sql_init(void);
void entity_sql_free(void);
const entity_sql_t *entity_sql(const entity_t *e);
const child_sql_t *child_sql(const char *name);

/* Builds the list query for q into a malloc'd string and fills params (at
 * most LIST_MAX_FILTERS + 4, borrowed from q, scope or limit_buf). scope is
 * the subtree root rows must lie in, NULL for all. */
char *entity_sql_list(const entity_t *e, const list_query_t *q, view_t view, const char *scope,
                      const char **params, int *nparams, char limit_buf[16]);

/* The text form of a JSON value as a statement parameter: NULL for null,
 * else a malloc'd string the caller frees. */
char *entity_sql_param(json_t *v);

#endif
