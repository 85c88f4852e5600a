"""The generic REST surface of every entity: create, read, list (pagination,
filters, updated_since, ranges), merge-patch, ETag/If-Match, delete, and the
integrity rules (conflicts, references, cycles, relatives)."""

import datetime
import json
import secrets
import threading
import time
import unittest
import urllib.parse
import uuid

from probity_harness import (ProbityTestCase, TIMESTAMP_RE, UUID_RE, TABLES, load_registry,
                             media_type, walk_pages, sql_literal)


def q(value):
    return urllib.parse.quote(value, safe="")


def parse_ts(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)


class CrudBase(ProbityTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = {e["name"]: e for e in load_registry()["entities"]}

    def check_shape(self, entity, obj):
        names = [f["name"] for f in self.registry[entity]["fields"]]
        self.assertEqual(sorted(obj), sorted(names), f"{entity} members")
        self.assertRegex(obj["id"], UUID_RE)
        self.assertRegex(obj["created_at"], TIMESTAMP_RE)
        self.assertRegex(obj["updated_at"], TIMESTAMP_RE)
        self.assertIsInstance(obj["version"], int)
        self.assertGreaterEqual(obj["version"], 1)
        self.assertLessEqual(parse_ts(obj["created_at"]), parse_ts(obj["updated_at"]))

    def assert_etag(self, resp, version):
        self.assertEqual(resp.headers.get("etag"), f'"{version}"', resp)

    def db_ids(self, entity, where="true"):
        return self.db.column(f"SELECT id FROM {TABLES[entity]} WHERE {where} ORDER BY id")

    def list_all(self, path):
        ids, _ = walk_pages(self, path, 500)
        return ids

    def assert_list_matches_db(self, path, entity, where):
        got = self.list_all(path)
        self.assertEqual(got, self.db_ids(entity, where), f"GET {path} vs WHERE {where}")
        return got


class CreateReadDelete(CrudBase):

    def samples(self):
        org = self.create_org()
        cal = self.create_calendar()
        return {
            "organizations": (self.org_body(code="C-" + secrets.token_hex(3), contact_emails=["a@x.example"]),
                              {"parent_id": None, "disclosure_frequency": "monthly"}),
            "employees": ({"organization_id": org["id"], "full_name": "Анна Петрова", "unit": "Терапия"},
                          {"position": None, "email": None, "relatives": []}),
            "calendars": ({"jurisdiction": self.new_jurisdiction(), "name": "Cal"},
                          {"weekend_days": [6, 7]}),
            "calendar-days": ({"jurisdiction": cal["jurisdiction"], "date": "2026-05-01", "kind": "holiday"},
                              {"name": None}),
        }

    def test_create_get_delete_every_entity(self):
        for entity, (body, defaults) in self.samples().items():
            with self.subTest(entity=entity):
                r = self.post(f"/v1/{entity}", body)
                obj = self.assert_json(r, 201)
                self.check_shape(entity, obj)
                self.assertEqual(r.headers.get("location"), f"/v1/{entity}/{obj['id']}")
                self.assert_etag(r, 1)
                self.assertEqual(obj["version"], 1)
                for k, v in body.items():
                    self.assertEqual(obj[k], v, k)
                for k, v in defaults.items():
                    self.assertEqual(obj[k], v, f"default of {k}")
                self.assertEqual(self.db_ids(entity, f"id = {sql_literal(obj['id'])}"), [obj["id"]])

                r = self.get(r.headers["location"])
                self.assertEqual(self.assert_json(r, 200), obj)
                self.assert_etag(r, 1)

                r = self.delete(f"/v1/{entity}/{obj['id']}")
                self.assertEqual(r.status, 204, r)
                self.assertEqual(r.body, b"")
                self.assert_request_id(r)
                self.assertEqual(self.db_ids(entity, f"id = {sql_literal(obj['id'])}"), [])
                with self.unchanged():
                    self.assert_problem(self.get(f"/v1/{entity}/{obj['id']}"), 404)
                    self.assert_problem(self.delete(f"/v1/{entity}/{obj['id']}"), 404)

    def test_post_with_charset_parameter(self):
        r = self.post("/v1/organizations", raw=json.dumps(self.org_body()).encode(),
                      headers={"Content-Type": "application/json; charset=utf-8"})
        self.assert_json(r, 201)

    def test_timezone_validated_against_zone_database(self):
        for tz in ("Europe/Samara", "Asia/Almaty", "Asia/Ulaanbaatar", "Europe/Moscow", "UTC",
                   "America/Argentina/Buenos_Aires"):
            with self.subTest(tz=tz):
                obj = self.create_org(timezone=tz)
                self.assertEqual(obj["timezone"], tz)
        org = self.create_org()
        r = self.patch(f"/v1/organizations/{org['id']}", {"timezone": "Europe/Samara"})
        self.assertEqual(self.assert_json(r, 200)["timezone"], "Europe/Samara")
        for tz in ("Mars/Olympus", "Europe/Samarra", "Etc/GMT+99"):
            with self.subTest(tz=tz), self.unchanged():
                self.assert_field_error(self.patch(f"/v1/organizations/{org['id']}", {"timezone": tz}),
                                        "timezone", "format")

    def test_unicode_round_trip(self):
        name = "Хан-Уул дүүргийн Засаг даргын Тамгын газар — «тест» 🏛"
        obj = self.create_org(name=name)
        self.assertEqual(self.get(f"/v1/organizations/{obj['id']}").json["name"], name)
        self.assertEqual(self.db.scalar(f"SELECT name FROM organizations WHERE id = {sql_literal(obj['id'])}"), name)


class Listing(CrudBase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        c = cls.server
        def post(entity, body):
            r = c.request("POST", "/v1/" + entity, body)
            assert r.status == 201, r
            return r.json
        base = dict(kind="budget_institution", jurisdiction="MN", timezone="Asia/Ulaanbaatar", locale="mn",
                    currency="MNT")
        cls.parent = post("organizations", dict(base, name="Parent", code="P-ROOT"))
        cls.children = []
        kinds = ["hospital", "private_school", "ministry"]
        for i in range(12):
            body = dict(base, name=f"Child {i}", parent_id=cls.parent["id"], code=f"CH-{i:02d}",
                        kind=kinds[i % 3], jurisdiction=["MN", "KZ", "RU"][i % 3])
            if i % 4 == 0:
                body["disclosure_frequency"] = "quarterly"
            cls.children.append(post("organizations", body))
        cls.employees = [post("employees", {"organization_id": cls.parent["id"], "full_name": f"E{i}",
                                            "unit": ["Терапия", "Surgery & Co", None][i % 3]})
                         for i in range(12)]
        cls.calendars = [post("calendars", {"jurisdiction": j, "name": "C " + j})
                         for j in ("QA", "QB", "QC", "QD", "QE", "QF", "QG", "QH", "QI", "QJ", "QK", "QL")]
        cls.days = []
        for i in range(12):
            d = datetime.date(2026, 1, 5) + datetime.timedelta(days=i * 3)
            cls.days.append(post("calendar-days", {"jurisdiction": "QA", "date": d.isoformat(),
                                                   "kind": "holiday" if i % 2 else "working_day"}))

    def test_pagination_walks_everything_once(self):
        for entity in ("organizations", "employees", "calendars", "calendar-days"):
            with self.subTest(entity=entity):
                ids, pages = walk_pages(self, f"/v1/{entity}", 5)
                self.assertEqual(len(ids), len(set(ids)), "duplicates across pages")
                self.assertEqual(ids, sorted(ids), "order must be id ascending")
                self.assertEqual(ids, self.db_ids(entity), "pages must hold exactly the table's rows")
                full = (len(ids) + 4) // 5 or 1
                # when the rows fill the last page exactly, one empty closing page is allowed
                self.assertIn(pages, (full, full + 1) if len(ids) % 5 == 0 else (full,))

    def test_pagination_under_a_filter(self):
        cases = [("/v1/organizations?parent_id=" + self.parent["id"], self.children),
                 ("/v1/employees?organization_id=" + self.parent["id"], self.employees),
                 ("/v1/calendar-days?jurisdiction=QA", self.days)]
        for path, rows in cases:
            with self.subTest(path=path):
                ids, pages = walk_pages(self, path, 5)
                self.assertEqual(ids, sorted(r["id"] for r in rows))
                self.assertEqual(pages, 3)

    def test_exact_multiple_of_limit(self):
        ids, pages = walk_pages(self, "/v1/employees?organization_id=" + self.parent["id"], 4)
        self.assertEqual(len(ids), 12)
        # a final empty page is allowed only if it says so: walk_pages checks next_cursor null ends it
        self.assertIn(pages, (3, 4))

    def test_default_limit_is_50(self):
        cal = self.create_calendar()
        start = datetime.date(2027, 1, 1)
        for i in range(51):
            self.create_day(cal["jurisdiction"], (start + datetime.timedelta(days=i)).isoformat())
        r = self.get("/v1/calendar-days?jurisdiction=" + cal["jurisdiction"])
        body = self.assert_json(r, 200)
        self.assertEqual(len(body["items"]), 50)
        self.assertIsInstance(body["next_cursor"], str)
        r = self.get(f"/v1/calendar-days?jurisdiction={cal['jurisdiction']}&cursor={q(body['next_cursor'])}")
        body2 = self.assert_json(r, 200)
        self.assertEqual(len(body2["items"]), 1)
        self.assertIsNone(body2["next_cursor"])

    def test_list_items_are_full_entities(self):
        r = self.get("/v1/organizations?parent_id=" + self.parent["id"] + "&limit=1")
        item = self.assert_json(r, 200)["items"][0]
        self.check_shape("organizations", item)
        self.assertEqual(item, self.get(f"/v1/organizations/{item['id']}").json)

    def test_organization_filters(self):
        cases = {
            "parent_id=" + self.parent["id"]: f"parent_id = {sql_literal(self.parent['id'])}",
            "code=CH-03": "code = 'CH-03'",
            "code=NOPE": "code = 'NOPE'",
            "kind=hospital": "kind = 'hospital'",
            "jurisdiction=KZ": "jurisdiction = 'KZ'",
            "disclosure_frequency=quarterly": "disclosure_frequency = 'quarterly'",
            "disclosure_frequency=monthly": "disclosure_frequency = 'monthly'",
            "kind=hospital&jurisdiction=MN": "kind = 'hospital' AND jurisdiction = 'MN'",
            "kind=private_school&parent_id=" + self.parent["id"]:
                f"kind = 'private_school' AND parent_id = {sql_literal(self.parent['id'])}",
        }
        for query, where in cases.items():
            with self.subTest(query=query):
                got = self.assert_list_matches_db("/v1/organizations?" + query, "organizations", where)
                if "NOPE" not in query and "MN" not in query:
                    self.assertTrue(got, "the filter case should match something")

    def test_employee_filters(self):
        cases = {
            "organization_id=" + self.parent["id"]: f"organization_id = {sql_literal(self.parent['id'])}",
            "unit=" + q("Терапия"): "unit = 'Терапия'",
            "unit=" + q("Surgery & Co"): "unit = 'Surgery & Co'",
            "organization_id=" + str(uuid.uuid4()): "false",
        }
        for query, where in cases.items():
            with self.subTest(query=query):
                self.assert_list_matches_db("/v1/employees?" + query, "employees", where)
        self.assertEqual(len(self.list_all("/v1/employees?unit=" + q("Терапия"))), 4)

    def test_calendar_filters(self):
        self.assertEqual(self.assert_list_matches_db("/v1/calendars?jurisdiction=QC", "calendars",
                                                     "jurisdiction = 'QC'"), [self.calendars[2]["id"]])

    def test_calendar_day_filters_and_date_range(self):
        cases = {
            "jurisdiction=QA": "jurisdiction = 'QA'",
            "kind=holiday": "kind = 'holiday'",
            "jurisdiction=QA&kind=working_day": "jurisdiction = 'QA' AND kind = 'working_day'",
            "date_from=2026-01-11": "date >= '2026-01-11'",
            "date_to=2026-01-11": "date <= '2026-01-11'",
            "date_from=2026-01-11&date_to=2026-01-20": "date BETWEEN '2026-01-11' AND '2026-01-20'",
            "date_from=2026-01-14&date_to=2026-01-14": "date = '2026-01-14'",
            "date_from=2026-01-20&date_to=2026-01-11": "false",
            "jurisdiction=QA&date_from=2026-01-08&date_to=2026-01-26&kind=holiday":
                "jurisdiction = 'QA' AND date BETWEEN '2026-01-08' AND '2026-01-26' AND kind = 'holiday'",
        }
        for query, where in cases.items():
            with self.subTest(query=query):
                self.assert_list_matches_db("/v1/calendar-days?" + query, "calendar-days", where)
        # inclusive on both ends: 2026-01-11 and 2026-01-20 are rows (5 Jan + 6 d, + 15 d)
        got = self.list_all("/v1/calendar-days?jurisdiction=QA&date_from=2026-01-11&date_to=2026-01-20")
        self.assertEqual(len(got), 4)

    def test_updated_since(self):
        a = self.create_org()
        time.sleep(0.05)
        b = self.create_org()
        since = b["updated_at"]
        where = f"updated_at >= {sql_literal(since)}::timestamptz"
        got = self.assert_list_matches_db("/v1/organizations?updated_since=" + q(since), "organizations", where)
        self.assertIn(b["id"], got)
        self.assertNotIn(a["id"], got)
        # an offset form of the same instant gives the same answer
        t = parse_ts(since).astimezone(datetime.timezone(datetime.timedelta(hours=3)))
        offset_form = t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}+03:00"
        self.assertEqual(self.list_all("/v1/organizations?updated_since=" + q(offset_form)), got)
        # a change moves a row into the window
        time.sleep(0.05)
        r = self.patch(f"/v1/organizations/{a['id']}", {"name": "touched"})
        self.assert_json(r, 200)
        got = self.list_all("/v1/organizations?updated_since=" + q(since))
        self.assertIn(a["id"], got)
        future = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)).strftime(
            "%Y-%m-%dT%H:%M:%S.000Z")
        self.assertEqual(self.list_all("/v1/organizations?updated_since=" + q(future)), [])


