"""Who may do what, where: the permission matrix of DESIGN §5, generated from
the registry (`probityd registry`: ops, read_roles, write_roles, create_roles,
scope_field, scope_self, scope_from, fields[].read_roles) rather than from a
hand-written list.

The tree:  R (root) ─┬─ A ── A1
                     └─ B
One API key per role bound to A (so A and A1 are inside, R and B outside),
plus the harness's global admin. For every entity × op × role × inside /
outside (or "shared" for entities without a scope field) the exact status is
asserted; lists are compared with the rows the database holds inside the
subtree (for the audit trail: the rows whose org_path holds the key's
organization); members with read_roles are checked present or absent per
role; and every refused write is shown to have changed nothing."""

import contextlib
import datetime
import secrets
import unittest
import urllib.parse
import uuid

from probity_harness import ABSENT, ProbityTestCase, create_key, load_registry, sql_literal

GENERIC_ROUTES = {  # op -> (method, path suffix)
    "list": ("GET", ""), "create": ("POST", ""), "get": ("GET", "/{id}"),
    "patch": ("PATCH", "/{id}"), "delete": ("DELETE", "/{id}"),
}
FALLBACK_ROLES = ("admin", "auditor", "officer", "viewer", "integration")


def q(value):
    return urllib.parse.quote(value, safe="")


def stable_checksum(db):
    """{table: md5 of its rows} like TestDatabase.checksum, but blind to
    api_keys.last_used_at: the server refreshes it (at most once a minute) on
    any authenticated request, refused or not, and a key's first use always
    sets it. Everything else counts."""
    tables = getattr(db, "_stable_tables", None)
    if tables is None:
        tables = db._stable_tables = db.tables()
    parts = [f"SELECT {sql_literal(t)}, coalesce(md5(string_agg(x, '|' ORDER BY x)), 'empty') "
             f"FROM (SELECT (to_jsonb(y) - 'last_used_at')::text AS x FROM {t} y) z" for t in tables]
    out = db.query(" UNION ALL ".join(parts))
    return dict(line.split("|", 1) for line in out.splitlines() if line)


