/* The claim of seed 004, 4.4, as a table of phrases per language. */
#include "claim_doc.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *locale;
    const char *title, *subtitle, *to, *from;
    const char *item[8]; /* the eight elements of 4.4, each before its value */
    const char *penalties, *of, *until, *phone, *nophone, *pay, *closing;
    bool day_first;      /* dates as dd.mm.yyyy, else yyyy.mm.dd (English: ISO 8601) */
    bool comma_decimal;  /* 105 000,50 */
} claim_words_t;

static const claim_words_t WORDS[] = {
    {"ru", "ТРЕБОВАНИЕ (ПРЕТЕНЗИЯ)", "об уплате просроченной дебиторской задолженности", "Кому",
     "От",
     {"Должник", "Основание начисления", "Период образования просрочки",
      "Сумма просроченной дебиторской задолженности", "Сумма штрафных санкций",
      "Срок добровольной оплаты", "Реквизиты для перечисления", "Ответственный исполнитель"},
     "пени", "от", "по", "тел.", "телефон не указан",
     "Предлагаем оплатить задолженность в сумме %s в добровольном порядке до %s включительно.",
     "При неоплате в указанный срок задолженность подлежит взысканию в судебном порядке "
     "(п. 5.1 регламента).",
     true, true},
    {"en", "CLAIM", "for payment of an overdue receivable", "To", "From",
     {"Debtor", "Basis of the charge", "Overdue period", "Overdue debt", "Fines",
      "Voluntary payment by", "Payment details", "Officer responsible"},
     "penalties", "of", "to", "tel.", "no telephone given",
     "Please pay the debt of %s voluntarily by %s inclusive.",
     "If it is not paid by then, the debt will be recovered through the courts (regulation, "
     "5.1).",
     false, false},
    {"mn", "ШААРДЛАГА", "хугацаа хэтэрсэн авлага төлөх тухай", "Хэнд", "Хэнээс",
     {"Өр төлбөр төлөгч", "Төлбөр ногдуулсан үндэслэл", "Хугацаа хэтэрсэн хугацаа",
      "Хугацаа хэтэрсэн өрийн дүн", "Торгуулийн дүн", "Сайн дураар төлөх хугацаа",
      "Төлбөр шилжүүлэх данс", "Хариуцсан ажилтан"},
     "алданги", "огноо", "хүртэл", "утас", "утас заагаагүй",
     "%s өрийг %s-ны дотор сайн дураар төлөхийг санал болгож байна.",
     "Заасан хугацаанд төлөөгүй тохиолдолд өрийг шүүхийн журмаар гаргуулна (журмын 5.1).",
     false, true},
    {"kk", "ТАЛАП (НАРАЗЫЛЫҚ)", "мерзімі өткен дебиторлық берешекті төлеу туралы", "Кімге",
     "Кімнен",
     {"Борышкер", "Есептеу негізі", "Мерзімі өткен кезең", "Мерзімі өткен берешек сомасы",
      "Айыппұл сомасы", "Ерікті түрде төлеу мерзімі", "Аудару деректемелері",
      "Жауапты орындаушы"},
     "өсімпұл", "күні", "дейін", "тел.", "телефон көрсетілмеген",
     "%s берешекті %s қоса алғанда ерікті түрде төлеуді ұсынамыз.",
     "Көрсетілген мерзімде төленбеген жағдайда берешек сот тәртібімен өндіріледі (регламенттің "
     "5.1-тармағы).",
     true, true},
};
#define NWORDS (sizeof WORDS / sizeof WORDS[0])

static const claim_words_t *words_for(const char *locale)
{
    for (size_t i = 0; i < NWORDS; i++)
        if (locale && strcmp(WORDS[i].locale, locale) == 0)
            return &WORDS[i];
    return &WORDS[1];
}

static void put(strbuf_t *b, const char *s, bool html)
{
    if (!s)
        return;
    if (!html) {
        strbuf_append(b, s, strlen(s));
        return;
    }
    for (; *s; s++) {
        const char *esc = *s == '<' ? "&lt;" : *s == '>' ? "&gt;" : *s == '&' ? "&amp;"
                        : *s == '"' ? "&quot;" : *s == '\'' ? "&#39;" : NULL;
        if (esc)
            strbuf_append(b, esc, strlen(esc));
        else
            strbuf_append(b, s, 1);
    }
}

static void amount(strbuf_t *b, const claim_words_t *w, const char *decimal)
{
    size_t n = strcspn(decimal, ".");
    bool digits = n > 0 && strspn(decimal, "0123456789") == n;
    if (!digits) {
        strbuf_append(b, decimal, strlen(decimal));
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            strbuf_append(b, w->comma_decimal ? " " : ",", 1);
        strbuf_append(b, decimal + i, 1);
    }
    if (decimal[n] == '.') {
        strbuf_append(b, w->comma_decimal ? "," : ".", 1);
        strbuf_append(b, decimal + n + 1, strlen(decimal + n + 1));
    }
}

