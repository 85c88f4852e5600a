"""The overdue sweep (seed 004, 4.2; storage/collection_sweep.c): at every
planning pass the scheduler makes overdue each current receivable with
something still owed once its administrator's local day is past the due
date, as of the day after the due date, and audits the move in the same
statement. The passes run with `probityd jobs run` on a set clock, and once
with two scheduler instances at the same time.

Receivables fall due on 2026-11-30. Ulaanbaatar is UTC+8: 2026-11-30T15:00Z
is 23:00 there on the 30th, 16:00Z is midnight of 1 December. Samara is
UTC+4: at 16:00Z it is still 20:00 on the 30th. The API server runs on
2026-11-20, when every one of them is still current."""

import secrets
import time

from probity_harness import Server, sql_literal, stop_and_check
from test_scheduler import ANCHOR, SchedulerBase, clock_env

LAST_EVENING = "2026-11-30T15:00:00Z"   # 23:00 in Ulaanbaatar, 19:00 in Samara
MIDNIGHT_UB = "2026-11-30T16:00:00Z"    # 00:00 on 1 December in Ulaanbaatar, 20:00 in Samara
LATE = "2026-12-05T00:00:00Z"           # a pass days late, e.g. after an outage


class OverdueSweep(SchedulerBase):
    SERVER_ENV = {"PROBITY_ENV": "test", "PROBITY_CLOCK": "2026-11-20T00:00:00Z",
                  "PROBITY_CLOCK_ANCHOR": ANCHOR, "PROBITY_SCHEDULER": "0"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for jur, name in (("MN", "Төрийн өмчийн орлого"), ("RU", "Доходы от использования имущества")):
            cls.db.query("INSERT INTO income_codes (code, name, jurisdiction) VALUES"
                         f" ('11100000000000000', {sql_literal(name)}, '{jur}')")

    def administrator(self, zone):
        tag = secrets.token_hex(3)
        mn = zone == "Asia/Ulaanbaatar"
        org = self.create("organizations", {
            "name": ("Хан-Уул " if mn else "Администрация ") + tag, "kind": "district_administration",
            "jurisdiction": "MN" if mn else "RU", "timezone": zone, "locale": "mn" if mn else "ru",
            "currency": "MNT" if mn else "RUB"})
        officer = self.create("employees", {"organization_id": org["id"], "full_name": "Officer " + tag})
        debtor = self.create("debtors", {"organization_id": org["id"], "kind": "legal", "name": "Debtor " + tag,
                                         "registered_address": "1 Main St", "locale": org["locale"]})
        code = self.db.scalar("SELECT id FROM income_codes WHERE jurisdiction = "
                              f"{sql_literal(org['jurisdiction'])}")
        return {"org": org, "officer": officer, "debtor": debtor, "code": code}

    def receivable(self, a, due="2026-11-30", principal="1000.00"):
        r = self.create("receivables", {
            "organization_id": a["org"]["id"], "debtor_id": a["debtor"]["id"], "income_code_id": a["code"],
            "basis_document": "Lease " + secrets.token_hex(2), "basis_date": "2026-01-10", "arose_on": "2026-11-01",
            "due_date": due, "principal": principal, "currency": a["org"]["currency"],
            "payment_details": "account 100200300", "responsible_employee_id": a["officer"]["id"]})
        self.assertEqual((r["status"], r["status_since"]), ("current", "2026-11-20"), r)
        return r

    def imported(self, a, status, status_since, due, principal, paid):
        """A receivable written by an import (as the owner), in a status the API would not make."""
        return self.db.scalar(
            "INSERT INTO receivables (organization_id, debtor_id, income_code_id, basis_document, basis_date,"
            " arose_on, due_date, principal, currency, paid_amount, status, status_since, payment_details)"
            f" VALUES ({sql_literal(a['org']['id'])}, {sql_literal(a['debtor']['id'])}, {sql_literal(a['code'])},"
            f" 'Import', '2026-01-10', '2026-11-01', '{due}', {principal}, {sql_literal(a['org']['currency'])},"
            f" {paid}, '{status}', '{status_since}', 'account 100200300') RETURNING id")

    def row(self, rid):
        return self.db.scalar(f"SELECT to_jsonb(r)::text FROM receivables r WHERE id = {sql_literal(rid)}")

    def status(self, rid):
        return self.db.rows("SELECT status, status_since::text, version FROM receivables"
                            f" WHERE id = {sql_literal(rid)}")[0]

    def sweep_audits(self, rid):
        return self.assert_json(self.get(f"/v1/audit-events?entity_id={rid}&actor=scheduler"), 200)["items"]

    def sweep(self, clock):
        self.jobs_run(clock, PROBITY_JOB_LOOKBACK_DAYS=1)

    def test_overdue_from_the_day_after_the_due_date_in_the_administrators_zone(self):
        ub, samara = self.administrator("Asia/Ulaanbaatar"), self.administrator("Europe/Samara")
        self.create("calendars", {"jurisdiction": "MN", "name": "Mongolia"})  # for the timeline's counts
        rec = self.receivable(ub)
        rec_samara = self.receivable(samara)
        paid = self.receivable(ub, principal="500.00")
        r = self.post("/v1/payments", {"receivable_id": paid["id"], "paid_on": "2026-11-19", "amount": "500.00",
                                       "currency": "MNT", "document": "payment 1"})
        self.assert_json(r, 201)
        self.assertEqual(self.status(paid["id"])[0], "paid")
        # Nothing owed, yet current: as an import may leave it. And one already overdue.
        settled = self.imported(ub, "current", "2026-11-01", "2026-11-30", "300", "300")
        overdue = self.imported(ub, "overdue", "2026-11-15", "2026-11-14", "700", "0")
        untouched = {rid: self.row(rid) for rid in (paid["id"], settled, overdue)}

        # 23:00 on the due date in Ulaanbaatar: still current.
        self.sweep(LAST_EVENING)
        self.assertEqual(self.status(rec["id"]), ["current", "2026-11-20", "1"])
        self.assertEqual(self.sweep_audits(rec["id"]), [])

        # Midnight in Ulaanbaatar: overdue as of 1 December; Samara's day is still the 30th.
        self.sweep(MIDNIGHT_UB)
        self.assertEqual(self.status(rec["id"]), ["overdue", "2026-12-01", "2"])
        self.assertEqual(self.status(rec_samara["id"]), ["current", "2026-11-20", "1"])
        got = self.assert_json(self.get(f"/v1/receivables/{rec['id']}"), 200)
        self.assertEqual((got["status"], got["status_since"], got["status_reason"]), ("overdue", "2026-12-01", None))

        # Audited like a rule's move: the receivable before and after, as the API shows it.
        audits = self.sweep_audits(rec["id"])
        self.assertEqual(len(audits), 1, audits)
        a = audits[0]
        self.assertEqual((a["actor"], a["role"], a["action"], a["entity"], a["organization_id"], a["client_addr"]),
                         ("scheduler", "admin", "update", "receivables", ub["org"]["id"], None))
        self.assertRegex(a["request_id"], r"^overdue-sweep:2026-11-30T16:\d\d:\d\d\.\d{3}Z$")
        self.assertEqual(a["before"], rec)
        self.assertEqual(a["after"], got)

        # Paid, settled and already overdue receivables are left as they were, unaudited.
        for rid, before in untouched.items():
            self.assertEqual(self.row(rid), before, rid)
            self.assertEqual(self.sweep_audits(rid), [], rid)

        # Another pass, however late: nothing moves again; a receivable it
        # finds overdue for days is overdue from the day after its due date.
        self.sweep(LATE)
        self.assertEqual(self.status(rec["id"]), ["overdue", "2026-12-01", "2"])
        self.assertEqual(len(self.sweep_audits(rec["id"])), 1)
        self.assertEqual(self.status(rec_samara["id"]), ["overdue", "2026-12-01", "2"])
        self.assertEqual(len(self.sweep_audits(rec_samara["id"])), 1)
        for rid, before in untouched.items():
            self.assertEqual(self.row(rid), before, rid)

        # The claim is due within 30 days of becoming overdue (4.2): by 31 December.
        t = self.assert_json(self.get(f"/v1/receivables/{rec['id']}/timeline?as_of=2026-12-02"), 200)
        self.assertEqual(t["status"], "overdue")
        claim = {s["step"]: s for s in t["steps"]}["claim"]
        self.assertEqual((claim["from"], claim["deadline"], claim["done_on"], claim["state"]),
                         ("2026-12-01", "2026-12-31", None, "due"))

    def test_two_scheduler_instances_sweep_once(self):
        a = self.administrator("Asia/Ulaanbaatar")
        rec = self.receivable(a, due="2026-12-01")
        env = clock_env("2026-12-10T00:00:00Z", PROBITY_JOB_LOOKBACK_DAYS=1)
        servers = [Server(self.db.url, dict(env, PROBITY_INSTANCE=f"sweep{i}")).start() for i in range(2)]
        try:
            deadline, state = time.monotonic() + 30, None
            while time.monotonic() < deadline:
                state = self.status(rec["id"])
                if state[0] == "overdue":
                    break
                time.sleep(0.1)
            time.sleep(1)   # both instances plan every tick: a second move would show now
        finally:
            problems = [p for s in servers for p in stop_and_check(s)]
        self.assertEqual(problems, [])
        self.assertEqual(self.status(rec["id"]), ["overdue", "2026-12-02", "2"])
        self.assertEqual(len(self.sweep_audits(rec["id"])), 1)