class AuthzBase(ProbityTestCase):
    """Registry-driven helpers shared by the matrix tests."""

    @contextlib.contextmanager
    def unchanged(self):
        before = stable_checksum(self.db)
        yield
        after = stable_checksum(self.db)
        changed = sorted(t for t in set(before) | set(after) if before.get(t) != after.get(t))
        self.assertEqual(changed, [], "database changed by a request that must change nothing")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = load_registry()["entities"]
        cls.ent = {e["name"]: e for e in cls.registry}
        roles = None
        for e in cls.registry:
            for f in e["fields"]:
                if e["name"] == "api-keys" and f["name"] == "role":
                    roles = tuple(f["enum"])
        cls.roles = roles or FALLBACK_ROLES
        cls._date = datetime.date(2031, 1, 1)
        cls._month = 0
        cls._jur = iter(a + b for a in "ZYXWVUTSQPONMLKJIHGFEDCBA" for b in "ZYXWVUTSRQPONMLKJIHGFEDCBA")

    # -- the registry -----------------------------------------------------

    @staticmethod
    def shared(e):
        return not e["scope_field"] and not e["scope_self"]

    @staticmethod
    def scope_column(e):
        return "id" if e["scope_self"] else e["scope_field"]

    @staticmethod
    def field(e, name):
        return next((f for f in e["fields"] if f["name"] == name), None)

    @staticmethod
    def restricted_fields(e):
        return [f for f in e["fields"] if f.get("read_roles")]

    def patch_field(self, e):
        """A plain writable text field, to patch without side effects."""
        for f in e["fields"]:
            if (f["type"] == "string" and not f["read_only"] and not f.get("format")
                    and not f.get("ref") and not f.get("read_roles") and f["name"] != e["scope_field"]):
                return f
        self.fail(f"{e['name']}: no plain text field to patch")

    # -- sample values ----------------------------------------------------

    @classmethod
    def next_date(cls):
        cls._date += datetime.timedelta(days=1)
        return cls._date.isoformat()

    @classmethod
    def next_period(cls):
        # A month no disclosure has used yet: one per (organization, requirement, period).
        cls._month += 1
        return f"{2030 + cls._month // 12}-{cls._month % 12 + 1:02d}"

    @classmethod
    def next_jurisdiction(cls):
        return next(cls._jur)

    # Receivables (seed 004): values their rules accept. Days that happened are in the past; a
    # collection action that moves no status; the administrator's currency; a schedule that covers
    # the plan receivable's whole balance.
    PAST_DAYS = {"paid_on", "done_on", "granted_on"}
    FIXED_SAMPLES = {("collection-actions", "kind"): "other", ("receivables", "currency"): "RUB",
                     ("payments", "currency"): "RUB",
                     ("installment-plans", "lines"): [{"due_on": "2031-01-01", "amount": "1000.00",
                                                       "interest": "0.00"}]}

    def sample(self, e, f, org):
        t, fmt = f["type"], f.get("format")
        if f["name"] == e["scope_field"]:
            return org
        if (e["name"], f["name"]) in self.FIXED_SAMPLES:
            return self.FIXED_SAMPLES[(e["name"], f["name"])]
        if t == "date" and f["name"] in self.PAST_DAYS:
            return "2025-06-01"
        if t == "uuid" and org is not None:
            # a row of the referenced entity in org (receivables: one with room for many payments, or,
            # for a schedule, the one whose balance it covers)
            by_org = {"debtors": self.debtors, "employees": self.emp_by_org,
                      "receivables": self.plan_receivables if e["name"] == "installment-plans"
                      else self.receivables}.get(f.get("ref"))
            if by_org is not None:
                return by_org.get(org)
        if t == "uuid" and f.get("ref") == "income-codes":
            return self.income_code["id"]
        if t == "enum":
            return f.get("default", f["enum"][0])
        if t == "uuid":
            if f.get("ref") == "disclosure-requirements":
                return self.requirement["id"]
            return org if f.get("ref") == "organizations" else None
        if t == "date":
            return self.next_date()
        if t == "timestamp":
            return "2026-11-10T00:00:00.000Z"   # as the server renders it
        if t == "money":
            return "1000.00"
        if t == "int":
            return f.get("min", 0)
        if t == "array":
            if f.get("items", {}).get("type") == "enum":   # e.g. org_kinds: all of them
                return list(f["items"]["enum"])
            return f.get("default", [])
        if t == "string":
            tag = secrets.token_hex(4)
            if fmt == "timezone":
                return "Asia/Almaty"
            if fmt == "email":
                return f"p{tag}@example.org"
            if fmt == "code":
                return "C-" + tag
            if fmt == "period":
                return self.next_period()
            if fmt == "upper":
                # a calendar's own code is unique; anything else names the shared calendar
                return self.next_jurisdiction() if e["name"] == "calendars" else self.jurisdiction
            if fmt == "digits":
                return str(10 ** 16 + secrets.randbelow(9 * 10 ** 16))   # 17 digits, unique enough
            return f"{f['name']} {tag}"[: f.get("max", 100)]
        self.fail(f"{e['name']}.{f['name']}: no sample for type {t}")

    def body_for(self, e, org):
        """A valid create body: the required fields, and the scope field set
        to org (None: explicitly null)."""
        body = {}
        for f in e["fields"]:
            if f["read_only"] or f.get("patch_only"):   # patch_only: the server sets it on create
                continue
            if f["name"] == e["scope_field"] or f["required"]:
                body[f["name"]] = self.sample(e, f, org)
        return body

    # -- requests as a given caller -----------------------------------------

    def call(self, method, path, token, body=None, **kw):
        headers = {"Authorization": "Bearer " + token} if token else {"Authorization": None}
        return self.request(method, path, body=body, headers=headers,
                            keep_alive=method == "GET", **kw)

    def admin_create(self, e, org, **over):
        body = self.body_for(e, org)
        body.update(over)
        r = self.post(f"/v1/{e['name']}", body)
        self.assertEqual(r.status, 201, r)
        return r.json

    def admin_get(self, e, rid):
        return self.get(f"/v1/{e['name']}/{rid}")

    def list_ids(self, e, token, query="limit=500"):
        """Every page of GET /v1/<entity> as token; (ids, items) or the
        refusing response."""
        ids, items, url = [], [], f"/v1/{e['name']}?{query}"
        for _ in range(1000):
            r = self.call("GET", url, token)
            if r.status != 200:
                return r
            body = self.assert_json(r, 200)
            items += body["items"]
            ids += [it["id"] for it in body["items"]]
            if body["next_cursor"] is None:
                return ids, items
            url = f"/v1/{e['name']}?{query}&cursor={q(body['next_cursor'])}"
        self.fail("pagination does not end")

    # -- the database as the oracle ----------------------------------------

    def subtree(self, root):
        """root and its descendants, computed here from (id, parent_id)."""
        children = {}
        for oid, parent in self.db.rows("SELECT id, coalesce(parent_id::text, '') FROM organizations"):
            children.setdefault(parent, []).append(oid)
        out, todo = set(), [root]
        while todo:
            o = todo.pop()
            if o not in out:
                out.add(o)
                todo += children.get(o, [])
        return out

    def scope_path(self, e):
        """The column of organizations a row stays visible under (the audit
        trail's org_path), if the table has one. `probityd registry` does not
        (yet) say so; the column is looked up."""
        if e.get("scope_path"):
            return e["scope_path"]
        found = self.db.column(f"SELECT column_name FROM information_schema.columns WHERE "
                               f"table_name = {sql_literal(e['table'])} AND column_name = 'org_path'")
        return found[0] if found else None

    def ids_in_scope(self, e, root):
        """The ids of e's rows a key bound to root must see (root None: all)."""
        if root is None or self.shared(e):
            return set(self.db.column(f"SELECT id FROM {e['table']}"))
        tree = self.subtree(root)
        col = self.scope_column(e)
        path = self.scope_path(e)
        rows = self.db.rows(f"SELECT id, coalesce({col}::text, ''), "
                            f"{'array_to_string(' + path + ', chr(32))' if path else chr(39) * 2} "
                            f"FROM {e['table']}")
        now_inside = {rid for rid, org, _ in rows if org in tree}
        if not path:
            return now_inside
        # Rows carry where they were: visible if root was on that path. No
        # organization here ever moves into or out of root's subtree, so
        # whatever is inside now was inside when it was written.
        by_path = {rid for rid, _, p in rows if root in p.split()}
        self.assertEqual(now_inside - by_path, set(), f"{e['name']}: rows inside the subtree whose "
                                                      f"{path} does not include it")
        return by_path

    # -- assertions -----------------------------------------------------------

    def check_members(self, e, role, obj):
        """Members with read_roles are present exactly for those roles; no
        member the registry does not declare."""
        declared = {f["name"] for f in e["fields"]}
        self.assertTrue(set(obj) - {"token"} <= declared, f"undeclared members in {obj}")
        for f in self.restricted_fields(e):
            if role in f["read_roles"]:
                self.assertIn(f["name"], obj, f"{e['name']}.{f['name']} hidden from {role}")
            else:
                self.assertNotIn(f["name"], obj, f"{e['name']}.{f['name']} shown to {role}")


