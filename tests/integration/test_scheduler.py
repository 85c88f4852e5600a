"""The scheduler's promises (DESIGN §2, issue 4), against real instances:
exactly one run per (kind, period, organization) however many instances
plan and claim; a stalled instance that lost its lease writes nothing; missed
runs are caught up and useless ones skipped; run moments are local wall-clock
times in every organization's zone, across DST; and the reminders say what is
missing, in the organization's language."""

import email
import email.policy
import json
import logging
import os
import signal
import tempfile
import time
import unittest

from probity_harness import (ProbityTestCase, Server, app_url, create_key, run_probityd,
                             server_env, sql_literal, stop_and_check)

MN = {"jurisdiction": "MN", "timezone": "Asia/Ulaanbaatar", "locale": "mn", "currency": "MNT"}
# 10 November 2026, 10:00 in Ulaanbaatar: the first reminder (day 10, 09:00
# local) for October is due, the second (day 14) is not.
AFTER_FIRST = "2026-11-10T02:00:00Z"


# Every process of a test shares one clock: PROBITY_CLOCK stands for this
# real instant, whenever the process starts.
ANCHOR = str(int(time.time()))


def clock_env(clock, **extra):
    env = {"PROBITY_ENV": "test", "PROBITY_CLOCK": clock, "PROBITY_CLOCK_ANCHOR": ANCHOR,
           "PROBITY_SCHEDULER": "1", "PROBITY_SCHEDULER_TICK_MS": "100", "PROBITY_JOB_PLAN_INTERVAL": "0"}
    env.update({k: str(v) for k, v in extra.items()})
    return env


