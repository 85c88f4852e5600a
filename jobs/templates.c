/* The mail texts, in Mongolian, Kazakh, Russian and English. */
#include "templates.h"

#include <stdlib.h>
#include <string.h>

#include "../domain/strbuf.h"

typedef struct {
    const char *name, *locale;
    const char *subject; /* {org} {period} {due} {report} are replaced */
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
    {"disclosure_overdue", "en", "Transparency: {period} items overdue since {due}",
     "To {org}:\n\nThe following items for {period} were due by {due}. They were published late "
     "or are still missing on the transparency site.",
     "Please publish what is missing without delay; your supervising organization receives the "
     "list of late publishers. Probity sent this notice automatically."},
    {"disclosure_overdue", "mn", "Шилэн данс: {period}-ны мэдээллийн хугацаа хэтэрсэн ({due})",
     "{org}-д:\n\n{period}-ны дараах мэдээллийг {due}-ны дотор байршуулах ёстой байсан. Тэдгээрийг "
     "хоцорч байршуулсан эсвэл одоо хүртэл байршуулаагүй байна.",
     "Дутуу мэдээллийг нэн даруй байршуулна уу; хоцорсон байгууллагуудын жагсаалтыг дээд шатны "
     "байгууллагад хүргүүлнэ. Энэхүү мэдэгдлийг Probity систем автоматаар илгээв."},
    {"disclosure_overdue", "kk", "Ашықтық: {period} кезеңінің ақпараты мерзімінен кешікті ({due})",
     "{org} ұжымына:\n\n{period} кезеңі бойынша келесі ақпарат {due} дейін жариялануы тиіс еді. "
     "Ол кешіктіріліп жарияланды немесе әлі жарияланбаған.",
     "Жарияланбаған ақпаратты дереу жариялауыңызды сұраймыз; кешіктірген ұйымдардың тізімі "
     "жоғары тұрған ұйымға жіберіледі. Бұл хабарламаны Probity жүйесі автоматты түрде жіберді."},
    {"disclosure_overdue", "ru", "Открытость: просрочены сведения за {period} (срок {due})",
     "{org}:\n\nследующие сведения за {period} следовало опубликовать до {due}. Они опубликованы "
     "с опозданием или не опубликованы до сих пор.",
     "Просим незамедлительно опубликовать недостающие сведения; список опоздавших получает "
     "вышестоящая организация. Уведомление отправлено системой Probity автоматически."},
    {"disclosure_digest", "en", "Transparency: subordinates late with {period} ({org})",
     "To {org}:\n\nThese subordinate organizations published items for {period} late, or have "
     "not published them, although they were due by {due}:",
     "Each of them has been sent its own notice. Probity sent this digest automatically."},
    {"disclosure_digest", "mn", "Шилэн данс: {period}-ны мэдээллээ хоцоосон харьяа байгууллагууд ({org})",
     "{org}-д:\n\nДараах харьяа байгууллагууд {period}-ны мэдээллийг {due}-ны дотор "
     "байршуулаагүй буюу хоцорч байршуулсан байна:",
     "Байгууллага тус бүрт мэдэгдэл илгээсэн. Энэхүү нэгтгэлийг Probity систем автоматаар илгээв."},
    {"disclosure_digest", "kk", "Ашықтық: {period} кезеңінің ақпаратын кешіктірген ведомстволық ұйымдар ({org})",
     "{org} ұжымына:\n\nКелесі ведомстволық ұйымдар {period} кезеңінің ақпаратын {due} дейін "
     "жарияламады немесе кешіктіріп жариялады:",
     "Әр ұйымға жеке хабарлама жіберілді. Бұл жиынтықты Probity жүйесі автоматты түрде жіберді."},
    {"disclosure_digest", "ru", "Открытость: подведомственные организации просрочили сведения за {period} ({org})",
     "{org}:\n\nследующие подведомственные организации не опубликовали в срок (до {due}) "
     "сведения за {period} или опубликовали их с опозданием:",
     "Каждой из них направлено отдельное уведомление. Сводка отправлена системой Probity "
     "автоматически."},
    {"disclosure_report", "en", "Transparency compliance report for {period}: {org}",
     "To {org}:\n\nThe monthly report on how your subordinate organizations published their "
     "items for {period} (due by {due}) is stored as report {report}. Per organization:",
     "The full table is at GET /v1/reports/{report} (JSON, or CSV with ?format=csv). Probity made "
     "this report automatically."},
    {"disclosure_report", "mn", "Шилэн дансны тайлан, {period}: {org}",
     "{org}-д:\n\nХарьяа байгууллагууд {period}-ны мэдээллээ ({due}-ны дотор) хэрхэн "
     "байршуулсан тухай сарын тайланг {report} дугаартайгаар хадгалав. Байгууллага тус бүрээр:",
     "Бүрэн хүснэгт: GET /v1/reports/{report} (JSON, эсвэл ?format=csv гэж CSV). Энэхүү тайланг "
     "Probity систем автоматаар гаргав."},
    {"disclosure_report", "kk", "Ашықтық туралы есеп, {period}: {org}",
     "{org} ұжымына:\n\nВедомстволық ұйымдардың {period} кезеңінің ақпаратын ({due} дейін) "
     "жариялауы туралы айлық есеп {report} нөмірімен сақталды. Ұйымдар бойынша:",
     "Толық кесте: GET /v1/reports/{report} (JSON немесе ?format=csv арқылы CSV). Бұл есепті "
     "Probity жүйесі автоматты түрде жасады."},
    {"disclosure_report", "ru", "Отчёт о соблюдении открытости за {period}: {org}",
     "{org}:\n\nежемесячный отчёт о публикации подведомственными организациями сведений за "
     "{period} (срок — {due}) сохранён под номером {report}. По организациям:",
     "Полная таблица: GET /v1/reports/{report} (JSON или CSV с ?format=csv). Отчёт сформирован "
     "системой Probity автоматически."},
    {"receivables_inventory", "en", "Inventory of settlements with debtors, {period}: {org}",
     "To {org}:\n\nThe inventory of settlements with debtors as of {due} (seed 004, Appendix 2) "
     "is stored as report {report}. Per debtor, the debt at the end of the period:",
     "The full table, with the debt at the start of the year, its change, the bankruptcy and "
     "enforcement marks and the candidates for doubtful debt, is at GET /v1/reports/{report} "
     "(JSON, or ?format=csv or ?format=xlsx). Probity made this report automatically."},
    {"receivables_inventory", "ru", "Инвентаризация расчетов с должниками, {period}: {org}",
     "{org}:\n\nсведения (отчет) о состоянии просроченной задолженности на {due} (приложение № 2 "
     "к регламенту) сохранены под номером {report}. Задолженность на конец отчетного периода по "
     "дебиторам:",
     "Полная таблица (задолженность на начало года, динамика, отметки о банкротстве и "
     "исполнительном производстве, кандидаты в сомнительную задолженность): GET /v1/reports/{report} "
     "(JSON, ?format=csv или ?format=xlsx). Отчет сформирован системой Probity автоматически."},
    {"receivables_inventory", "mn", "Авлагын тооллого, {period}: {org}",
     "{org}-д:\n\n{due}-ны байдлаарх өр төлбөрийн тооллогын тайланг {report} дугаартайгаар "
     "хадгалав. Тайлант хугацааны эцсийн өрийн үлдэгдэл, өр төлбөр тус бүрээр:",
     "Бүрэн хүснэгт: GET /v1/reports/{report} (JSON, ?format=csv эсвэл ?format=xlsx). Энэхүү "
     "тайланг Probity систем автоматаар гаргав."},
    {"receivables_inventory", "kk", "Борышкерлермен есеп айырысуды түгендеу, {period}: {org}",
     "{org} ұжымына:\n\n{due} жағдайы бойынша мерзімі өткен берешек туралы есеп {report} нөмірімен "
     "сақталды. Кезең соңындағы берешек, борышкерлер бойынша:",
     "Толық кесте: GET /v1/reports/{report} (JSON, ?format=csv немесе ?format=xlsx). Бұл есепті "
     "Probity жүйесі автоматты түрде жасады."},
    {"receivables_year_report", "en", "Measures taken on overdue receivables, {period}: {org}",
     "To {org}:\n\nThe report on the measures taken to settle overdue receivables as of {due} "
     "(seed 004, Appendix 3) is stored as report {report}. Per income code:",
     "The full table is at GET /v1/reports/{report} (JSON, or ?format=csv or ?format=xlsx). "
     "Probity made this report automatically."},
    {"receivables_year_report", "ru", "Сводный отчет о мерах по урегулированию задолженности, {period}: {org}",
     "{org}:\n\nсводный отчет о мерах, принятых для урегулирования просроченной дебиторской "
     "задолженности, сложившейся по состоянию на {due} (приложение № 3 к регламенту), сохранен под "
     "номером {report}. По кодам доходов:",
     "Полная таблица: GET /v1/reports/{report} (JSON, ?format=csv или ?format=xlsx). Отчет "
     "сформирован системой Probity автоматически."},
    {"receivables_year_report", "mn", "Авлага барагдуулах арга хэмжээний тайлан, {period}: {org}",
     "{org}-д:\n\n{due}-ны байдлаарх хугацаа хэтэрсэн авлагыг барагдуулахаар авсан арга хэмжээний "
     "нэгтгэл тайланг {report} дугаартайгаар хадгалав. Орлогын ангилал тус бүрээр:",
     "Бүрэн хүснэгт: GET /v1/reports/{report} (JSON, ?format=csv эсвэл ?format=xlsx). Энэхүү "
     "тайланг Probity систем автоматаар гаргав."},
    {"receivables_year_report", "kk", "Берешекті реттеу шаралары туралы есеп, {period}: {org}",
     "{org} ұжымына:\n\n{due} жағдайы бойынша мерзімі өткен дебиторлық берешекті реттеу үшін "
     "қабылданған шаралар туралы жиынтық есеп {report} нөмірімен сақталды. Кіріс кодтары бойынша:",
     "Толық кесте: GET /v1/reports/{report} (JSON, ?format=csv немесе ?format=xlsx). Бұл есепті "
     "Probity жүйесі автоматты түрде жасады."},
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

/* Copies fmt with {org}, {period}, {due} and {report} replaced. */
static void expand(strbuf_t *b, const char *fmt, const mail_vars_t *v, int html)
{
    static const char *const KEYS[] = {"{org}", "{period}", "{due}", "{report}"};
    enum { NKEYS = sizeof KEYS / sizeof KEYS[0] };
    while (*fmt) {
        const char *brace = strchr(fmt, '{');
        if (!brace) {
            put_text(b, fmt, strlen(fmt), html);
            return;
        }
        put_text(b, fmt, (size_t)(brace - fmt), html);
        const char *vals[NKEYS] = {v->org, v->period, v->due, v->report ? v->report : ""};
        size_t k = 0;
        while (k < NKEYS && strncmp(brace, KEYS[k], strlen(KEYS[k])) != 0)
            k++;
        if (k == NKEYS) {
            put_text(b, "{", 1, html);
            fmt = brace + 1;
            continue;
        }
        put_text(b, vals[k], strlen(vals[k]), html);
        fmt = brace + strlen(KEYS[k]);
    }
}

/* A constant: appended, not parsed as a format (rendering runs for every
 * mail, 100,000 in bench/jobs.sh). */
static void put(strbuf_t *b, const char *s)
{
    strbuf_append(b, s, strlen(s));
}

static void items(strbuf_t *b, const mail_vars_t *v, int html)
{
    put(b, html ? "</p>\n<ul>\n" : "\n\n");
    for (size_t i = 0; i < v->nitems; i++) {
        put(b, html ? "<li><b>" : "  - ");
        put_text(b, v->items[i].code, strlen(v->items[i].code), html);
        put(b, html ? "</b>: " : ": ");
        put_text(b, v->items[i].name, strlen(v->items[i].name), html);
        put(b, html ? "</li>\n" : "\n");
    }
    put(b, html ? "</ul>\n<p>" : "\n");
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
    put(&text, "\n");
    put(&html, "<!DOCTYPE html>\n<html><body>\n<p>");
    expand(&html, t->intro, v, 1);
    items(&html, v, 1);
    expand(&html, t->outro, v, 1);
    put(&html, "</p>\n</body></html>\n");
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

/* Words by locale: en, mn, kk, ru. */
static const struct {
    const char *key, *text[4];
} WORDS[] = {
    {"on_time", {"on time", "хугацаандаа", "уақтылы", "в срок"}},
    {"late", {"late", "хоцорсон", "кешіктірілген", "с опозданием"}},
    {"missing", {"missing", "байршуулаагүй", "жарияланбаған", "не опубликовано"}},
    {"not_due", {"not yet due", "хугацаа болоогүй", "мерзімі келмеген", "срок не наступил"}},
    {"col_organization", {"Organization", "Байгууллага", "Ұйым", "Организация"}},
    {"col_organization_id", {"Organization ID", "Байгууллагын ID", "Ұйым ID", "ID организации"}},
    {"col_timezone", {"Time zone", "Цагийн бүс", "Уақыт белдеуі", "Часовой пояс"}},
    {"col_code", {"Code", "Код", "Код", "Код"}},
    {"col_requirement", {"Requirement", "Шаардлага", "Талап", "Требование"}},
    {"col_due", {"Due (local)", "Эцсийн хугацаа", "Мерзімі", "Срок"}},
    {"col_published_at", {"Published (local)", "Байршуулсан", "Жарияланды", "Опубликовано"}},
    {"col_status", {"Status", "Төлөв", "Мәртебесі", "Статус"}},
    {"col_status_code", {"Status code", "Төлөвийн код", "Мәртебе коды", "Код статуса"}},
    {"col_days_late", {"Days late", "Хоцорсон хоног", "Кешіккен күн", "Дней просрочки"}},
    /* Seed 004's forms: the Russian headings are the forms' own. */
    {"col_admin_code",
     {"Chief administrator's code", "Орлогын ерөнхий администраторын код",
      "Кірістердің бас әкімшісінің коды", "Код главного администратора доходов бюджета"}},
    {"col_income_code",
     {"Budget classification code", "Төсвийн ангиллын код", "Бюджеттік сыныптама коды",
      "Код в соответствии с бюджетной классификацией"}},
    {"col_revenue_code",
     {"Income budget classification code", "Орлогын төсвийн ангиллын код",
      "Кірістердің бюджеттік сыныптама коды",
      "Код доходов в соответствии с бюджетной классификацией"}},
    {"col_debtor", {"Debtor (creditor)", "Өр төлбөр төлөгч", "Борышкер (кредитор)",
                    "Наименование дебитора (кредитора)"}},
    {"col_arose_on", {"Date the debt arose", "Өр үүссэн огноо", "Берешектің пайда болған күні",
                      "Дата возникновения задолженности"}},
    {"col_debt_start", {"Debt at the start of the year", "Оны эхний өрийн үлдэгдэл",
                        "Жыл басындағы берешек сомасы",
                        "Сумма задолженности на начало года, рублей"}},
    {"col_debt_end",
     {"Debt at the end of the period, cumulative from the start of the year",
      "Тайлант хугацааны эцсийн өрийн үлдэгдэл (оны эхнээс өссөн дүнгээр)",
      "Есепті кезең соңындағы берешек сомасы (жыл басынан өспелі жиынмен)",
      "Сумма задолженности на конец отчетного периода нарастающим итогом с начала года, рублей"}},
    {"col_change", {"Change, absolute (col. 6 - col. 5)", "Өөрчлөлт, үнийн дүнгээр (6-5)",
                    "Берешек динамикасы, абсолютті сомамен (6-5)",
                    "Динамика задолженности в абсолютной сумме (гр.6-гр.5)"}},
    {"col_ratio", {"Change, ratio (col. 6 / col. 5)", "Өөрчлөлт, коэффициентээр (6/5)",
                   "Берешек динамикасы, коэффициентпен (6/5)",
                   "Динамика задолженности в коэффициентах (гр.6/гр.5)"}},
    {"col_marks", {"Marks", "Тэмдэглэл", "Белгілер", "Отметки"}},
    {"col_doubtful", {"Candidate for doubtful debt", "Эргэлзээтэй авлагад тооцох санал",
                      "Күмәнді берешекке үміткер", "Кандидат в сомнительную задолженность"}},
    {"col_debt", {"Debt", "Өрийн дүн", "Берешек сомасы", "Сумма задолженности, рублей"}},
    {"col_recovered", {"Recovered as a result of the measures taken",
                       "Авсан арга хэмжээний үр дүнд барагдуулсан дүн",
                       "Қабылданған шаралар нәтижесінде өтелген сома",
                       "Сумма погашения в результате принятых мер, рублей"}},
    {"col_measures", {"Measures taken", "Авсан арга хэмжээ", "Қабылданған шаралар",
                      "Принятые меры"}},
    {"mark_bankrupt", {"bankruptcy", "дампуурал", "банкроттық", "банкротство"}},
    {"mark_enforcement", {"enforcement proceedings", "албадан гүйцэтгэх ажиллагаа",
                          "атқарушылық іс жүргізу", "исполнительное производство"}},
    {"yes", {"yes", "тийм", "иә", "да"}},
    {"measure_claims", {"claims", "шаардлага", "талаптар", "претензии"}},
    {"measure_lawsuits", {"lawsuits", "нэхэмжлэл", "талап арыздар", "иски"}},
    {"measure_enforcement", {"enforcement documents", "гүйцэтгэх баримт бичиг",
                             "атқарушылық құжаттар", "исполнительные документы"}},
    {"title_receivables_inventory",
     {"Inventory of settlements with debtors: the state of overdue debt",
      "Өр төлбөрийн тооллого: хугацаа хэтэрсэн өрийн байдал",
      "Борышкерлермен есеп айырысуды түгендеу: мерзімі өткен берешектің жай-күйі",
      "Сведения (отчет) о состоянии просроченной задолженности"}},
    {"title_receivables_year_report",
     {"Measures taken to settle overdue receivables",
      "Хугацаа хэтэрсэн авлагыг барагдуулахаар авсан арга хэмжээ",
      "Мерзімі өткен дебиторлық берешекті реттеу үшін қабылданған шаралар",
      "Сводный отчет о мерах, принятых для урегулирования просроченной дебиторской "
      "задолженности"}},
    {"title_disclosure_report",
     {"Transparency compliance of subordinate organizations",
      "Харьяа байгууллагуудын Шилэн дансны мэдээлэл байршуулалт",
      "Ведомстволық ұйымдардың ашықтық талаптарын орындауы",
      "Соблюдение требований открытости подведомственными организациями"}},
};

const char *template_word(const char *key, const char *locale)
{
    static const char *const LANGS[] = {"en", "mn", "kk", "ru"};
    size_t l = 0;
    while (l < 4 && !(locale && strcmp(LANGS[l], locale) == 0))
        l++;
    for (size_t i = 0; i < sizeof WORDS / sizeof WORDS[0]; i++)
        if (strcmp(WORDS[i].key, key) == 0)
            return WORDS[i].text[l < 4 ? l : 0];
    return key;
}