class Patching(CrudBase):

    def merge_patch(self, path, body, etag=None, ctype="application/merge-patch+json"):
        headers = {"Content-Type": ctype}
        if etag is not None:
            headers["If-Match"] = etag
        return self.request("PATCH", path, raw=json.dumps(body).encode(), headers=headers)

    def test_merge_patch_semantics_every_entity(self):
        org = self.create_org(code="MP-" + secrets.token_hex(3), contact_emails=["a@x.example", "b@x.example"])
        other = self.create_employee(org["id"])
        emp = self.create_employee(org["id"], unit="Ward 1", position="Nurse", email="n@x.example",
                                   relatives=[{"employee_id": other["id"], "relation": "sibling"}])
        cal = self.create_calendar(weekend_days=[5, 6])
        day = self.create_day(cal["jurisdiction"], "2026-06-12", name="Russia Day")
        cases = [
            ("organizations", org, {"code": None, "contact_emails": ["c@x.example"], "name": "Renamed"}),
            ("employees", emp, {"unit": None, "email": None, "relatives": []}),
            ("calendars", cal, {"weekend_days": [7]}),
            ("calendar-days", day, {"name": None, "kind": "working_day"}),
        ]
        for entity, before, patch in cases:
            with self.subTest(entity=entity):
                time.sleep(0.01)
                r = self.merge_patch(f"/v1/{entity}/{before['id']}", patch)
                after = self.assert_json(r, 200)
                self.assert_etag(r, 2)
                self.check_shape(entity, after)
                expected = dict(before, **patch)
                for k in ("version", "updated_at"):
                    expected.pop(k)
                self.assertEqual({k: v for k, v in after.items() if k not in ("version", "updated_at")}, expected)
                self.assertEqual(after["version"], 2)
                self.assertGreater(parse_ts(after["updated_at"]), parse_ts(before["updated_at"]))
                self.assertEqual(after["created_at"], before["created_at"])
                r = self.get(f"/v1/{entity}/{before['id']}")
                self.assertEqual(self.assert_json(r, 200), after)
                self.assert_etag(r, 2)
                self.assertEqual(self.db.scalar(f"SELECT version FROM {TABLES[entity]} WHERE id = "
                                                f"{sql_literal(before['id'])}"), "2")
        self.assertEqual(self.db.scalar(f"SELECT count(*) FROM employee_relatives WHERE employee_id = "
                                        f"{sql_literal(emp['id'])}"), "0")

    def test_patch_with_plain_json_and_absent_members_untouched(self):
        org = self.create_org(code="PJ-" + secrets.token_hex(3))
        r = self.merge_patch(f"/v1/organizations/{org['id']}", {"locale": "en"}, ctype="application/json")
        after = self.assert_json(r, 200)
        self.assertEqual(after["locale"], "en")
        self.assertEqual(after["code"], org["code"])
        self.assertEqual(after["name"], org["name"])

    def test_set_nullable_field_then_remove(self):
        org = self.create_org()
        parent = self.create_org()
        r = self.merge_patch(f"/v1/organizations/{org['id']}", {"parent_id": parent["id"]})
        self.assertEqual(self.assert_json(r, 200)["parent_id"], parent["id"])
        r = self.merge_patch(f"/v1/organizations/{org['id']}", {"parent_id": None})
        self.assertIsNone(self.assert_json(r, 200)["parent_id"])
        self.assertEqual(r.json["version"], 3)

    def test_if_match(self):
        org = self.create_org()
        path = f"/v1/organizations/{org['id']}"
        r = self.merge_patch(path, {"name": "v2"}, etag='"1"')
        self.assert_json(r, 200)
        self.assert_etag(r, 2)
        with self.unchanged():
            self.assert_problem(self.merge_patch(path, {"name": "stale"}, etag='"1"'), 412)
            self.assert_problem(self.merge_patch(path, {"name": "future"}, etag='"3"'), 412)
            self.assert_problem(self.delete(path, headers={"If-Match": '"1"'}), 412)
        self.assertEqual(self.get(path).json["name"], "v2")
        r = self.merge_patch(path, {"name": "v3"}, etag='W/"2"')
        self.assert_json(r, 200)
        self.assert_etag(r, 3)
        r = self.merge_patch(path, {"name": "v4"}, etag="*")
        self.assert_json(r, 200)
        self.assert_etag(r, 4)
        r = self.merge_patch(path, {"name": "v5"})
        self.assert_etag(r, 5)
        self.assertEqual(self.delete(path, headers={"If-Match": '"5"'}).status, 204)
        self.assertEqual(self.db_ids("organizations", f"id = {sql_literal(org['id'])}"), [])

    def test_concurrent_patches_same_if_match(self):
        for attempt in range(3):
            org = self.create_org()
            path = f"/v1/organizations/{org['id']}"
            barrier = threading.Barrier(2)
            results = {}

            def worker(name):
                barrier.wait()
                results[name] = self.merge_patch(path, {"name": name}, etag='"1"')

            threads = [threading.Thread(target=worker, args=(n,)) for n in ("alpha", "beta")]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            with self.subTest(attempt=attempt):
                statuses = sorted(r.status for r in results.values())
                self.assertEqual(statuses, [200, 412], results)
                winner = next(n for n, r in results.items() if r.status == 200)
                loser = next(n for n, r in results.items() if r.status == 412)
                self.assert_problem(results[loser], 412)
                final = self.get(path).json
                self.assertEqual(final["name"], winner)
                self.assertEqual(final["version"], 2)
                self.assertEqual(self.db.scalar(f"SELECT name || '/' || version FROM organizations "
                                                f"WHERE id = {sql_literal(org['id'])}"), f"{winner}/2")


