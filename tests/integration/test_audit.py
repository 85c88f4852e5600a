"""The audit trail (DESIGN §5): every change writes exactly one event in its
own transaction, with who, when, what and the request id; failed and replayed
writes write none; /v1/audit-events filters, scope and order; and the table is
append-only in the database itself, for the owner and the application role."""

import datetime
import json
import secrets
import subprocess
import time
import unittest
import uuid

from probity_harness import (APP_ROLE, ProbityTestCase, TIMESTAMP_RE, UUID_RE, app_url, create_key,
                             run_probityd, server_env, sql_literal, walk_pages)

EVENT_FIELDS = sorted(["id", "created_at", "actor", "role", "action", "entity", "entity_id",
                       "organization_id", "before", "after", "request_id", "client_addr"])


def prefix_of(token):
    return token.split("_")[1]


def new_rid(label="audit"):
    return f"{label}-{secrets.token_hex(8)}"


def psql_error(url, sql):
    """Runs sql expecting it to fail; returns (returncode, stderr) with the
    SQLSTATE shown (VERBOSITY verbose)."""
    cp = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-v", "VERBOSITY=verbose",
                         "-d", url, "-c", sql],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60, text=True)
    return cp.returncode, cp.stderr


def parse_ts(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)


class AuditBase(ProbityTestCase):

    def as_(self, token, method, path, body=None, headers=None):
        hdrs = {"Authorization": "Bearer " + token}
        hdrs.update(headers or {})
        return self.request(method, path, body=body, headers=hdrs)

    def events_api(self, query="", token=None):
        """Every event the list answers for query, following the cursor."""
        path = "/v1/audit-events" + (("?" + query) if query else "")
        sep = "&" if "?" in path else "?"
        r = self.as_(token or self.server.token, "GET", f"{path}{sep}limit=500")
        body = self.assert_json(r, 200)
        self.assertEqual(sorted(body), ["items", "next_cursor"], r)
        self.assertIsNone(body["next_cursor"], "more than one page in a test")
        return body["items"]

    def events_for(self, entity_id):
        return self.events_api("entity_id=" + entity_id)

    def db_event_count(self, where="true"):
        return int(self.db.scalar(f"SELECT count(*) FROM audit_events WHERE {where}"))

    def db_event_ids(self, where="true"):
        return self.db.column(f"SELECT id FROM audit_events WHERE {where} ORDER BY id")

    def check_event(self, ev, *, action, entity, entity_id, organization_id, before, after, request_id,
                    actor=None, role="admin", client_addr="127.0.0.1"):
        self.assertEqual(sorted(ev), EVENT_FIELDS, ev)
        self.assertRegex(ev["id"], UUID_RE)
        self.assertRegex(ev["created_at"], TIMESTAMP_RE)
        expected = {"action": action, "entity": entity, "entity_id": entity_id,
                    "organization_id": organization_id, "before": before, "after": after,
                    "request_id": request_id,
                    "actor": actor or "key:" + prefix_of(self.server.token), "role": role,
                    "client_addr": client_addr}
        self.assertEqual({k: ev[k] for k in expected}, expected)
        # the item URL answers the same event
        self.assertEqual(self.assert_json(self.get(f"/v1/audit-events/{ev['id']}"), 200), ev)


