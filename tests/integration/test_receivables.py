"""Receivables to the budget (seed 004, the Kez district regulation): income
codes, debtors, receivables, payments, installment plans and collection
actions over the real server and PostgreSQL. Every status move is checked
against the regulation (domain/collection.c): a refused one is a 409 whose
detail is the rule's text, and writes nothing. Dates are in 2025, in the past
whatever day the tests run, except where "today" itself matters (computed in
the administrator's zone, Europe/Samara)."""

import datetime
import secrets
import unittest
import uuid
from zoneinfo import ZoneInfo

from probity_harness import ProbityTestCase, create_key, sql_literal

# The rules' texts, as domain/collection.c states them.
R_OVERDUE = "4.2: a receivable becomes overdue only after its payment date has passed"
R_MEMO = "6.1: the memo on forced collection follows the end of the claim's voluntary period (4.5)"
R_MEMO_NO_CLAIM = ("4.4: without a claim, a debt goes to court only where the contract provides for no claim, "
                   "and only after 30 days from its becoming overdue")
R_LAWSUIT = ("6.3: a lawsuit is filed only after the voluntary period of the claim (4.5) has run, unless the "
             "contract waives the claim (4.4: then after 30 days from the debt becoming overdue)")
R_BAILIFFS = ("6.5: the document goes to the bailiffs once the bank reports no funds on the debtor's accounts, an "
              "arrest on them or suspended operations")
R_PAID = "4.5, 5.6: a receivable is paid when nothing remains owed: its balance is zero"
R_DOUBTFUL = "3.2: a debt is recognised doubtful at the inventory of settlements, on a stated ground"
R_HOPELESS = "3.4: a debt is recognised hopeless by a decision that states its ground"
R_WRITE_OFF = "3.4: only a debt recognised hopeless is written off, by a decision that states its reason"
NO_STEP = "4–7: the regulation has no step from this status to that one"
NO_CALENDAR = "the jurisdiction calendar does not cover the days this rule needs to count"
# The payment rules' own (storage/collection_store.c).
R_WRITTEN_OFF_PAYMENT = "3.4: the receivable was written off as hopeless; it takes no more payments."


def samara_today():
    return datetime.datetime.now(ZoneInfo("Europe/Samara")).date()


