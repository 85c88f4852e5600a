"""Seed 004's two reports as scheduler jobs (issue 5), computed by hand for a
small ledger and compared cell by cell: the quarterly inventory of
settlements with debtors (Appendix 2), run on the first working day after
the quarter on the administrator's calendar, and the report as of December
25 on the measures taken (Appendix 3). Each runs once per (period,
administrator), is mailed to the responsible officer (the year report to
the head of the officer's unit, where one is known), and stays as it was
made when payments arrive later.

The ledger of the administrator (Europe/Samara, UTC+4; amounts in RUB):
  R1  ООО «Ромашка», 111…, arose 2025-10-01, due 2025-11-01, 100000 + 5000 penalties;
      paid 5000 (2025-12-10), 20000 (2026-03-15), 30000 (2026-08-01), 10000 (2026-10-05);
      claim П-1 2025-11-20, lawsuit И-1 2026-02-10, enforcement document ИД-1 sent 2026-06-01
  R2  Иванов И. И. (bankrupt), 116…, arose 2026-02-01, due 2026-03-01, 8000 + 2000 fines;
      claim П-7 2026-04-01
  R3  ООО «Вектор» (enforcement proceedings), 111…, arose 2022-01-10, due 2022-02-10, 40000;
      paid 4000 (2026-07-20); claim П-0 2022-03-01
  R4  ООО «Ромашка», 116…, arose 2026-10-10, due 2026-11-10, 7000
  R5  ООО «Ромашка», 111…, arose 2025-01-01, due 2025-02-01, 3000; paid 3000 (2025-06-01)"""

import email
import email.policy
import json
import logging
import secrets
import tempfile
import time

from probity_harness import Server, app_url, run_probityd, server_env, sql_literal, stop_and_check
from test_scheduler import SchedulerBase, clock_env

ADMIN_CODE = "RU-KEZ-T"
RENT, FINES = "11100000000000000", "11600000000000000"


