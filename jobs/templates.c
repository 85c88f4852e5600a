/* The mail texts, in Mongolian, Kazakh, Russian and English. */
#include "templates.h"

#include <stdlib.h>
#include <string.h>

#include "../domain/strbuf.h"

typedef struct {
    const char *name, *locale;
    const char *subject; /* {org} {period} {due} are replaced */
    const char *intro;
    const char *outro;
} template_t;

static const template_t TEMPLATES[] = {
    {"disclosure_reminder", "en", "Transparency: {period} items due by {due}",
     "To {org}:\n\nThe following items for {period} are not yet published on the transparency "
     "site. They are due by {due}.",
     "Please publish them before the deadline. Probity sent this reminder automatically."},
    {"disclosure_reminder", "mn", "Шилэн данс: {period}-ны мэдээллийг {due}-ны дотор байршуулна уу",
     "{org}-д:\n\n{period}-ны дараах мэдээллийг Шилэн дансны цахим хуудсанд хараахан "
     "байршуулаагүй байна. Байршуулах эцсийн хугацаа: {due}.",
     "Хуулийн хугацаанд байршуулна уу. Энэхүү сануулгыг Probity систем автоматаар илгээв."},
    {"disclosure_reminder", "kk", "Ашықтық: {period} кезеңінің ақпаратын {due} дейін жариялаңыз",
     "{org} ұжымына:\n\n{period} кезеңі бойынша келесі ақпарат ашықтық сайтында әлі "
     "жарияланбаған. Жариялау мерзімі: {due}.",
     "Мерзімінде жариялауыңызды сұраймыз. Бұл еске салуды Probity жүйесі автоматты түрде "
     "жіберді."},
    {"disclosure_reminder", "ru", "Открытость: сведения за {period} — опубликовать до {due}",
     "{org}:\n\nследующие сведения за {period} ещё не опубликованы на сайте открытости. Срок "
     "публикации: {due}.",
     "Просим опубликовать их в срок. Напоминание отправлено системой Probity автоматически."},
};
#define NTEMPLATES (sizeof TEMPLATES / sizeof TEMPLATES[0])

static const template_t *find(const char *name, const char *locale)
{
    for (size_t i = 0; i < NTEMPLATES; i++)
        if (strcmp(TEMPLATES[i].name, name) == 0 && strcmp(TEMPLATES[i].locale, locale) == 0)
            return &TEMPLATES[i];
    return NULL;
}

/* Text as is, or escaped for HTML (names come from the database). */
static void put_text(strbuf_t *b, const char *s, size_t n, int html)
{
    if (!html) {
        strbuf_append(b, s, n);
        return;
    }
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        const char *esc = s[i] == '<' ? "&lt;" : s[i] == '>' ? "&gt;" : s[i] == '&' ? "&amp;"
                        : s[i] == '"' ? "&quot;" : s[i] == '\n' ? "<br>\n" : NULL;
        if (!esc)
            continue;
        strbuf_append(b, s + run, i - run);
        strbuf_append(b, esc, strlen(esc));
        run = i + 1;
    }
    strbuf_append(b, s + run, n - run);
}

/* Copies fmt with {org}, {period} and {due} replaced. */
static void expand(strbuf_t *b, const char *fmt, const mail_vars_t *v, int html)
{
    static const char *const KEYS[] = {"{org}", "{period}", "{due}"};
    while (*fmt) {
        const char *brace = strchr(fmt, '{');
        if (!brace) {
            put_text(b, fmt, strlen(fmt), html);
            return;
        }
        put_text(b, fmt, (size_t)(brace - fmt), html);
        const char *vals[] = {v->org, v->period, v->due};
        size_t k = 0;
        while (k < 3 && strncmp(brace, KEYS[k], strlen(KEYS[k])) != 0)
            k++;
        if (k == 3) {
            put_text(b, "{", 1, html);
            fmt = brace + 1;
            continue;
        }
        put_text(b, vals[k], strlen(vals[k]), html);
        fmt = brace + strlen(KEYS[k]);
    }
}

static void items(strbuf_t *b, const mail_vars_t *v, int html)
{
    strbuf_printf(b, html ? "</p>\n<ul>\n" : "\n\n");
    for (size_t i = 0; i < v->nitems; i++) {
        strbuf_printf(b, html ? "<li><b>" : "  - ");
        put_text(b, v->items[i].code, strlen(v->items[i].code), html);
        strbuf_printf(b, html ? "</b>: " : ": ");
        put_text(b, v->items[i].name, strlen(v->items[i].name), html);
        strbuf_printf(b, html ? "</li>\n" : "\n");
    }
    strbuf_printf(b, html ? "</ul>\n<p>" : "\n");
}

int template_render(const char *template_name, const char *locale, const mail_vars_t *v,
                    mail_rendered_t *out)
{
    const template_t *t = find(template_name, locale ? locale : "en");
    if (!t)
        t = find(template_name, "en");
    if (!t)
        return 0;
    strbuf_t s = {0}, text = {0}, html = {0};
    expand(&s, t->subject, v, 0);
    expand(&text, t->intro, v, 0);
    items(&text, v, 0);
    expand(&text, t->outro, v, 0);
    strbuf_printf(&text, "\n");
    strbuf_printf(&html, "<!DOCTYPE html>\n<html><body>\n<p>");
    expand(&html, t->intro, v, 1);
    items(&html, v, 1);
    expand(&html, t->outro, v, 1);
    strbuf_printf(&html, "</p>\n</body></html>\n");
    out->subject = s.s;
    out->text = text.s;
    out->html = html.s;
    out->locale = t->locale;
    return 1;
}

void template_free(mail_rendered_t *r)
{
    free(r->subject);
    free(r->text);
    free(r->html);
}
