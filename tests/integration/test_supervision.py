"""What supervisors get (issue 4, seed 000): on the 16th an overdue notice to
each organization with late or missing items and one digest per supervisor
(the parent organization) listing its late subordinates; on the 15th the
supervisor's monthly compliance report on the period that fell due the month
before, stored as a report (JSON and CSV) exactly as of its moment, and mailed.

The family of every test: a district S (two addresses) over A, B and C, and D
under B. Two monthly requirements, due by the 15th in Ulaanbaatar, so the due
instant of October's items is 2026-11-15T16:00:00Z:
  A  both on time, one of them at 23:59 local on the 15th (seed 000: on time)
  B  one on time, one published at 09:00 local on the 16th (late)
  C  one on time, one never published (missing)
  D  nothing (missing, missing), but it is B's subordinate, not S's."""

import csv
import io
import json
import os
import re
import xml.etree.ElementTree as ET
import zipfile

from probity_harness import app_url, create_key, psql, sql_literal
from test_scheduler import SchedulerBase

# 16 November 2026, 10:00 in Ulaanbaatar: the overdue notices and digests
# (day 16, 09:00 local) for October are due.
ON_THE_16TH = "2026-11-16T02:00:00Z"
# 15 December 2026, 10:00 in Ulaanbaatar: the supervisors' reports on October.
ON_THE_15TH = "2026-12-15T02:00:00Z"
ON_TIME = "2026-11-05T03:00:00Z"
LAST_MINUTE = "2026-11-15T15:59:00Z"   # 23:59 on the 15th in Ulaanbaatar
LATE = "2026-11-16T01:00:00Z"          # 09:00 on the 16th