class CollectionReports(SchedulerBase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_ru_new_year(cls.server)
        for code, name in ((RENT, "Доходы от использования имущества"), (FINES, "Штрафы, санкции, возмещение ущерба")):
            cls.db.query(f"INSERT INTO income_codes (code, name, jurisdiction) VALUES ('{code}', '{name}', 'RU')")

    def ledger(self):
        tag = secrets.token_hex(3)
        org = self.create("organizations", {
            "name": "Администрация " + tag, "code": ADMIN_CODE + "-" + tag, "kind": "municipal_administration",
            "jurisdiction": "RU", "timezone": "Europe/Samara", "locale": "ru", "currency": "RUB",
            "contact_emails": [f"adm-{tag}@kez.example.ru"]})
        officer = self.create("employees", {"organization_id": org["id"], "full_name": "Петрова А. В.",
                                            "email": f"officer-{tag}@kez.example.ru"})
        o, e = sql_literal(org["id"]), sql_literal(officer["id"])

        def debtor(name, kind="legal", bankrupt=False, enforcement=False):
            since = "'2026-05-01'" if bankrupt else "NULL"
            return self.db.scalar(
                "INSERT INTO debtors (organization_id, kind, name, registered_address, locale, bankrupt,"
                f" bankrupt_since, enforcement_proceedings) VALUES ({o}, '{kind}', {sql_literal(name)},"
                f" 'Кез, ул. Кирова, 1', 'ru', {bankrupt}, {since}, {enforcement}) RETURNING id")

        def receivable(debtor_id, code, arose, due, principal, penalties="0", fines="0", paid="0",
                       status="overdue", responsible="NULL"):
            return self.db.scalar(
                "INSERT INTO receivables (organization_id, debtor_id, income_code_id, basis_document, basis_date,"
                " arose_on, due_date, principal, penalties, fines, currency, paid_amount, status, status_since,"
                f" payment_details, responsible_employee_id) VALUES ({o}, '{debtor_id}',"
                f" (SELECT id FROM income_codes WHERE code = '{code}'), 'Договор аренды № 5', '{arose}',"
                f" '{arose}', '{due}', {principal}, {penalties}, {fines}, 'RUB', {paid}, '{status}', '{due}',"
                f" 'УФК по Удмуртской Республике', {responsible}) RETURNING id")

        def pay(rec, day, amount):
            self.db.query("INSERT INTO payments (receivable_id, organization_id, paid_on, amount, currency,"
                          f" document) VALUES ('{rec}', {o}, '{day}', {amount}, 'RUB', 'п/п {day}')")

        def act(rec, kind, day, number, target="NULL"):
            self.db.query("INSERT INTO collection_actions (receivable_id, organization_id, kind, target, done_on,"
                          f" document_number, responsible_employee_id) VALUES ('{rec}', {o}, '{kind}', {target},"
                          f" '{day}', '{number}', {e})")

        romashka, ivanov, vektor = debtor("ООО «Ромашка»"), debtor("Иванов И. И.", "natural", bankrupt=True), \
            debtor("ООО «Вектор»", enforcement=True)
        r1 = receivable(romashka, RENT, "2025-10-01", "2025-11-01", 100000, penalties=5000, paid=65000,
                        status="enforcement_bailiffs", responsible=e)
        for day, amount in (("2025-12-10", 5000), ("2026-03-15", 20000), ("2026-08-01", 30000), ("2026-10-05", 10000)):
            pay(r1, day, amount)
        act(r1, "claim", "2025-11-20", "П-1")
        act(r1, "lawsuit", "2026-02-10", "И-1")
        act(r1, "enforcement_sent", "2026-06-01", "ИД-1", "'bailiffs'")
        r2 = receivable(ivanov, FINES, "2026-02-01", "2026-03-01", 8000, fines=2000, status="claim_sent")
        act(r2, "claim", "2026-04-01", "П-7")
        r3 = receivable(vektor, RENT, "2022-01-10", "2022-02-10", 40000, paid=4000, status="claim_sent")
        pay(r3, "2026-07-20", 4000)
        act(r3, "claim", "2022-03-01", "П-0")
        receivable(romashka, FINES, "2026-10-10", "2026-11-10", 7000, status="current")
        r5 = receivable(romashka, RENT, "2025-01-01", "2025-02-01", 3000, paid=3000, status="paid")
        pay(r5, "2025-06-01", 3000)
        return org, officer, r2

    def report(self, kind, period, org):
        r = self.get(f"/v1/reports?kind={kind}&period={period}&organization_id={org['id']}")
        self.assert_json(r, 200)
        self.assertEqual(len(r.json["items"]), 1, r.json)
        return r.json["items"][0]

    def test_quarterly_inventory_appendix_2(self):
        org, officer, _ = self.ledger()
        code = org["code"]
        # 1 October 2026 is a Thursday: 09:00 in Samara is 05:00Z.
        self.jobs_run("2026-10-01T06:00:00Z", PROBITY_JOB_LOOKBACK_DAYS=1)
        run = self.db.rows(f"SELECT period, due_at::text, status FROM job_runs WHERE kind = 'receivables_inventory'"
                           f" AND organization_id = {sql_literal(org['id'])}")
        self.assertEqual(run, [["2026-Q3", "2026-10-01 05:00:00+00", "done"]])
        rep = self.report("receivables_inventory", "2026-Q3", org)
        self.assertEqual([c["heading"] for c in rep["columns"]][:8], [
            "Код главного администратора доходов бюджета", "Код в соответствии с бюджетной классификацией",
            "Наименование дебитора (кредитора)", "Дата возникновения задолженности",
            "Сумма задолженности на начало года, рублей",
            "Сумма задолженности на конец отчетного периода нарастающим итогом с начала года, рублей",
            "Динамика задолженности в абсолютной сумме (гр.6-гр.5)",
            "Динамика задолженности в коэффициентах (гр.6/гр.5)"])
        self.assertEqual(rep["rows"], [
            [code, RENT, "ООО «Вектор»", "2022-01-10", "40000.00", "36000.00", "-4000.00", "0.9000",
             "исполнительное производство", "да"],
            [code, RENT, "ООО «Ромашка»", "2025-10-01", "100000.00", "50000.00", "-50000.00", "0.5000", None, None],
            [code, FINES, "Иванов И. И.", "2026-02-01", "0.00", "10000.00", "10000.00", None, "банкротство", "да"],
        ])
        self.assertEqual(rep["summary"], {"debt_start": "140000.00", "debt_end": "96000.00", "change": "-44000.00",
                                          "receivables": 3, "doubtful_candidates": 2,
                                          "doubtful_debtors": ["ООО «Вектор»", "Иванов И. И."]})
        # Mailed to the responsible officer, not to the organization's address.
        mails = json.loads(self.db.scalar(
            "SELECT json_agg(json_build_array(recipient, body_text)) FROM notifications WHERE organization_id = "
            f"{sql_literal(org['id'])} AND template = 'receivables_inventory'"))
        self.assertEqual([m[0] for m in mails], [officer["email"]])
        self.assertIn(rep["id"], mails[0][1])
        self.assertIn("ООО «Ромашка»: 50000.00", mails[0][1])

    def test_inventory_waits_for_the_first_working_day_after_new_year(self):
        org, _, _ = self.ledger()
        # 1 January 2027 falls in the holidays of 1-8 January: Monday the 11th is the first working day.
        self.jobs_run("2027-01-09T06:00:00Z", PROBITY_JOB_LOOKBACK_DAYS=10)
        self.assertEqual(self.db.rows(f"SELECT 1 FROM job_runs WHERE kind = 'receivables_inventory' AND period = "
                                      f"'2026-Q4' AND organization_id = {sql_literal(org['id'])}"), [])
        self.jobs_run("2027-01-11T06:00:00Z", PROBITY_JOB_LOOKBACK_DAYS=10)
        self.assertEqual(self.db.rows(f"SELECT due_at::text, status FROM job_runs WHERE kind = 'receivables_inventory'"
                                      f" AND period = '2026-Q4' AND organization_id = {sql_literal(org['id'])}"),
                         [["2027-01-11 05:00:00+00", "done"]])

    def test_inventory_and_year_report_times_are_set_per_deployment(self):
        org, _, _ = self.ledger()
        where = f"organization_id = {sql_literal(org['id'])}"
        # PROBITY_INVENTORY_AT=14:30: not yet at 14:00 in Samara (10:00Z) on 1 October, run by 10:30Z.
        self.jobs_run("2026-10-01T10:00:00Z", PROBITY_JOB_LOOKBACK_DAYS=1, PROBITY_INVENTORY_AT="14:30")
        self.assertEqual(self.db.rows(f"SELECT 1 FROM job_runs WHERE kind = 'receivables_inventory' AND {where}"), [])
        self.jobs_run("2026-10-01T10:31:00Z", PROBITY_JOB_LOOKBACK_DAYS=1, PROBITY_INVENTORY_AT="14:30")
        self.assertEqual(self.db.rows(f"SELECT period, due_at::text FROM job_runs WHERE kind = 'receivables_inventory'"
                                      f" AND {where}"), [["2026-Q3", "2026-10-01 10:30:00+00"]])
        # PROBITY_YEAR_REPORT_AT=12-20 08:15: 04:15Z in Samara.
        self.jobs_run("2026-12-20T05:00:00Z", PROBITY_JOB_LOOKBACK_DAYS=1, PROBITY_YEAR_REPORT_AT="12-20 08:15")
        self.assertEqual(self.db.rows(f"SELECT period, due_at::text FROM job_runs WHERE kind = 'receivables_year_report'"
                                      f" AND {where}"), [["2026", "2026-12-20 04:15:00+00"]])
        r = self.get("/v1/jobs")
        self.assert_json(r, 200)
        year = next(k for k in r.json["items"] if k["kind"] == "receivables_year_report")
        self.assertEqual((year["month"], year["day"], year["hour"]), (12, 25, 9))   # this server: the defaults
        # Values that are not a time, or not a day every year has, stop the process with the reason.
        for name, value in (("PROBITY_INVENTORY_AT", "9:00"), ("PROBITY_INVENTORY_AT", "24:00"),
                            ("PROBITY_YEAR_REPORT_AT", "02-30 09:00"), ("PROBITY_YEAR_REPORT_AT", "12-25"),
                            ("PROBITY_YEAR_REPORT_AT", "12-25 09:00x")):
            env = server_env(app_url(self.db.url), extra=clock_env("2026-12-20T05:00:00Z", **{name: value}))
            cp = run_probityd(["jobs", "run"], env)
            self.assertNotEqual(cp.returncode, 0, (name, value))
            self.assertIn(name, cp.stderr.decode(), (name, value))

    def test_year_report_appendix_3_as_of_december_25(self):
        org, officer, r2 = self.ledger()
        code = org["code"]
        # 25 December 2026, 09:00 in Samara.
        self.jobs_run("2026-12-25T06:00:00Z", PROBITY_JOB_LOOKBACK_DAYS=1)
        rep = self.report("receivables_year_report", "2026", org)
        self.assertEqual([c["heading"] for c in rep["columns"]], [
            "Код главного администратора доходов бюджета", "Код доходов в соответствии с бюджетной классификацией",
            "Сумма задолженности, рублей", "Сумма погашения в результате принятых мер, рублей", "Принятые меры"])
        self.assertEqual(rep["rows"], [
            [code, RENT, "76000.00", "64000.00", "иски: 1 (И-1); исполнительные документы: 1 (ИД-1)"],
            [code, FINES, "17000.00", "0.00", "претензии: 1 (П-7)"],
        ])
        self.assertEqual(rep["summary"], {"debt": "93000.00", "recovered": "64000.00", "claims": 1, "lawsuits": 1,
                                          "enforcement": 1})
        self.assertEqual(rep["columns"][2]["type"], "money")
        mails = self.db.column(f"SELECT recipient FROM notifications WHERE organization_id = {sql_literal(org['id'])}"
                               " AND template = 'receivables_year_report'")
        self.assertEqual(mails, [officer["email"]])
        # A payment after December 25, and another pass: the stored report stays as it was, once.
        self.db.query(f"INSERT INTO payments (receivable_id, organization_id, paid_on, amount, currency, document)"
                      f" VALUES ('{r2}', {sql_literal(org['id'])}, '2026-12-28', 1000, 'RUB', 'п/п 99')")
        self.jobs_run("2026-12-28T06:00:00Z", PROBITY_JOB_LOOKBACK_DAYS=5)
        self.assertEqual(self.report("receivables_year_report", "2026", org), rep)
        self.assertEqual(self.db.scalar(f"SELECT count(*) FROM job_runs WHERE kind = 'receivables_year_report' AND "
                                        f"organization_id = {sql_literal(org['id'])}"), "1")
        out = self.jobs_run("2026-12-28T07:00:00Z", "receivables_year_report", "--period", "2026", "--org", org["id"])
        self.assertIn("planned 0 new runs", out)
        # The XLSX has the amounts as numbers.
        x = self.get(f"/v1/reports/{rep['id']}?format=xlsx")
        self.assertEqual(x.status, 200, x)

    def test_year_report_goes_to_the_head_of_the_executing_unit(self):
        """3.5: the responsible officer reports to the head of the executing
        unit. The officer's unit has a head: the report goes to that head
        alone, not to the officer, a colleague, the head of another unit, or
        the head of a unit of the same name in another organization. The
        quarterly inventory still goes to the responsible officer (3.2)."""
        org, officer, _ = self.ledger()
        tag = secrets.token_hex(3)
        unit = "Отдел доходов"
        r = self.patch(f"/v1/employees/{officer['id']}", {"unit": unit})
        self.assert_json(r, 200)
        self.assertFalse(r.json["unit_head"])

        def employee(org_id, name, unit_name, head):
            return self.create("employees", {"organization_id": org_id, "full_name": name, "unit": unit_name,
                                             "unit_head": head, "email": f"{name.split()[0].lower()}-{tag}@kez.example.ru"})
        head = employee(org["id"], "Head Волкова Т. М.", unit, True)
        self.assertTrue(head["unit_head"])
        employee(org["id"], "Colleague Шкляева М. В.", unit, False)
        employee(org["id"], "Culture Бегишева Л. Н.", "Отдел культуры", True)
        # Another administration with a head of its own "Отдел доходов", and a
        # receivable nobody answers for: its report goes to its contact address.
        other = self.create("organizations", {
            "name": "Управление образования " + tag, "parent_id": org["id"], "kind": "authority",
            "jurisdiction": "RU", "timezone": "Europe/Samara", "locale": "ru", "currency": "RUB",
            "contact_emails": [f"edu-{tag}@kez.example.ru"]})
        employee(other["id"], "Stranger Корепанов А. Н.", unit, True)
        o = sql_literal(other["id"])
        debtor = self.db.scalar("INSERT INTO debtors (organization_id, kind, name, registered_address, locale)"
                                f" VALUES ({o}, 'legal', 'ООО «Школа»', 'Кез', 'ru') RETURNING id")
        self.db.query("INSERT INTO receivables (organization_id, debtor_id, income_code_id, basis_document,"
                      " basis_date, arose_on, due_date, principal, currency, status, status_since, payment_details)"
                      f" VALUES ({o}, '{debtor}', (SELECT id FROM income_codes WHERE code = '{RENT}'), 'Договор № 1',"
                      " '2026-01-10', '2026-01-10', '2026-02-10', 1000, 'RUB', 'overdue', '2026-02-11', 'УФК')")

        self.jobs_run("2026-12-25T06:00:00Z", PROBITY_JOB_LOOKBACK_DAYS=1)

        def mails(o_id, template):
            return self.db.column(f"SELECT recipient FROM notifications WHERE organization_id = {sql_literal(o_id)}"
                                  f" AND template = '{template}' ORDER BY recipient")
        self.assertEqual(mails(org["id"], "receivables_year_report"), [head["email"]])
        self.assertEqual(mails(other["id"], "receivables_year_report"), other["contact_emails"])
        self.jobs_run("2026-10-01T06:00:00Z", PROBITY_JOB_LOOKBACK_DAYS=1)
        self.assertEqual(mails(org["id"], "receivables_inventory"), [officer["email"]])

    def test_planning_by_hand_takes_the_rules_periods(self):
        org, _, _ = self.ledger()
        for kind, period, code in (("receivables_year_report", "2026-Q4", "invalid"),
                                   ("receivables_inventory", "2026", "invalid"),
                                   ("receivables_inventory", "2099-Q1", "not_due"),
                                   ("receivables_year_report", "2099", "not_due")):
            with self.subTest(kind=kind, period=period), self.unchanged():
                r = self.post(f"/v1/jobs/{kind}/runs", {"period": period, "organization_id": org["id"]})
                self.assert_field_error(r, "period", code)

    def test_year_report_runs_once_in_the_scheduler_and_reaches_the_mail_server(self):
        from aiosmtpd.controller import Controller
        from test_smtp_sender import Sink, free_port
        logging.getLogger("mail.log").setLevel(logging.CRITICAL)
        org, officer, _ = self.ledger()
        oid = sql_literal(org["id"])
        with tempfile.TemporaryDirectory() as folder:
            sink = Sink(folder)
            smtp = Controller(sink, hostname="127.0.0.1", port=free_port())
            smtp.start()
            # Two instances on December 25: one run, one report, one mail.
            env = clock_env("2026-12-25T06:00:00Z", PROBITY_JOB_LOOKBACK_DAYS=1, PROBITY_MAIL_BACKOFF=1,
                            PROBITY_SMTP_URL=f"smtp://127.0.0.1:{smtp.port}",
                            PROBITY_MAIL_FROM="Probity <noreply@probity.example>")
            servers = [Server(self.db.url, dict(env, PROBITY_INSTANCE=f"i{i}")).start() for i in range(2)]
            try:
                deadline, rows = time.monotonic() + 30, []
                while time.monotonic() < deadline:
                    rows = self.db.rows(f"SELECT status FROM notifications WHERE organization_id = {oid}"
                                        " AND template = 'receivables_year_report'")
                    if rows == [["sent"]]:
                        break
                    time.sleep(0.1)
                self.assertEqual(rows, [["sent"]])
            finally:
                problems = [p for srv in servers for p in stop_and_check(srv)]
                smtp.stop()
            self.assertEqual(problems, [])
            self.assertEqual(self.db.scalar(f"SELECT count(*) FROM reports WHERE organization_id = {oid}"), "1")
            mine = [m for m in sink.saved if m[1].rcpt_tos == [officer["email"]]]
            self.assertEqual(len(mine), 1)
            with open(mine[0][0], "rb") as f:
                msg = email.message_from_bytes(f.read(), policy=email.policy.default)
            self.assertIn("Сводный отчет о мерах", msg["Subject"])
            self.assertIn("11100000000000000: 76000.00 / 64000.00", msg.get_body(("plain",)).get_content())