class AuditTrail(AuditBase):

    def test_organization_create_patch_delete(self):
        parent = self.create_org()
        rid = new_rid("org-create")
        r = self.post("/v1/organizations", self.org_body(parent_id=parent["id"], code="AUD-" + secrets.token_hex(3)),
                      headers={"X-Request-Id": rid})
        created = self.assert_json(r, 201)
        self.assert_request_id(r, rid)
        t_after_create = time.time()
        oid = created["id"]
        got = self.assert_json(self.get(f"/v1/organizations/{oid}"), 200)
        (ev,) = self.events_for(oid)
        self.check_event(ev, action="create", entity="organizations", entity_id=oid, organization_id=oid,
                         before=None, after=got, request_id=rid)
        self.assertLessEqual(abs(parse_ts(ev["created_at"]).timestamp() - t_after_create), 5)
        self.assertEqual(self.db_event_count(f"request_id = {sql_literal(rid)}"), 1)

        rid2 = new_rid("org-patch")
        r = self.patch(f"/v1/organizations/{oid}", {"name": "Renamed", "contact_emails": ["a@b.example"]},
                       headers={"X-Request-Id": rid2})
        patched = self.assert_json(r, 200)
        got2 = self.assert_json(self.get(f"/v1/organizations/{oid}"), 200)
        self.assertEqual(patched, got2)
        events = self.events_for(oid)
        self.assertEqual(len(events), 2, events)
        self.check_event(events[1], action="update", entity="organizations", entity_id=oid, organization_id=oid,
                         before=got, after=got2, request_id=rid2)

        rid3 = new_rid("org-delete")
        r = self.delete(f"/v1/organizations/{oid}", headers={"X-Request-Id": rid3})
        self.assertEqual(r.status, 204, r)
        events = self.events_for(oid)
        self.assertEqual(len(events), 3, events)
        self.check_event(events[2], action="delete", entity="organizations", entity_id=oid, organization_id=oid,
                         before=got2, after=None, request_id=rid3)
        # in order: ids ascending, time never going back
        self.assertEqual([e["action"] for e in events], ["create", "update", "delete"])
        self.assertEqual([e["id"] for e in events], sorted(e["id"] for e in events))
        self.assertEqual([e["created_at"] for e in events], sorted(e["created_at"] for e in events))
        # the trail outlives the row
        self.assertEqual(self.db_event_count(f"entity_id = {sql_literal(oid)}"), 3)

    def test_employee_create_patch_delete(self):
        org = self.create_org()
        other = self.create_org()
        mate = self.create_employee(org["id"])
        rid = new_rid("emp-create")
        r = self.post("/v1/employees", {"organization_id": org["id"], "full_name": "Анна Петрова",
                                        "relatives": [{"employee_id": mate["id"], "relation": "sibling"}]},
                      headers={"X-Request-Id": rid})
        emp = self.assert_json(r, 201)
        eid = emp["id"]
        got = self.assert_json(self.get(f"/v1/employees/{eid}"), 200)
        (ev,) = self.events_for(eid)
        self.check_event(ev, action="create", entity="employees", entity_id=eid, organization_id=org["id"],
                         before=None, after=got, request_id=rid)
        self.assertEqual(ev["after"]["relatives"], [{"employee_id": mate["id"], "relation": "sibling"}])

        rid2 = new_rid("emp-patch")
        r = self.patch(f"/v1/employees/{eid}", {"position": "Главный врач", "relatives": []},
                       headers={"X-Request-Id": rid2, "If-Match": '"1"'})
        self.assert_json(r, 200)
        got2 = self.assert_json(self.get(f"/v1/employees/{eid}"), 200)
        events = self.events_for(eid)
        self.assertEqual(len(events), 2)
        self.check_event(events[1], action="update", entity="employees", entity_id=eid,
                         organization_id=org["id"], before=got, after=got2, request_id=rid2)

        rid3 = new_rid("emp-delete")
        r = self.delete(f"/v1/employees/{eid}", headers={"X-Request-Id": rid3, "If-Match": '"2"'})
        self.assertEqual(r.status, 204, r)
        events = self.events_for(eid)
        self.assertEqual(len(events), 3)
        self.check_event(events[2], action="delete", entity="employees", entity_id=eid,
                         organization_id=org["id"], before=got2, after=None, request_id=rid3)
        # one event per write, nothing for the reads in between
        self.assertEqual(self.db_event_count(f"entity_id = {sql_literal(eid)}"), 3)
        self.assertEqual(self.db_event_count(f"entity_id = {sql_literal(other['id'])}"), 1)

    def test_generated_request_id_is_recorded(self):
        r = self.post("/v1/organizations", self.org_body())
        obj = self.assert_json(r, 201)
        (ev,) = self.events_for(obj["id"])
        self.assertEqual(ev["request_id"], r.headers["x-request-id"])
        # an X-Request-Id the server does not accept is replaced, and the replacement recorded
        r = self.post("/v1/organizations", self.org_body(), headers={"X-Request-Id": "bad id with spaces"})
        obj = self.assert_json(r, 201)
        self.assertNotEqual(r.headers["x-request-id"], "bad id with spaces")
        (ev,) = self.events_for(obj["id"])
        self.assertEqual(ev["request_id"], r.headers["x-request-id"])

    def test_shared_data_has_no_organization(self):
        rid = new_rid("cal")
        r = self.post("/v1/calendars", {"jurisdiction": self.new_jurisdiction(), "name": "Cal"},
                      headers={"X-Request-Id": rid})
        cal = self.assert_json(r, 201)
        (ev,) = self.events_for(cal["id"])
        self.check_event(ev, action="create", entity="calendars", entity_id=cal["id"], organization_id=None,
                         before=None, after=self.get(f"/v1/calendars/{cal['id']}").json, request_id=rid)

    def test_failed_writes_write_no_event(self):
        org = self.create_org(code="FAIL-" + secrets.token_hex(3))
        child = self.create_org(parent_id=org["id"])
        emp = self.create_employee(org["id"])
        viewer = create_key(self.db.url, "viewer", name="viewer for failures")
        self.assertEqual(self.as_(viewer, "GET", "/v1/calendars").status, 200)  # sets last_used_at
        cases = [
            ("422 create", "POST", "/v1/organizations", {"name": ""}, 422),
            ("422 patch", "PATCH", f"/v1/organizations/{org['id']}", {"kind": "castle"}, 422),
            ("422 bad reference", "POST", "/v1/employees",
             {"organization_id": str(uuid.uuid4()), "full_name": "Nobody"}, 422),
            ("409 duplicate code", "POST", "/v1/organizations", self.org_body(code=org["code"]), 409),
            ("409 cycle", "PATCH", f"/v1/organizations/{org['id']}", {"parent_id": child["id"]}, None),
            ("409 delete with children", "DELETE", f"/v1/organizations/{org['id']}", None, 409),
            ("412 patch", "PATCH", f"/v1/employees/{emp['id']}", {"full_name": "X"}, 412),
            ("412 delete", "DELETE", f"/v1/employees/{emp['id']}", None, 412),
            ("404 patch", "PATCH", f"/v1/employees/{uuid.uuid4()}", {"full_name": "X"}, 404),
            ("404 delete", "DELETE", f"/v1/employees/{uuid.uuid4()}", None, 404),
        ]
        for label, method, path, body, status in cases:
            rid = new_rid("fail")
            with self.subTest(label=label), self.unchanged():
                headers = {"X-Request-Id": rid}
                if status == 412:
                    headers["If-Match"] = '"99"'
                r = self.request(method, path, body=body, headers=headers)
                if status is None:
                    self.assertIn(r.status, (409, 422), r)
                else:
                    self.assert_problem(r, status)
            self.assertEqual(self.db_event_count(f"request_id = {sql_literal(rid)}"), 0)
        with self.subTest(label="403 viewer"), self.unchanged():
            r = self.as_(viewer, "POST", "/v1/organizations", self.org_body())
            self.assert_problem(r, 403)
            r = self.as_(viewer, "DELETE", f"/v1/employees/{emp['id']}")
            self.assert_problem(r, 403)

    def test_idempotent_replay_writes_no_second_event(self):
        key = str(uuid.uuid4())
        body = self.org_body()
        rid = new_rid("idem-first")
        first = self.post("/v1/organizations", body, headers={"Idempotency-Key": key, "X-Request-Id": rid})
        obj = self.assert_json(first, 201)
        rid2 = new_rid("idem-replay")
        with self.unchanged():
            again = self.post("/v1/organizations", body, headers={"Idempotency-Key": key, "X-Request-Id": rid2})
        self.assertEqual(again.headers.get("idempotent-replayed"), "true")
        (ev,) = self.events_for(obj["id"])
        self.assertEqual(ev["request_id"], rid)
        self.assertEqual(self.db_event_count(f"request_id = {sql_literal(rid2)}"), 0)

    def test_key_create_and_revoke_events(self):
        org = self.create_org()
        rid = new_rid("key-create")
        r = self.post("/v1/api-keys", {"name": "audited key", "role": "officer", "organization_id": org["id"]},
                      headers={"X-Request-Id": rid})
        key = self.assert_json(r, 201)
        token = key.pop("token")
        secret = token.split("_", 2)[2]
        stored = self.assert_json(self.get(f"/v1/api-keys/{key['id']}"), 200)
        (ev,) = self.events_for(key["id"])
        self.check_event(ev, action="create", entity="api-keys", entity_id=key["id"], organization_id=org["id"],
                         before=None, after=stored, request_id=rid)
        self.assertNotIn("token", ev["after"])
        self.assertNotIn("secret_hash", ev["after"])
        self.assertNotIn(secret, json.dumps(ev))

        rid2 = new_rid("key-revoke")
        r = self.delete(f"/v1/api-keys/{key['id']}", headers={"X-Request-Id": rid2})
        self.assertEqual(r.status, 204, r)
        revoked = self.assert_json(self.get(f"/v1/api-keys/{key['id']}"), 200)
        events = self.events_for(key["id"])
        self.assertEqual(len(events), 2, events)
        self.check_event(events[1], action="revoke", entity="api-keys", entity_id=key["id"],
                         organization_id=org["id"], before=stored, after=revoked, request_id=rid2)
        self.assertIsNone(events[1]["before"]["revoked_at"])
        self.assertRegex(events[1]["after"]["revoked_at"], TIMESTAMP_RE)
        # revoking a revoked key is no change, so no event
        rid3 = new_rid("key-revoke-again")
        self.assertEqual(self.delete(f"/v1/api-keys/{key['id']}", headers={"X-Request-Id": rid3}).status, 204)
        self.assertEqual(len(self.events_for(key["id"])), 2)
        self.assertEqual(self.db_event_count(f"request_id = {sql_literal(rid3)}"), 0)

    def test_command_line_key_events(self):
        token = create_key(self.db.url, "auditor", name="cli audited")
        key_id = self.db.scalar(f"SELECT id FROM api_keys WHERE prefix = {sql_literal(prefix_of(token))}")
        cp = run_probityd(["keys", "revoke", key_id], server_env(app_url(self.db.url)))
        self.assertEqual(cp.returncode, 0, cp.stderr)
        events = self.events_for(key_id)
        self.assertEqual([(e["action"], e["actor"], e["role"], e["entity"], e["organization_id"])
                          for e in events],
                         [("create", "cli", "admin", "api-keys", None), ("revoke", "cli", "admin", "api-keys", None)])
        for e in events:
            self.assertIsInstance(e["request_id"], str)
            self.assertTrue(e["request_id"])
            self.assertIsNone(e["client_addr"])
        self.assertNotIn(token.split("_", 2)[2], json.dumps(events))

    def test_no_write_routes(self):
        self.create_org()
        some = self.db.scalar("SELECT id FROM audit_events ORDER BY id LIMIT 1")
        with self.unchanged():
            for method, path, body in (("POST", "/v1/audit-events", {"actor": "x"}),
                                       ("PATCH", f"/v1/audit-events/{some}", {"actor": "x"}),
                                       ("PUT", f"/v1/audit-events/{some}", {"actor": "x"}),
                                       ("DELETE", f"/v1/audit-events/{some}", None)):
                with self.subTest(method=method):
                    r = self.request(method, path, body=body)
                    self.assert_problem(r, 405)
                    self.assertNotIn(method, [m.strip() for m in r.headers.get("allow", "").split(",")])


