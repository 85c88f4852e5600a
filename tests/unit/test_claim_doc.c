/* The claim of seed 004, 4.4: every one of its eight elements, in the
 * debtor's language, amounts and dates as that language writes them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "domain/claim_doc.h"

static const claim_doc_t CLAIM = {
    .number = "П-7", .date = "2026-12-28", .administrator = "Администрация Кезского района",
    .debtor = "ООО «Ромашка»", .debtor_address = "Кез, ул. Кирова, 1",
    .basis_document = "Договор аренды № 5", .basis_date = "2025-10-01",
    .overdue_from = "2025-11-02", .overdue_to = "2026-12-28", .principal = "100000.00",
    .penalties = "5000.00", .fines = "0.00", .total = "40000.00", .currency = "RUB",
    .pay_by = "2027-01-27", .payment_details = "УФК по Удмуртской Республике, р/с 031006430000",
    .officer = "Петрова А. В.", .officer_phone = "+7 34158 4-12-34"};

static char *render(const claim_doc_t *c, const char *locale, bool html)
{
    strbuf_t b = {0};
    claim_doc_render(c, locale, html, &b);
    return b.s;
}

static void test_russian_text_states_the_eight_elements(void **state)
{
    (void)state;
    char *t = render(&CLAIM, "ru", false);
    static const char *const WANT[] = {
        "ТРЕБОВАНИЕ (ПРЕТЕНЗИЯ) № П-7 от 28.12.2026",
        "1. Должник: ООО «Ромашка», Кез, ул. Кирова, 1\n",
        "2. Основание начисления: Договор аренды № 5 от 01.10.2025\n",
        "3. Период образования просрочки: 02.11.2025 — 28.12.2026\n",
        "4. Сумма просроченной дебиторской задолженности: 100 000,00 RUB; пени: 5 000,00 RUB\n",
        "5. Сумма штрафных санкций: 0,00 RUB\n",
        "6. Срок добровольной оплаты: 27.01.2027\n",
        "7. Реквизиты для перечисления: УФК по Удмуртской Республике, р/с 031006430000\n",
        "8. Ответственный исполнитель: Петрова А. В., тел. +7 34158 4-12-34\n",
        "в сумме 40 000,00 RUB в добровольном порядке до 27.01.2027 включительно.",
    };
    for (size_t i = 0; i < sizeof WANT / sizeof WANT[0]; i++)
        assert_non_null(strstr(t, WANT[i]));
    free(t);
}

static void test_html_escapes_every_value(void **state)
{
    (void)state;
    claim_doc_t c = CLAIM;
    c.debtor = "<script>alert(1)</script> & \"Co\"";
    char *h = render(&c, "ru", true);
    assert_null(strstr(h, "<script>"));
    assert_non_null(strstr(h, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;"));
    assert_non_null(strstr(h, "<html lang=\"ru\">"));
    assert_non_null(strstr(h, "<th>8. Ответственный исполнитель</th>"));
    free(h);
}

static void test_other_languages_and_fallback(void **state)
{
    (void)state;
    char *en = render(&CLAIM, "en", false), *xx = render(&CLAIM, "de", false);
    assert_non_null(strstr(en, "4. Overdue debt: 100,000.00 RUB; penalties: 5,000.00 RUB\n"));
    assert_non_null(strstr(en, "6. Voluntary payment by: 2027-01-27\n"));
    assert_string_equal(en, xx); /* English for a language it does not know */
    char *mn = render(&CLAIM, "mn", false), *kk = render(&CLAIM, "kk", false);
    assert_non_null(strstr(mn, "6. Сайн дураар төлөх хугацаа: 2027.01.27\n"));
    assert_non_null(strstr(kk, "6. Ерікті түрде төлеу мерзімі: 27.01.2027\n"));
    claim_doc_t c = CLAIM;
    c.officer_phone = NULL;
    char *nophone = render(&c, "ru", false);
    assert_non_null(strstr(nophone, "8. Ответственный исполнитель: Петрова А. В., телефон не указан\n"));
    free(en);
    free(xx);
    free(mn);
    free(kk);
    free(nophone);
}

static void test_amounts(void **state)
{
    (void)state;
    static const char *const CASES[][3] = {
        {"0.00", "ru", "0,00"},       {"999.99", "ru", "999,99"},
        {"1000.00", "ru", "1 000,00"}, {"123456789.05", "en", "123,456,789.05"},
        {"12", "en", "12"},           {"abc", "ru", "abc"},
    };
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        strbuf_t b = {0};
        claim_doc_amount(CASES[i][0], CASES[i][1], &b);
        assert_string_equal(b.s, CASES[i][2]);
        free(b.s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_russian_text_states_the_eight_elements),
        cmocka_unit_test(test_html_escapes_every_value),
        cmocka_unit_test(test_other_languages_and_fallback),
        cmocka_unit_test(test_amounts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