class ReceivablesBase(ProbityTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        c = cls.server

        def post(entity, body):
            r = c.request("POST", "/v1/" + entity, body)
            assert r.status == 201, r
            return r.json

        def org(name, parent=None, **over):
            body = {"name": name, "parent_id": parent, "kind": "municipal_administration",
                    "jurisdiction": "RU", "timezone": "Europe/Samara", "locale": "ru", "currency": "RUB"}
            body.update(over)
            return post("organizations", body)["id"]

        # K: the Kez administration; K1 its territorial development department;
        # O another district, outside K's subtree; N a Mongolian one.
        cls.K = org("Администрация Кезского района")
        cls.K1 = org("Управление территориального развития", cls.K)
        cls.O = org("Администрация Дебёсского района")
        cls.N = org("Хан-Уул", jurisdiction="MN", timezone="Asia/Ulaanbaatar", locale="mn", currency="MNT")
        post("calendars", {"jurisdiction": "RU", "name": "Российская Федерация"})
        cls.code = post("income-codes", {"code": "11100000000000000", "jurisdiction": "RU",
                                          "name": "Доходы от использования имущества"})
        cls.mn_code = post("income-codes", {"code": "11100000000000000", "jurisdiction": "MN",
                                             "name": "Төрийн өмчийн орлого"})
        cls.emp = {k: post("employees", {"organization_id": v, "full_name": "Сотрудник " + k})["id"]
                   for k, v in (("K", cls.K), ("K1", cls.K1), ("O", cls.O))}
        cls.debtor = {k: post("debtors", {"organization_id": v, "kind": "legal", "name": "ООО «Должник " + k + "»",
                                          "registered_address": "п. Кез", "locale": "ru"})["id"]
                      for k, v in (("K", cls.K), ("K1", cls.K1), ("O", cls.O))}
        cls.tokens = {role: create_key(cls.db.url, role, org=cls.K, name=f"rcv {role} @K")
                      for role in ("officer", "viewer", "integration")}
        cls.tokens["officer@K1"] = create_key(cls.db.url, "officer", org=cls.K1, name="rcv officer @K1")

    # -- helpers -------------------------------------------------------------

    def as_(self, who, method, path, body=None):
        return self.request(method, path, body=body, headers={"Authorization": "Bearer " + self.tokens[who]})

    def receivable_body(self, org=None, **over):
        body = {"organization_id": org or self.K, "debtor_id": self.debtor["K"], "income_code_id": self.code["id"],
                "basis_document": "Договор аренды № " + secrets.token_hex(2), "basis_date": "2024-12-01",
                "arose_on": "2025-01-01", "due_date": "2025-01-31", "principal": "1000.00", "currency": "RUB",
                "payment_details": "р/с 03100643000000011300, БИК 019401100",
                "responsible_employee_id": self.emp["K"]}
        body.update(over)
        return body

    def receivable(self, **over):
        return self.create("receivables", self.receivable_body(**over))

    def action(self, rcv, kind, done_on, **over):
        body = {"receivable_id": rcv["id"], "kind": kind, "done_on": done_on,
                "responsible_employee_id": self.emp["K"]}
        body.update(over)
        return self.post("/v1/collection-actions", body)

    def pay(self, rcv, amount, paid_on="2025-02-15", **over):
        body = {"receivable_id": rcv["id"], "paid_on": paid_on, "amount": amount, "currency": "RUB",
                "document": "п/п № " + secrets.token_hex(2)}
        body.update(over)
        return self.post("/v1/payments", body)

    def fetch(self, rcv):
        return self.assert_json(self.get(f"/v1/receivables/{rcv['id']}"), 200)

    def refused(self, resp, detail):
        """A 409 whose detail is the rule's text."""
        p = self.assert_problem(resp, 409)
        self.assertEqual(p["detail"], detail, resp)
        return p

    def moves(self, rcv, kind, done_on, status, **over):
        r = self.action(rcv, kind, done_on, **over)
        self.assert_json(r, 201)
        got = self.fetch(rcv)
        self.assertEqual((got["status"], got["status_since"]), (status, done_on), r)
        return got


class ReferenceData(ReceivablesBase):

    def test_income_codes(self):
        ic = self.create("income-codes", {"code": "11300000000000000", "name": "Платные услуги",
                                          "jurisdiction": "RU"})
        self.assertEqual(ic["code"], "11300000000000000")
        with self.unchanged():
            for bad, code in (("1130000000000000A", "format"), ("1130000000000000", "too_short"),
                              ("113000000000000000000", "too_long"), ("11300-00000000000", "format")):
                self.assert_field_error(self.post("/v1/income-codes", {"code": bad, "name": "x",
                                                                       "jurisdiction": "RU"}), "code", code)
            # unique within a jurisdiction
            p = self.assert_problem(self.post("/v1/income-codes", {"code": "11300000000000000", "name": "x",
                                                                   "jurisdiction": "RU"}), 409)
            self.assertIn("code", p["detail"])
            # shared reference data: a key bound to an organization may read, not write
            self.assert_problem(self.as_("officer", "POST", "/v1/income-codes",
                                         {"code": "11400000000000000", "name": "x", "jurisdiction": "RU"}), 403)
        self.assert_json(self.as_("integration", "GET", f"/v1/income-codes/{ic['id']}"), 200)
        self.assert_json(self.post("/v1/income-codes", {"code": "11300000000000000", "name": "Төлбөртэй үйлчилгээ",
                                                        "jurisdiction": "MN"}), 201)
        page = self.assert_json(self.get("/v1/income-codes?code=11300000000000000&jurisdiction=RU"), 200)
        self.assertEqual([x["id"] for x in page["items"]], [ic["id"]])
        # a code in use cannot go
        with self.unchanged():
            self.assert_problem(self.delete(f"/v1/income-codes/{self.code['id']}"), 409)

    def test_debtors(self):
        body = {"organization_id": self.K1, "kind": "natural", "name": "Шутова Анна Ивановна",
                "tax_number": "181201234567", "registered_address": "д. Кузьма, ул. Центральная, 3",
                "locale": "ru"}
        d = self.create("debtors", body)
        self.assertEqual((d["bankrupt"], d["bankrupt_since"], d["enforcement_proceedings"], d["actual_address"],
                          d["phone"], d["email"]), (False, None, False, None, None, None))
        with self.unchanged():
            self.assert_field_error(self.post("/v1/debtors", dict(body, tax_number="1", bankrupt=True)),
                                    "bankrupt_since", "required")
            self.assert_field_error(self.post("/v1/debtors", dict(body, tax_number="2", bankrupt_since="2025-01-01")),
                                    "bankrupt_since", "invalid")
            self.assert_field_error(self.patch(f"/v1/debtors/{d['id']}", {"bankrupt": True}),
                                    "bankrupt_since", "required")
            self.assert_field_error(self.post("/v1/debtors", dict(body, kind="company")), "kind", "enum")
            # one tax number per organization's debtors
            p = self.assert_problem(self.post("/v1/debtors", body), 409)
            self.assertIn("tax_number", p["detail"])
            self.assert_problem(self.as_("viewer", "POST", "/v1/debtors", dict(body, tax_number="3")), 403)
            self.assert_problem(self.as_("integration", "POST", "/v1/debtors", dict(body, tax_number="3")), 403)
        self.assert_json(self.post("/v1/debtors", dict(body, organization_id=self.O)), 201)
        got = self.assert_json(self.patch(f"/v1/debtors/{d['id']}", {"bankrupt": True, "bankrupt_since": "2025-06-15",
                                                                    "enforcement_proceedings": True}), 200)
        self.assertEqual((got["bankrupt"], got["bankrupt_since"], got["version"]), (True, "2025-06-15", 2))
        r = self.as_("officer", "DELETE", f"/v1/debtors/{d['id']}")
        self.assertEqual(r.status, 204, r)
        # a debtor with a receivable stays
        self.receivable(org=self.O, debtor_id=self.debtor["O"], responsible_employee_id=self.emp["O"])
        with self.unchanged():
            self.assert_problem(self.delete(f"/v1/debtors/{self.debtor['O']}"), 409)


class ReceivableRecords(ReceivablesBase):

    def test_create_sets_status_from_the_due_date(self):
        r = self.receivable(penalties="12.5")
        self.assertEqual((r["status"], r["status_since"], r["status_reason"]), ("overdue", "2025-02-01", None))
        self.assertEqual((r["principal"], r["penalties"], r["fines"], r["paid_amount"], r["balance"]),
                         ("1000.00", "12.50", "0.00", "0.00", "1012.50"))
        self.assertEqual((r["claim_waived"], r["voluntary_days"], r["version"]), (False, None, 1))
        today = samara_today()
        due = (today + datetime.timedelta(days=20)).isoformat()
        r = self.receivable(arose_on=today.isoformat(), due_date=due)
        self.assertEqual((r["status"], r["status_since"]), ("current", today.isoformat()))
        # the last day to pay is still on time
        r = self.receivable(arose_on="2025-01-01", due_date=today.isoformat())
        self.assertEqual(r["status"], "current")

    def test_create_refusals(self):
        cases = [
            ({"status": "overdue"}, {"status": "read_only"}),
            ({"status_since": "2025-01-01"}, {"status_since": "read_only"}),
            ({"paid_amount": "1.00"}, {"paid_amount": "read_only"}),
            ({"balance": "1.00"}, {"balance": "read_only"}),
            ({"currency": "KZT"}, {"currency": "invalid"}),
            ({"income_code_id": self.mn_code["id"]}, {"income_code_id": "invalid"}),
            ({"income_code_id": str(uuid.uuid4())}, {"income_code_id": "reference"}),
            # a global writer sees the other district's debtor: it is just not this administrator's
            ({"debtor_id": self.debtor["O"]}, {"debtor_id": "invalid"}),
            ({"debtor_id": str(uuid.uuid4())}, {"debtor_id": "reference"}),
            ({"responsible_employee_id": self.emp["O"]}, {"responsible_employee_id": "invalid"}),
            ({"responsible_employee_id": str(uuid.uuid4())}, {"responsible_employee_id": "reference"}),
            ({"due_date": "2024-12-31"}, {"due_date": "invalid"}),
            ({"principal": "-1.00"}, {"principal": "format"}),
            ({"principal": 1000}, {"principal": "type"}),
            ({"voluntary_days": 0}, {"voluntary_days": "out_of_range"}),
            ({"voluntary_days": 367}, {"voluntary_days": "out_of_range"}),
            ({"payment_details": None}, {"payment_details": "required"}),
            ({"currency": "KZT", "debtor_id": self.debtor["O"], "due_date": "2024-12-31"},
             {"currency": "invalid", "debtor_id": "invalid", "due_date": "invalid"}),
        ]
        for over, errors in cases:
            with self.subTest(over=over), self.unchanged():
                self.assert_field_errors(self.post("/v1/receivables", self.receivable_body(**over)), errors)
        # to a writer bound to K, the other district's rows do not exist
        for over, errors in (({"debtor_id": self.debtor["O"]}, {"debtor_id": "reference"}),
                             ({"responsible_employee_id": self.emp["O"]}, {"responsible_employee_id": "reference"})):
            with self.subTest(over=over, who="officer"), self.unchanged():
                self.assert_field_errors(self.as_("officer", "POST", "/v1/receivables",
                                                  self.receivable_body(**over)), errors)
        # The department's debtor and employee are in the administration's branch (a child), and so is
        # the administration's for the department (a parent); the other district's are not.
        self.receivable(debtor_id=self.debtor["K1"], responsible_employee_id=self.emp["K1"])
        self.receivable(org=self.K1, debtor_id=self.debtor["K"], responsible_employee_id=self.emp["K"])
        sibling = self.create("organizations", {"name": "Отдел культуры", "parent_id": self.K, "kind": "authority",
                                                "jurisdiction": "RU", "timezone": "Europe/Samara", "locale": "ru",
                                                "currency": "RUB"})
        with self.unchanged():
            self.assert_field_errors(self.post("/v1/receivables", self.receivable_body(
                org=sibling["id"], debtor_id=self.debtor["K1"], responsible_employee_id=self.emp["K1"])),
                {"debtor_id": "invalid", "responsible_employee_id": "invalid"})
        # an administrator of another jurisdiction: its currency and its codes
        with self.unchanged():
            self.assert_field_errors(self.post("/v1/receivables", self.receivable_body(
                org=self.N, responsible_employee_id=None)),
                {"debtor_id": "invalid", "currency": "invalid", "income_code_id": "invalid"})

    def test_patch_fields(self):
        r = self.receivable()
        got = self.assert_json(self.patch(f"/v1/receivables/{r['id']}", {"basis_document": "Договор № 12-А",
                                                                         "penalties": "30.00", "voluntary_days": 45}),
                               200)
        self.assertEqual((got["basis_document"], got["balance"], got["voluntary_days"], got["version"]),
                         ("Договор № 12-А", "1030.00", 45, 2))
        self.assert_json(self.pay(r, "500.00"), 201)
        with self.unchanged():
            self.assert_field_error(self.patch(f"/v1/receivables/{r['id']}", {"principal": "400.00"}),
                                    "principal", "invalid")
            self.assert_field_error(self.as_("officer", "PATCH", f"/v1/receivables/{r['id']}",
                                             {"debtor_id": self.debtor["O"]}), "debtor_id", "reference")
            self.assert_field_error(self.patch(f"/v1/receivables/{r['id']}", {"debtor_id": self.debtor["O"]}),
                                    "debtor_id", "invalid")
            self.assert_field_error(self.patch(f"/v1/receivables/{r['id']}", {"paid_amount": "0.00"}),
                                    "paid_amount", "read_only")
            # its payment belongs to the administrator: the receivable stays with it
            p = self.assert_problem(self.patch(f"/v1/receivables/{r['id']}", {"organization_id": self.K1}), 409)
            self.assertIn("payments", p["detail"])
        # without dependants it may move within the subtree, its references checked for the new one
        r2 = self.receivable()
        got = self.assert_json(self.patch(f"/v1/receivables/{r2['id']}", {"organization_id": self.K1}), 200)
        self.assertEqual(got["organization_id"], self.K1)
        r = self.delete(f"/v1/receivables/{r2['id']}")
        self.assertEqual(r.status, 204, r)

    def test_status_patches(self):
        today = samara_today()
        cur = self.receivable(arose_on=today.isoformat(), due_date=(today + datetime.timedelta(days=10)).isoformat())
        path = f"/v1/receivables/{cur['id']}"
        with self.unchanged():
            self.refused(self.patch(path, {"status": "overdue"}), R_OVERDUE)
            self.refused(self.patch(path, {"status": "paid"}), R_PAID)
            self.refused(self.patch(path, {"status": "doubtful", "status_reason": "x"}), NO_STEP)
        r = self.receivable()
        path = f"/v1/receivables/{r['id']}"
        with self.unchanged():
            for status, kind in (("claim_sent", "claim"), ("memo", "memo"), ("court_decision", "court_decision"),
                                 ("lawsuit_filed", "lawsuit"), ("judgment", "judgment"),
                                 ("enforcement_bank", "enforcement_decision"),
                                 ("enforcement_bailiffs", "enforcement_decision")):
                p = self.assert_problem(self.patch(path, {"status": status}), 409)
                self.assertEqual(p["detail"], f"A receivable becomes {status} when a collection action of kind "
                                              f"{kind} is recorded (POST /v1/collection-actions), not by PATCH.")
            self.refused(self.patch(path, {"status": "current"}), NO_STEP)
            self.refused(self.patch(path, {"status": "doubtful"}), R_DOUBTFUL)
            self.refused(self.patch(path, {"status": "doubtful", "status_reason": "   "}), R_DOUBTFUL)
            self.refused(self.patch(path, {"status": "written_off", "status_reason": "Ликвидация"}), NO_STEP)
            self.refused(self.patch(path, {"status": "paid"}), R_PAID)
            self.assert_field_error(self.patch(path, {"status": "lost"}), "status", "enum")
            self.assert_field_error(self.patch(path, {"status": None}), "status", "required")
        got = self.assert_json(self.patch(path, {"status": "doubtful", "status_reason": "Должник не найден"}), 200)
        self.assertEqual((got["status"], got["status_reason"], got["status_since"]),
                         ("doubtful", "Должник не найден", samara_today().isoformat()))
        got = self.assert_json(self.patch(path, {"status": "overdue", "status_reason": None}), 200)
        self.assertEqual(got["status"], "overdue")
        got = self.assert_json(self.patch(path, {"status": "hopeless", "status_reason": "Должник умер"}), 200)
        self.assertEqual(got["status"], "hopeless")
        with self.unchanged():
            # the write-off is a decision of its own: the hopeless decision's reason does not carry over
            self.refused(self.patch(path, {"status": "written_off"}), R_WRITE_OFF)
            self.refused(self.patch(path, {"status": "written_off", "status_reason": None}), R_WRITE_OFF)
            self.refused(self.patch(path, {"status": "doubtful", "status_reason": "x"}), NO_STEP)
        got = self.assert_json(self.patch(path, {"status": "written_off",
                                                 "status_reason": "Распоряжение № 12-р о списании"}), 200)
        self.assertEqual((got["status"], got["status_reason"]), ("written_off", "Распоряжение № 12-р о списании"))
        with self.unchanged():
            self.refused(self.pay(r, "1.00"), R_WRITTEN_OFF_PAYMENT)
            self.refused(self.patch(path, {"status": "overdue"}), NO_STEP)
            p = self.assert_problem(self.patch(path, {"principal": "2000.00"}), 409)
            self.assertIn("written_off", p["detail"])
        # hopeless needs a ground too
        r = self.receivable()
        with self.unchanged():
            self.refused(self.patch(f"/v1/receivables/{r['id']}", {"status": "hopeless"}), R_HOPELESS)
        # every status move is in the audit trail, with who made it
        events = self.db.rows("SELECT action, after->>'status', role FROM audit_events WHERE entity = 'receivables' "
                              f"AND entity_id = {sql_literal(got['id'])} ORDER BY created_at, id")
        self.assertEqual([e[1] for e in events], ["overdue", "doubtful", "overdue", "hopeless", "written_off"])

    def test_paid_by_patch_only_at_zero_balance(self):
        r = self.receivable()
        self.assert_json(self.pay(r, "400.00"), 201)
        path = f"/v1/receivables/{r['id']}"
        with self.unchanged():
            self.refused(self.patch(path, {"status": "paid"}), R_PAID)
        # the amounts corrected down to what was paid (a penalty waived, say): then it may be closed
        got = self.assert_json(self.patch(path, {"principal": "400.00", "status": "paid"}), 200)
        self.assertEqual((got["status"], got["balance"]), ("paid", "0.00"))

    def test_no_calendar_no_counting(self):
        """The pre-court period counts its last day on the calendar: without one, the rule cannot say."""
        kz = self.create("organizations", {"name": "Серебрянск", "kind": "budget_institution", "jurisdiction": "KZ",
                                           "timezone": "Asia/Almaty", "locale": "ru", "currency": "KZT"})
        ic = self.create("income-codes", {"code": "20100000000000000", "name": "x", "jurisdiction": "KZ"})
        d = self.create("debtors", {"organization_id": kz["id"], "kind": "legal", "name": "ТОО", "locale": "ru",
                                    "registered_address": "Серебрянск"})
        e = self.create_employee(kz["id"])
        r = self.create("receivables", self.receivable_body(org=kz["id"], debtor_id=d["id"], income_code_id=ic["id"],
                                                             currency="KZT", responsible_employee_id=e["id"]))
        self.assert_json(self.action(r, "claim", "2025-02-10", responsible_employee_id=e["id"]), 201)
        with self.unchanged():
            self.refused(self.action(r, "memo", "2025-06-10", responsible_employee_id=e["id"]), NO_CALENDAR)


class Collection(ReceivablesBase):

    def test_the_way_to_court_and_enforcement(self):
        r = self.receivable()
        with self.unchanged():
            self.refused(self.action(r, "memo", "2025-03-20"), R_MEMO_NO_CLAIM)
            self.refused(self.action(r, "court_decision", "2025-03-20"), NO_STEP)
        self.moves(r, "claim", "2025-02-10", "claim_sent")
        # a claim sent again (to the actual address, 4.5) moves nothing and restarts nothing else
        self.assert_json(self.action(r, "claim", "2025-02-10", document_number="01-23/2"), 201)
        with self.unchanged():
            self.refused(self.action(r, "memo", "2025-03-01"), R_MEMO)
            # 10 February + 30 days = 12 March, a Wednesday: the period runs to its end
            self.refused(self.action(r, "memo", "2025-03-12"), R_MEMO)
            self.assert_field_error(self.action(r, "memo", "2025-02-09"), "done_on", "invalid")
        self.moves(r, "memo", "2025-03-13", "memo")
        self.moves(r, "court_decision", "2025-03-14", "court_decision")
        # The contract turns out to give 60 days, not 30 (a corrected record): the period runs to 11 April.
        self.assert_json(self.patch(f"/v1/receivables/{r['id']}", {"voluntary_days": 60}), 200)
        with self.unchanged():
            self.refused(self.action(r, "lawsuit", "2025-03-20"), R_LAWSUIT)
            self.refused(self.action(r, "lawsuit", "2025-04-11"), R_LAWSUIT)
        self.moves(r, "lawsuit", "2025-04-12", "lawsuit_filed")
        self.moves(r, "judgment", "2025-05-20", "judgment")
        with self.unchanged():
            self.assert_field_error(self.action(r, "enforcement_decision", "2025-05-22"), "target", "required")
            self.assert_field_error(self.action(r, "appeal", "2025-05-22", target="bank"), "target", "invalid")
            self.assert_field_error(self.action(r, "enforcement_decision", "2025-05-22", target="court"), "target",
                                    "enum")
        self.moves(r, "enforcement_decision", "2025-05-22", "enforcement_bank", target="bank")
        self.assert_json(self.action(r, "enforcement_sent", "2025-05-23", target="bank"), 201)
        with self.unchanged():
            self.refused(self.action(r, "enforcement_decision", "2025-05-26", target="bailiffs"), R_BAILIFFS)
        # the bank reports no funds (6.5): the head may send the document to the bailiffs
        self.assert_json(self.action(r, "other", "2025-05-27", bank_found_no_funds=True,
                                     outcome="Банк вернул исполнительный лист: средств нет"), 201)
        self.moves(r, "enforcement_decision", "2025-05-28", "enforcement_bailiffs", target="bailiffs")
        self.assert_json(self.action(r, "enforcement_sent", "2025-05-29", target="bailiffs"), 201)
        self.assert_json(self.action(r, "appeal", "2025-06-10", outcome="Жалоба на бездействие пристава"), 201)
        got = self.fetch(r)
        self.assertEqual((got["status"], got["status_since"]), ("enforcement_bailiffs", "2025-05-28"))
        acts = self.assert_json(self.get(f"/v1/collection-actions?receivable_id={r['id']}&limit=500"), 200)["items"]
        self.assertEqual(len(acts), 12)
        self.assertTrue(all(a["organization_id"] == self.K for a in acts))

    def test_claim_waived(self):
        """4.4: where the contract provides for no claim, court 30 days after the debt became overdue."""
        r = self.receivable(claim_waived=True)
        with self.unchanged():
            # overdue since 1 February; 30 days run to 3 March
            self.refused(self.action(r, "memo", "2025-03-03"), R_MEMO_NO_CLAIM)
        self.moves(r, "memo", "2025-03-04", "memo")
        self.moves(r, "court_decision", "2025-03-05", "court_decision")
        # early: no claim and so no voluntary period to wait for
        self.moves(r, "lawsuit", "2025-03-06", "lawsuit_filed")

    def test_action_refusals(self):
        today = samara_today()
        r = self.receivable()
        with self.unchanged():
            self.assert_field_error(self.action(r, "claim", (today + datetime.timedelta(days=1)).isoformat()),
                                    "done_on", "invalid")
            self.assert_field_error(self.as_("officer", "POST", "/v1/collection-actions", {
                "receivable_id": r["id"], "kind": "claim", "done_on": "2025-02-10",
                "responsible_employee_id": self.emp["O"]}), "responsible_employee_id", "reference")
            self.assert_field_error(self.action(r, "claim", "2025-02-10", responsible_employee_id=self.emp["O"]),
                                    "responsible_employee_id", "invalid")
            self.assert_field_error(self.action(r, "claim", "2025-02-10", responsible_employee_id=None),
                                    "responsible_employee_id", "required")
            self.assert_field_error(self.action(r, "claim", "2025-02-10", organization_id=self.K),
                                    "organization_id", "read_only")
            self.assert_field_error(self.action({"id": str(uuid.uuid4())}, "claim", "2025-02-10"),
                                    "receivable_id", "reference")
            # not before the debt was overdue: the last step so far is its first overdue day
            self.assert_field_error(self.action(r, "claim", "2025-01-31"), "done_on", "invalid")
        # the first step on a receivable still current but past due starts from overdue
        cur = self.receivable(arose_on=today.isoformat(), due_date=today.isoformat())
        self.db.query(f"UPDATE receivables SET due_date = '2025-01-31', arose_on = '2025-01-01' "
                      f"WHERE id = {sql_literal(cur['id'])}")
        self.moves(cur, "claim", "2025-02-10", "claim_sent")
        # nothing moves a closed one
        self.assert_json(self.pay(r, "1000.00"), 201)
        with self.unchanged():
            self.refused(self.action(r, "claim", "2025-03-01"), NO_STEP)
        self.assert_json(self.action(r, "other", "2025-03-01", outcome="Оплачено"), 201)

    def test_action_patch_and_no_delete(self):
        r = self.receivable()
        a = self.assert_json(self.action(r, "claim", "2025-02-10"), 201)
        path = f"/v1/collection-actions/{a['id']}"
        got = self.assert_json(self.patch(path, {"document_number": "01-23/145", "outcome": "Вручено 12.02.2025",
                                                 "responsible_employee_id": self.emp["K1"]}), 200)
        self.assertEqual((got["document_number"], got["version"]), ("01-23/145", 2))
        other = self.receivable()
        with self.unchanged():
            for body, field in (({"kind": "memo"}, "kind"), ({"done_on": "2025-02-11"}, "done_on"),
                                ({"receivable_id": other["id"]}, "receivable_id"),
                                ({"target": "bank"}, "target")):
                self.assert_field_error(self.patch(path, body), field, "invalid")
            self.assert_field_error(self.as_("officer", "PATCH", path, {"responsible_employee_id": self.emp["O"]}),
                                    "responsible_employee_id", "reference")
            self.assert_field_error(self.patch(path, {"receivable_id": str(uuid.uuid4())}), "receivable_id",
                                    "reference")
            self.assert_problem(self.delete(path), 405)

    def test_actions_audit_the_receivable(self):
        r = self.receivable()
        resp = self.action(r, "claim", "2025-02-10")
        self.assert_json(resp, 201)
        rid = resp.headers["x-request-id"]
        rows = self.db.rows("SELECT entity, action, before->>'status', after->>'status', after->>'version' "
                            f"FROM audit_events WHERE request_id = {sql_literal(rid)} ORDER BY entity")
        self.assertEqual(rows, [["collection-actions", "create", "", "", "1"],
                                ["receivables", "update", "overdue", "claim_sent", "2"]])


class Payments(ReceivablesBase):

    def test_payments_reduce_the_balance(self):
        r = self.receivable(penalties="50.00")
        p = self.assert_json(self.pay(r, "300"), 201)
        self.assertEqual((p["amount"], p["organization_id"], p["currency"]), ("300.00", self.K, "RUB"))
        got = self.fetch(r)
        self.assertEqual((got["paid_amount"], got["balance"], got["status"], got["version"]),
                         ("300.00", "750.00", "overdue", 2))
        with self.unchanged():
            self.refused(self.pay(r, "750.01"),
                             "4.5, 5.6: a payment settles what is owed and no more: the balance still owed is "
                             "750.00 RUB.")
            self.assert_field_error(self.pay(r, "0.00"), "amount", "invalid")
            self.assert_field_error(self.pay(r, "-5.00"), "amount", "format")
            self.assert_field_error(self.pay(r, "5.00", currency="EUR"), "currency", "invalid")
            self.assert_field_error(self.pay(r, "5.00", paid_on=(samara_today() + datetime.timedelta(days=1))
                                             .isoformat()), "paid_on", "invalid")
            self.assert_field_error(self.pay(r, "5.00", organization_id=self.K), "organization_id", "read_only")
            self.assert_field_errors(self.pay(r, "0.00", currency="EUR"), {"amount": "invalid", "currency": "invalid"})
        self.assert_json(self.pay(r, "700.00", paid_on="2025-03-01"), 201)
        # the payment that brings the balance to zero closes the receivable, as of its day
        last = self.pay(r, "50.00", paid_on="2025-02-20")
        self.assert_json(last, 201)
        got = self.fetch(r)
        self.assertEqual((got["paid_amount"], got["balance"], got["status"], got["status_since"]),
                         ("1050.00", "0.00", "paid", "2025-03-01"))
        rows = self.db.rows("SELECT entity, action, after->>'status' FROM audit_events WHERE request_id = "
                            f"{sql_literal(last.headers['x-request-id'])} ORDER BY entity")
        self.assertEqual(rows, [["payments", "create", ""], ["receivables", "update", "paid"]])
        with self.unchanged():
            self.refused(self.pay(r, "0.01"), "4.5, 5.6: a payment settles what is owed and no more: the balance "
                                              "still owed is 0.00 RUB.")
            pid = p["id"]
            self.assert_problem(self.patch(f"/v1/payments/{pid}", {"document": "x"}), 405)
            self.assert_problem(self.delete(f"/v1/payments/{pid}"), 405)
            self.assert_problem(self.delete(f"/v1/receivables/{r['id']}"), 409)
        # the application's database role may not change a payment either
        self.assertEqual(self.db.scalar("SELECT has_table_privilege('probity_app', 'payments', 'UPDATE')"), "f")
        self.assertEqual(self.db.scalar("SELECT has_table_privilege('probity_app', 'payments', 'DELETE')"), "f")

    def test_installment_plans(self):
        r = self.receivable(principal="900.00", penalties="100.00")
        body = {"receivable_id": r["id"], "granted_on": "2025-03-01", "decision_document": "Распоряжение № 301-р",
                "lines": [{"due_on": "2025-04-01", "amount": "400"},
                          {"due_on": "2025-05-01", "amount": "600.5", "interest": "3"}]}
        with self.unchanged():
            self.assert_field_error(self.post("/v1/installment-plans", body), "lines", "invalid")
            bad = dict(body, lines=[{"due_on": "2025-05-01", "amount": "500"}, {"due_on": "2025-05-01", "amount": "500"}])
            self.assert_field_error(self.post("/v1/installment-plans", bad), "lines[1].due_on", "invalid")
            bad = dict(body, lines=[{"due_on": "2025-02-01", "amount": "1000"}])
            self.assert_field_error(self.post("/v1/installment-plans", bad), "lines[0].due_on", "invalid")
            bad = dict(body, lines=[{"due_on": "2025-04-01", "amount": "0"}, {"due_on": "2025-05-01", "amount": "1000"}])
            self.assert_field_error(self.post("/v1/installment-plans", bad), "lines[0].amount", "invalid")
            self.assert_field_error(self.post("/v1/installment-plans", dict(body, lines=[])), "lines", "too_few_items")
            self.assert_field_error(self.post("/v1/installment-plans", dict(body, lines=[
                {"due_on": "2025-04-01", "amount": "1000", "rate": "1"}])), "lines[0].rate", "unknown_field")
            self.assert_field_errors(self.post("/v1/installment-plans", dict(body, granted_on=(
                samara_today() + datetime.timedelta(days=1)).isoformat())),
                {"granted_on": "invalid", "lines[0].due_on": "invalid"})
        body["lines"][1]["amount"] = "600"
        plan = self.assert_json(self.post("/v1/installment-plans", body), 201)
        self.assertEqual(plan["organization_id"], self.K)
        self.assertEqual(sorted((x["due_on"], x["amount"], x["interest"]) for x in plan["lines"]),
                         [("2025-04-01", "400.00", "0.00"), ("2025-05-01", "600.00", "3.00")])
        self.assert_json(self.pay(r, "400.00", paid_on="2025-04-01"), 201)
        # what was granted stays as granted; a new schedule covers what is owed now
        self.assert_json(self.patch(f"/v1/installment-plans/{plan['id']}", {"decision_document": "№ 301-р от 01.03"}),
                         200)
        with self.unchanged():
            moved = [dict(x, due_on=d) for x, d in zip(body["lines"], ("2025-06-01", "2025-07-01"))]
            self.assert_field_error(self.patch(f"/v1/installment-plans/{plan['id']}", {"lines": moved}),
                                    "lines", "invalid")
        got = self.assert_json(self.patch(f"/v1/installment-plans/{plan['id']}",
                                          {"lines": [{"due_on": "2025-06-01", "amount": "600.00"}]}), 200)
        self.assertEqual(len(got["lines"]), 1)
        r2 = self.delete(f"/v1/installment-plans/{plan['id']}")
        self.assertEqual(r2.status, 204, r2)


class Permissions(ReceivablesBase):

    def test_integration_posts_receivables_and_payments_in_its_subtree(self):
        r = self.as_("integration", "POST", "/v1/receivables",
                     self.receivable_body(org=self.K1, debtor_id=self.debtor["K1"], responsible_employee_id=None))
        rcv = self.assert_json(r, 201)
        self.assertEqual(rcv["status"], "overdue")
        body = {"receivable_id": rcv["id"], "paid_on": "2025-02-15", "amount": "100.00", "currency": "RUB",
                "document": "п/п № 1"}
        self.assert_json(self.as_("integration", "POST", "/v1/payments", body), 201)
        outside = self.receivable(org=self.O, debtor_id=self.debtor["O"], responsible_employee_id=self.emp["O"])
        with self.unchanged():
            self.assert_problem(self.as_("integration", "POST", "/v1/receivables",
                                         self.receivable_body(org=self.O, debtor_id=self.debtor["O"],
                                                              responsible_employee_id=None)), 403)
            # a receivable it may not see is one that does not exist
            self.assert_field_error(self.as_("integration", "POST", "/v1/payments",
                                             dict(body, receivable_id=outside["id"])), "receivable_id", "reference")
            for method, path, b in (("PATCH", f"/v1/receivables/{rcv['id']}", {"basis_document": "x"}),
                                    ("DELETE", f"/v1/receivables/{rcv['id']}", None),
                                    ("POST", "/v1/collection-actions", {"receivable_id": rcv["id"], "kind": "claim",
                                                                       "done_on": "2025-02-10",
                                                                       "responsible_employee_id": self.emp["K"]}),
                                    ("POST", "/v1/installment-plans", {"receivable_id": rcv["id"]}),
                                    ("POST", "/v1/debtors", {"organization_id": self.K})):
                with self.subTest(method=method, path=path):
                    self.assert_problem(self.as_("integration", method, path, b), 403)
        # it reads what it may
        page = self.assert_json(self.as_("integration", "GET", "/v1/receivables?limit=500"), 200)
        ids = {x["id"] for x in page["items"]}
        self.assertIn(rcv["id"], ids)
        self.assertNotIn(outside["id"], ids)

    def test_subtree_scoping(self):
        mine = self.receivable(org=self.K1, debtor_id=self.debtor["K1"], responsible_employee_id=self.emp["K1"])
        parent = self.receivable()
        pay = self.assert_json(self.pay(parent, "1.00"), 201)
        act = self.assert_json(self.action(parent, "claim", "2025-02-10"), 201)
        for entity, rid in (("receivables", parent["id"]), ("payments", pay["id"]),
                            ("collection-actions", act["id"]), ("debtors", self.debtor["K"])):
            with self.subTest(entity=entity):
                self.assert_problem(self.as_("officer@K1", "GET", f"/v1/{entity}/{rid}"), 404)
                self.assert_json(self.as_("viewer", "GET", f"/v1/{entity}/{rid}"), 200)
        page = self.assert_json(self.as_("officer@K1", "GET", "/v1/receivables?limit=500"), 200)
        self.assertEqual({x["id"] for x in page["items"]},
                         set(self.db.column(f"SELECT id FROM receivables WHERE organization_id = "
                                            f"{sql_literal(self.K1)}")))
        self.assertIn(mine["id"], {x["id"] for x in page["items"]})
        with self.unchanged():
            self.assert_problem(self.as_("officer@K1", "PATCH", f"/v1/receivables/{parent['id']}",
                                         {"basis_document": "x"}), 403)
            self.assert_field_error(self.as_("officer@K1", "POST", "/v1/payments", {
                "receivable_id": parent["id"], "paid_on": "2025-02-15", "amount": "1.00", "currency": "RUB",
                "document": "x"}), "receivable_id", "reference")
            self.assert_field_error(self.as_("officer@K1", "POST", "/v1/receivables",
                                             self.receivable_body(org=self.K1, debtor_id=self.debtor["K"],
                                                                  responsible_employee_id=None)),
                                    "debtor_id", "reference")
            self.assert_problem(self.as_("viewer", "POST", "/v1/receivables", self.receivable_body()), 403)
            self.assert_problem(self.as_("viewer", "POST", "/v1/payments", {"receivable_id": parent["id"]}), 403)
        # an officer of the subtree writes in it
        self.assert_json(self.as_("officer", "POST", "/v1/collection-actions", {
            "receivable_id": mine["id"], "kind": "claim", "done_on": "2025-02-10",
            "responsible_employee_id": self.emp["K1"]}), 201)


if __name__ == "__main__":
    unittest.main()