def read_xlsx(data):
    """The first sheet's cells, row by row: strings, integers (whole numbers)
    or None for an empty cell. Reads the workbook's XML with the standard
    library only, as an independent check of what libxlsxwriter wrote."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
        shared = [("".join(t.text or "" for t in si.iter(f"{{{ns['m']}}}t")))
                  for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", ns)] \
            if "xl/sharedStrings.xml" in names else []
        sheet = ET.fromstring(z.read("xl/worksheets/sheet1.xml"))
    rows = []
    for row in sheet.find("m:sheetData", ns).findall("m:row", ns):
        cells = {}
        for c in row.findall("m:c", ns):
            col = re.match(r"[A-Z]+", c.get("r")).group(0)
            index = 0
            for ch in col:
                index = index * 26 + ord(ch) - 64
            v = c.find("m:v", ns)
            if c.get("t") == "s":
                cells[index - 1] = shared[int(v.text)]
            elif c.get("t") == "inlineStr":
                cells[index - 1] = "".join(t.text or "" for t in c.iter(f"{{{ns['m']}}}t"))
            elif v is not None:
                cells[index - 1] = int(float(v.text)) if float(v.text).is_integer() else v.text
        rows.append(cells)
    width = max((max(r) + 1 for r in rows if r), default=0)   # empty cells are simply absent
    return [[r.get(i) for i in range(width)] for r in rows]


class Supervision(SchedulerBase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        r = cls.server.request("POST", "/v1/disclosure-requirements", {
            "code": "MN-BUY", "name": "Худалдан авалт", "category": "purchases_above_threshold",
            "jurisdiction": "MN", "org_kinds": ["budget_institution"], "frequency": "monthly",
            "active_from": "2020-01-01"})
        assert r.status == 201, r
        cls.buy = r.json

    def family(self):
        tag = os.urandom(3).hex()
        s = self.org(emails=2, kind="district_administration", name="Сүхбаатар дүүрэг " + tag)
        a = self.org(parent_id=s["id"], name="A " + tag)
        b = self.org(parent_id=s["id"], name='Сургууль "Нар", №1 ' + tag)
        c = self.org(parent_id=s["id"], name="C " + tag)
        d = self.org(parent_id=b["id"], name="D " + tag)
        for org, exec_at, buy_at in ((a, ON_TIME, LAST_MINUTE), (b, ON_TIME, LATE), (c, ON_TIME, None)):
            for req, at in ((self.req, exec_at), (self.buy, buy_at)):
                if at:
                    self.create("disclosures", {"organization_id": org["id"], "requirement_id": req["id"],
                                                "period": "2026-10", "published_at": at,
                                                "reference": "https://shilendans.gov.mn/" + tag})
        return s, a, b, c, d

    def mails(self, org, template):
        """[(recipient, subject, body_text, dedupe_key, message_id)] by recipient."""
        out = self.db.scalar(
            f"SELECT json_agg(json_build_array(recipient, subject, body_text, dedupe_key, message_id) "
            f"ORDER BY recipient) FROM notifications WHERE organization_id = {sql_literal(org['id'])} "
            f"AND template = {sql_literal(template)}")
        return json.loads(out) if out else []

    def run_of(self, kind, org, period="2026-10"):
        return self.db.rows(f"SELECT status, result->>'mails', result->>'reason' FROM job_runs WHERE kind = "
                            f"{sql_literal(kind)} AND period = {sql_literal(period)} AND organization_id = "
                            f"{sql_literal(org['id'])}")

    def test_overdue_notices_and_one_digest_per_supervisor(self):
        s, a, b, c, d = self.family()
        self.jobs_run(ON_THE_16TH, PROBITY_JOB_LOOKBACK_DAYS=1)
        # The notices: to the late and the missing, not to A (last minute is on time).
        self.assertEqual(self.run_of("disclosure_overdue", a), [["done", "0", "nothing is late or missing"]])
        self.assertEqual(self.mails(a, "disclosure_overdue"), [])
        for org, code, word in ((b, "MN-BUY", "хоцорсон"), (c, "MN-BUY", "байршуулаагүй"),
                                (d, "MN-EXEC", "байршуулаагүй")):
            with self.subTest(org=org["name"]):
                mails = self.mails(org, "disclosure_overdue")
                self.assertEqual(len(mails), 1, mails)
                text = mails[0][2]
                self.assertIn(org["name"], text)
                self.assertIn(code, text)
                self.assertIn(word, text)
                self.assertIn("2026-11-15 23:59 (Asia/Ulaanbaatar)", text)
                self.assertNotIn("MN-EXEC", text) if org is not d else self.assertIn("MN-BUY", text)
        # One digest per supervisor address, listing its own late subordinates only.
        digest = self.mails(s, "disclosure_digest")
        self.assertEqual([m[0] for m in digest], sorted(s["contact_emails"]))
        self.assertEqual(len({m[4] for m in digest}), 2)
        text = digest[0][2]
        self.assertIn(b["name"], text)
        self.assertIn(c["name"], text)
        self.assertIn("MN-BUY (хоцорсон)", text)
        self.assertIn("MN-BUY (байршуулаагүй)", text)
        self.assertNotIn(a["name"], text)
        self.assertNotIn(d["name"], text)
        self.assertEqual(self.run_of("disclosure_digest", s), [["done", "2", ""]])
        # B supervises D: its digest lists D.
        self.assertIn(d["name"], self.mails(b, "disclosure_digest")[0][2])
        # Subordinates do not get digests of their own: they supervise nobody.
        self.assertEqual(self.run_of("disclosure_digest", a), [])
        # Running again sends nothing more.
        count = f"SELECT count(*) FROM notifications WHERE organization_id IN " \
                f"({', '.join(sql_literal(o['id']) for o in (s, a, b, c, d))})"
        before = self.db.scalar(count)
        self.jobs_run("2026-11-16T03:00:00Z", PROBITY_JOB_LOOKBACK_DAYS=1)
        self.assertEqual(self.db.scalar(count), before)

    def test_no_digest_when_every_subordinate_is_on_time(self):
        s = self.org(kind="district_administration")
        kid = self.org(parent_id=s["id"])
        for req in (self.req, self.buy):
            self.create("disclosures", {"organization_id": kid["id"], "requirement_id": req["id"],
                                        "period": "2026-10", "published_at": ON_TIME, "reference": "r"})
        self.jobs_run(ON_THE_16TH, PROBITY_JOB_LOOKBACK_DAYS=1)
        self.assertEqual(self.run_of("disclosure_digest", s), [["done", "0", "no subordinate is late"]])
        self.assertEqual(self.mails(s, "disclosure_digest"), [])

    def report_of(self, org):
        r = self.get(f"/v1/reports?kind=disclosure_report&period=2026-10&organization_id={org['id']}")
        self.assert_json(r, 200)
        self.assertEqual(len(r.json["items"]), 1, r.json)
        return r.json["items"][0]

    def test_monthly_report_stored_exact_and_mailed(self):
        s, a, b, c, d = self.family()
        self.jobs_run(ON_THE_15TH, PROBITY_JOB_LOOKBACK_DAYS=1)
        rep = self.report_of(s)
        self.assertEqual((rep["kind"], rep["period"], rep["locale"]), ("disclosure_report", "2026-10", "mn"))
        # the moment of the run on the test's clock, which started at 02:00:00
        self.assertRegex(rep["as_of"], r"^2026-12-15T02:0[0-4]:\d\d\.\d{3}Z$")
        self.assertEqual([c_["key"] for c_ in rep["columns"]],
                         ["organization", "organization_id", "timezone", "code", "requirement", "due",
                          "published_at", "status", "status_code", "days_late"])
        self.assertEqual(rep["columns"][0]["heading"], "Байгууллага")
        # Subordinates by name, items by code; times local; days late rounded up:
        # B 9 hours late is 1 day; C missing for 29 days 10 hours is 30.
        due = "2026-11-15 23:59"
        ub = "Asia/Ulaanbaatar"
        self.assertEqual(rep["rows"], [
            [a["name"], a["id"], ub, "MN-BUY", "Худалдан авалт", due, "2026-11-15 23:59", "хугацаандаа", "on_time",
             None],
            [a["name"], a["id"], ub, "MN-EXEC", "Төсвийн гүйцэтгэл", due, "2026-11-05 11:00", "хугацаандаа",
             "on_time", None],
            [c["name"], c["id"], ub, "MN-BUY", "Худалдан авалт", due, None, "байршуулаагүй", "missing", 30],
            [c["name"], c["id"], ub, "MN-EXEC", "Төсвийн гүйцэтгэл", due, "2026-11-05 11:00", "хугацаандаа",
             "on_time", None],
            [b["name"], b["id"], ub, "MN-BUY", "Худалдан авалт", due, "2026-11-16 09:00", "хоцорсон", "late", 1],
            [b["name"], b["id"], ub, "MN-EXEC", "Төсвийн гүйцэтгэл", due, "2026-11-05 11:00", "хугацаандаа",
             "on_time", None],
        ])
        self.assertEqual(rep["summary"], {"organizations": 3, "late_organizations": 2,
                                          "counts": {"on_time": 4, "late": 1, "missing": 1, "not_due": 0}})
        # B's own report on D.
        self.assertEqual([r[0] for r in self.report_of(b)["rows"]], [d["name"], d["name"]])
        # Mailed to both of S's addresses, with the report's id and a line per subordinate.
        mails = self.mails(s, "disclosure_report")
        self.assertEqual([m[0] for m in mails], sorted(s["contact_emails"]))
        self.assertIn(rep["id"], mails[0][2])
        self.assertIn(b["name"] + ": хугацаандаа: 1, хоцорсон: 1", mails[0][2])
        self.assertIn("2026-10", mails[0][1])
        run = self.db.rows(f"SELECT status, result->>'report_id', result->>'rows' FROM job_runs WHERE "
                           f"kind = 'disclosure_report' AND organization_id = {sql_literal(s['id'])}")
        self.assertEqual(run, [["done", rep["id"], "6"]])

        # Exact as of its moment: a publication afterwards and another pass change nothing.
        self.create("disclosures", {"organization_id": c["id"], "requirement_id": self.buy["id"],
                                    "period": "2026-10", "published_at": "2026-12-15T03:00:00Z", "reference": "r"})
        self.jobs_run("2026-12-15T04:00:00Z", PROBITY_JOB_LOOKBACK_DAYS=1)
        r = self.post("/v1/jobs/disclosure_report/runs", {"period": "2026-10", "organization_id": s["id"]})
        self.assertEqual(r.json["planned"], 0, r)
        # Nor can an operator make a report (or a notice) of items not yet due: it would stand for good.
        for kind in ("disclosure_report", "disclosure_overdue", "disclosure_digest"):
            with self.subTest(kind=kind), self.unchanged():
                r = self.post(f"/v1/jobs/{kind}/runs", {"period": "2099-10", "organization_id": s["id"]})
                p = self.assert_field_error(r, "period", "not_due")
                self.assertIn("from 2099-11-16T12:00:00Z", p["errors"][0]["message"])
        r = self.post("/v1/jobs/disclosure_reminder_1/runs", {"period": "2099-10", "organization_id": a["id"]})
        self.assertEqual(r.status, 202, r)     # a reminder ahead of time is what "run it now" is for
        self.assertEqual(self.report_of(s), rep)
        # probityd may not change it either: it may only add reports.
        with self.assertRaisesRegex(RuntimeError, "permission denied"):
            psql(app_url(self.db.url), f"UPDATE reports SET title = 'x' WHERE id = {sql_literal(rep['id'])}")

    def test_report_as_csv_json_and_who_may_read_it(self):
        s, a, b, c, d = self.family()
        self.jobs_run(ON_THE_15TH, PROBITY_JOB_LOOKBACK_DAYS=1)
        rep = self.report_of(s)
        path = f"/v1/reports/{rep['id']}"
        for how in ({"path": path + "?format=csv"}, {"path": path, "headers": {"Accept": "text/csv"}},
                    {"path": path, "headers": {"Accept": "application/json;q=0.5, text/csv"}}):
            with self.subTest(**how):
                r = self.get(how["path"], headers=how.get("headers"))
                self.assertEqual(r.status, 200, r)
                self.assertEqual(r.headers["content-type"], "text/csv; charset=utf-8; header=present")
                self.assertEqual(r.headers["etag"], f'"{rep["version"]}-csv"')  # not the JSON's tag
                self.assertEqual(r.headers["vary"], "Accept")
                self.assertIn('filename="disclosure_report-2026-10.csv"', r.headers["content-disposition"])
                text = r.body.decode("utf-8")
                self.assertTrue(text.endswith("\r\n"))
                self.assertNotIn("\n", text.replace("\r\n", ""))   # CRLF only
                # B's name has a quote and a comma: quoted, the quote doubled.
                self.assertIn('"Сургууль ""Нар"", №1 ', text)
                table = list(csv.reader(io.StringIO(text, newline="")))
                self.assertEqual(table[0], [c_["heading"] for c_ in rep["columns"]])
                self.assertEqual(table[1:], [["" if v is None else str(v) for v in row] for row in rep["rows"]])
        # XLSX: a real workbook, the same headings and cells, numbers as numbers.
        xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        for how in ({"path": path + "?format=xlsx"}, {"path": path, "headers": {"Accept": xlsx}}):
            with self.subTest(**how):
                r = self.get(how["path"], headers=how.get("headers"))
                self.assertEqual((r.status, r.headers["content-type"]), (200, xlsx), r)
                self.assertEqual(r.headers["etag"], f'"{rep["version"]}-xlsx"')
                self.assertIn('filename="disclosure_report-2026-10.xlsx"', r.headers["content-disposition"])
                self.assertEqual(read_xlsx(r.body), [[c_["heading"] for c_ in rep["columns"]]] + rep["rows"])
        for headers in (None, {"Accept": "application/json"}, {"Accept": "*/*"}, {"Accept": "text/csv;q=0.2, */*"},
                        {"Accept": "text/csv;Q=0.5, application/json;q=0.9"}, {"Accept": "text/csv, application/json"}):
            with self.subTest(headers=headers):
                r = self.get(path, headers=headers)
                self.assertEqual(self.assert_json(r, 200), rep)
                self.assertEqual((r.headers["etag"], r.headers["vary"]), (f'"{rep["version"]}"', "Accept"))
        # RFC 9110 §12.5.1: each type takes the q of the most specific range that names it.
        for accept in ("application/json;q=0.1, */*", "*/*;q=0.5, application/json;q=0",
                       'text/csv;charset="q=0"', "text/*", "TEXT/CSV"):
            with self.subTest(accept=accept):
                r = self.get(path, headers={"Accept": accept})
                self.assertEqual((r.status, r.headers.get("content-type")),
                                 (200, "text/csv; charset=utf-8; header=present"), r)
        with self.unchanged():
            r = self.get(path, headers={"Accept": "application/xml"})
            self.assert_problem(r, 406)
            self.assertEqual(r.headers.get("vary"), "Accept")
            self.assert_problem(self.get(path, headers={"Accept": "text/csv;q=0"}), 406)
            for bad_q in ("0x1", "inf", "1.5", "-1", ""):
                self.assert_problem(self.get(path, headers={"Accept": f"text/csv;q={bad_q}"}), 406)
            self.assert_field_error(self.get(path + "?format=xml"), "format", "invalid")
            self.assert_field_error(self.get(path + "?format=XLSX"), "format", "invalid")
            self.assert_field_error(self.get(path + "?fmt=csv"), "fmt", "unknown_parameter")
            self.assert_field_error(self.get("/v1/reports/nope?format=csv"), "id", "format")
            self.assert_problem(self.get("/v1/reports/00000000-0000-4000-8000-000000000000?format=csv"), 404)
        # Within the subtree only: S's own viewer reads it, A's does not see it at all.
        for org, status in ((s, 200), (a, 404)):
            token = create_key(self.db.url, "viewer", org["id"])
            auth = {"Authorization": "Bearer " + token}
            with self.subTest(viewer=org["name"]):
                self.assertEqual(self.get(path + "?format=csv", headers=auth).status, status)
                listed = self.get(f"/v1/reports?organization_id={s['id']}", headers=auth)
                self.assertEqual(len(self.assert_json(listed, 200)["items"]), 1 if status == 200 else 0)