class Integrity(CrudBase):

    def test_409_delete_org_with_child_or_employee(self):
        parent = self.create_org()
        child = self.create_org(parent_id=parent["id"])
        with self.unchanged():
            self.assert_problem(self.delete(f"/v1/organizations/{parent['id']}"), 409)
        boss = self.create_org()
        emp = self.create_employee(boss["id"])
        with self.unchanged():
            self.assert_problem(self.delete(f"/v1/organizations/{boss['id']}"), 409)
        self.assertEqual(self.delete(f"/v1/organizations/{child['id']}").status, 204)
        self.assertEqual(self.delete(f"/v1/organizations/{parent['id']}").status, 204)
        self.assertEqual(self.delete(f"/v1/employees/{emp['id']}").status, 204)
        self.assertEqual(self.delete(f"/v1/organizations/{boss['id']}").status, 204)

    def test_409_delete_calendar_with_days(self):
        cal = self.create_calendar()
        day = self.create_day(cal["jurisdiction"], "2026-01-07")
        with self.unchanged():
            self.assert_problem(self.delete(f"/v1/calendars/{cal['id']}"), 409)
        self.assertEqual(self.delete(f"/v1/calendar-days/{day['id']}").status, 204)
        self.assertEqual(self.delete(f"/v1/calendars/{cal['id']}").status, 204)

    def test_409_unique(self):
        code = "DUP-" + secrets.token_hex(3)
        self.create_org(code=code)
        with self.unchanged():
            p = self.assert_problem(self.post("/v1/organizations", self.org_body(code=code)), 409)
        self.assertIn("code", p["detail"])
        other = self.create_org()
        with self.unchanged():
            p = self.assert_problem(self.patch(f"/v1/organizations/{other['id']}", {"code": code}), 409)
        self.assertIn("code", p["detail"])
        cal = self.create_calendar()
        with self.unchanged():
            p = self.assert_problem(self.post("/v1/calendars", {"jurisdiction": cal["jurisdiction"], "name": "x"}), 409)
        self.assertIn("jurisdiction", p["detail"])
        self.create_day(cal["jurisdiction"], "2026-03-08")
        with self.unchanged():
            self.assert_problem(self.post("/v1/calendar-days", {"jurisdiction": cal["jurisdiction"],
                                                                "date": "2026-03-08", "kind": "working_day"}), 409)
        # codes are unique, nulls are not codes
        self.create_org(code=None)
        self.create_org(code=None)

    def test_422_references(self):
        missing = str(uuid.uuid4())
        with self.unchanged():
            self.assert_field_error(self.post("/v1/organizations", self.org_body(parent_id=missing)),
                                    "parent_id", "reference")
            self.assert_field_error(self.post("/v1/employees", {"organization_id": missing, "full_name": "X"}),
                                    "organization_id", "reference")
            self.assert_field_error(self.post("/v1/calendar-days", {"jurisdiction": "ZZ", "date": "2026-01-01",
                                                                    "kind": "holiday"}),
                                    "jurisdiction", "reference")
        org = self.create_org()
        with self.unchanged():
            self.assert_field_error(self.patch(f"/v1/organizations/{org['id']}", {"parent_id": missing}),
                                    "parent_id", "reference")

    def test_422_cycle(self):
        a = self.create_org()
        b = self.create_org(parent_id=a["id"])
        c = self.create_org(parent_id=b["id"])
        for target, new_parent in ((a, b), (a, c), (a, a), (b, c)):
            with self.subTest(org=target["name"], parent=new_parent["name"]), self.unchanged():
                self.assert_field_error(self.patch(f"/v1/organizations/{target['id']}",
                                                   {"parent_id": new_parent["id"]}), "parent_id", "cycle")
        # moving a subtree elsewhere is fine
        d = self.create_org()
        r = self.patch(f"/v1/organizations/{b['id']}", {"parent_id": d["id"]})
        self.assertEqual(self.assert_json(r, 200)["parent_id"], d["id"])

    def race(self, calls):
        """Runs the callables at the same moment; returns their results in order."""
        barrier = threading.Barrier(len(calls))
        results = [None] * len(calls)

        def run(i):
            barrier.wait()
            try:
                results[i] = calls[i]()
            except Exception as exc:  # surfaced by the assertions below
                results[i] = exc

        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        for r in results:
            self.assertNotIsInstance(r, Exception, r)
        return results

    def test_race_same_code(self):
        for attempt in range(3):
            code = "RACE-" + secrets.token_hex(3)
            results = self.race([lambda: self.post("/v1/organizations", self.org_body(code=code))] * 6)
            with self.subTest(attempt=attempt):
                self.assertEqual(sorted(r.status for r in results), [201] + [409] * 5, results)
                for r in results:
                    if r.status == 409:
                        self.assert_problem(r, 409)
                self.assertEqual(self.db.scalar(f"SELECT count(*) FROM organizations WHERE code = '{code}'"), "1")

    def test_race_delete_parent_vs_add_child(self):
        for attempt in range(5):
            parent = self.create_org()
            results = self.race([lambda: self.delete(f"/v1/organizations/{parent['id']}"),
                                 lambda: self.post("/v1/organizations", self.org_body(parent_id=parent["id"]))])
            deleted, child = results
            with self.subTest(attempt=attempt, outcome=(deleted.status, child.status)):
                self.assertIn((deleted.status, child.status), ((204, 422), (409, 201)), results)
                if child.status == 422:
                    self.assert_field_error(child, "parent_id", "reference")
                    self.assertEqual(self.db_ids("organizations", f"id = {sql_literal(parent['id'])}"), [])
                else:
                    self.assert_problem(deleted, 409)
                    self.assertEqual(self.db.scalar(f"SELECT parent_id FROM organizations WHERE id = "
                                                    f"{sql_literal(child.json['id'])}"), parent["id"])

    def test_race_cycle(self):
        """A under B and B under A, at the same moment: at most one may win."""
        for attempt in range(5):
            a, b = self.create_org(), self.create_org()
            results = self.race([lambda: self.patch(f"/v1/organizations/{a['id']}", {"parent_id": b["id"]}),
                                 lambda: self.patch(f"/v1/organizations/{b['id']}", {"parent_id": a["id"]})])
            with self.subTest(attempt=attempt):
                # the tree lock serialises the two: the loser sees the winner's
                # change and gets 422 cycle (not a deadlock's 409); no cycle is
                # stored, and a retry is the same 422
                statuses = sorted(r.status for r in results)
                self.assertEqual(statuses, [200, 422], results)
                i = next(i for i, r in enumerate(results) if r.status != 200)
                self.assert_field_error(results[i], "parent_id", "cycle")
                pa = self.db.scalar(f"SELECT coalesce(parent_id::text, '') FROM organizations WHERE id = {sql_literal(a['id'])}")
                pb = self.db.scalar(f"SELECT coalesce(parent_id::text, '') FROM organizations WHERE id = {sql_literal(b['id'])}")
                self.assertFalse(pa == b["id"] and pb == a["id"], "a cycle was stored")
                self.assertEqual(sorted([pa, pb]), sorted(["", (b["id"] if i == 1 else a["id"])]))
                target, parent = (a, b) if i == 0 else (b, a)
                with self.unchanged():
                    self.assert_field_error(self.patch(f"/v1/organizations/{target['id']}", {"parent_id": parent["id"]}),
                                            "parent_id", "cycle")

    def test_race_delete_relative_vs_declare(self):
        for attempt in range(5):
            org = self.create_org()
            e1, e2 = self.create_employee(org["id"]), self.create_employee(org["id"])
            results = self.race([lambda: self.delete(f"/v1/employees/{e2['id']}"),
                                 lambda: self.patch(f"/v1/employees/{e1['id']}",
                                                    {"relatives": [{"employee_id": e2["id"], "relation": "spouse"}]})])
            deleted, declared = results
            with self.subTest(attempt=attempt, outcome=(deleted.status, declared.status)):
                self.assertIn((deleted.status, declared.status), ((204, 422), (409, 200)), results)
                if declared.status == 422:
                    self.assert_field_error(declared, "relatives[0].employee_id", "reference")

    def test_relatives(self):
        org = self.create_org()
        e1 = self.create_employee(org["id"], unit="Ward")
        e2 = self.create_employee(org["id"], unit="Ward")
        r = self.patch(f"/v1/employees/{e1['id']}", {"relatives": [{"employee_id": e2["id"], "relation": "spouse"}]})
        self.assertEqual(self.assert_json(r, 200)["relatives"], [{"employee_id": e2["id"], "relation": "spouse"}])
        self.assertEqual(self.get(f"/v1/employees/{e1['id']}").json["relatives"],
                         [{"employee_id": e2["id"], "relation": "spouse"}])
        self.assertEqual(self.db.rows(f"SELECT relative_id, relation FROM employee_relatives WHERE employee_id = "
                                      f"{sql_literal(e1['id'])}"), [[e2["id"], "spouse"]])
        # the declaration belongs to e1 only
        self.assertEqual(self.get(f"/v1/employees/{e2['id']}").json["relatives"], [])

        with self.unchanged():
            self.assert_field_error(
                self.patch(f"/v1/employees/{e1['id']}",
                           {"relatives": [{"employee_id": str(uuid.uuid4()), "relation": "child"}]}),
                "relatives[0].employee_id", "reference")
            self.assert_field_error(
                self.post("/v1/employees", {"organization_id": org["id"], "full_name": "Z",
                                            "relatives": [{"employee_id": e2["id"], "relation": "child"},
                                                          {"employee_id": str(uuid.uuid4()), "relation": "child"}]}),
                "relatives[1].employee_id", "reference")
            p = self.assert_problem(
                self.patch(f"/v1/employees/{e1['id']}", {"relatives": [{"employee_id": e1["id"], "relation": "parent"}]}),
                422)
            self.assertEqual([e["field"] for e in p["errors"]], ["relatives[0].employee_id"])
            self.assert_problem(self.delete(f"/v1/employees/{e2['id']}"), 409)

        # a relative in another organization is allowed
        other_org = self.create_org()
        e3 = self.create_employee(other_org["id"],
                                  relatives=[{"employee_id": e1["id"], "relation": "sibling"}])
        self.assertEqual(e3["relatives"], [{"employee_id": e1["id"], "relation": "sibling"}])
        # deleting the declarer removes its declarations, then the relative can go
        self.assertEqual(self.delete(f"/v1/employees/{e3['id']}").status, 204)
        self.assertEqual(self.delete(f"/v1/employees/{e1['id']}").status, 204)
        self.assertEqual(self.db.scalar(f"SELECT count(*) FROM employee_relatives WHERE employee_id = "
                                        f"{sql_literal(e1['id'])}"), "0")
        self.assertEqual(self.delete(f"/v1/employees/{e2['id']}").status, 204)


if __name__ == "__main__":
    unittest.main()