class SchedulerBase(ProbityTestCase):
    START_SERVER = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        r = cls.server.request("POST", "/v1/disclosure-requirements", {
            "code": "MN-EXEC", "name": "Төсвийн гүйцэтгэл", "category": "budget_execution",
            "jurisdiction": "MN", "org_kinds": ["budget_institution"], "frequency": "monthly",
            "active_from": "2020-01-01"})
        assert r.status == 201, r
        cls.req = r.json

    def org(self, emails=1, **over):
        body = dict(MN, name="Org " + os.urandom(3).hex(), kind="budget_institution",
                    contact_emails=[f"o{os.urandom(3).hex()}-{i}@example.mn" for i in range(emails)])
        body.update(over)
        return self.create("organizations", body)

    def jobs_run(self, clock, *args, **extra):
        env = server_env(app_url(self.db.url), extra=clock_env(clock, **extra))
        cp = run_probityd(["jobs", "run", *args], env, timeout=120)
        self.assertEqual(cp.returncode, 0, cp.stderr.decode(errors="replace"))
        return cp.stdout.decode()

    def runs(self, where="true"):
        return self.db.rows(f"SELECT kind, period, organization_id, status FROM job_runs WHERE {where} "
                            f"ORDER BY kind, period, organization_id")

    def wait_done(self, where, expected, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            n = self.db.scalar(f"SELECT count(*) FROM job_runs WHERE {where} AND status IN ('done', 'skipped')")
            if int(n) >= expected:
                return
            time.sleep(0.1)
        self.fail(f"runs not finished in {timeout}s: {self.runs(where)}")


class ExactlyOnce(SchedulerBase):

    def test_three_instances_one_run_and_one_mail_each(self):
        orgs = [self.org(emails=1 + i % 2) for i in range(40)]
        ids = ",".join(sql_literal(o["id"]) for o in orgs)
        where = f"organization_id IN ({ids})"
        servers = [Server(self.db.url, clock_env(AFTER_FIRST, PROBITY_JOB_LOOKBACK_DAYS=20,
                                                 PROBITY_JOB_BATCH=7, PROBITY_INSTANCE=f"inst{i}")).start()
                   for i in range(3)]
        try:
            self.wait_done(where, 40)
            time.sleep(0.5)     # a straggler would show now
        finally:
            problems = [p for s in servers for p in stop_and_check(s)]
        self.assertEqual(problems, [])
        rows = self.db.rows(f"SELECT kind, period, count(*), count(DISTINCT organization_id), "
                            f"string_agg(DISTINCT status, ',') FROM job_runs WHERE {where} GROUP BY 1, 2")
        self.assertEqual(rows, [["disclosure_reminder_1", "2026-10", "40", "40", "done"]])
        emails = sum(len(o["contact_emails"]) for o in orgs)
        mails = self.db.rows(f"SELECT count(*), count(DISTINCT dedupe_key), count(DISTINCT message_id) "
                             f"FROM notifications WHERE {where}")
        self.assertEqual(mails, [[str(emails)] * 3])
        # The work was shared, and nobody logged an error for the expected races.
        owners = set(self.db.column(f"SELECT DISTINCT result->>'mails' FROM job_runs WHERE {where}"))
        self.assertTrue(owners <= {"1", "2"}, owners)
        for s in servers:
            errors = [l for l in s.stderr_text().splitlines() if '"level":"error"' in l]
            self.assertEqual(errors, [], s.stderr_text()[-2000:])

    def test_killed_mid_run_another_finishes_without_duplicates(self):
        # 10,000 organizations with two addresses each, inserted as the owner
        # in one statement (the API would take minutes), then an instance
        # killed with SIGKILL part way through their reminders.
        n = 10000
        self.db.query(
            "INSERT INTO organizations (name, kind, jurisdiction, timezone, locale, currency, contact_emails)"
            f" SELECT 'Bulk ' || g, 'budget_institution', 'MN', 'Asia/Ulaanbaatar', 'mn', 'MNT',"
            " jsonb_build_array('a' || g || '@bulk.example.mn', 'b' || g || '@bulk.example.mn')"
            f" FROM generate_series(1, {n}) g")
        where = "organization_id IN (SELECT id FROM organizations WHERE name LIKE 'Bulk %')"
        env = clock_env(AFTER_FIRST, PROBITY_JOB_LOOKBACK_DAYS=20, PROBITY_JOB_BATCH=200, PROBITY_JOB_LEASE=2)
        a = Server(self.db.url, dict(env, PROBITY_INSTANCE="killed")).start()
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                done = int(self.db.scalar(f"SELECT count(*) FROM job_runs WHERE {where} AND status = 'done'"))
                if done >= 1000:
                    break
                time.sleep(0.02)
            a.send_signal(signal.SIGKILL)
            a.proc.wait(10)
        finally:
            a.stop(signal.SIGKILL)
        done_at_kill = done
        self.assertLess(done_at_kill, n, "the run finished before the kill; nothing was tested")
        b = Server(self.db.url, dict(env, PROBITY_INSTANCE="survivor")).start()
        try:
            self.wait_done(where, n, timeout=120)
        finally:
            self.assertEqual(stop_and_check(b), [])
        rows = self.db.rows(f"SELECT count(*), count(DISTINCT organization_id), string_agg(DISTINCT status, ',') "
                            f"FROM job_runs WHERE {where}")
        self.assertEqual(rows, [[str(n), str(n), "done"]])
        mails = self.db.rows(f"SELECT count(*), count(DISTINCT dedupe_key), count(DISTINCT message_id) "
                             f"FROM notifications WHERE {where}")
        self.assertEqual(mails, [[str(2 * n)] * 3])
        owners = self.db.column(f"SELECT DISTINCT result->>'mails' FROM job_runs WHERE {where}")
        self.assertEqual(owners, ["2"])

    def test_jobs_run_on_several_sessions_claims_each_run_once(self):
        # PROBITY_JOB_SESSIONS: one drain claiming and writing batches on
        # three sessions at once.
        n = 300
        self.db.query(
            "INSERT INTO organizations (name, kind, jurisdiction, timezone, locale, currency, contact_emails)"
            " SELECT 'Sessions ' || g, 'budget_institution', 'MN', 'Asia/Ulaanbaatar', 'mn', 'MNT',"
            " jsonb_build_array('s' || g || '@sessions.example.mn')"
            f" FROM generate_series(1, {n}) g")
        where = "organization_id IN (SELECT id FROM organizations WHERE name LIKE 'Sessions %')"
        out = self.jobs_run(AFTER_FIRST, "disclosure_reminder_1", "--period", "2026-10",
                            PROBITY_JOB_LOOKBACK_DAYS=1, PROBITY_JOB_BATCH=7, PROBITY_JOB_SESSIONS=3)
        self.assertIn("ran ", out)
        rows = self.db.rows(f"SELECT count(*), count(DISTINCT organization_id), string_agg(DISTINCT status, ','),"
                            f" max(fence), max(attempts) FROM job_runs WHERE {where}")
        self.assertEqual(rows, [[str(n), str(n), "done", "1", "1"]])   # each claimed once
        mails = self.db.rows(f"SELECT count(*), count(DISTINCT dedupe_key), count(DISTINCT message_id) "
                             f"FROM notifications WHERE {where}")
        self.assertEqual(mails, [[str(n)] * 3])

    def test_stalled_instance_that_lost_its_lease_writes_nothing(self):
        orgs = [self.org() for _ in range(3)]
        ids = ",".join(sql_literal(o["id"]) for o in orgs)
        where = f"organization_id IN ({ids})"
        # A claims, then stalls for 4 s between claim and commit; its lease is 1 s.
        a = Server(self.db.url, clock_env(AFTER_FIRST, PROBITY_JOB_LOOKBACK_DAYS=20, PROBITY_JOB_LEASE=1,
                                          PROBITY_JOB_TEST_PAUSE_MS=4000, PROBITY_INSTANCE="stale")).start()
        try:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                if self.db.scalar(f"SELECT count(*) FROM job_runs WHERE {where} AND lease_owner = 'stale'") == "3":
                    break
                time.sleep(0.05)
            else:
                self.fail("A never claimed the runs")
            a.send_signal(signal.SIGSTOP)
            time.sleep(1.2)  # past A's lease
            out = self.jobs_run(AFTER_FIRST, PROBITY_JOB_LOOKBACK_DAYS=20, PROBITY_INSTANCE="fresh")
            self.assertIn("ran 3", out)
            self.assertEqual({r[3] for r in self.runs(where)}, {"done"})
            before = self.db.rows(f"SELECT id, version, fence FROM job_runs WHERE {where} ORDER BY id")
            mails = self.db.rows(f"SELECT id, message_id FROM notifications WHERE {where} ORDER BY id")
            self.assertEqual(len(mails), 3)
            a.send_signal(signal.SIGCONT)
            time.sleep(4.5)  # A's pause ends and it tries to commit
            self.assertEqual(self.db.rows(f"SELECT id, version, fence FROM job_runs WHERE {where} ORDER BY id"),
                             before)
            self.assertEqual(self.db.rows(f"SELECT id, message_id FROM notifications WHERE {where} ORDER BY id"),
                             mails)
            for _, _, fence in before:
                self.assertEqual(fence, "2")  # claimed twice: A, then the fresh instance
        finally:
            if a.alive():
                a.send_signal(signal.SIGCONT)
            self.assertEqual(stop_and_check(a), [])


class Calendar(SchedulerBase):

    def test_catch_up_runs_what_is_useful_and_skips_the_rest(self):
        org = self.org(emails=2)
        quarterly = self.create("disclosure-requirements", {
            "code": "MN-Q", "name": "Улирлын мэдээ", "category": "budget_execution", "jurisdiction": "MN",
            "org_kinds": ["private_kindergarten"], "frequency": "quarterly", "active_from": "2020-01-01"})
        kg = self.org(kind="private_kindergarten", disclosure_frequency="quarterly")
        # Down since mid-August; back on 14 November at 10:00 Ulaanbaatar, 90 days later.
        self.jobs_run("2026-11-14T02:00:00Z", PROBITY_JOB_LOOKBACK_DAYS=90)
        got = {(k, p, s) for k, p, o, s in self.runs(f"organization_id = {sql_literal(org['id'])}")}
        # Overdue notices more than four weeks old are overtaken by newer ones:
        # those of 16 September and 16 October (29 days before) are skipped.
        self.assertEqual(got, {
            ("disclosure_reminder_1", "2026-08", "skipped"), ("disclosure_reminder_2", "2026-08", "skipped"),
            ("disclosure_overdue", "2026-08", "skipped"),
            ("disclosure_reminder_1", "2026-09", "skipped"), ("disclosure_reminder_2", "2026-09", "skipped"),
            ("disclosure_overdue", "2026-09", "skipped"),
            ("disclosure_reminder_1", "2026-10", "done"), ("disclosure_reminder_2", "2026-10", "done")})
        got = {(k, p, s) for k, p, o, s in self.runs(f"organization_id = {sql_literal(kg['id'])}")}
        self.assertEqual(got, {("disclosure_reminder_1", "2026-Q3", "skipped"),
                               ("disclosure_reminder_2", "2026-Q3", "skipped"),
                               ("disclosure_overdue", "2026-Q3", "skipped")})
        self.assertTrue(quarterly["id"])
        # Two stages, two addresses: four mails, all distinct.
        keys = self.db.column(f"SELECT dedupe_key FROM notifications WHERE organization_id = {sql_literal(org['id'])}")
        self.assertEqual(len(keys), 4)
        self.assertEqual(len(set(keys)), 4)
        # Running again changes nothing.
        self.jobs_run("2026-11-14T03:00:00Z", PROBITY_JOB_LOOKBACK_DAYS=90)
        self.assertEqual(len(self.db.column(
            f"SELECT 1 FROM notifications WHERE organization_id = {sql_literal(org['id'])}")), 4)

    def test_nothing_to_those_who_published_everything(self):
        org = self.org()
        self.create("disclosures", {"organization_id": org["id"], "requirement_id": self.req["id"],
                                    "period": "2026-10", "published_at": "2026-11-05T03:00:00Z",
                                    "reference": "https://shilendans.gov.mn/x"})
        self.jobs_run(AFTER_FIRST, PROBITY_JOB_LOOKBACK_DAYS=20)
        run = self.db.rows(f"SELECT status, result->>'mails' FROM job_runs WHERE organization_id = "
                           f"{sql_literal(org['id'])}")
        self.assertEqual(run, [["done", "0"]])

    def test_run_moments_are_local_wall_clock_across_time_zones_and_dst(self):
        cases = {  # zone -> (period, due_at of the first reminder: day 10, 09:00 local)
            "Asia/Ulaanbaatar": [("2026-10", "2026-11-10 01:00:00+00")],
            "Asia/Almaty": [("2026-10", "2026-11-10 04:00:00+00")],
            "Europe/Samara": [("2026-10", "2026-11-10 05:00:00+00")],
            # US DST: EDT (UTC-4) until 1 November 2026, EST (UTC-5) after; it began 8 March.
            "America/New_York": [("2026-10", "2026-11-10 14:00:00+00"), ("2026-09", "2026-10-10 13:00:00+00"),
                                 ("2026-02", "2026-03-10 13:00:00+00"), ("2026-01", "2026-02-10 14:00:00+00")],
        }
        orgs = {zone: self.org(timezone=zone) for zone in cases}
        self.jobs_run("2026-11-20T00:00:00Z", PROBITY_JOB_LOOKBACK_DAYS=300)
        for zone, expected in cases.items():
            oid = sql_literal(orgs[zone]["id"])
            for period, due in expected:
                with self.subTest(zone=zone, period=period):
                    rows = self.db.column(f"SELECT due_at::text FROM job_runs WHERE organization_id = {oid} "
                                          f"AND kind = 'disclosure_reminder_1' AND period = '{period}'")
                    self.assertEqual(rows, [due])
            # one reminder of each kind per period, never two
            dup = self.db.scalar(f"SELECT count(*) FROM (SELECT kind, period FROM job_runs WHERE organization_id = "
                                 f"{oid} GROUP BY 1, 2 HAVING count(*) > 1) x")
            self.assertEqual(dup, "0")

    def test_reminder_text_in_the_organizations_language(self):
        subjects = {}
        for locale in ("mn", "kk", "ru", "en"):
            org = self.org(locale=locale, name=f"Байгууллага {locale} <&>")
            self.jobs_run(AFTER_FIRST, "disclosure_reminder_1", "--period", "2026-10", "--org", org["id"],
                          PROBITY_JOB_LOOKBACK_DAYS=1)
            rows = json.loads(self.db.scalar(
                f"SELECT json_agg(n)::text FROM notifications n WHERE organization_id = {sql_literal(org['id'])}"))
            self.assertEqual(len(rows), 1, rows)
            n = rows[0]
            loc, subject, text, html, recipient, mid = (n["locale"], n["subject"], n["body_text"], n["body_html"],
                                                        n["recipient"], n["message_id"])
            self.assertEqual(loc, locale)
            self.assertEqual(recipient, org["contact_emails"][0])
            self.assertIn("2026-10", subject)
            self.assertIn("2026-11-15 23:59 (Asia/Ulaanbaatar)", text)
            self.assertIn(org["name"], text)
            self.assertIn("MN-EXEC", text)
            self.assertIn("Төсвийн гүйцэтгэл", text)
            self.assertIn("&lt;&amp;&gt;", html)   # names are escaped in HTML
            self.assertRegex(mid, r"^[0-9a-f]{32}@")
            subjects[locale] = subject
        self.assertEqual(len(set(subjects.values())), 4, subjects)
        self.assertIn("Шилэн данс", subjects["mn"])


class Delivery(SchedulerBase):
    """The outbox to a real SMTP server (aiosmtpd), through the sender thread."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        from aiosmtpd.controller import Controller
        from test_smtp_sender import Sink, free_port
        logging.getLogger("mail.log").setLevel(logging.CRITICAL)
        cls.tmp = tempfile.TemporaryDirectory()
        cls.addClassCleanup(cls.tmp.cleanup)
        cls.sink = Sink(cls.tmp.name)
        cls.smtp = Controller(cls.sink, hostname="127.0.0.1", port=free_port())
        cls.smtp.start()
        cls.addClassCleanup(cls.smtp.stop)

    def setUp(self):
        super().setUp()
        self.sink.reset()

    def deliver(self, org, **extra):
        env = clock_env(AFTER_FIRST, PROBITY_JOB_LOOKBACK_DAYS=20, PROBITY_SMTP_URL=f"smtp://127.0.0.1:{self.smtp.port}",
                        PROBITY_MAIL_BACKOFF=1, PROBITY_MAIL_FROM="Probity <noreply@probity.example>", **extra)
        return Server(self.db.url, env).start()

    def wait_mail(self, oid, status, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rows = self.db.rows(f"SELECT status, attempts, message_id FROM notifications WHERE organization_id = {oid}")
            if rows and all(r[0] == status for r in rows):
                return rows
            time.sleep(0.1)
        self.fail(f"mail not {status} within {timeout}s: {rows}")

    def test_delivered_once_with_its_message_id(self):
        org = self.org(locale="mn")
        oid = sql_literal(org["id"])
        s = self.deliver(org)
        try:
            rows = self.wait_mail(oid, "sent")
        finally:
            self.assertEqual(stop_and_check(s), [])
        self.assertEqual(len(rows), 1)
        self.assertEqual(len(self.sink.saved), 1)
        path, envelope, _ = self.sink.saved[0]
        with open(path, "rb") as f:
            msg = email.message_from_bytes(f.read(), policy=email.policy.default)
        self.assertEqual(msg["Message-ID"], "<" + rows[0][2] + ">")
        self.assertIn("Шилэн данс", msg["Subject"])
        self.assertEqual(envelope.rcpt_tos, org["contact_emails"])
        self.assertEqual(envelope.mail_from, "noreply@probity.example")
        self.assertIn("MN-EXEC", msg.get_body(("plain",)).get_content())

    def test_temporary_failures_are_retried_permanent_ones_are_not(self):
        org = self.org()
        oid = sql_literal(org["id"])
        self.sink.temp_failures = 2
        s = self.deliver(org)
        try:
            rows = self.wait_mail(oid, "sent")
            self.assertEqual(rows[0][1], "3")           # 451, 451, then 250
            self.sink.reject_rcpt = True
            other = self.org()
            rows = self.wait_mail(sql_literal(other["id"]), "failed")
            self.assertEqual(rows[0][1], "1")           # 550: at once, no retry
            reply = self.db.scalar(f"SELECT last_reply FROM notifications WHERE organization_id = "
                                   f"{sql_literal(other['id'])}")
            self.assertIn("550", reply)
            # An admin can queue it again: same row, same Message-ID.
            self.sink.reject_rcpt = False
            nid = self.db.scalar(f"SELECT id FROM notifications WHERE organization_id = {sql_literal(other['id'])}")
            # (asked of the instance on the test's clock, as every instance shares one in production)
            r = s.request("POST", f"/v1/notifications/{nid}/resend")
            self.assertEqual(r.status, 202, r)
            rows2 = self.wait_mail(sql_literal(other["id"]), "sent")
            self.assertEqual(rows2[0][2], rows[0][2])
        finally:
            self.assertEqual(stop_and_check(s), [])

    def test_smtp_down_for_a_while_then_delivered(self):
        from aiosmtpd.controller import Controller
        from test_smtp_sender import Sink, free_port
        port = free_port()      # nothing listens there yet
        org = self.org()
        oid = sql_literal(org["id"])
        env = clock_env(AFTER_FIRST, PROBITY_JOB_LOOKBACK_DAYS=20, PROBITY_SMTP_URL=f"smtp://127.0.0.1:{port}",
                        PROBITY_MAIL_BACKOFF=1, PROBITY_MAIL_MAX_ATTEMPTS=10)
        s = Server(self.db.url, env).start()
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                rows = self.db.rows(f"SELECT status, attempts FROM notifications WHERE organization_id = {oid}")
                if rows and int(rows[0][1]) >= 2:
                    break
                time.sleep(0.1)
            self.assertEqual(rows[0][0], "pending", rows)   # refused connections: kept for later
            reply = self.db.scalar(f"SELECT last_reply FROM notifications WHERE organization_id = {oid}")
            self.assertTrue(reply, "the failure is recorded")
            with tempfile.TemporaryDirectory() as folder:
                sink = Sink(folder)
                smtp = Controller(sink, hostname="127.0.0.1", port=port)
                smtp.start()        # the server comes back
                try:
                    rows = self.wait_mail(oid, "sent", timeout=30)
                finally:
                    smtp.stop()
                self.assertEqual(len(sink.saved), 1)
                self.assertGreaterEqual(int(rows[0][1]), 3)
        finally:
            self.assertEqual(stop_and_check(s), [])


class JobsApi(SchedulerBase):

    def test_job_table_and_running_a_period_now(self):
        r = self.get("/v1/jobs")
        self.assert_json(r, 200)
        kinds = {j["kind"]: j for j in r.json["items"]}
        got = {k: (j["schedule"], j["month"], j["day"], j["hour"], j["minute"], j["months_after"], j["audience"])
               for k, j in kinds.items()}
        self.assertEqual(got, {
            "disclosure_reminder_1": ("month_day", None, 10, 9, 0, 1, "organizations"),
            "disclosure_reminder_2": ("month_day", None, 14, 9, 0, 1, "organizations"),
            "disclosure_overdue": ("month_day", None, 16, 9, 0, 1, "organizations"),
            "disclosure_digest": ("month_day", None, 16, 9, 0, 1, "supervisors"),
            "disclosure_report": ("month_day", None, 15, 9, 0, 2, "supervisors"),
            "receivables_inventory": ("first_working_day", None, None, 9, 0, None, "administrators"),
            "receivables_year_report": ("year_day", 12, 25, 9, 0, None, "administrators")})
        org = self.org()
        r = self.post("/v1/jobs/disclosure_reminder_1/runs", {"period": "2026-10", "organization_id": org["id"]})
        self.assertEqual(r.status, 202, r)
        self.assertEqual(r.json["planned"], 1)
        r = self.post("/v1/jobs/disclosure_reminder_1/runs", {"period": "2026-10", "organization_id": org["id"]})
        self.assertEqual(r.json["planned"], 0)      # idempotent per period
        r = self.get(f"/v1/job-runs?organization_id={org['id']}")
        self.assert_json(r, 200)
        self.assertEqual([(x["kind"], x["period"], x["status"]) for x in r.json["items"]],
                         [("disclosure_reminder_1", "2026-10", "pending")])
        for body, field in (({}, "period"), ({"period": "2026-13"}, "period"), ({"period": "2026-10\u0000junk"}, "period"),
                            ({"period": "2026-10", "x": 1}, "x"), ({"period": "2026-10", "organization_id": "no"},
                                                                   "organization_id")):
            with self.subTest(body=body), self.unchanged():
                r = self.post("/v1/jobs/disclosure_reminder_1/runs", body)
                self.assertEqual(r.status, 422, r)
                self.assertIn(field, [e["field"] for e in r.json["errors"]])
        self.assert_problem(self.post("/v1/jobs/nope/runs", {"period": "2026-10"}), 404)
        self.assert_problem(self.post("/v1/jobs/disclosure_reminder_1/runs", raw=b'{"period":"2026-10"}',
                                      headers={"Content-Type": "text/plain"}), 415)
        token = create_key(self.db.url, "auditor", org["id"])
        r = self.post("/v1/jobs/disclosure_reminder_1/runs", {"period": "2026-10", "organization_id": org["id"]},
                      headers={"Authorization": "Bearer " + token})
        self.assert_problem(r, 403)


if __name__ == "__main__":
    unittest.main()
