/* Mail templates as data: one row per (template, locale), picked by the
 * organization's locale with English as the fallback. Every mail names the
 * organization, the period, the due moment in local time and each item. */
#ifndef PROBITY_TEMPLATES_H
#define PROBITY_TEMPLATES_H

#include <stddef.h>

typedef struct {
    const char *code, *name;
} mail_item_t;

typedef struct {
    const char *org;    /* the organization's name */
    const char *period; /* 2026-10 or 2026-Q3 */
    const char *due;    /* the due moment in local time, e.g. "2026-11-15 23:59 (Asia/Ulaanbaatar)" */
    const mail_item_t *items;
    size_t nitems;
    const char *report; /* a stored report's id, or NULL */
} mail_vars_t;

typedef struct {
    char *subject, *text, *html; /* malloc'd */
    const char *locale;          /* the locale actually used */
} mail_rendered_t;

/* False when the template does not exist at all. */
int template_render(const char *template_name, const char *locale, const mail_vars_t *v,
                    mail_rendered_t *out);
void template_free(mail_rendered_t *r);

/* A word or heading in a locale (English as the fallback): the statuses
 * (on_time, late, missing, not_due), report column headings (col_*) and
 * report titles (title_*). The key itself when unknown. */
const char *template_word(const char *key, const char *locale);

#endif
