"""Domain routes: close relatives in the same unit (hospital policy, seed 003,
Appendix 1 item 2) and the working-day calculator over calendars and days."""

import datetime
import json
import os
import unittest
import uuid

from probity_harness import ProbityTestCase, SRC, psql_file, sql_literal


class RelativeConflicts(ProbityTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.server

        def post(entity, body):
            r = s.request("POST", "/v1/" + entity, body)
            assert r.status == 201, r
            return r.json

        org = dict(kind="hospital", jurisdiction="KZ", timezone="Asia/Almaty", locale="ru", currency="KZT")
        cls.hospital = post("organizations", dict(org, name="Hospital"))
        cls.other_hospital = post("organizations", dict(org, name="Other hospital"))
        h = cls.hospital["id"]

        def emp(name, unit, position, org_id=h, relatives=()):
            return post("employees", {"organization_id": org_id, "full_name": name, "unit": unit,
                                      "position": position,
                                      "relatives": [{"employee_id": r["id"], "relation": rel} for r, rel in relatives]})

        cls.mother = emp("Mother", "Therapy", "Nurse")
        cls.daughter = emp("Daughter", "Therapy", "Nurse", relatives=[(cls.mother, "parent")])
        cls.surgeon = emp("Surgeon", "Surgery", "Surgeon")
        cls.accountant = emp("Accountant", "Accounting", "Chief accountant", relatives=[(cls.surgeon, "spouse")])
        cls.cousin_a = emp("Cousin A", "Surgery", "Surgeon")
        cls.cousin_b = emp("Cousin B", "Surgery", "Operating nurse", relatives=[(cls.cousin_a, "other")])
        # same unit name, but the relative works for another organization
        cls.outsider = emp("Outsider", "Therapy", "Nurse", org_id=cls.other_hospital["id"])
        cls.insider = emp("Insider", "Therapy", "Orderly", relatives=[(cls.outsider, "sibling")])
        # close relatives with no unit at all
        cls.nounit_a = emp("No unit A", None, None)
        cls.nounit_b = emp("No unit B", None, None, relatives=[(cls.nounit_a, "spouse")])
        # a second close pair, declared by the other side (child), in Laboratory
        cls.lab_father = emp("Lab father", "Laboratory", "Chemist")
        cls.lab_son = emp("Lab son", "Laboratory", "Assistant")
        r = s.request("PATCH", f"/v1/employees/{cls.lab_father['id']}",
                      {"relatives": [{"employee_id": cls.lab_son["id"], "relation": "child"}]})
        assert r.status == 200, r

    @staticmethod
    def brief(e):
        return {"id": e["id"], "full_name": e["full_name"], "unit": e["unit"], "position": e["position"]}

    def test_lists_same_unit_close_relatives_only(self):
        path = f"/v1/organizations/{self.hospital['id']}/relative-conflicts"
        with self.unchanged():
            body = self.assert_json(self.get(path), 200)
        self.assertEqual(sorted(body), ["items", "organization_id"])
        self.assertEqual(body["organization_id"], self.hospital["id"])
        expected = [
            {"unit": "Therapy", "relation": "parent", "employee": self.brief(self.daughter),
             "relative": self.brief(self.mother)},
            {"unit": "Laboratory", "relation": "child", "employee": self.brief(self.lab_father),
             "relative": self.brief(self.lab_son)},
        ]
        key = lambda it: (it["unit"], it["employee"]["id"])
        self.assertEqual(sorted(body["items"], key=key), sorted(expected, key=key))

    def test_every_close_relation_counts_and_other_does_not(self):
        close = ["parent", "child", "adoptive_parent", "adopted_child", "sibling", "half_sibling", "grandparent",
                 "grandchild", "spouse", "sibling_in_law", "parent_in_law", "child_in_law"]
        for relation in close + ["other"]:
            with self.subTest(relation=relation):
                org = self.create_org(kind="hospital")
                a = self.create_employee(org["id"], unit="Ward", position="Nurse")
                b = self.create_employee(org["id"], unit="Ward", position="Doctor",
                                         relatives=[{"employee_id": a["id"], "relation": relation}])
                body = self.assert_json(self.get(f"/v1/organizations/{org['id']}/relative-conflicts"), 200)
                if relation == "other":
                    self.assertEqual(body["items"], [])
                else:
                    self.assertEqual(body["items"], [{"unit": "Ward", "relation": relation,
                                                      "employee": self.brief(b), "relative": self.brief(a)}])

    def test_moving_to_another_unit_clears_the_conflict(self):
        org = self.create_org(kind="hospital")
        a = self.create_employee(org["id"], unit="Ward", position="Nurse")
        b = self.create_employee(org["id"], unit="Ward", position="Nurse",
                                 relatives=[{"employee_id": a["id"], "relation": "spouse"}])
        path = f"/v1/organizations/{org['id']}/relative-conflicts"
        self.assertEqual(len(self.get(path).json["items"]), 1)
        self.assertEqual(self.patch(f"/v1/employees/{b['id']}", {"unit": "Kitchen"}).status, 200)
        self.assertEqual(self.get(path).json["items"], [])

    def test_empty_organization(self):
        org = self.create_org()
        body = self.assert_json(self.get(f"/v1/organizations/{org['id']}/relative-conflicts"), 200)
        self.assertEqual(body, {"organization_id": org["id"], "items": []})

    def test_unknown_and_malformed_org(self):
        with self.unchanged():
            self.assert_problem(self.get(f"/v1/organizations/{uuid.uuid4()}/relative-conflicts"), 404)
            self.assert_field_error(self.get("/v1/organizations/nope/relative-conflicts"), "id", "format")
            self.assert_field_error(self.get(f"/v1/organizations/{self.hospital['id']}/relative-conflicts?x=1"),
                                    "x", "unknown_parameter")


class WorkingDays(ProbityTestCase):
    """A calendar built through the API. March 2026: Mon 2 … Fri 6, Sat 7, Sun 8,
    Mon 9 (holiday here), Tue 10 … Fri 13, Sat 14 (a working Saturday here),
    Sun 15, Mon 16."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.server

        def post(entity, body):
            r = s.request("POST", "/v1/" + entity, body)
            assert r.status == 201, r
            return r.json

        post("calendars", {"jurisdiction": "RU", "name": "Test RU", "weekend_days": [6, 7]})
        post("calendar-days", {"jurisdiction": "RU", "date": "2026-03-09", "kind": "holiday", "name": "Moved"})
        post("calendar-days", {"jurisdiction": "RU", "date": "2026-03-14", "kind": "working_day", "name": "Transfer"})
        post("calendars", {"jurisdiction": "AE", "name": "Fri-Sat weekend", "weekend_days": [5, 6]})
        post("calendars", {"jurisdiction": "XX", "name": "No weekend", "weekend_days": []})

    def wd(self, jurisdiction, frm, add):
        path = f"/v1/calendars/{jurisdiction}/working-days?from={frm}&add={add}"
        with self.unchanged():
            r = self.get(path)
        return r

    def check(self, jurisdiction, frm, add, expected):
        r = self.wd(jurisdiction, frm, add)
        body = self.assert_json(r, 200)
        self.assertEqual(body, {"jurisdiction": jurisdiction, "from": frm, "add": add, "date": expected},
                         f"{jurisdiction} from {frm} add {add}")

    def test_across_a_holiday(self):
        self.check("RU", "2026-03-06", 1, "2026-03-10")   # Fri -> skip Sat, Sun, holiday Mon
        self.check("RU", "2026-03-05", 2, "2026-03-10")
        self.check("RU", "2026-03-02", 10, "2026-03-16")  # 3,4,5,6,10,11,12,13,14(Sat),16

    def test_transfer_working_saturday(self):
        self.check("RU", "2026-03-13", 1, "2026-03-14")
        self.check("RU", "2026-03-13", 2, "2026-03-16")
        self.check("RU", "2026-03-14", 0, "2026-03-14")

    def test_add_zero(self):
        self.check("RU", "2026-03-07", 0, "2026-03-10")   # Sat -> Sun, holiday Mon -> Tue
        self.check("RU", "2026-03-09", 0, "2026-03-10")   # the holiday itself
        self.check("RU", "2026-03-10", 0, "2026-03-10")   # a working day stays

    def test_negative_add(self):
        self.check("RU", "2026-03-10", -1, "2026-03-06")  # back over holiday Mon and the weekend
        self.check("RU", "2026-03-16", -1, "2026-03-14")  # the working Saturday counts
        self.check("RU", "2026-03-16", -2, "2026-03-13")
        self.check("RU", "2026-03-08", -1, "2026-03-06")  # from a Sunday, from not counted
        self.check("RU", "2026-03-16", -10, "2026-03-02")

    def test_other_weekends(self):
        self.check("AE", "2026-03-05", 1, "2026-03-08")   # Thu -> Fri, Sat off -> Sun
        self.check("AE", "2026-03-06", 0, "2026-03-08")
        self.check("XX", "2026-03-06", 1, "2026-03-07")   # no weekend at all
        self.check("XX", "2026-03-06", -3, "2026-03-03")

    def test_year_boundary_and_extremes(self):
        self.check("RU", "2026-12-31", 1, "2027-01-01")
        self.check("RU", "2027-01-01", -1, "2026-12-31")
        # 1000 working days after a Monday with no special days ahead: 200 weeks later, a Monday
        self.check("RU", "2026-03-16", 1000, (datetime.date(2026, 3, 16) + datetime.timedelta(weeks=200)).isoformat())
        self.check("RU", "2031-01-06", -1000, (datetime.date(2031, 1, 6) - datetime.timedelta(weeks=200)).isoformat())

    def test_unknown_jurisdiction_404(self):
        with self.unchanged():
            self.assert_problem(self.get("/v1/calendars/ZZ/working-days?from=2026-03-06&add=1"), 404)
            self.assert_problem(self.get("/v1/calendars/KZ/working-days?from=2026-03-06&add=1"), 404)

    def test_bad_params_422(self):
        cases = [
            ("from=2026-03-06", {"add": None}),
            ("add=1", {"from": None}),
            ("", {"from": None, "add": None}),
            ("from=2026-02-30&add=1", {"from": "invalid"}),
            ("from=06.03.2026&add=1", {"from": "invalid"}),
            ("from=2026-03-06&add=x", {"add": "invalid"}),
            ("from=2026-03-06&add=1.5", {"add": "invalid"}),
            ("from=2026-03-06&add=1001", {"add": "invalid"}),
            ("from=2026-03-06&add=-1001", {"add": "invalid"}),
            ("from=2026-03-06&add=", {"add": "invalid"}),
            ("from=2026-03-06&add=1&add=2", {"add": None}),
            ("from=2026-03-06&add=1&bogus=1", {"bogus": "unknown_parameter"}),
        ]
        for query, expected in cases:
            path = f"/v1/calendars/RU/working-days?{query}"
            with self.subTest(query=query), self.unchanged():
                self.assert_field_errors(self.get(path), expected, instance="/v1/calendars/RU/working-days")

    def test_limits_accepted(self):
        self.assertEqual(self.wd("RU", "2026-03-06", 1000).status, 200)
        self.assertEqual(self.wd("RU", "2026-03-06", -1000).status, 200)

    def test_calendar_change_is_seen(self):
        self.create_calendar("QW", weekend_days=[7])
        self.check("QW", "2026-03-06", 1, "2026-03-07")   # Saturday works here
        r = self.get("/v1/calendars?jurisdiction=QW")
        cal = r.json["items"][0]
        self.assertEqual(self.patch(f"/v1/calendars/{cal['id']}", {"weekend_days": [6, 7]}).status, 200)
        self.check("QW", "2026-03-06", 1, "2026-03-09")
        self.create_day("QW", "2026-03-09", "holiday")
        self.check("QW", "2026-03-06", 1, "2026-03-10")


def oracle(weekend, days, start, add):
    """Independent reference: N working days after start."""
    def working(d):
        kind = days.get(d)
        if kind == "holiday":
            return False
        if kind == "working_day":
            return True
        return d.isoweekday() not in weekend
    d = start
    if add == 0:
        while not working(d):
            d += datetime.timedelta(days=1)
        return d
    step = datetime.timedelta(days=1 if add > 0 else -1)
    n = abs(add)
    while n:
        d += step
        if working(d):
            n -= 1
    return d


class DemoCalendars(ProbityTestCase):
    DEMO = os.path.join(SRC, "deploy", "demo", "10_calendars.sql")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if os.path.exists(cls.DEMO):
            psql_file(cls.db.url, cls.DEMO)

    def setUp(self):
        if not os.path.exists(self.DEMO):
            self.skipTest(f"{self.DEMO} does not exist yet (demo calendars not written)")
        super().setUp()

    def demo_rows(self, jurisdiction):
        weekend = json.loads(self.db.scalar(f"SELECT weekend_days FROM calendars WHERE jurisdiction = "
                                            f"{sql_literal(jurisdiction)}"))
        days = {datetime.date.fromisoformat(d): k for d, k in
                self.db.rows(f"SELECT date, kind FROM calendar_days WHERE jurisdiction = {sql_literal(jurisdiction)}")}
        return set(weekend), days

    def test_ru_new_year_2027(self):
        # Mon 28 Dec 2026: Tue 29 (1), Wed 30 (2); Thu 31 Dec is a moved day off; 1-8 Jan 2027
        # holidays; Sat 9, Sun 10; Mon 11 (3), Tue 12 (4), Wed 13 (5)
        r = self.get("/v1/calendars/RU/working-days?from=2026-12-28&add=5")
        self.assertEqual(self.assert_json(r, 200),
                         {"jurisdiction": "RU", "from": "2026-12-28", "add": 5, "date": "2027-01-13"})

    def test_demo_calendars_agree_with_reference(self):
        starts = ["2025-12-29", "2026-01-01", "2026-02-20", "2026-03-06", "2026-05-08", "2026-06-11",
                  "2026-11-03", "2026-12-15", "2026-12-30"]
        for jurisdiction in ("RU", "KZ", "MN"):
            weekend, days = self.demo_rows(jurisdiction)
            for s in starts:
                for add in (-5, -1, 0, 1, 3, 10):
                    want = oracle(weekend, days, datetime.date.fromisoformat(s), add).isoformat()
                    with self.subTest(j=jurisdiction, start=s, add=add):
                        r = self.get(f"/v1/calendars/{jurisdiction}/working-days?from={s}&add={add}")
                        self.assertEqual(self.assert_json(r, 200)["date"], want)


if __name__ == "__main__":
    unittest.main()
