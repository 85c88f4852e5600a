"""The collection workflow's reads (issue 5, seed 004): a receivable's
timeline of steps with their deadlines and who answers for them, what is due
or late across a subtree, and the claim document with the eight elements of
4.4. The server runs on a set clock; the ledger is written as the owner.

A receivable of the Kez administration (Europe/Samara, RU calendar with the
New Year holidays of 1-8 January 2027) fell due on 2026-11-27, so it is
overdue from the 28th; the claim went out on 2026-12-28, the last day 4.2
allows. Its voluntary period (4.5) runs 30 days to 2027-01-27; the memo (6.1)
is due within 5 working days after that, by 2027-02-03."""

import secrets

from probity_harness import ProbityTestCase, Server, create_key, sql_literal
from test_scheduler import ANCHOR


def clock(at):
    return {"PROBITY_ENV": "test", "PROBITY_CLOCK": at, "PROBITY_CLOCK_ANCHOR": ANCHOR, "PROBITY_SCHEDULER": "0"}


class CollectionViews(ProbityTestCase):
    START_SERVER = True
    SERVER_ENV = clock("2027-02-10T08:00:00Z")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_ru_new_year(cls.server)
        cls.db.query("INSERT INTO income_codes (code, name, jurisdiction) VALUES"
                     " ('11100000000000000', 'Доходы от использования имущества', 'RU')")

    def ledger(self):
        tag = secrets.token_hex(3)
        org = self.create("organizations", {
            "name": "Администрация Кезского района " + tag, "kind": "municipal_administration",
            "jurisdiction": "RU", "timezone": "Europe/Samara", "locale": "ru", "currency": "RUB"})
        officer = self.create("employees", {"organization_id": org["id"], "full_name": "Петрова Анна Викторовна",
                                            "phone": "+7 34158 4-12-34"})
        o = sql_literal(org["id"])
        debtor = self.db.scalar(
            "INSERT INTO debtors (organization_id, kind, name, registered_address, locale) VALUES"
            f" ({o}, 'legal', 'ООО «Ромашка» {tag}', 'Кез, ул. Кирова, 1', 'ru') RETURNING id")
        rec = self.db.scalar(
            "INSERT INTO receivables (organization_id, debtor_id, income_code_id, basis_document, basis_date,"
            " arose_on, due_date, principal, penalties, fines, currency, status, status_since, payment_details,"
            f" responsible_employee_id) VALUES ({o}, '{debtor}', (SELECT id FROM income_codes LIMIT 1),"
            " 'Договор аренды № 5', '2025-10-01', '2025-10-01', '2026-11-27', 100000, 5000, 1500, 'RUB',"
            f" 'claim_sent', '2026-12-28', 'УФК по Удмуртской Республике, р/с 03100643000000011300',"
            f" '{officer['id']}') RETURNING id")
        actions = {}
        for kind, day, number in (("claim", "2026-12-28", "П-7"), ("other", "2027-01-05", "звонок")):
            actions[kind] = self.db.scalar(
                "INSERT INTO collection_actions (receivable_id, organization_id, kind, done_on, document_number,"
                f" responsible_employee_id) VALUES ('{rec}', {o}, '{kind}', '{day}', '{number}', '{officer['id']}')"
                " RETURNING id")
        return org, officer, rec, actions

    def steps(self, timeline):
        return {s["step"]: s for s in timeline["steps"]}

    def test_timeline_counts_the_regulation_across_new_year(self):
        org, officer, rec, _ = self.ledger()
        r = self.get(f"/v1/receivables/{rec}/timeline?as_of=2027-01-20")
        t = self.assert_json(r, 200)
        self.assertEqual((t["receivable_id"], t["status"], t["as_of"], t["balance"], t["currency"]),
                         (rec, "claim_sent", "2027-01-20", "106500.00", "RUB"))
        s = self.steps(t)
        self.assertEqual({k: s["claim"][k] for k in ("from", "deadline", "done_on", "state", "responsible_employee_id")},
                         {"from": "2026-11-28", "deadline": "2026-12-28", "done_on": "2026-12-28",
                          "state": "done_on_time", "responsible_employee_id": officer["id"]})
        self.assertTrue(s["claim"]["rule"].startswith("4.2"))
        self.assertEqual((s["voluntary_payment"]["deadline"], s["voluntary_payment"]["state"]), ("2027-01-27", "due"))
        self.assertEqual(s["memo"]["state"], "not_yet")
        # Today (10 February on the server's clock) the memo of 6.1 is a week late.
        s = self.steps(self.assert_json(self.get(f"/v1/receivables/{rec}/timeline"), 200))
        self.assertEqual((s["memo"]["from"], s["memo"]["deadline"], s["memo"]["state"]),
                         ("2027-01-27", "2027-02-03", "late"))
        self.assertEqual(s["memo"]["responsible_employee_id"], officer["id"])
        with self.unchanged():
            self.assert_field_error(self.get(f"/v1/receivables/{rec}/timeline?as_of=20-01-2027"), "as_of", "format")
            self.assert_field_error(self.get(f"/v1/receivables/{rec}/timeline?at=1"), "at", "unknown_parameter")
            self.assert_problem(self.get("/v1/receivables/00000000-0000-4000-8000-000000000000/timeline"), 404)
        # Outside the caller's subtree it does not exist.
        other = self.create("organizations", self.org_body(jurisdiction="RU", timezone="Europe/Samara"))
        token = create_key(self.db.url, "viewer", other["id"])
        self.assert_problem(self.get(f"/v1/receivables/{rec}/timeline",
                                     headers={"Authorization": "Bearer " + token}), 404)

    def test_deadlines_across_a_subtree(self):
        org, officer, rec, _ = self.ledger()
        r = self.get(f"/v1/collection-deadlines?organization_id={org['id']}&state=late")
        page = self.assert_json(r, 200)
        self.assertEqual([i["receivable_id"] for i in page["items"]], [rec])
        # The debtor let the voluntary period pass, and the memo is a week late.
        self.assertEqual([(s["step"], s["deadline"]) for s in page["items"][0]["steps"]],
                         [("voluntary_payment", "2027-01-27"), ("memo", "2027-02-03")])
        self.assertIsNone(page["next_cursor"])
        # Only the voluntary period had run out by 1 February; by default (due and late) both show.
        r = self.get(f"/v1/collection-deadlines?organization_id={org['id']}&state=late&due_before=2027-02-01")
        self.assertEqual([s["step"] for s in self.assert_json(r, 200)["items"][0]["steps"]], ["voluntary_payment"])
        r = self.get(f"/v1/collection-deadlines?organization_id={org['id']}&state=late&due_before=2027-01-26")
        self.assertEqual(self.assert_json(r, 200)["items"], [])
        r = self.get(f"/v1/collection-deadlines?organization_id={org['id']}")
        self.assertEqual([s["state"] for s in self.assert_json(r, 200)["items"][0]["steps"]], ["late", "late"])
        # Paging: one receivable per page.
        _, _, rec2, _ = self.ledger()
        self.db.query(f"UPDATE receivables SET organization_id = {sql_literal(org['id'])} WHERE id = '{rec2}'")
        first = self.assert_json(self.get(f"/v1/collection-deadlines?organization_id={org['id']}&limit=1"), 200)
        self.assertEqual(len(first["items"]), 1)
        self.assertIsNotNone(first["next_cursor"])
        second = self.assert_json(self.get(f"/v1/collection-deadlines?organization_id={org['id']}&limit=1"
                                           f"&cursor={first['next_cursor']}"), 200)
        self.assertEqual(sorted([first["items"][0]["receivable_id"], second["items"][0]["receivable_id"]]),
                         sorted([rec, rec2]))
        with self.unchanged():
            self.assert_field_errors(self.get("/v1/collection-deadlines?state=soon&due_before=x&organization_id=1"),
                                     {"state": "invalid", "due_before": "format", "organization_id": "format"})
            self.assert_field_error(self.get("/v1/collection-deadlines?limit=0"), "limit", None)
            self.assert_problem(self.get("/v1/collection-deadlines?organization_id="
                                         "00000000-0000-4000-8000-000000000000"), 404)

    def test_claim_document_states_the_eight_elements(self):
        org, officer, rec, actions = self.ledger()
        r = self.get(f"/v1/collection-actions/{actions['claim']}/document")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers["content-type"], "text/plain; charset=utf-8")
        self.assertEqual(r.headers["content-language"], "ru")
        text = r.body.decode()
        for want in ("ТРЕБОВАНИЕ (ПРЕТЕНЗИЯ) № П-7 от 28.12.2026",
                     "1. Должник: ООО «Ромашка»", "2. Основание начисления: Договор аренды № 5 от 01.10.2025",
                     "3. Период образования просрочки: 28.11.2026 — 28.12.2026",
                     "4. Сумма просроченной дебиторской задолженности: 100 000,00 RUB; пени: 5 000,00 RUB",
                     "5. Сумма штрафных санкций: 1 500,00 RUB",
                     "6. Срок добровольной оплаты: 27.01.2027",
                     "7. Реквизиты для перечисления: УФК по Удмуртской Республике",
                     "8. Ответственный исполнитель: Петрова Анна Викторовна, тел. +7 34158 4-12-34",
                     "в сумме 106 500,00 RUB"):
            self.assertIn(want, text)
        html = self.get(f"/v1/collection-actions/{actions['claim']}/document",
                        headers={"Accept": "text/html"})
        self.assertEqual((html.status, html.headers["content-type"]), (200, "text/html; charset=utf-8"), html)
        self.assertIn("<th>6. Срок добровольной оплаты</th><td>27.01.2027</td>", html.body.decode())
        self.assertEqual(self.get(f"/v1/collection-actions/{actions['claim']}/document?format=html").body, html.body)
        with self.unchanged():
            self.assert_problem(self.get(f"/v1/collection-actions/{actions['other']}/document"), 409)
            self.assert_problem(self.get(f"/v1/collection-actions/{actions['claim']}/document",
                                         headers={"Accept": "application/json"}), 406)
            self.assert_field_error(self.get(f"/v1/collection-actions/{actions['claim']}/document?format=pdf"),
                                    "format", "invalid")
            self.assert_problem(self.get("/v1/collection-actions/00000000-0000-4000-8000-000000000000/document"),
                                404)