class AuditQueries(AuditBase):
    """A fixed history: a tree root > child, another root, writes by a global
    admin and by an officer of the root, in three phases a few ms apart."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.server
        base = dict(kind="budget_institution", jurisdiction="MN", timezone="Asia/Ulaanbaatar",
                    locale="mn", currency="MNT")

        def call(method, path, body=None, token=None, status=None):
            hdrs = {"Authorization": "Bearer " + token} if token else None
            r = s.request(method, path, body, headers=hdrs)
            assert r.status == (status or {"POST": 201, "PATCH": 200, "DELETE": 204}.get(method, 200)), r
            return r.json

        def db_now():
            return cls.db.scalar("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', "
                                 "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")

        cls.root = call("POST", "/v1/organizations", dict(base, name="Q root"))
        cls.child = call("POST", "/v1/organizations", dict(base, name="Q child", parent_id=cls.root["id"]))
        cls.other = call("POST", "/v1/organizations", dict(base, name="Q other"))
        cls.officer = create_key(cls.db.url, "officer", org=cls.root["id"], name="Q officer")
        cls.auditor_root = create_key(cls.db.url, "auditor", org=cls.root["id"], name="Q auditor root")
        cls.auditor_child = create_key(cls.db.url, "auditor", org=cls.child["id"], name="Q auditor child")
        cls.auditor_global = create_key(cls.db.url, "auditor", name="Q auditor global")
        cls.viewer = create_key(cls.db.url, "viewer", org=cls.root["id"], name="Q viewer")
        cls.integration = create_key(cls.db.url, "integration", name="Q integration")
        time.sleep(0.02)
        cls.t1 = db_now()
        time.sleep(0.02)
        cls.emp_child = call("POST", "/v1/employees", {"organization_id": cls.child["id"], "full_name": "C1"},
                             token=cls.officer)
        cls.emp_other = call("POST", "/v1/employees", {"organization_id": cls.other["id"], "full_name": "O1"})
        call("PATCH", f"/v1/employees/{cls.emp_child['id']}", {"unit": "Ward 1"}, token=cls.officer)
        cls.cal = call("POST", "/v1/calendars", {"jurisdiction": "ZQ", "name": "Q cal"})
        time.sleep(0.02)
        cls.t2 = db_now()
        time.sleep(0.02)
        call("DELETE", f"/v1/employees/{cls.emp_other['id']}")
        call("PATCH", f"/v1/organizations/{cls.child['id']}", {"name": "Q child renamed"})
        call("DELETE", f"/v1/employees/{cls.emp_child['id']}", token=cls.officer)
        cls.officer_actor = "key:" + prefix_of(cls.officer)
        cls.admin_actor = "key:" + prefix_of(s.token)

    def db_ids(self, where):
        return self.db_event_ids(where)

    def api_ids(self, query, token=None):
        return [e["id"] for e in self.events_api(query, token)]

    def test_every_event_in_id_order(self):
        events = self.events_api()
        ids = [e["id"] for e in events]
        self.assertEqual(ids, self.db_ids("true"))
        self.assertEqual(ids, sorted(ids))
        times = [parse_ts(e["created_at"]) for e in events]
        self.assertEqual(times, sorted(times), "id order must be time order")
        # paging gives the same sequence
        paged, pages = walk_pages(self, "/v1/audit-events", 3)
        self.assertEqual(paged, ids)
        self.assertGreater(pages, 2)

    def test_filters(self):
        q = sql_literal
        cases = {
            "entity=employees": "entity = 'employees'",
            "entity=organizations": "entity = 'organizations'",
            f"entity_id={self.emp_child['id']}": f"entity_id = {q(self.emp_child['id'])}",
            f"entity_id={self.emp_child['id'].upper()}": f"entity_id = {q(self.emp_child['id'])}",
            f"actor={self.officer_actor}": f"actor = {q(self.officer_actor)}",
            f"actor={self.admin_actor}": f"actor = {q(self.admin_actor)}",
            "role=officer": "role = 'officer'",
            "action=create": "action = 'create'",
            "action=update": "action = 'update'",
            "action=delete": "action = 'delete'",
            f"organization_id={self.child['id']}": f"organization_id = {q(self.child['id'])}",
            f"entity=employees&action=delete&actor={self.officer_actor}":
                f"entity = 'employees' AND action = 'delete' AND actor = {q(self.officer_actor)}",
            f"created_at_from={self.t1}": f"created_at >= {q(self.t1)}",
            f"created_at_to={self.t1}": f"created_at <= {q(self.t1)}",
            f"created_at_from={self.t1}&created_at_to={self.t2}":
                f"created_at >= {q(self.t1)} AND created_at <= {q(self.t2)}",
            f"created_at_from={self.t2}&entity=employees": f"created_at >= {q(self.t2)} AND entity = 'employees'",
            "entity=nothing-like-this": "false",
        }
        for query, where in cases.items():
            with self.subTest(query=query):
                got = self.api_ids(query.replace("+", "%2B"))
                self.assertEqual(got, self.db_ids(where))
        # the phases: what the setup did between t1 and t2
        mid = self.events_api(f"created_at_from={self.t1}&created_at_to={self.t2}")
        self.assertEqual([(e["entity"], e["action"], e["actor"]) for e in mid],
                         [("employees", "create", self.officer_actor), ("employees", "create", self.admin_actor),
                          ("employees", "update", self.officer_actor), ("calendars", "create", self.admin_actor)])
        late = self.events_api(f"created_at_from={self.t2}")
        self.assertEqual([(e["entity"], e["action"]) for e in late],
                         [("employees", "delete"), ("organizations", "update"), ("employees", "delete")])
        # request_id
        ev = late[1]
        self.assertEqual(self.api_ids("request_id=" + ev["request_id"]), [ev["id"]])

    # created_at is stored to the microsecond but shown to the millisecond.
    def test_created_at_to_includes_an_event_at_its_shown_time(self):
        """created_at_to is inclusive: the created_at an event is shown with,
        used as the upper bound, must still include that event."""
        for ev in self.events_api("entity=employees"):
            with self.subTest(event=ev["id"]):
                ids = self.api_ids(f"created_at_to={ev['created_at']}&entity_id={ev['entity_id']}")
                self.assertIn(ev["id"], ids)

    def test_bad_queries(self):
        for query, field in (("before=x", "before"), ("nope=1", "nope"), ("action=erase", "action"),
                             ("entity_id=not-a-uuid", "entity_id"), ("created_at_from=yesterday", "created_at_from"),
                             ("request_id_from=a", "request_id_from"), ("limit=0", "limit")):
            with self.subTest(query=query):
                r = self.get("/v1/audit-events?" + query)
                p = self.assert_problem(r, 422)
                self.assertIn(field, [e["field"] for e in p["errors"]], r)

    def test_auditor_sees_only_its_subtree(self):
        subtree_root = f"organization_id IN (SELECT org_subtree({sql_literal(self.root['id'])}))"
        subtree_child = f"organization_id IN (SELECT org_subtree({sql_literal(self.child['id'])}))"
        got = self.api_ids("", token=self.auditor_root)
        self.assertEqual(got, self.db_ids(subtree_root))
        self.assertTrue(got)
        self.assertEqual(self.api_ids("", token=self.auditor_child), self.db_ids(subtree_child))
        # filters apply within the scope
        self.assertEqual(self.api_ids("entity=employees", token=self.auditor_root),
                         self.db_ids(subtree_root + " AND entity = 'employees'"))
        self.assertEqual(self.api_ids(f"organization_id={self.other['id']}", token=self.auditor_root), [])
        # nothing of another tree, nor shared data, by id either
        outside = self.db_ids(f"NOT coalesce({subtree_root}, false)")
        self.assertTrue(outside)
        self.assertIn(self.db.scalar(f"SELECT id FROM audit_events WHERE entity_id = {sql_literal(self.cal['id'])}"),
                      outside)
        for eid in outside:
            with self.subTest(event=eid):
                self.assert_problem(self.as_(self.auditor_root, "GET", f"/v1/audit-events/{eid}"), 404)
        inside = got[0]
        self.assertEqual(self.assert_json(self.as_(self.auditor_root, "GET", f"/v1/audit-events/{inside}"), 200)["id"],
                         inside)
        # a global auditor sees everything
        self.assertEqual(self.api_ids("", token=self.auditor_global), self.db_ids("true"))

    def test_other_roles_are_forbidden(self):
        some = self.db_ids("true")[0]
        for label, token in (("viewer", self.viewer), ("officer", self.officer), ("integration", self.integration)):
            with self.subTest(role=label):
                self.assert_problem(self.as_(token, "GET", "/v1/audit-events"), 403)
                self.assert_problem(self.as_(token, "GET", f"/v1/audit-events/{some}"), 403)


class AuditScopeHistory(AuditBase):
    """A scoped auditor's view of records that left its subtree. The events
    describe changes to records that belonged to the subtree when they were
    made; the trail outlives the records, so the view should too."""

    def setUp(self):
        super().setUp()
        self.root = self.create_org()
        self.child = self.create_org(parent_id=self.root["id"])
        self.elsewhere = self.create_org()
        self.auditor = create_key(self.db.url, "auditor", org=self.root["id"], name="history auditor")

    def visible(self, query):
        return [(e["entity"], e["action"]) for e in self.events_api(query, token=self.auditor)]

    def test_scoped_auditor_sees_live_records(self):
        emp = self.create_employee(self.child["id"])
        self.assertEqual(self.visible("entity_id=" + self.child["id"]), [("organizations", "create")])
        self.assertEqual(self.visible("entity_id=" + emp["id"]), [("employees", "create")])
        self.assertEqual(self.visible("entity_id=" + self.elsewhere["id"]), [])

    # Scope is where the record sat when the event happened (org_path), not
    # today's tree: a deleted organization's history, deletion included,
    # stays with the auditor of the subtree it belonged to.
    def test_deleted_organization_stays_visible(self):
        emp = self.create_employee(self.child["id"])
        self.assertEqual(self.delete(f"/v1/employees/{emp['id']}").status, 204)
        self.assertEqual(self.delete(f"/v1/organizations/{self.child['id']}").status, 204)
        self.assertEqual(self.visible("organization_id=" + self.child["id"]),
                         [("organizations", "create"), ("employees", "create"),
                          ("employees", "delete"), ("organizations", "delete")])

    # Moving an organization out of the subtree leaves its history, and the
    # move itself, in the auditor's view.
    def test_organization_moved_out_stays_visible(self):
        r = self.patch(f"/v1/organizations/{self.child['id']}", {"parent_id": self.elsewhere["id"]})
        self.assert_json(r, 200)
        self.assertEqual(self.visible("entity_id=" + self.child["id"]),
                         [("organizations", "create"), ("organizations", "update")])

    # The auditor of the organization an employee left sees the move.
    def test_employee_moved_out_stays_visible(self):
        emp = self.create_employee(self.child["id"])
        r = self.patch(f"/v1/employees/{emp['id']}", {"organization_id": self.elsewhere["id"]})
        self.assert_json(r, 200)
        self.assertEqual(self.visible("entity_id=" + emp["id"]),
                         [("employees", "create"), ("employees", "update")])


class AppendOnly(AuditBase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.server
        r = s.request("POST", "/v1/organizations", dict(name="AO", kind="ministry", jurisdiction="RU",
                                                        timezone="Europe/Moscow", locale="ru", currency="RUB"))
        assert r.status == 201, r
        cls.org = r.json
        r = s.request("PATCH", f"/v1/organizations/{cls.org['id']}", {"name": "AO 2"})
        assert r.status == 200, r

    def snapshot(self):
        return self.db.column("SELECT row_to_json(a)::text FROM audit_events a ORDER BY id")

    def test_owner_cannot_change_the_trail(self):
        before = self.snapshot()
        self.assertGreaterEqual(len(before), 2)
        for sql in ("UPDATE audit_events SET actor = 'forged'",
                    f"UPDATE audit_events SET after = NULL WHERE entity_id = {sql_literal(self.org['id'])}",
                    "DELETE FROM audit_events",
                    f"DELETE FROM audit_events WHERE entity_id = {sql_literal(self.org['id'])}",
                    "TRUNCATE audit_events",
                    "TRUNCATE audit_events CASCADE",
                    "BEGIN; DELETE FROM audit_events; COMMIT;"):
            with self.subTest(sql=sql):
                rc, err = psql_error(self.db.url, sql)
                self.assertNotEqual(rc, 0, f"the owner could run {sql!r}")
                self.assertIn("42501", err, err)
                self.assertIn("append-only", err, err)
        self.assertEqual(self.snapshot(), before)

    def test_app_role_cannot_change_the_trail(self):
        url = app_url(self.db.url)
        self.assertIn(APP_ROLE, url)
        before = self.snapshot()
        for sql in ("UPDATE audit_events SET actor = 'forged'",
                    "DELETE FROM audit_events",
                    "TRUNCATE audit_events",
                    "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change",
                    "DROP TRIGGER audit_events_no_change ON audit_events",
                    "DROP TABLE audit_events"):
            with self.subTest(sql=sql):
                rc, err = psql_error(url, sql)
                self.assertNotEqual(rc, 0, f"{APP_ROLE} could run {sql!r}")
                self.assertIn("42501", err, err)
                self.assertTrue("permission denied" in err or "must be owner" in err, err)
        for sql in ("UPDATE audit_events SET actor = 'forged'", "DELETE FROM audit_events"):
            rc, err = psql_error(url, sql)
            self.assertIn("permission denied for table audit_events", err)
        self.assertEqual(self.snapshot(), before)
        # SELECT and INSERT are what the server needs
        self.assertEqual(int(subprocess.run(
            ["psql", "-X", "-At", "-d", url, "-c", "SELECT count(*) FROM audit_events"],
            stdout=subprocess.PIPE, text=True, check=True).stdout), len(before))
        eid = str(uuid.uuid4())
        cp = subprocess.run(["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", url, "-c",
                             "INSERT INTO audit_events (actor, role, action, entity, entity_id, request_id) "
                             f"VALUES ('test', 'admin', 'create', 'organizations', {sql_literal(eid)}, 'sql') "
                             "RETURNING id"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.assertEqual(cp.returncode, 0, cp.stderr)
        after = self.snapshot()
        self.assertEqual(len(after), len(before) + 1)
        self.assertEqual([r for r in after if eid not in r], before, "an existing event changed")
        # the inserted event cannot be taken back either
        rc, err = psql_error(url, f"DELETE FROM audit_events WHERE entity_id = {sql_literal(eid)}")
        self.assertIn("42501", err)
        rc, err = psql_error(self.db.url, f"DELETE FROM audit_events WHERE entity_id = {sql_literal(eid)}")
        self.assertIn("append-only", err)
        self.assertEqual(self.snapshot(), after)

    def test_triggers_and_privileges_are_in_place(self):
        rows = self.db.rows("SELECT tgname, tgenabled FROM pg_trigger "
                            "WHERE tgrelid = 'audit_events'::regclass AND NOT tgisinternal ORDER BY tgname")
        self.assertEqual(rows, [["audit_events_no_change", "O"], ["audit_events_no_truncate", "O"]])
        privs = self.db.rows(
            "SELECT p, has_table_privilege(" + sql_literal(APP_ROLE) + ", 'audit_events', p) "
            "FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) p")
        self.assertEqual(dict(privs), {"SELECT": "t", "INSERT": "t", "UPDATE": "f", "DELETE": "f",
                                       "TRUNCATE": "f", "REFERENCES": "f", "TRIGGER": "f"})
        self.assertEqual(self.db.scalar("SELECT tableowner FROM pg_tables WHERE tablename = 'audit_events'") != APP_ROLE,
                         True)
        # the events the server wrote went through the same checks: still intact
        self.assertEqual(self.db_event_count(f"entity_id = {sql_literal(self.org['id'])}"), 2)


if __name__ == "__main__":
    unittest.main()