void claim_doc_amount(const char *decimal, const char *locale, strbuf_t *out)
{
    amount(out, words_for(locale), decimal);
}

/* YYYY-MM-DD as the language writes it. */
static void date(strbuf_t *b, const claim_words_t *w, const char *d)
{
    if (d && strcmp(w->locale, "en") != 0 && strlen(d) == 10 && d[4] == '-' && d[7] == '-')
        strbuf_printf(b, w->day_first ? "%.2s.%.2s.%.4s" : "%.4s.%.2s.%.2s", w->day_first ? d + 8 : d,
                      d + 5, w->day_first ? d : d + 8);
    else if (d)
        strbuf_append(b, d, strlen(d));
}

/* An amount with its currency, as text (the value escaped later if HTML). */
static void money(strbuf_t *b, const claim_words_t *w, const char *v, const char *cur)
{
    amount(b, w, v ? v : "0.00");
    strbuf_printf(b, " %s", cur ? cur : "");
}

static void line(strbuf_t *out, bool html, int n, const char *label, const char *value)
{
    if (html) {
        strbuf_printf(out, "<tr><th>%d. ", n);
        put(out, label, true);
        strbuf_printf(out, "</th><td>");
        put(out, value, true);
        strbuf_printf(out, "</td></tr>\n");
    } else {
        strbuf_printf(out, "%d. %s: %s\n", n, label, value ? value : "");
    }
}

void claim_doc_render(const claim_doc_t *c, const char *locale, bool html, strbuf_t *out)
{
    const claim_words_t *w = words_for(locale);
    strbuf_t v[8] = {{0}}, head = {0}, offer = {0};
    strbuf_printf(&head, "%s%s%s %s ", w->title, c->number ? " № " : "", c->number ? c->number : "",
                  w->of);
    date(&head, w, c->date);
    strbuf_printf(&v[0], "%s%s%s", c->debtor, c->debtor_address ? ", " : "",
                  c->debtor_address ? c->debtor_address : "");
    strbuf_printf(&v[1], "%s %s ", c->basis_document, w->of);
    date(&v[1], w, c->basis_date);
    date(&v[2], w, c->overdue_from);
    strbuf_printf(&v[2], " — ");
    date(&v[2], w, c->overdue_to);
    money(&v[3], w, c->principal, c->currency);
    strbuf_printf(&v[3], "; %s: ", w->penalties);
    money(&v[3], w, c->penalties, c->currency);
    money(&v[4], w, c->fines, c->currency);
    date(&v[5], w, c->pay_by);
    strbuf_printf(&v[6], "%s", c->payment_details ? c->payment_details : "");
    strbuf_printf(&v[7], "%s, %s", c->officer ? c->officer : "",
                  c->officer_phone ? w->phone : w->nophone);
    if (c->officer_phone)
        strbuf_printf(&v[7], " %s", c->officer_phone);
    strbuf_t total = {0}, by = {0};
    money(&total, w, c->total, c->currency);
    date(&by, w, c->pay_by);
    strbuf_printf(&offer, w->pay, total.s, by.s);
    if (html) {
        strbuf_printf(out, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
                           "<title>", w->locale);
        put(out, head.s, true);
        strbuf_printf(out, "</title></head>\n<body>\n<p>%s: ", w->to);
        put(out, v[0].s, true);
        strbuf_printf(out, "<br>\n%s: ", w->from);
        put(out, c->administrator, true);
        strbuf_printf(out, "</p>\n<h1>");
        put(out, head.s, true);
        strbuf_printf(out, "</h1>\n<p>");
        put(out, w->subtitle, true);
        strbuf_printf(out, "</p>\n<table>\n");
    } else {
        strbuf_printf(out, "%s: %s\n%s: %s\n\n%s\n%s\n\n", w->to, v[0].s, w->from,
                      c->administrator ? c->administrator : "", head.s, w->subtitle);
    }
    for (int i = 0; i < 8; i++)
        line(out, html, i + 1, w->item[i], v[i].s);
    if (html) {
        strbuf_printf(out, "</table>\n<p>");
        put(out, offer.s, true);
        strbuf_printf(out, "</p>\n<p>");
        put(out, w->closing, true);
        strbuf_printf(out, "</p>\n</body></html>\n");
    } else {
        strbuf_printf(out, "\n%s\n%s\n", offer.s, w->closing);
    }
    for (int i = 0; i < 8; i++)
        free(v[i].s);
    free(head.s);
    free(offer.s);
    free(total.s);
    free(by.s);
}