class AuthzMatrix(AuthzBase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        c = cls.server

        def post(entity, body):
            r = c.request("POST", "/v1/" + entity, body)
            assert r.status == 201, r
            return r.json

        def org(name, parent):
            return post("organizations", {"name": name, "parent_id": parent, "kind": "ministry",
                                          "jurisdiction": "RU", "timezone": "Europe/Moscow",
                                          "locale": "ru", "currency": "RUB"})["id"]

        cls.R = org("Root R", None)
        cls.A = org("A", cls.R)
        cls.A1 = org("A1", cls.A)
        cls.B = org("B", cls.R)
        cls.jurisdiction = "RU"
        cls.calendar = post("calendars", {"jurisdiction": "RU", "name": "Russia"})
        cls.day = post("calendar-days", {"jurisdiction": "RU", "date": "2026-12-31", "kind": "holiday"})
        # A requirement every organization of the tree must meet, for disclosures to point at.
        kinds = next(f for f in cls.ent["organizations"]["fields"] if f["name"] == "kind")["enum"]
        cls.requirement = post("disclosure-requirements", {
            "code": "MX-REQ", "name": "Matrix requirement", "category": "other", "jurisdiction": "RU",
            "org_kinds": kinds, "frequency": "monthly", "active_from": "2000-01-01"})
        cls.global_token = c.token
        cls.tokens = {role: create_key(cls.db.url, role, org=cls.A, name=f"authz {role} @A")
                      for role in cls.roles}
        # first use sets last_used_at; do it now, outside any unchanged() block
        for token in cls.tokens.values():
            c.request("GET", "/v1/calendars?limit=1", headers={"Authorization": "Bearer " + token})

        emp = {}
        for where, oid in (("A", cls.A), ("A1", cls.A1), ("B", cls.B), ("R", cls.R)):
            emp[where] = post("employees", {"organization_id": oid, "full_name": "Emp " + where,
                                            "unit": "Unit"})["id"]
        # a relative, so that the restricted member has something to hide
        r = c.request("PATCH", f"/v1/employees/{emp['A1']}",
                      {"relatives": [{"employee_id": emp["A"], "relation": "sibling"}]})
        assert r.status == 200, r
        cls.emp = emp
        cls.emp_by_org = {cls.A: emp["A"], cls.A1: emp["A1"], cls.B: emp["B"], cls.R: emp["R"]}

        # Receivables (seed 004): a debtor per organization, and per organization a receivable with room for
        # every payment the matrix makes and one a schedule covers exactly (1000.00).
        cls.income_code = post("income-codes", {"code": "11100000000000000", "name": "Доходы от имущества",
                                                "jurisdiction": "RU"})
        cls.debtors = {oid: post("debtors", {"organization_id": oid, "kind": "legal", "name": "Должник " + where,
                                             "registered_address": "п. Кез", "locale": "ru"})["id"]
                       for where, oid in (("A", cls.A), ("A1", cls.A1), ("B", cls.B), ("R", cls.R))}

        def receivable(oid, principal):
            return post("receivables", {
                "organization_id": oid, "debtor_id": cls.debtors[oid], "income_code_id": cls.income_code["id"],
                "basis_document": "Договор аренды", "basis_date": "2024-12-01", "arose_on": "2025-01-01",
                "due_date": "2025-01-31", "principal": principal, "currency": "RUB",
                "payment_details": "р/с 03100643000000011300"})["id"]
        cls.receivables = {oid: receivable(oid, "1000000000.00") for oid in (cls.A, cls.A1, cls.B, cls.R)}
        cls.plan_receivables = {oid: receivable(oid, "1000.00") for oid in (cls.A, cls.A1, cls.B, cls.R)}
        receivable_rows = {}
        for where, oid in (("A1", cls.A1), ("B", cls.B)):
            rid = cls.receivables[oid]
            receivable_rows[where] = {
                "payment": post("payments", {"receivable_id": rid, "paid_on": "2025-02-15", "amount": "10.00",
                                             "currency": "RUB", "document": "п/п " + where})["id"],
                "plan": post("installment-plans", {
                    "receivable_id": cls.plan_receivables[oid], "granted_on": "2025-03-01",
                    "decision_document": "Распоряжение " + where,
                    "lines": [{"due_on": "2025-04-01", "amount": "1000.00"}]})["id"],
                "action": post("collection-actions", {"receivable_id": rid, "kind": "claim", "done_on": "2025-02-10",
                                                      "responsible_employee_id": cls.emp_by_org[oid]})["id"]}
        keys = {}
        for where, oid in (("A1", cls.A1), ("B", cls.B), ("global", None)):
            keys[where] = post("api-keys", {"name": "read row " + where, "role": "viewer",
                                            "organization_id": oid})["id"]

        disclosure = {where: post("disclosures", {
            "organization_id": oid, "requirement_id": cls.requirement["id"], "period": "2026-10",
            "published_at": "2026-11-10T00:00:00Z", "reference": "ref " + where})["id"]
            for where, oid in (("A1", cls.A1), ("B", cls.B))}

        def scheduled(org):
            # Written by the scheduler only: the test writes them as the owner.
            run = cls.db.scalar(
                "INSERT INTO job_runs (kind, period, organization_id, due_at, next_attempt_at, status)"
                f" VALUES ('matrix', '2030-01', {sql_literal(org)}, now(), now(), 'done') RETURNING id")
            mail = cls.db.scalar(
                "INSERT INTO notifications (dedupe_key, job_run_id, organization_id, recipient, locale,"
                " template, subject, body_text, message_id) VALUES"
                f" ({sql_literal('matrix|' + org)}, {sql_literal(run)}, {sql_literal(org)},"
                " 'matrix@example.org', 'ru', 'matrix', 'Matrix', 'Matrix',"
                f" {sql_literal(org + '@matrix.example')}) RETURNING id")
            report = cls.db.insert_report(
                "matrix", "2030-01", org, "ru", "Matrix",
                [{"key": "code", "heading": "Код"}, {"key": "days_late", "heading": "Дней"}],
                [["MX-REQ", 3], ['MX, "2"', None]], {"rows": 2}, job_run_id=run)
            return run, mail, report
        runs = {where: scheduled(oid) for where, oid in (("A1", cls.A1), ("B", cls.B))}

        def audit(entity_id):
            return cls.db.scalar(f"SELECT id FROM audit_events WHERE entity_id = {sql_literal(entity_id)} "
                                 f"ORDER BY created_at LIMIT 1")

        # Rows for the read cases: (label, id) inside and outside A's subtree;
        # shared entities have one bucket every reader sees.
        cls.read_rows = {
            "organizations": {"inside": [("A", cls.A), ("A1", cls.A1)],
                              "outside": [("R", cls.R), ("B", cls.B)]},
            "employees": {"inside": [("in A", emp["A"]), ("in A1", emp["A1"])],
                          "outside": [("in R", emp["R"]), ("in B", emp["B"])]},
            "calendars": {"shared": [("RU", cls.calendar["id"])]},
            "calendar-days": {"shared": [("RU 2026-12-31", cls.day["id"])]},
            "api-keys": {"inside": [("bound to A1", keys["A1"])],
                         "outside": [("bound to B", keys["B"]), ("global", keys["global"])]},
            "disclosure-requirements": {"shared": [("matrix requirement", cls.requirement["id"])]},
            "disclosures": {"inside": [("in A1", disclosure["A1"])], "outside": [("in B", disclosure["B"])]},
            "job-runs": {"inside": [("for A1", runs["A1"][0])], "outside": [("for B", runs["B"][0])]},
            "notifications": {"inside": [("to A1", runs["A1"][1])], "outside": [("to B", runs["B"][1])]},
            "reports": {"inside": [("for A1", runs["A1"][2])], "outside": [("for B", runs["B"][2])]},
            "income-codes": {"shared": [("RU 111", cls.income_code["id"])]},
            "debtors": {"inside": [("in A1", cls.debtors[cls.A1])], "outside": [("in B", cls.debtors[cls.B])]},
            "receivables": {"inside": [("in A1", cls.receivables[cls.A1])],
                            "outside": [("in B", cls.receivables[cls.B])]},
            "payments": {"inside": [("in A1", receivable_rows["A1"]["payment"])],
                         "outside": [("in B", receivable_rows["B"]["payment"])]},
            "installment-plans": {"inside": [("in A1", receivable_rows["A1"]["plan"])],
                                  "outside": [("in B", receivable_rows["B"]["plan"])]},
            "collection-actions": {"inside": [("in A1", receivable_rows["A1"]["action"])],
                                   "outside": [("in B", receivable_rows["B"]["action"])]},
            "audit-events": {"inside": [("employee in A1", audit(emp["A1"]))],
                             "outside": [("employee in B", audit(emp["B"])),
                                         ("shared calendar", audit(cls.calendar["id"]))]},
        }
        for name, buckets in cls.read_rows.items():
            for rows in buckets.values():
                for label, rid in rows:
                    assert rid, (name, label)

    def setUp(self):
        super().setUp()
        missing = sorted(set(self.ent) - set(self.read_rows))
        self.assertEqual(missing, [], "entities in the registry this test has no rows for; "
                                      "add them to setUpClass")

    def tearDown(self):
        self.server.close_conn()
        super().tearDown()

    # -- expectations -------------------------------------------------------

    def may_read(self, e, role):
        return role in e["read_roles"]

    def write_status(self, e, role, scope, ok, op="write"):
        """Every key here is bound to A: only a writer, inside, gets ok. Creating a row whose
        organization is its parent's (scope_from: a payment's receivable) outside the subtree names
        a parent the caller may not see: 422, as for one that does not exist."""
        roles = e.get("create_roles", e["write_roles"]) if op == "create" else e["write_roles"]
        if role not in roles:
            return 403
        if op == "create" and scope == "outside" and e.get("scope_from"):
            return 422
        return ok if scope == "inside" else 403

    def scope_org(self, scope):
        return {"inside": self.A1, "outside": self.B, "null": None, "shared": None}[scope]

    def write_scopes(self, e):
        if self.shared(e):
            return ("shared",)
        f = self.field(e, e["scope_field"])
        return ("inside", "outside", "null") if f["nullable"] else ("inside", "outside")

    # -- reads ------------------------------------------------------------------

    def test_list(self):
        for e in self.registry:
            if "list" not in e["ops"]:
                continue
            expected = self.ids_in_scope(e, self.A)
            for role in self.roles:
                with self.subTest(entity=e["name"], op="list", role=role, scope="A's subtree"):
                    got = self.list_ids(e, self.tokens[role])
                    if not self.may_read(e, role):
                        self.assert_problem(got, 403)
                        continue
                    ids, items = got
                    self.assertEqual(len(ids), len(set(ids)), "an item listed twice")
                    self.assertEqual(set(ids) - expected, set(), "rows outside the subtree listed")
                    self.assertEqual(expected - set(ids), set(), "rows inside the subtree missing")
                    for bucket, rows in self.read_rows[e["name"]].items():
                        for label, rid in rows:
                            (self.assertNotIn if bucket == "outside" else self.assertIn)(
                                rid, ids, f"{bucket} row {label}")
                    for it in items:
                        self.check_members(e, role, it)

    def test_list_with_scope_filter_outside(self):
        """Filtering on an organization outside the subtree gives nothing,
        not that organization's rows."""
        for e in self.registry:
            if "list" not in e["ops"] or self.shared(e):
                continue
            col = e["scope_field"]
            f = self.field(e, col)
            if not f or not f.get("filter"):
                continue
            for role in self.roles:
                if not self.may_read(e, role):
                    continue
                with self.subTest(entity=e["name"], op="list", role=role, scope="outside",
                                  filter=f"{col}={self.B}"):
                    ids, _ = self.list_ids(e, self.tokens[role], f"limit=500&{col}={self.B}")
                    self.assertEqual(ids, [])
                with self.subTest(entity=e["name"], op="list", role=role, scope="inside",
                                  filter=f"{col}={self.A1}"):
                    ids, _ = self.list_ids(e, self.tokens[role], f"limit=500&{col}={self.A1}")
                    want = self.db.column(f"SELECT id FROM {e['table']} WHERE {col} = "
                                          f"{sql_literal(self.A1)}")
                    self.assertEqual(sorted(ids), sorted(want))

    def test_get(self):
        for e in self.registry:
            if "get" not in e["ops"]:
                continue
            for role in self.roles:
                for scope, rows in self.read_rows[e["name"]].items():
                    for label, rid in rows:
                        with self.subTest(entity=e["name"], op="get", role=role, scope=scope, row=label):
                            r = self.call("GET", f"/v1/{e['name']}/{rid}", self.tokens[role])
                            if not self.may_read(e, role):
                                self.assert_problem(r, 403)
                            elif scope == "outside":
                                self.assert_problem(r, 404)
                            else:
                                obj = self.assert_json(r, 200)
                                self.assertEqual(obj["id"], rid)
                                self.check_members(e, role, obj)

    def test_get_outside_is_indistinguishable_from_missing(self):
        """Outside the subtree, the 404 is the same problem as for an id that
        never existed, except for the id in it."""
        for e in self.registry:
            if "get" not in e["ops"] or self.shared(e):
                continue
            for role in self.roles:
                if not self.may_read(e, role):
                    continue
                label, rid = self.read_rows[e["name"]]["outside"][0]
                missing = str(uuid.uuid4())
                with self.subTest(entity=e["name"], op="get", role=role, scope="outside", row=label):
                    p1 = self.assert_problem(self.call("GET", f"/v1/{e['name']}/{rid}", self.tokens[role]), 404)
                    p2 = self.assert_problem(self.call("GET", f"/v1/{e['name']}/{missing}", self.tokens[role]), 404)
                    self.assertEqual(p1["title"], p2["title"])
                    self.assertEqual(p1["detail"].replace(rid, "ID"), p2["detail"].replace(missing, "ID"))

    def test_report_as_csv(self):
        """A report's table as CSV (?format=csv, or Accept: text/csv) has the rights of the JSON GET,
        row for row, and outside the subtree the same 404 as a missing id. An Accept that allows
        neither representation gets 406 for every reader wherever the report is, before it is looked
        up: it tells nothing either."""
        e = self.ent["reports"]
        missing = str(uuid.uuid4())
        ways = (("?format=csv", "format=csv", None), ("", "Accept: text/csv", "text/csv"))
        for role in self.roles:
            token = self.tokens[role]
            for scope, rows in list(self.read_rows[e["name"]].items()) + [("missing", [("random id", missing)])]:
                for label, rid in rows:
                    path = f"/v1/{e['name']}/{rid}"
                    for query, way, accept in ways:
                        with self.subTest(entity=e["name"], op="get as csv", role=role, scope=scope, row=label,
                                          way=way):
                            r = self.request("GET", path + query, headers={"Authorization": "Bearer " + token,
                                                                           "Accept": accept})
                            if not self.may_read(e, role):
                                self.assert_problem(r, 403)
                            elif scope != "inside":
                                p = self.assert_problem(r, 404)
                                self.assertEqual(p["detail"].replace(rid, "ID"),
                                                 f"No {e['name']} with id ID.")
                            else:
                                self.assertEqual(r.status, 200, r)
                                self.assertEqual(r.headers.get("content-type"),
                                                 "text/csv; charset=utf-8; header=present")
                                self.assertEqual(r.headers.get("content-disposition"),
                                                 'attachment; filename="matrix-2030-01.csv"')
                                self.assertEqual(r.body.decode("utf-8"),
                                                 'Код,Дней\r\nMX-REQ,3\r\n"MX, ""2""",\r\n')
                                self.assertEqual((r.headers.get("etag"), r.headers.get("vary")),
                                                 ('"1-csv"', "Accept"), r)
                    with self.subTest(entity=e["name"], op="get", role=role, scope=scope, row=label,
                                      way="Accept: application/xml"):
                        r = self.request("GET", path, headers={"Authorization": "Bearer " + token,
                                                               "Accept": "application/xml"})
                        self.assert_problem(r, 406 if self.may_read(e, role) else 403)

    # -- writes -----------------------------------------------------------------

    def check_refused(self, method, path, token, body=None, status=403):
        with self.unchanged():
            r = self.call(method, path, token, body)
            self.assert_problem(r, status)
        return r

    def test_create(self):
        for e in self.registry:
            if "create" not in e["ops"]:
                continue
            for role in self.roles:
                for scope in self.write_scopes(e):
                    with self.subTest(entity=e["name"], op="create", role=role, scope=scope):
                        body = self.body_for(e, self.scope_org(scope))
                        want = self.write_status(e, role, scope, 201, "create")
                        if want != 201:
                            r = self.check_refused("POST", f"/v1/{e['name']}", self.tokens[role], body,
                                                   status=want)
                            if want == 422:
                                self.assertEqual([x["field"] for x in r.json["errors"]], [e["scope_from"]])
                            continue
                        r = self.call("POST", f"/v1/{e['name']}", self.tokens[role], body)
                        obj = self.assert_json(r, 201)
                        self.check_members(e, role, obj)
                        for k, v in body.items():
                            self.assertEqual(obj.get(k), v, k)
                        self.assertEqual(self.admin_get(e, obj["id"]).status, 200)
                        if e["name"] == "api-keys":
                            self.assertTrue(obj.get("token", "").startswith("prb_"), r)

    def test_create_setting_a_restricted_member(self):
        """A writer that may not read a member may not set it either, even to
        its default; one that may read it may set it."""
        for e in self.registry:
            if "create" not in e["ops"]:
                continue
            for f in self.restricted_fields(e):
                for role in self.roles:
                    with self.subTest(entity=e["name"], op="create", role=role, scope="inside",
                                      member=f["name"]):
                        body = self.body_for(e, self.A1)
                        body[f["name"]] = self.sample(e, f, self.A1)
                        want = self.write_status(e, role, "inside", 201, "create")
                        if want == 201 and role not in f["read_roles"]:
                            want = 403
                        if want == 403:
                            self.check_refused("POST", f"/v1/{e['name']}", self.tokens[role], body)
                        else:
                            obj = self.assert_json(self.call("POST", f"/v1/{e['name']}",
                                                             self.tokens[role], body), 201)
                            self.check_members(e, role, obj)

    def test_patch(self):
        for e in self.registry:
            if "patch" not in e["ops"]:
                continue
            pf = self.patch_field(e)
            for role in self.roles:
                for scope in self.write_scopes(e):
                    if scope == "null":
                        continue
                    with self.subTest(entity=e["name"], op="patch", role=role, scope=scope):
                        row = self.admin_create(e, self.scope_org(scope))
                        path = f"/v1/{e['name']}/{row['id']}"
                        value = f"patched by {role} {secrets.token_hex(3)}"
                        want = self.write_status(e, role, scope, 200)
                        if want != 200:
                            self.check_refused("PATCH", path, self.tokens[role], {pf["name"]: value})
                            self.assertEqual(self.admin_get(e, row["id"]).json, row)
                            continue
                        obj = self.assert_json(self.call("PATCH", path, self.tokens[role],
                                                         {pf["name"]: value}), 200)
                        self.assertEqual(obj[pf["name"]], value)
                        self.check_members(e, role, obj)
                        self.assertEqual(self.admin_get(e, row["id"]).json[pf["name"]], value)

    def test_patch_moving_between_organizations(self):
        """A row inside may move within the subtree, never out of it (nor to
        no organization)."""
        for e in self.registry:
            if "patch" not in e["ops"] or self.shared(e):
                continue
            sf = self.field(e, e["scope_field"])
            if sf["read_only"]:   # scope_from: it follows the parent, and a patch naming it is refused
                with self.subTest(entity=e["name"], op="patch", scope="inside -> inside (read-only)"):
                    row = self.admin_create(e, self.A1)
                    self.check_refused("PATCH", f"/v1/{e['name']}/{row['id']}", self.tokens["admin"],
                                       {sf["name"]: self.A}, status=422)
                continue
            targets = [("inside", self.A), ("outside", self.B), ("outside", self.R)]
            if sf["nullable"]:
                targets.append(("null", None))
            for role in self.roles:
                for scope, target in targets:
                    with self.subTest(entity=e["name"], op="patch", role=role,
                                      scope=f"inside -> {scope} ({target})"):
                        row = self.admin_create(e, self.A1)
                        path = f"/v1/{e['name']}/{row['id']}"
                        body = {sf["name"]: target}
                        want = self.write_status(e, role, scope, 200)
                        if want != 200:
                            self.check_refused("PATCH", path, self.tokens[role], body)
                            continue
                        obj = self.assert_json(self.call("PATCH", path, self.tokens[role], body), 200)
                        self.assertEqual(obj[sf["name"]], target)
            # and a row outside may not be brought in
            for role in self.roles:
                with self.subTest(entity=e["name"], op="patch", role=role, scope="outside -> inside"):
                    row = self.admin_create(e, self.B)
                    self.check_refused("PATCH", f"/v1/{e['name']}/{row['id']}", self.tokens[role],
                                       {sf["name"]: self.A1})

    def test_patch_setting_a_restricted_member(self):
        for e in self.registry:
            if "patch" not in e["ops"]:
                continue
            for f in self.restricted_fields(e):
                for role in self.roles:
                    with self.subTest(entity=e["name"], op="patch", role=role, scope="inside",
                                      member=f["name"]):
                        row = self.admin_create(e, self.A1)
                        path = f"/v1/{e['name']}/{row['id']}"
                        body = {f["name"]: self.sample(e, f, self.A1)}
                        want = self.write_status(e, role, "inside", 200)
                        if want == 200 and role not in f["read_roles"]:
                            want = 403
                        if want == 403:
                            self.check_refused("PATCH", path, self.tokens[role], body)
                        else:
                            obj = self.assert_json(self.call("PATCH", path, self.tokens[role], body), 200)
                            self.check_members(e, role, obj)

    def test_patch_keeps_members_the_caller_cannot_see(self):
        """A writer blind to a member patches the rest; the member survives."""
        e = self.ent["employees"]
        for f in self.restricted_fields(e):
            for role in self.roles:
                if role not in e["write_roles"] or role in f["read_roles"]:
                    continue
                with self.subTest(entity=e["name"], op="patch", role=role, member=f["name"]):
                    other = self.admin_create(e, self.A1)
                    row = self.admin_create(e, self.A1)
                    r = self.patch(f"/v1/employees/{row['id']}",
                                   {f["name"]: [{"employee_id": other["id"], "relation": "spouse"}]})
                    before = self.assert_json(r, 200)[f["name"]]
                    obj = self.assert_json(self.call("PATCH", f"/v1/employees/{row['id']}", self.tokens[role],
                                                     {"full_name": "Renamed"}), 200)
                    self.assertNotIn(f["name"], obj)
                    self.assertEqual(self.admin_get(e, row["id"]).json[f["name"]], before)

    def test_delete(self):
        for e in self.registry:
            if "delete" not in e["ops"]:
                continue
            for role in self.roles:
                for scope in self.write_scopes(e):
                    if scope == "null":
                        continue
                    with self.subTest(entity=e["name"], op="delete", role=role, scope=scope):
                        row = self.admin_create(e, self.scope_org(scope))
                        row = self.admin_get(e, row["id"]).json
                        path = f"/v1/{e['name']}/{row['id']}"
                        want = self.write_status(e, role, scope, 204)
                        if want != 204:
                            self.check_refused("DELETE", path, self.tokens[role])
                            self.assertEqual(self.admin_get(e, row["id"]).json, row)
                            continue
                        r = self.call("DELETE", path, self.tokens[role])
                        self.assertEqual(r.status, 204, r)
                        after = self.admin_get(e, row["id"])
                        if self.field(e, "revoked_at"):   # keys are revoked, not removed
                            self.assertIsNotNone(self.assert_json(after, 200)["revoked_at"])
                        else:
                            self.assert_problem(after, 404)

    def test_delete_missing_row(self):
        """Deleting an id that does not exist: 403 for a caller who may not
        write the entity at all, 404 for one who may."""
        for e in self.registry:
            if "delete" not in e["ops"]:
                continue
            for role in self.roles:
                with self.subTest(entity=e["name"], op="delete", role=role, scope="missing id"):
                    want = 403 if role not in e["write_roles"] else (403 if self.shared(e) else 404)
                    self.check_refused("DELETE", f"/v1/{e['name']}/{uuid.uuid4()}", self.tokens[role],
                                       status=want)

    def test_ops_the_registry_does_not_list(self):
        """No route: 405 for every caller, whatever the body."""
        for e in self.registry:
            some_id = next(iter(self.read_rows[e["name"]].values()))[0][1]
            for op, (method, suffix) in GENERIC_ROUTES.items():
                if op in e["ops"]:
                    continue
                path = f"/v1/{e['name']}" + suffix.replace("{id}", some_id)
                for role in self.roles:
                    with self.subTest(entity=e["name"], op=op, role=role, scope="-"):
                        body = {"name": "x"} if method in ("POST", "PATCH") else None
                        self.check_refused(method, path, self.tokens[role], body, status=405)

    def test_references_outside_the_subtree(self):
        """A reference (other than the scope field) to a row outside the
        caller's subtree must get the same answer as a reference to a row
        that does not exist, in a create and in a patch: otherwise a scoped
        caller links to, and learns of, rows it may not see."""
        for e in self.registry:
            if self.shared(e):
                continue
            for f in e["fields"]:
                if f["read_only"] or f["name"] == e["scope_field"]:
                    continue
                members = f.get("items", {}).get("members") if f["type"] == "array" else None
                refs = [(m["name"], m["ref"]) for m in members or [] if m.get("ref")]
                if f.get("ref"):
                    refs.append((None, f["ref"]))
                for member, ref in refs:
                    target = self.ent[ref]
                    if self.shared(target) or not self.read_rows[ref].get("outside"):
                        continue
                    for role in self.roles:
                        if role not in f.get("read_roles", self.roles):
                            continue
                        for op in ("create", "patch"):
                            roles = e.get("create_roles", e["write_roles"]) if op == "create" else e["write_roles"]
                            if op not in e["ops"] or role not in roles:
                                continue
                            for outside_label, outside_id in self.read_rows[ref]["outside"]:
                                with self.subTest(entity=e["name"], op=op, role=role, scope="inside",
                                                  reference=f"{f['name']}{'[].' + member if member else ''} -> "
                                                            f"{ref} {outside_label} (outside)"):
                                    self.compare_reference_answers(e, op, role, f, members, member,
                                                                   ref, outside_label, outside_id)

    def compare_reference_answers(self, e, op, role, f, members, member, ref, outside_label, outside_id):
        answers = []
        for rid in (outside_id, str(uuid.uuid4())):
            value = rid
            if member:
                item = {m["name"]: self.sample(e, m, self.A1) for m in members if m["required"]}
                item[member] = rid
                value = [item]
            if op == "create":
                body = self.body_for(e, self.A1)
                body[f["name"]] = value
                method, path = "POST", f"/v1/{e['name']}"
            else:
                row = self.admin_create(e, self.A1)
                body = {f["name"]: value}
                method, path = "PATCH", f"/v1/{e['name']}/{row['id']}"
            before = stable_checksum(self.db)
            r = self.call(method, path, self.tokens[role], body)
            changed = stable_checksum(self.db) != before
            errors = (r.json or {}).get("errors") or []
            answers.append((r.status, [(x.get("field"), x.get("code")) for x in errors],
                            "changed the database" if changed else "changed nothing"))
        self.assertEqual(answers[0], answers[1],
                         f"a reference to {ref} {outside_label} (outside the subtree) is answered "
                         f"differently from one to a row that does not exist: {answers[0]} vs {answers[1]}")
        self.assertIn(answers[1][0], (403, 404, 422))

    # -- special routes -----------------------------------------------------------

    def test_relative_conflicts(self):
        emp = self.ent["employees"]
        rel = self.field(emp, "relatives")
        allowed = set(emp["read_roles"]) & set(rel.get("read_roles") or emp["read_roles"])
        orgs = [("inside", "A", self.A), ("inside", "A1", self.A1), ("outside", "R", self.R),
                ("outside", "B", self.B), ("missing", "random id", str(uuid.uuid4()))]
        for role in self.roles:
            for scope, label, oid in orgs:
                with self.subTest(route="relative-conflicts", role=role, scope=scope, org=label):
                    r = self.call("GET", f"/v1/organizations/{oid}/relative-conflicts", self.tokens[role])
                    if role not in allowed:
                        self.assert_problem(r, 403)
                    elif scope == "inside":
                        body = self.assert_json(r, 200)
                        self.assertEqual(body["organization_id"], oid)
                        self.assertIsInstance(body["items"], list)
                    else:
                        self.assert_problem(r, 404)

    def test_working_days(self):
        cal = self.ent["calendars"]
        for role in self.roles:
            with self.subTest(route="working-days", role=role, scope="shared"):
                r = self.call("GET", "/v1/calendars/RU/working-days?from=2026-12-28&add=5", self.tokens[role])
                if role in cal["read_roles"]:
                    body = self.assert_json(r, 200)
                    self.assertEqual((body["jurisdiction"], body["from"], body["add"]), ("RU", "2026-12-28", 5))
                    # 2026-12-31 is a holiday: Mon 28 +1 29, +2 30, (31 off), +3 Fri 1 Jan, +4 Mon 4, +5 Tue 5
                    self.assertEqual(body["date"], "2027-01-05")
                else:
                    self.assert_problem(r, 403)

    # -- api keys ---------------------------------------------------------------

    def test_scoped_admin_cannot_mint_keys_beyond_its_subtree(self):
        keys = self.ent["api-keys"]
        token = self.tokens["admin"]
        for label, over in (("bound to B (sibling)", {"organization_id": self.B}),
                            ("bound to R (ancestor)", {"organization_id": self.R}),
                            ("global (null)", {"organization_id": None}),
                            ("global (member absent)", {"organization_id": ABSENT}),
                            ("bound to a missing organization", {"organization_id": str(uuid.uuid4())})):
            for role in self.roles:
                with self.subTest(entity="api-keys", op="create", role=f"new key: {role}", scope=label):
                    body = self.body_for(keys, self.A1)
                    body["role"] = role
                    body.update(over)
                    body = {k: v for k, v in body.items() if v is not ABSENT}
                    self.check_refused("POST", "/v1/api-keys", token, body)
        with self.subTest(entity="api-keys", op="delete", role="admin", scope="global key"):
            self.check_refused("DELETE", f"/v1/api-keys/{self.read_rows['api-keys']['outside'][1][1]}", token)

    def test_key_made_by_a_scoped_admin_is_scoped(self):
        r = self.call("POST", "/v1/api-keys", self.tokens["admin"],
                      {"name": "minted at A1", "role": "admin", "organization_id": self.A1})
        obj = self.assert_json(r, 201)
        self.assertEqual(obj["organization_id"], self.A1)
        token = obj["token"]
        self.assert_json(self.call("GET", f"/v1/organizations/{self.A1}", token), 200)
        for oid in (self.A, self.R, self.B):
            with self.subTest(org=oid):
                self.assert_problem(self.call("GET", f"/v1/organizations/{oid}", token), 404)
        ids, _ = self.list_ids(self.ent["organizations"], token)
        self.assertEqual(set(ids), self.subtree(self.A1))
        self.check_refused("POST", "/v1/api-keys", token,
                           {"name": "escalate", "role": "admin", "organization_id": self.A})

    def test_revoked_key_is_refused(self):
        r = self.post("/v1/api-keys", {"name": "to revoke", "role": "viewer", "organization_id": self.A})
        obj = self.assert_json(r, 201)
        self.assert_json(self.call("GET", "/v1/organizations?limit=1", obj["token"]), 200)
        self.assertEqual(self.call("DELETE", f"/v1/api-keys/{obj['id']}", self.tokens["admin"]).status, 204)
        with self.unchanged():
            self.assert_problem(self.call("GET", "/v1/organizations?limit=1", obj["token"]), 401)

    # -- the global admin ----------------------------------------------------------

    def test_global_admin_sees_everything(self):
        for e in self.registry:
            if "list" in e["ops"]:
                with self.subTest(entity=e["name"], op="list", role="admin", scope="global"):
                    ids, items = self.list_ids(e, self.global_token)
                    self.assertEqual(set(ids), self.ids_in_scope(e, None))
                    for it in items:
                        self.check_members(e, "admin", it)
            if "get" in e["ops"]:
                for scope, rows in self.read_rows[e["name"]].items():
                    for label, rid in rows:
                        with self.subTest(entity=e["name"], op="get", role="admin", scope=f"global/{scope}",
                                          row=label):
                            obj = self.assert_json(self.call("GET", f"/v1/{e['name']}/{rid}", self.global_token), 200)
                            self.check_members(e, "admin", obj)
        for label, oid in (("R", self.R), ("B", self.B)):
            with self.subTest(route="relative-conflicts", role="admin", scope="global", org=label):
                self.assert_json(self.call("GET", f"/v1/organizations/{oid}/relative-conflicts",
                                           self.global_token), 200)

    def test_global_admin_writes_everywhere(self):
        for e in self.registry:
            if "admin" not in e["write_roles"]:
                continue
            orgs = [("shared", None)] if self.shared(e) else [("outside B", self.B), ("R", self.R)]
            if not self.shared(e) and self.field(e, e["scope_field"])["nullable"]:
                orgs.append(("null", None))
            for label, org in orgs:
                with self.subTest(entity=e["name"], op="create/patch/delete", role="admin", scope=f"global/{label}"):
                    body = self.body_for(e, org)
                    obj = self.assert_json(self.call("POST", f"/v1/{e['name']}", self.global_token, body), 201)
                    path = f"/v1/{e['name']}/{obj['id']}"
                    if "patch" in e["ops"]:
                        pf = self.patch_field(e)
                        r = self.call("PATCH", path, self.global_token, {pf["name"]: "global edit"})
                        self.assertEqual(self.assert_json(r, 200)[pf["name"]], "global edit")
                    if "delete" in e["ops"]:
                        self.assertEqual(self.call("DELETE", path, self.global_token).status, 204)

    # -- no credentials -----------------------------------------------------------

    def v1_routes(self):
        for e in self.registry:
            some_id = next(iter(self.read_rows[e["name"]].values()))[0][1]
            for op in e["ops"]:
                method, suffix = GENERIC_ROUTES[op]
                yield e["name"], op, method, f"/v1/{e['name']}" + suffix.replace("{id}", some_id)
        yield "organizations", "relative-conflicts", "GET", f"/v1/organizations/{self.A}/relative-conflicts"
        yield "calendars", "working-days", "GET", "/v1/calendars/RU/working-days?from=2026-12-28&add=5"

    def test_401_without_or_with_bad_credentials(self):
        wrong_secret = self.tokens["admin"][:-4] + ("AAAA" if not self.tokens["admin"].endswith("AAAA") else "BBBB")
        # test_auth.py goes through every kind of bad credential on a few
        # routes; here a few kinds go through every route
        cases = (("no Authorization", None), ("wrong secret", "Bearer " + wrong_secret),
                 ("not a token", "Bearer not-a-token"))
        for entity, op, method, path in self.v1_routes():
            for label, header in cases:
                with self.subTest(entity=entity, op=op, credentials=label):
                    body = {"name": "x"} if method in ("POST", "PATCH") else None
                    with self.unchanged():
                        r = self.request(method, path, body, headers={"Authorization": header})
                        self.assert_problem(r, 401)
                        self.assertTrue(r.headers.get("www-authenticate", "").startswith("Bearer"), r)


if __name__ == "__main__":
    unittest.main()
