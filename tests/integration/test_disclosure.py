"""Transparency (seed 000, the Glass Account law): disclosure requirements,
disclosures, and the compliance each organization and each subtree derive
from them, with due instants in every organization's own time zone."""

import secrets
import unittest
import urllib.parse

from probity_harness import ProbityTestCase, create_key


def mn_req(**over):
    body = {"code": "MN-EXEC-" + secrets.token_hex(3).upper(), "name": "Budget execution",
            "category": "budget_execution", "jurisdiction": "MN",
            "org_kinds": ["budget_institution", "district_administration"],
            "frequency": "monthly", "active_from": "2020-01-01"}
    body.update(over)
    return body


class Disclosures(ProbityTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        c = cls.server

        def post(entity, body):
            r = c.request("POST", "/v1/" + entity, body)
            assert r.status == 201, r
            return r.json
        # The district of seed 000: its office, a budget school, a private
        # kindergarten that discloses quarterly, and one organization each in
        # Kazakhstan and Russia with the same kind of requirement.
        cls.district = post("organizations", {
            "name": "Хан-Уул дүүргийн ЗДТГ", "kind": "district_administration", "jurisdiction": "MN",
            "timezone": "Asia/Ulaanbaatar", "locale": "mn", "currency": "MNT"})
        cls.school = post("organizations", {
            "parent_id": cls.district["id"], "name": "26 дугаар сургууль", "kind": "budget_institution",
            "jurisdiction": "MN", "timezone": "Asia/Ulaanbaatar", "locale": "mn", "currency": "MNT"})
        cls.kindergarten = post("organizations", {
            "parent_id": cls.district["id"], "name": "Нарлаг цэцэрлэг", "kind": "private_kindergarten",
            "jurisdiction": "MN", "timezone": "Asia/Ulaanbaatar", "locale": "mn", "currency": "MNT",
            "disclosure_frequency": "quarterly"})
        cls.kz = post("organizations", {
            "name": "Серебрянск", "kind": "budget_institution", "jurisdiction": "KZ",
            "timezone": "Asia/Almaty", "locale": "ru", "currency": "KZT"})
        cls.ru = post("organizations", {
            "name": "Кез", "kind": "budget_institution", "jurisdiction": "RU",
            "timezone": "Europe/Samara", "locale": "ru", "currency": "RUB"})
        cls.exec = post("disclosure-requirements", mn_req(code="MN-EXEC"))
        cls.purchases = post("disclosure-requirements", mn_req(
            code="MN-PURCH", name="Purchases above the threshold", category="purchases_above_threshold",
            threshold_amount="5000000.00", threshold_currency="MNT"))
        cls.quarterly = post("disclosure-requirements", mn_req(
            code="MN-Q-EXEC", org_kinds=["private_kindergarten"], frequency="quarterly"))
        cls.kz_req = post("disclosure-requirements", mn_req(code="KZ-EXEC", jurisdiction="KZ"))
        cls.ru_req = post("disclosure-requirements", mn_req(code="RU-EXEC", jurisdiction="RU"))

    def disclose(self, org, req, period, published_at, **over):
        body = {"organization_id": org["id"], "requirement_id": req["id"], "period": period,
                "published_at": published_at, "reference": "https://shilendans.gov.mn/x/" + secrets.token_hex(3)}
        body.update(over)
        return self.create("disclosures", body)

    def compliance(self, org, period, as_of, **kw):
        r = self.get(f"/v1/organizations/{org['id']}/disclosure-compliance?period={period}&as_of={as_of}", **kw)
        self.assert_json(r, 200)
        return r.json

    def status_of(self, comp, req):
        return {i["requirement_id"]: i for i in comp["items"]}[req["id"]]

    def board(self, qs, **kw):
        r = self.get("/v1/disclosure-compliance?" + qs, **kw)
        return self.assert_json(r, 200)

    @staticmethod
    def board_items(b, status):
        """(organization_id, code) of the page's late or missing items, in the page's order."""
        return [(e["organization_id"], x["code"]) for e in b["entries"] for x in e[status]]

    def board_pages(self, qs, limit):
        """Every page of a board, following next_cursor."""
        pages = [self.board(f"{qs}&limit={limit}")]
        while pages[-1]["next_cursor"] is not None:
            self.assertEqual(len(pages[-1]["entries"]), limit, "a page before the last is full")
            self.assertLess(len(pages), 100, "pagination does not end")
            cur = urllib.parse.quote(pages[-1]["next_cursor"], safe="")
            pages.append(self.board(f"{qs}&limit={limit}&cursor={cur}"))
        return pages

    # -- the requirement and the money it carries ------------------------------

    def test_threshold_is_money_as_a_decimal_string(self):
        self.assertEqual(self.purchases["threshold_amount"], "5000000.00")
        r = self.get(f"/v1/disclosure-requirements/{self.purchases['id']}")
        self.assertEqual(r.json["threshold_amount"], "5000000.00")
        for bad in (5000000, 5e6, "5e6", "5000000.005", "-1.00", "01.00", "1,000.00", ""):
            with self.subTest(amount=bad), self.unchanged():
                r = self.post("/v1/disclosure-requirements", mn_req(threshold_amount=bad, threshold_currency="MNT"))
                self.assert_field_error(r, "threshold_amount", "type" if not isinstance(bad, str) else "format")
        with self.unchanged():
            r = self.post("/v1/disclosure-requirements", mn_req(threshold_amount="100.00"))
            self.assert_field_error(r, "threshold_currency", "required")

    def test_due_day_default_and_bounds(self):
        self.assertEqual(self.exec["due_day"], 15)
        for bad in (0, 29, 31):
            with self.subTest(due_day=bad), self.unchanged():
                self.assert_field_error(self.post("/v1/disclosure-requirements", mn_req(due_day=bad)),
                                        "due_day", "out_of_range")

    # -- disclosures ------------------------------------------------------------

    def test_disclosure_rules(self):
        cases = [
            ("a month for a quarterly requirement", dict(requirement_id=self.quarterly["id"],
                                                         organization_id=self.kindergarten["id"],
                                                         period="2026-07"), "period", "invalid"),
            ("a quarter for a monthly requirement", dict(period="2026-Q3"), "period", "invalid"),
            ("a requirement of another kind", dict(requirement_id=self.quarterly["id"], period="2026-Q3"),
             "requirement_id", "invalid"),
            ("a requirement of another country", dict(requirement_id=self.kz_req["id"]), "requirement_id", "invalid"),
            ("before the requirement was in force", dict(period="2019-12"), "period", "invalid"),
            ("not a period", dict(period="2026-13"), "period", "format"),
            ("an amount without currency", dict(amount="12000000.00"), "currency", "required"),
            ("an unknown requirement", dict(requirement_id="00000000-0000-4000-8000-00000000dead"),
             "requirement_id", "reference"),
        ]
        for name, over, field, code in cases:
            body = {"organization_id": self.school["id"], "requirement_id": self.exec["id"], "period": "2026-09",
                    "published_at": "2026-10-10T02:00:00Z", "reference": "https://shilendans.gov.mn/x"}
            body.update(over)
            with self.subTest(name), self.unchanged():
                self.assert_field_error(self.post("/v1/disclosures", body), field, code)

    def test_one_publication_per_item_and_period(self):
        self.disclose(self.school, self.exec, "2026-08", "2026-09-10T02:00:00Z")
        with self.unchanged():
            r = self.post("/v1/disclosures", {
                "organization_id": self.school["id"], "requirement_id": self.exec["id"], "period": "2026-08",
                "published_at": "2026-09-11T02:00:00Z", "reference": "again"})
            self.assert_problem(r, 409)

    # -- compliance, with the seed's rules --------------------------------------

    def test_due_at_is_the_end_of_the_15th_in_local_time(self):
        # October 2026 is due by 15 November, inclusive, in each organization's zone:
        # Ulaanbaatar UTC+8, Almaty UTC+5, Samara UTC+4.
        for org, due_at in ((self.school, "2026-11-15T16:00:00.000Z"), (self.kz, "2026-11-15T19:00:00.000Z"),
                            (self.ru, "2026-11-15T20:00:00.000Z")):
            with self.subTest(org=org["name"]):
                comp = self.compliance(org, "2026-10", "2026-11-01T00:00:00Z")
                self.assertEqual(len(comp["items"]), 1 if org is not self.school else 2, comp)
                for item in comp["items"]:
                    self.assertEqual(item["due_date"], "2026-11-15")
                    self.assertEqual(item["due_at"], due_at)
                    self.assertEqual(item["status"], "not_due")
                self.assertEqual(comp["timezone"], org["timezone"])

    def test_statuses(self):
        # Published at 23:59 local on the 15th: on time. At 00:00 on the 16th: late.
        # Not published: not yet due before the end of the 15th, missing after.
        org = self.create_org(kind="budget_institution", parent_id=self.district["id"])
        self.disclose(org, self.exec, "2026-10", "2026-11-15T23:59:00+08:00")
        self.disclose(org, self.purchases, "2026-10", "2026-11-16T00:00:00+08:00",
                      amount="12500000.00", currency="MNT")
        comp = self.compliance(org, "2026-10", "2026-11-20T00:00:00Z")
        self.assertEqual(self.status_of(comp, self.exec)["status"], "on_time")
        # As of the 14th neither was published yet: a later publication does not count.
        early = self.compliance(org, "2026-10", "2026-11-14T00:00:00Z")
        self.assertEqual(early["counts"], {"on_time": 0, "late": 0, "missing": 0, "not_due": 2})
        self.assertIsNone(self.status_of(early, self.exec)["published_at"])
        self.assertEqual(self.status_of(comp, self.purchases)["status"], "late")
        self.assertEqual(comp["counts"], {"on_time": 1, "late": 1, "missing": 0, "not_due": 0})

        other = self.create_org(kind="budget_institution", parent_id=self.district["id"])
        before = self.compliance(other, "2026-10", "2026-11-15T15:59:59Z")   # 23:59:59 local on the 15th
        after = self.compliance(other, "2026-10", "2026-11-15T16:00:00Z")    # 00:00 local on the 16th
        self.assertEqual({i["status"] for i in before["items"]}, {"not_due"})
        self.assertEqual({i["status"] for i in after["items"]}, {"missing"})
        self.assertIsNone(after["items"][0]["published_at"])

    def test_quarterly_organizations_answer_for_quarters(self):
        comp = self.compliance(self.kindergarten, "2026-Q3", "2026-10-20T00:00:00Z")
        self.assertEqual([i["code"] for i in comp["items"]], ["MN-Q-EXEC"])
        self.assertEqual(comp["items"][0]["due_date"], "2026-10-15")
        self.assertEqual(comp["items"][0]["status"], "missing")
        r = self.get(f"/v1/organizations/{self.kindergarten['id']}/disclosure-compliance?period=2026-09")
        self.assert_field_error(r, "period", "invalid")
        # Q4 is due in January of the next year.
        comp = self.compliance(self.kindergarten, "2026-Q4", "2026-12-01T00:00:00Z")
        self.assertEqual(comp["items"][0]["due_date"], "2027-01-15")

    def test_board_of_a_subtree(self):
        root = self.create_org(kind="district_administration")
        subs = [self.create_org(kind="budget_institution", parent_id=root["id"], name=f"Sub {i}") for i in range(3)]
        self.disclose(subs[0], self.exec, "2026-10", "2026-11-10T09:00:00+08:00")
        self.disclose(subs[0], self.purchases, "2026-10", "2026-11-14T09:00:00+08:00",
                      amount="6000000.00", currency="MNT")
        self.disclose(subs[1], self.exec, "2026-10", "2026-11-18T09:00:00+08:00")
        b = self.board(f"period=2026-10&organization_id={root['id']}&as_of=2026-11-20T00:00:00Z")
        # root + 3 subordinates, two requirements each
        self.assertEqual(b["organizations"], 4)
        self.assertEqual(b["counts"], {"on_time": 2, "late": 1, "missing": 5, "not_due": 0})
        self.assertEqual(self.board_items(b, "late"), [(subs[1]["id"], "MN-EXEC")])
        missing = set(self.board_items(b, "missing"))
        self.assertEqual(missing, {(root["id"], "MN-EXEC"), (root["id"], "MN-PURCH"), (subs[1]["id"], "MN-PURCH"),
                                   (subs[2]["id"], "MN-EXEC"), (subs[2]["id"], "MN-PURCH")})
        # One entry per organization with anything late or missing (subs[0] has neither), by name, on one page.
        self.assertEqual(b["late_organizations"], 3)
        self.assertEqual([e["organization_id"] for e in b["entries"]],
                         [o["id"] for o in sorted((root, subs[1], subs[2]), key=lambda o: (o["name"], o["id"]))])
        self.assertEqual({e["organization_name"] for e in b["entries"]}, {root["name"], "Sub 1", "Sub 2"})
        self.assertIsNone(b["next_cursor"])
        late = b["entries"][[e["organization_id"] for e in b["entries"]].index(subs[1]["id"])]["late"]
        self.assertEqual(late, [{"requirement_id": self.exec["id"], "code": "MN-EXEC", "name": "Budget execution",
                                 "due_at": "2026-11-15T16:00:00.000Z",
                                 "published_at": "2026-11-18T01:00:00.000Z"}])
        # An auditor of one subordinate sees only it; the root is not found for them.
        token = create_key(self.db.url, "auditor", subs[1]["id"])
        auth = {"Authorization": "Bearer " + token}
        r = self.get("/v1/disclosure-compliance?period=2026-10&as_of=2026-11-20T00:00:00Z", headers=auth)
        self.assert_json(r, 200)
        self.assertEqual(r.json["organizations"], 1)
        self.assertEqual(r.json["counts"], {"on_time": 0, "late": 1, "missing": 1, "not_due": 0})
        r = self.get(f"/v1/disclosure-compliance?period=2026-10&organization_id={root['id']}", headers=auth)
        self.assert_problem(r, 404)
        r = self.get(f"/v1/organizations/{subs[0]['id']}/disclosure-compliance?period=2026-10", headers=auth)
        self.assert_problem(r, 404)

    def test_board_pages(self):
        """The late publishers come limit at a time, by name then id (equal names included); every page
        carries the whole subtree's counts, and the pages together hold exactly the late and missing items."""
        root = self.create_org(kind="district_administration", name="Pages root")
        names = ["Page B", "Page A", "Page C", "Page A", "Page D", "Page A"]
        subs = [self.create_org(kind="budget_institution", parent_id=root["id"], name=n) for n in names]
        self.disclose(subs[0], self.exec, "2026-10", "2026-11-18T09:00:00+08:00")          # late
        self.disclose(subs[0], self.purchases, "2026-10", "2026-11-10T09:00:00+08:00",     # on time
                      amount="6000000.00", currency="MNT")
        self.disclose(subs[2], self.exec, "2026-10", "2026-11-10T09:00:00+08:00")          # on time
        self.disclose(subs[2], self.purchases, "2026-10", "2026-11-11T09:00:00+08:00",     # on time: no entry
                      amount="6000000.00", currency="MNT")
        self.disclose(subs[3], self.purchases, "2026-10", "2026-11-19T09:00:00+08:00",     # late
                      amount="6000000.00", currency="MNT")
        qs = f"period=2026-10&organization_id={root['id']}&as_of=2026-11-20T00:00:00Z"
        whole = self.board(qs + "&limit=500")
        self.assertIsNone(whole["next_cursor"])
        self.assertEqual(whole["organizations"], 7)
        self.assertEqual(whole["counts"], {"on_time": 3, "late": 2, "missing": 9, "not_due": 0})
        expected = sorted([root] + subs[:2] + subs[3:], key=lambda o: (o["name"], o["id"]))
        self.assertEqual(whole["late_organizations"], 6)
        self.assertEqual([e["organization_id"] for e in whole["entries"]], [o["id"] for o in expected])
        self.assertEqual(sorted(self.board_items(whole, "late")),
                         sorted([(subs[0]["id"], "MN-EXEC"), (subs[3]["id"], "MN-PURCH")]))
        # The default page (50) holds them all too.
        self.assertEqual(self.board(qs), whole)
        for limit in (1, 2, 4, 6):
            with self.subTest(limit=limit):
                pages = self.board_pages(qs, limit)
                self.assertEqual(len(pages), -(-6 // limit))
                for p in pages:
                    self.assertEqual({k: p[k] for k in ("organizations", "counts", "late_organizations")},
                                     {k: whole[k] for k in ("organizations", "counts", "late_organizations")})
                self.assertEqual([e for p in pages for e in p["entries"]], whole["entries"])
                for status in ("late", "missing"):
                    items = [x for p in pages for x in self.board_items(p, status)]
                    self.assertEqual(len(items), whole["counts"][status])
                    self.assertEqual(items, self.board_items(whole, status))

    def test_board_bad_page_parameters(self):
        """limit and cursor are checked as the lists check them: 422 naming the parameter, nothing changed."""
        root = self.create_org(kind="district_administration")
        for i in range(2):
            self.create_org(kind="budget_institution", parent_id=root["id"])
        other = self.create_org(kind="district_administration")
        self.create_org(kind="budget_institution", parent_id=other["id"])
        qs = "period=2026-10&as_of=2026-11-20T00:00:00Z&organization_id="
        first = self.board(qs + root["id"] + "&limit=1")
        self.assertIsNotNone(first["next_cursor"])
        foreign = self.board(qs + other["id"] + "&limit=1")["next_cursor"]
        for extra, field in (("limit=0", "limit"), ("limit=501", "limit"), ("limit=x", "limit"),
                             ("limit=", "limit"), ("limit=1&limit=2", "limit"), ("cursor=garbage", "cursor"),
                             ("cursor=AAAA", "cursor"), ("cursor=" + urllib.parse.quote(foreign, safe=""), "cursor")):
            with self.subTest(extra=extra), self.unchanged():
                self.assert_field_error(self.get(f"/v1/disclosure-compliance?{qs}{root['id']}&{extra}"), field,
                                        None if extra == "limit=1&limit=2" else "invalid")
        # Both at once, with a bad period: every parameter at fault is named.
        with self.unchanged():
            self.assert_field_errors(self.get("/v1/disclosure-compliance?period=2026-13&limit=0&cursor=x"),
                                     {"period": "invalid", "limit": "invalid", "cursor": "invalid"})
        self.assertEqual(self.board(qs + root["id"] + "&limit=500")["late_organizations"], 3)

    def test_bad_queries(self):
        org = self.school["id"]
        for qs, field in (("", "period"), ("period=2026-1", "period"), ("period=2026-10&as_of=yesterday", "as_of"),
                          ("period=2026-10&x=1", "x")):
            with self.subTest(qs=qs):
                r = self.get(f"/v1/organizations/{org}/disclosure-compliance?{qs}")
                self.assertEqual(r.status, 422, r)
                self.assertIn(field, [e["field"] for e in r.json["errors"]])
        r = self.get("/v1/disclosure-compliance?period=2026-10&organization_id=nope")
        self.assert_field_error(r, "organization_id", "format")
        r = self.get("/v1/organizations/00000000-0000-4000-8000-00000000beef/disclosure-compliance?period=2026-10")
        self.assert_problem(r, 404)


if __name__ == "__main__":
    unittest.main()
