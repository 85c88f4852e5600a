"""A stock gRPC client (Debian's Python grpcio, stubs compiled here from api/proto) gets the same
results, permissions, audit trail and errors as REST (issue 6).

Every entity service of the registry is called — Create where the entity has it, Get, List with
a filter and paging, Update with update_mask and etag, Delete — and each answer is compared with
what REST answers for the same record at the same moment (the message as JSON: an unset one-field
oneof is null, a Timestamp REST's string). The same keys are refused the same way (a viewer's
Create, a row outside a scoped key's subtree, no or a bad authorization); a gRPC write leaves the
same audit_events row as a REST one, with the x-request-id sent as metadata; idempotency-key makes
a repeated Create one row; the error kinds arrive as their gRPC codes (INVALID_ARGUMENT with a
google.rpc.BadRequest in grpc-status-details-bin, NOT_FOUND, FAILED_PRECONDITION for a stale etag,
ALREADY_EXISTS for a taken unique key, RESOURCE_EXHAUSTED over 4 MiB, DEADLINE_EXCEEDED, and
UNAVAILABLE with the database gone); 200 concurrent calls share one channel; a cancelled Create
leaves either the whole row with its audit event or nothing.
"""

import datetime
import importlib
import secrets
import subprocess
import time
import unittest
import urllib.parse
import uuid

import grpc

import probity_harness as h
from grpc_client_support import (REST_TO_GRPC, GrpcCase, TcpProxy, bad_request, camel,
                                 from_json, snake, stem, to_json, wait_channel)

TS = "2026-11-10T00:00:00.000Z"


def q(v):
    return urllib.parse.quote(str(v), safe="")


def new_rid(label):
    return f"g4-{label}-{secrets.token_hex(6)}"


class GrpcBase(GrpcCase):
    """Organizations R > A > A1 and R > B, in RU; shared reference data; per A1 and B a row of
    every scoped entity; keys of every role bound to A."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = h.load_registry()["entities"]
        cls.ent = {e["name"]: e for e in cls.registry}
        cls._n = 0
        c = cls.server

        def post(entity, body):
            r = c.request("POST", "/v1/" + entity, body)
            assert r.status == 201, r
            return r.json

        cls.post_rest = staticmethod(post)

        def org(name, parent):
            return post("organizations", {"name": name, "parent_id": parent, "kind": "ministry",
                                          "jurisdiction": "RU", "timezone": "Europe/Moscow",
                                          "locale": "ru", "currency": "RUB",
                                          "code": "G4-" + secrets.token_hex(4)})["id"]

        cls.R = org("Root R", None)
        cls.A = org("A", cls.R)
        cls.A1 = org("A1", cls.A)
        cls.B = org("B", cls.R)
        cls.calendar = post("calendars", {"jurisdiction": "RU", "name": "Российская Федерация"})
        cls.day = post("calendar-days", {"jurisdiction": "RU", "date": "2026-12-31", "kind": "holiday"})
        kinds = next(f for f in cls.ent["organizations"]["fields"] if f["name"] == "kind")["enum"]
        cls.requirement = post("disclosure-requirements", {
            "code": "G4-REQ", "name": "Requirement", "category": "other", "jurisdiction": "RU",
            "org_kinds": kinds, "frequency": "monthly", "active_from": "2000-01-01"})
        cls.income_code = post("income-codes", {"code": "11100000000000000", "name": "Доходы",
                                                "jurisdiction": "RU"})
        cls.emp, cls.debtor, cls.rcv, cls.rows = {}, {}, {}, {}
        for oid in (cls.A, cls.A1, cls.B):
            cls.emp[oid] = post("employees", {"organization_id": oid, "full_name": "Сотрудник",
                                              "unit": "Unit"})["id"]
            cls.debtor[oid] = post("debtors", {"organization_id": oid, "kind": "legal",
                                               "name": "ООО «Должник»", "registered_address": "п. Кез",
                                               "locale": "ru"})["id"]
            cls.rcv[oid] = cls.receivable_rest(oid, "1000000000.00")
        for oid in (cls.A1, cls.B):
            rows = cls.rows[oid] = {}
            rows["organizations"] = oid
            rows["employees"] = cls.emp[oid]
            rows["debtors"] = cls.debtor[oid]
            rows["receivables"] = cls.rcv[oid]
            rows["payments"] = post("payments", {"receivable_id": cls.rcv[oid], "paid_on": "2025-02-15",
                                                 "amount": "10.00", "currency": "RUB",
                                                 "document": "п/п 1"})["id"]
            rows["installment-plans"] = post("installment-plans", {
                "receivable_id": cls.receivable_rest(oid, "1000.00"), "granted_on": "2025-03-01",
                "decision_document": "Распоряжение", "lines": [{"due_on": "2025-04-01", "amount": "1000.00"}]})["id"]
            rows["collection-actions"] = post("collection-actions", {
                "receivable_id": cls.rcv[oid], "kind": "other", "done_on": "2025-02-10",
                "responsible_employee_id": cls.emp[oid]})["id"]
            rows["disclosures"] = post("disclosures", {
                "organization_id": oid, "requirement_id": cls.requirement["id"], "period": "2026-10",
                "published_at": TS, "reference": "ref"})["id"]
            rows["api-keys"] = post("api-keys", {"name": "read row", "role": "viewer",
                                                 "organization_id": oid})["id"]
            run = cls.db.scalar(
                "INSERT INTO job_runs (kind, period, organization_id, due_at, next_attempt_at, status)"
                f" VALUES ('g4', '2030-01', {h.sql_literal(oid)}, now(), now(), 'done') RETURNING id"
            ).splitlines()[0]
            rows["job-runs"] = run
            rows["notifications"] = cls.db.scalar(
                "INSERT INTO notifications (dedupe_key, job_run_id, organization_id, recipient, locale,"
                " template, subject, body_text, message_id) VALUES"
                f" ({h.sql_literal('g4|' + oid)}, {h.sql_literal(run)}, {h.sql_literal(oid)},"
                " 'g4@example.org', 'ru', 'g4', 'Subject', 'Body',"
                f" {h.sql_literal(oid + '@g4.example')}) RETURNING id").splitlines()[0]
            rows["reports"] = cls.db.insert_report(
                "g4", "2030-01", oid, "ru", "Отчёт",
                [{"key": "code", "heading": "Код"}, {"key": "days", "heading": "Дней"}],
                [["G4", 3], ['G4, "2"', None]], {"rows": 2, "share": 0.5}, job_run_id=run)
            rows["audit-events"] = cls.db.scalar(
                f"SELECT id FROM audit_events WHERE entity_id = {h.sql_literal(cls.emp[oid])}")
        cls.shared_rows = {"calendars": cls.calendar["id"], "calendar-days": cls.day["id"],
                           "disclosure-requirements": cls.requirement["id"],
                           "income-codes": cls.income_code["id"]}
        roles = next(f for f in cls.ent["api-keys"]["fields"] if f["name"] == "role")["enum"]
        cls.tokens = {role: h.create_key(cls.db.url, role, org=cls.A, name=f"g4 {role} @A")
                      for role in roles}
        # first use sets last_used_at: not in the middle of a comparison
        for t in cls.tokens.values():
            c.request("GET", "/v1/calendars?limit=1", headers={"Authorization": "Bearer " + t})

    @classmethod
    def receivable_rest(cls, oid, principal):
        r = cls.server.request("POST", "/v1/receivables", cls.receivable_body(oid, principal))
        assert r.status == 201, r
        return r.json["id"]

    @classmethod
    def receivable_body(cls, oid, principal="1000.00"):
        return {"organization_id": oid, "debtor_id": cls.debtor[oid],
                "income_code_id": cls.income_code["id"], "basis_document": "Договор аренды",
                "basis_date": "2024-12-01", "arose_on": "2025-01-01", "due_date": "2025-01-31",
                "principal": principal, "currency": "RUB",
                "payment_details": "р/с 03100643000000011300", "responsible_employee_id": cls.emp[oid]}

    @classmethod
    def unique(cls):
        cls._n += 1
        return cls._n

    # -- what a Create of each entity sends (REST's body; the gRPC message is made from it) ------

    def create_body(self, entity):
        n, tag = self.unique(), secrets.token_hex(4)
        A = self.A
        bodies = {
            "organizations": lambda: {
                "name": "Орг " + tag, "parent_id": A, "code": "G4-" + tag, "kind": "authority",
                "jurisdiction": "RU", "timezone": "Europe/Samara", "locale": "ru", "currency": "RUB",
                "disclosure_frequency": "quarterly", "contact_emails": ["a@x.example", "b@x.example"]},
            "employees": lambda: {"organization_id": A, "full_name": "Анна " + tag, "unit": "Терапия",
                                  "email": f"a{tag}@example.org", "unit_head": True,
                                  "relatives": [{"employee_id": self.emp[A], "relation": "sibling"}]},
            "calendars": lambda: {"jurisdiction": self.new_jurisdiction(), "name": "Cal " + tag,
                                  "weekend_days": [5, 6, 7]},
            "calendar-days": lambda: {"jurisdiction": "RU",
                                      "date": (datetime.date(2031, 1, 1) + datetime.timedelta(days=n)).isoformat(),
                                      "kind": "holiday", "name": "День " + tag},
            "api-keys": lambda: {"name": "key " + tag, "role": "viewer", "organization_id": A,
                                 "expires_at": "2031-01-01T00:00:00.000Z"},
            "disclosure-requirements": lambda: {
                "code": "G4-R-" + tag, "name": "Req " + tag, "category": "purchases_above_threshold",
                "jurisdiction": "KZ", "org_kinds": ["hospital", "llp"], "frequency": "quarterly",
                "due_day": 20, "threshold_amount": "5000000.00", "threshold_currency": "KZT",
                "active_from": "2026-01-01", "active_to": "2027-12-31"},
            "disclosures": lambda: {"organization_id": A, "requirement_id": self.requirement["id"],
                                    "period": f"{2040 + n // 12}-{n % 12 + 1:02d}", "published_at": TS,
                                    "reference": "https://example.org/" + tag, "amount": "1234.50",
                                    "currency": "RUB", "note": "Примечание"},
            "income-codes": lambda: {"code": str(10 ** 16 + secrets.randbelow(9 * 10 ** 16)),
                                     "name": "Код " + tag, "jurisdiction": "RU"},
            "debtors": lambda: {"organization_id": A, "kind": "natural", "name": "Иванов " + tag,
                                "tax_number": tag, "registered_address": "г. Ижевск", "locale": "ru",
                                "email": f"d{tag}@example.org", "bankrupt": True,
                                "bankrupt_since": "2024-05-01"},
            "receivables": lambda: dict(self.receivable_body(A, "5000000.00"), voluntary_days=10,
                                        claim_waived=True, penalties="10.00", fines="0.50"),
            "payments": lambda: {"receivable_id": self.rcv[A], "paid_on": "2025-02-15", "amount": "10.50",
                                 "currency": "RUB", "document": "п/п " + tag},
            "installment-plans": lambda: {
                "receivable_id": self.receivable_rest(A, "1000.00"), "granted_on": "2025-03-01",
                "decision_document": "Распоряжение " + tag,
                "lines": [{"due_on": "2025-04-01", "amount": "400.00"},
                          {"due_on": "2025-05-01", "amount": "600.00", "interest": "3.00"}]},
            "collection-actions": lambda: {"receivable_id": self.rcv[A], "kind": "other",
                                           "done_on": "2025-06-01", "document_number": "№ " + tag,
                                           "responsible_employee_id": self.emp[A], "outcome": "Итог"},
        }
        if entity not in bodies:
            self.fail(f"{entity}: no Create body here; add one for the new entity")
        return bodies[entity]()

    # -- stubs and calls ---------------------------------------------------------------------

    def pb(self, entity):
        return importlib.import_module(f"probity.v1.{stem(entity)}_pb2")

    def stub(self, entity, channel=None):
        mod = importlib.import_module(f"probity.v1.{stem(entity)}_pb2_grpc")
        return getattr(mod, camel(entity) + "ServiceStub")(channel or self.channel)

    def msg(self, entity, name, body):
        return from_json(getattr(self.pb(entity), name), body)

    def call(self, entity, method, request, token="admin", timeout=20, **md):
        """(answer as JSON or None, initial metadata dict, RpcError or None)."""
        fn = getattr(self.stub(entity), method)
        try:
            resp, c = fn.with_call(request, metadata=self.md(token, **md), timeout=timeout)
        except grpc.RpcError as err:
            return None, {}, err
        return to_json(resp), dict(c.initial_metadata()), None

    def g_get(self, entity, rid, token="admin"):
        schema = self.ent[entity]["schema"]
        return self.call(entity, "Get", self.msg(entity, f"Get{schema}Request", {"id": rid}), token)

    def g_create(self, entity, body, token="admin", **md):
        e = self.ent[entity]
        req = self.msg(entity, f"Create{e['schema']}Request", {snake(e["schema"]): body})
        return self.call(entity, "Create", req, token, **md)

    def g_update(self, entity, obj, mask, etag, token="admin", **md):
        e = self.ent[entity]
        req = self.msg(entity, f"Update{e['schema']}Request", {snake(e["schema"]): obj, "etag": etag})
        req.update_mask.paths.extend(mask)     # (FieldMask's JSON form is camelCase)
        return self.call(entity, "Update", req, token, **md)

    def g_delete(self, entity, rid, etag="", token="admin", **md):
        e = self.ent[entity]
        req = self.msg(entity, f"Delete{e['schema']}Request", {"id": rid, "etag": etag})
        return self.call(entity, "Delete", req, token, **md)

    def rest(self, method, path, token="admin", body=None, **headers):
        hdrs = {k.replace("_", "-"): v for k, v in headers.items()}
        tok = self.server.token if token == "admin" else token
        hdrs["Authorization"] = ("Bearer " + tok) if tok else None
        return self.request(method, path, body=body, headers=hdrs)

    # -- comparisons ------------------------------------------------------------------------

    def assert_same(self, got, rest, what):
        """gRPC's JSON equals REST's. A member REST leaves out for this caller (a restricted
        member, e.g. relatives for a viewer) may only be its empty default in the message."""
        got = dict(got)
        for k in list(got):
            if k not in rest and got[k] in ([], None, "", 0, False):
                del got[k]
        self.assertEqual(got, rest, what)

    def assert_code_for(self, err, rest_resp, what, create=False):
        """err carries the gRPC code of the REST answer's status."""
        self.assertIsNotNone(err, f"{what}: gRPC succeeded where REST answered {rest_resp!r}")
        want = REST_TO_GRPC[rest_resp.status]
        if create and rest_resp.status == 409:
            want = grpc.StatusCode.ALREADY_EXISTS
        self.assertEqual(err.code(), want, f"{what}: gRPC {err.code()} {err.details()!r} vs REST {rest_resp!r}")
        self.assertTrue(err.details(), f"{what}: no grpc-message")

    def same_get(self, entity, rid, token="admin"):
        """gRPC Get and REST GET of one row agree (answer and etag, or refusal). Returns REST's
        response."""
        for attempt in range(2):
            got, md, err = self.g_get(entity, rid, token)
            r = self.rest("GET", f"/v1/{entity}/{rid}", token)
            if err is None and r.status == 200 and got != r.json and attempt == 0:
                continue  # a key's last_used_at moved between the two reads: once more
            break
        what = f"Get {entity} {rid}"
        if r.status == 200:
            self.assertIsNone(err, f"{what}: {err!r} where REST answered {r!r}")
            self.assert_same(got, r.json, what)
            if "etag" in r.headers:
                self.assertEqual(md.get("etag"), r.headers["etag"], f"{what}: etag metadata")
        else:
            self.assert_code_for(err, r, what)
        return r

    def same_list(self, entity, params, token="admin", page_size=1, pages=3):
        """List with params (REST's query members; page_size as limit) page by page, gRPC
        following next_page_token and REST next_cursor: the same items, the same tokens."""
        req_name = f"List{camel(entity)}Request"
        page_token, seen = "", 0
        for page in range(pages):
            query = dict(params)
            if page_size:
                query["limit"] = page_size
            if page_token:
                query["cursor"] = page_token
            path = f"/v1/{entity}" + ("?" + urllib.parse.urlencode(query) if query else "")
            body = dict(params, page_size=page_size, page_token=page_token)
            for attempt in range(2):
                got, _, err = self.call(entity, "List", self.msg(entity, req_name, body), token)
                r = self.rest("GET", path, token)
                if err is None and r.status == 200 and got["items"] != r.json["items"] and attempt == 0:
                    continue
                break
            what = f"List {entity} {params} page {page + 1}"
            if r.status != 200:
                self.assert_code_for(err, r, what)
                return seen
            self.assertIsNone(err, f"{what}: {err!r} where REST answered {r!r}")
            self.assertEqual(sorted(got), ["items", "next_page_token"], what)
            self.assertEqual(len(got["items"]), len(r.json["items"]), what)
            for g, rr in zip(got["items"], r.json["items"]):
                self.assert_same(g, rr, what)
            self.assertEqual(got["next_page_token"], r.json["next_cursor"] or "", what)
            seen += len(got["items"])
            page_token = got["next_page_token"]
            if not page_token:
                break
        return seen

    def events(self, where):
        r = self.rest("GET", "/v1/audit-events?limit=500&" + where)
        self.assertEqual(r.status, 200, r)
        return r.json["items"]

    def check_audit(self, rid, action, entity, entity_id, before, after):
        """Exactly one audit event of the row carries request id rid; it is what a REST write by
        the same key would have left. (A payment's request also updates its receivable: two
        events, as over REST.)"""
        evs = [ev for ev in self.events("request_id=" + q(rid))
               if (ev["entity"], ev["entity_id"]) == (entity, entity_id)]
        self.assertEqual(len(evs), 1, f"audit events of {entity} {entity_id} for request id {rid}: {evs}")
        ev = evs[0]
        e = self.ent[entity]
        row = after or before
        org = (entity_id if e["scope_self"] else row.get(e["scope_field"]) if e["scope_field"] else None)
        want = {"action": action, "entity": entity, "entity_id": entity_id, "organization_id": org,
                "before": before, "after": after, "request_id": rid,
                "actor": "key:" + self.server.token.split("_")[1], "role": "admin",
                "client_addr": "127.0.0.1"}
        self.assertEqual({k: ev.get(k) for k in want}, want, f"audit event of {action} {entity}")
        return ev

    def assert_whole_or_nothing(self, code, rid):
        n = self.db.scalar(f"SELECT count(*) FROM organizations WHERE code = {h.sql_literal(code)}")
        events = self.db.rows("SELECT entity_id, action FROM audit_events WHERE request_id = "
                              f"{h.sql_literal(rid)}")
        if n == "0":
            self.assertEqual(events, [], f"an audit event without its row ({code})")
        else:
            self.assertEqual(n, "1")
            oid = self.db.scalar(f"SELECT id FROM organizations WHERE code = {h.sql_literal(code)}")
            self.assertEqual(events, [[oid, "create"]], f"the row {code} without its audit event")
        return n == "1"

    def patch_field(self, e):
        """A plain writable text field, to change without side effects."""
        for f in e["fields"]:
            if (f["type"] == "string" and not f["read_only"] and not f.get("format")
                    and not f.get("ref") and not f.get("read_roles") and f["name"] != e["scope_field"]
                    and not f.get("enum")):
                return f["name"]
        self.fail(f"{e['name']}: no plain text field to update")

    def list_filter(self, e, row):
        """The REST list filters that pick row (and maybe others): an equality filter and a
        range, and updated_since."""
        params = {}
        for f in e["fields"]:
            v = row.get(f["name"])
            if v is None or f["type"] in ("timestamp", "bool", "int") or f["name"] == "id":
                continue
            if f.get("filter") and not any(k for k in params if not k.endswith(("_from", "_to"))):
                params[f["name"]] = v
            if f.get("range") and not any(k.endswith("_from") for k in params):
                params[f["name"] + "_from"] = v
        return params


class EveryService(GrpcBase):
    """Every entity service of the registry, each call compared with REST."""

    def test_every_entity_service(self):
        self.assertEqual(sorted(e["name"] for e in self.registry),
                         sorted(set(self.shared_rows) | set(self.rows[self.B])),
                         "entities this test has no rows for; add them to setUpClass")
        for e in self.registry:
            with self.subTest(entity=e["name"]):
                self.one_entity(e)

    def one_entity(self, e):
        name, ops = e["name"], set(e["ops"])
        row_id = self.shared_rows.get(name) or self.rows[self.A1][name]
        if "create" in ops:
            body = self.create_body(name)
            rid = new_rid("create")
            got, md, err = self.g_create(name, body, x_request_id=rid)
            self.assertIsNone(err, f"Create {name}: {err!r}")
            r = self.rest("GET", f"/v1/{name}/{got['id']}")
            self.assertEqual(r.status, 200, r)
            self.assert_same(got, r.json, f"Create {name} answer vs REST GET")
            for k, v in body.items():
                if not (isinstance(v, list) and v and isinstance(v[0], dict)):  # REST adds defaults
                    self.assertEqual(r.json[k], v, f"Create {name}: {k} as sent")
            self.assertEqual(r.json["version"], 1)
            self.assertEqual(md.get("etag"), r.headers.get("etag"), f"Create {name}: etag metadata")
            self.check_audit(rid, "create", name, got["id"], None, r.json)
            self.assertEqual(md.get("x-request-id"), rid, f"Create {name}: x-request-id metadata")
            if name == "api-keys":
                # REST shows the new key's token once, in its 201 body; the ApiKey message has no
                # such field: it comes as the initial metadata api-key-token, and it works
                token = md.get("api-key-token")
                self.assertIsNotNone(token, f"Create api-keys: no api-key-token metadata in {md}")
                self.assertEqual(self.rest("GET", f"/v1/organizations/{self.A}", token).status, 200)
                _, _, err = self.g_get("organizations", self.A, token)
                self.assertIsNone(err, err)
            row_id = got["id"]
        # Get, and List with a filter that picks the row, page by page
        r = self.same_get(name, row_id)
        self.assertEqual(r.status, 200, r)
        row = r.json
        self.same_get(name, str(uuid.uuid4()))
        params = self.list_filter(e, row)
        self.assertGreater(self.same_list(name, params), 0, f"List {name} {params} found nothing")
        stamp = dict(params, updated_since=row.get("updated_at") or row["created_at"])
        self.assertGreater(self.same_list(name, stamp), 0, f"List {name} {stamp} found nothing")
        self.same_list(name, {}, page_size=0, pages=1)      # 0: REST's default page
        self.same_list(name, {}, page_size=2, pages=3)
        if "create" not in ops:
            return
        if "patch" in ops:
            field = self.patch_field(e)
            etag = r.headers["etag"]
            rid = new_rid("update")
            value = f"Изменено {secrets.token_hex(3)}"
            got, md, err = self.g_update(name, {"id": row_id, field: value}, [field], etag, x_request_id=rid)
            self.assertIsNone(err, f"Update {name}.{field}: {err!r}")
            r2 = self.rest("GET", f"/v1/{name}/{row_id}")
            self.assert_same(got, r2.json, f"Update {name} answer vs REST GET")
            self.assertEqual(r2.json[field], value)
            self.assertEqual(r2.json["version"], row["version"] + 1)
            self.assertEqual({k: v for k, v in r2.json.items() if k not in (field, "version", "updated_at")},
                             {k: v for k, v in row.items() if k not in (field, "version", "updated_at")},
                             f"Update {name}: only {field} changed")
            self.assertEqual(md.get("etag"), r2.headers.get("etag"))
            self.check_audit(rid, "update", name, row_id, row, r2.json)
            # the etag read before is stale now: FAILED_PRECONDITION, as REST's 412
            with self.unchanged():
                _, _, err = self.g_update(name, {"id": row_id, field: "stale"}, [field], etag)
                rr = self.rest("PATCH", f"/v1/{name}/{row_id}", body={field: "stale"}, If_Match=etag)
            self.assertEqual(rr.status, 412, rr)
            self.assert_code_for(err, rr, f"Update {name} with a stale etag")
            self.assertEqual(err.code(), grpc.StatusCode.FAILED_PRECONDITION)
            row = r2.json
        if "delete" in ops:
            etag = f'"{row["version"]}"'
            with self.unchanged():
                _, _, err = self.g_delete(name, row_id, f'"{row["version"] + 5}"')
            self.assertIsNotNone(err, f"Delete {name} with a wrong etag")
            self.assertEqual(err.code(), grpc.StatusCode.FAILED_PRECONDITION, err)
            rid = new_rid("delete")
            got, _, err = self.g_delete(name, row_id, etag, x_request_id=rid)
            self.assertIsNone(err, f"Delete {name}: {err!r}")
            self.assertEqual(got, {})
            r3 = self.same_get(name, row_id)   # 404 (REST) / NOT_FOUND, or a revoked key both ways
            action = "revoke" if name == "api-keys" else "delete"
            self.check_audit(rid, action, name, row_id, row, r3.json if r3.status == 200 else None)
            if r3.status == 404:
                _, _, err = self.g_delete(name, row_id)
                self.assertEqual(err and err.code(), grpc.StatusCode.NOT_FOUND, f"Delete {name} twice")


class Permissions(GrpcBase):
    """The same keys, roles and subtree scoping as REST."""

    def test_reads_by_every_role(self):
        for e in self.registry:
            for role, token in sorted(self.tokens.items()):
                with self.subTest(entity=e["name"], role=role):
                    if e["name"] in self.shared_rows:
                        self.same_get(e["name"], self.shared_rows[e["name"]], token)
                    else:
                        self.same_get(e["name"], self.rows[self.A1][e["name"]], token)   # inside A
                        self.same_get(e["name"], self.rows[self.B][e["name"]], token)    # outside
                    self.same_list(e["name"], {}, token, page_size=50, pages=1)

    def test_creates_refused_as_rest_refuses_them(self):
        for e in self.registry:
            if "create" not in e["ops"]:
                continue
            for role, token in sorted(self.tokens.items()):
                if role in e["create_roles"]:
                    continue
                body = self.create_body(e["name"])    # may write (a receivable for a plan)
                with self.subTest(entity=e["name"], role=role), self.unchanged():
                    _, _, err = self.g_create(e["name"], body, token)
                    r = self.rest("POST", f"/v1/{e['name']}", token, body)
                    self.assertIn(r.status, (403, 404), r)
                    self.assert_code_for(err, r, f"Create {e['name']} as {role}", create=True)
        # a viewer: PERMISSION_DENIED, as REST's 403
        with self.unchanged():
            _, _, err = self.g_create("organizations", self.create_body("organizations"), self.tokens["viewer"])
        self.assertEqual(err.code(), grpc.StatusCode.PERMISSION_DENIED, err)

    def test_writes_outside_the_subtree(self):
        token = self.tokens["admin"]     # an admin bound to A: B is not its business
        for name in ("organizations", "employees", "debtors", "receivables"):
            with self.subTest(entity=name), self.unchanged():
                rid = self.rows[self.B][name]
                field = self.patch_field(self.ent[name])
                _, _, err = self.g_update(name, {"id": rid, field: "x"}, [field], "", token)
                r = self.rest("PATCH", f"/v1/{name}/{rid}", token, {field: "x"})
                self.assert_code_for(err, r, f"Update {name} outside")
                _, _, err = self.g_delete(name, rid, "", token)
                r = self.rest("DELETE", f"/v1/{name}/{rid}", token)
                self.assert_code_for(err, r, f"Delete {name} outside")
                body = self.create_body(name)
                if "organization_id" in body:
                    body["organization_id"] = self.B
                elif name == "organizations":
                    body["parent_id"] = self.B
                if name == "receivables":
                    body.update(debtor_id=self.debtor[self.B], responsible_employee_id=self.emp[self.B])
                _, _, err = self.g_create(name, body, token)
                r = self.rest("POST", f"/v1/{name}", token, body)
                self.assertIn(r.status, (403, 404, 422), r)
                self.assert_code_for(err, r, f"Create {name} outside", create=True)

    def test_unauthenticated(self):
        bad = "pk_" + "0" * 8 + "_" + "0" * 40
        for token in (None, bad, "not-a-key"):
            with self.subTest(token=token), self.unchanged():
                _, _, err = self.g_get("organizations", self.A, token=token)
                r = self.rest("GET", f"/v1/organizations/{self.A}", token=token)
                self.assertEqual(r.status, 401, r)
                self.assertEqual(err and err.code(), grpc.StatusCode.UNAUTHENTICATED, err)
                _, _, err = self.g_create("organizations", self.create_body("organizations"), token=token)
                self.assertEqual(err and err.code(), grpc.StatusCode.UNAUTHENTICATED, err)
        # a scheme REST does not take, and two authorization entries
        _, _, err = self.call("organizations", "Get", self.msg("organizations", "GetOrganizationRequest",
                                                               {"id": self.A}), None,
                              authorization="Basic " + self.server.token)
        self.assertEqual(err and err.code(), grpc.StatusCode.UNAUTHENTICATED, err)
        try:
            self.stub("organizations").Get(self.msg("organizations", "GetOrganizationRequest", {"id": self.A}),
                                           metadata=self.md() + self.md(), timeout=10)
            self.fail("two authorization entries accepted")
        except grpc.RpcError as err2:
            self.assertIn(err2.code(), (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.INVALID_ARGUMENT))

    def test_revoked_key(self):
        r = self.rest("POST", "/v1/api-keys", body={"name": "to revoke", "role": "viewer", "organization_id": self.A})
        key = r.json
        got, _, err = self.g_get("organizations", self.A, token=key["token"])
        self.assertIsNone(err, err)
        self.assertEqual(self.rest("DELETE", f"/v1/api-keys/{key['id']}").status, 204)
        _, _, err = self.g_get("organizations", self.A, token=key["token"])
        self.assertEqual(err and err.code(), grpc.StatusCode.UNAUTHENTICATED, err)


class Errors(GrpcBase):
    """Each error kind as its gRPC code, beside REST's answer to the same request."""

    def test_invalid_argument_with_bad_request_details(self):
        cases = [
            ("organizations", {"timezone": "Mars/Olympus"}),
            ("organizations", {"name": None, "kind": "castle"}),
            ("employees", {"organization_id": str(uuid.uuid4())}),
            ("receivables", {"principal": "-1.00", "due_date": "2024-01-01"}),
            ("calendar-days", {"date": "2026-02-30"}),
        ]
        for entity, over in cases:
            body = dict(self.create_body(entity), **over)
            body = {k: v for k, v in body.items() if v is not None}
            with self.subTest(entity=entity, over=over), self.unchanged():
                _, _, err = self.g_create(entity, body)
                r = self.rest("POST", f"/v1/{entity}", body=body)
                p = self.assert_problem(r, 422)
                self.assert_code_for(err, r, f"Create {entity} {over}")
                self.assertEqual(err.code(), grpc.StatusCode.INVALID_ARGUMENT)
                violations = bad_request(err)
                self.assertIsNotNone(violations, "no google.rpc.BadRequest in grpc-status-details-bin")
                prefix = snake(self.ent[entity]["schema"]) + "."
                self.assertEqual(sorted(f for f, _ in violations),
                                 sorted(prefix + x["field"] for x in p["errors"]), violations)
                self.assertTrue(all(d.strip() for _, d in violations), violations)

    def test_list_arguments(self):
        e = "organizations"
        for body, query in (({"page_size": 501}, "limit=501"), ({"page_size": -1}, "limit=-1"),
                            ({"page_token": "garbage"}, "cursor=garbage"),
                            ({"parent_id": "not-a-uuid"}, "parent_id=not-a-uuid")):
            with self.subTest(body=body):
                _, _, err = self.call(e, "List", self.msg(e, "ListOrganizationsRequest", body))
                r = self.rest("GET", "/v1/organizations?" + query)
                self.assertIn(r.status, (400, 422), r)
                self.assert_code_for(err, r, f"List {body}")
                self.assertIsNotNone(bad_request(err), f"List {body}: no BadRequest")

    def test_not_found(self):
        for e in self.registry:
            with self.subTest(entity=e["name"]):
                missing = str(uuid.uuid4())
                _, _, err = self.g_get(e["name"], missing)
                self.assertEqual(err and err.code(), grpc.StatusCode.NOT_FOUND, err)
                if "delete" in e["ops"]:
                    _, _, err = self.g_delete(e["name"], missing)
                    self.assertEqual(err and err.code(), grpc.StatusCode.NOT_FOUND, err)
        r = self.rest("GET", "/v1/organizations/not-a-uuid")
        _, _, err = self.g_get("organizations", "not-a-uuid")
        self.assert_code_for(err, r, "Get not-a-uuid")

    def test_already_exists_and_aborted(self):
        code = self.rest("GET", f"/v1/organizations/{self.A}").json["code"]
        body = dict(self.create_body("organizations"), code=code)
        with self.unchanged():
            _, _, err = self.g_create("organizations", body)
            r = self.rest("POST", "/v1/organizations", body=body)
        self.assertEqual(r.status, 409, r)
        self.assertEqual(err and err.code(), grpc.StatusCode.ALREADY_EXISTS, err)
        # a conflict that is not a Create: ABORTED (deleting an organization with children)
        with self.unchanged():
            _, _, err = self.g_delete("organizations", self.R)
            r = self.rest("DELETE", f"/v1/organizations/{self.R}")
        self.assertEqual(r.status, 409, r)
        self.assert_code_for(err, r, "Delete a parent")

    def test_update_mask_null_and_unknown_paths(self):
        emp, _, err = self.g_create("employees", self.create_body("employees"))
        self.assertIsNone(err, err)
        self.assertEqual(emp["unit"], "Терапия")
        # named in the mask, unset in the message: null, as REST's {"unit": null}
        got, _, err = self.g_update("employees", {"id": emp["id"], "full_name": "ignored"}, ["unit"], "")
        self.assertIsNone(err, err)
        r = self.rest("GET", f"/v1/employees/{emp['id']}")
        self.assert_same(got, r.json, "Update unit to null")
        self.assertIsNone(r.json["unit"])
        self.assertEqual(r.json["full_name"], emp["full_name"], "a field outside the mask was written")
        for mask in (["no_such_field"], ["id"], ["version"]):
            with self.subTest(mask=mask), self.unchanged():
                _, _, err = self.g_update("employees", {"id": emp["id"], "full_name": "X"}, mask, "")
                self.assertIsNotNone(err, f"mask {mask} accepted")
                self.assertEqual(err.code(), grpc.StatusCode.INVALID_ARGUMENT, err)
                self.assertIsNotNone(bad_request(err), f"mask {mask}: no BadRequest")
        # no mask: the fields set in the message, as the same REST merge patch
        got, _, err = self.g_update("employees", {"id": emp["id"], "full_name": "Новое имя"}, [], "")
        self.assertIsNone(err, err)
        r = self.rest("GET", f"/v1/employees/{emp['id']}")
        self.assert_same(got, r.json, "Update without a mask")
        self.assertEqual((r.json["full_name"], r.json["unit"]), ("Новое имя", None))

    def test_message_over_4_mib(self):
        body = dict(self.create_body("organizations"), name="x" * (4 * 1024 * 1024 + 100))
        with self.unchanged():
            _, _, err = self.g_create("organizations", body)
        self.assertEqual(err and err.code(), grpc.StatusCode.RESOURCE_EXHAUSTED, err)
        # the connection still serves
        got, _, err = self.g_get("organizations", self.A)
        self.assertIsNone(err, err)

    def test_tiny_deadline(self):
        code = "G4-DL-" + secrets.token_hex(4)
        rid = new_rid("deadline")
        body = dict(self.create_body("organizations"), code=code)
        _, _, err = self.call("organizations", "Create",
                              self.msg("organizations", "CreateOrganizationRequest", {"organization": body}),
                              timeout=0.001, x_request_id=rid)
        self.assertEqual(err and err.code(), grpc.StatusCode.DEADLINE_EXCEEDED, err)
        time.sleep(1.0)
        self.assert_whole_or_nothing(code, rid)
        got, _, err = self.g_get("organizations", self.A)
        self.assertIsNone(err, err)

    def test_deadline_cancels_the_database_work(self):
        """A Create blocked on a table lock past its deadline: DEADLINE_EXCEEDED when the deadline
        passes, and the insert is not done after the lock goes (the query was cancelled)."""
        code = "G4-LK-" + secrets.token_hex(4)
        rid = new_rid("lock")
        body = dict(self.create_body("organizations"), code=code)
        locker = subprocess.Popen(["psql", "-X", "-q", "-d", self.db.url, "-c",
                                   "BEGIN; LOCK TABLE organizations IN ACCESS EXCLUSIVE MODE; "
                                   "SELECT pg_sleep(4); COMMIT;"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            for _ in range(100):
                if self.db.scalar("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                                  "WHERE c.relname = 'organizations' AND l.mode = 'AccessExclusiveLock' "
                                  "AND l.granted") == "1":
                    break
                time.sleep(0.05)
            else:
                self.fail("the lock was not taken")
            t0 = time.monotonic()
            _, _, err = self.call("organizations", "Create",
                                  self.msg("organizations", "CreateOrganizationRequest", {"organization": body}),
                                  timeout=1.0, x_request_id=rid)
            elapsed = time.monotonic() - t0
            self.assertEqual(err and err.code(), grpc.StatusCode.DEADLINE_EXCEEDED, err)
            self.assertLess(elapsed, 3.0)
        finally:
            locker.wait(30)
        time.sleep(1.0)
        self.assertEqual(self.db.scalar(f"SELECT count(*) FROM organizations WHERE code = {h.sql_literal(code)}"),
                         "0", "the Create went on after its deadline")
        self.assertEqual(self.db.scalar(f"SELECT count(*) FROM audit_events WHERE request_id = {h.sql_literal(rid)}"),
                         "0")
        got, _, err = self.g_get("organizations", self.A)
        self.assertIsNone(err, err)

class SameRules(GrpcBase):
    """Audit trail, idempotency, concurrency, cancellation."""

    def test_audit_trail_same_as_rest(self):
        body = self.create_body("organizations")
        rid = new_rid("audit")
        got, _, err = self.g_create("organizations", body, x_request_id=rid)
        self.assertIsNone(err, err)
        rest_rid = new_rid("audit-rest")
        r = self.rest("POST", "/v1/organizations", body=self.create_body("organizations"), X_Request_Id=rest_rid)
        self.assertEqual(r.status, 201, r)
        (g_ev,) = self.events("request_id=" + q(rid))
        (r_ev,) = self.events("request_id=" + q(rest_rid))
        keys = ("actor", "role", "action", "entity", "organization_id", "client_addr", "before")
        self.assertEqual({k: g_ev[k] for k in keys if k != "organization_id"},
                         {k: r_ev[k] for k in keys if k != "organization_id"})
        self.assertEqual(g_ev["entity_id"], got["id"])
        self.assertEqual(g_ev["after"], self.rest("GET", f"/v1/organizations/{got['id']}").json)
        # the same event read over gRPC
        ev, _, err = self.g_get("audit-events", g_ev["id"])
        self.assertIsNone(err, err)
        self.assertEqual(ev, g_ev)
        # no x-request-id: the server makes one and records it
        got, _, err = self.g_create("organizations", self.create_body("organizations"))
        (ev,) = self.events("entity_id=" + got["id"])
        self.assertRegex(ev["request_id"], h.REQUEST_ID_RE)

    def test_idempotency_key(self):
        key = str(uuid.uuid4())
        body = self.create_body("organizations")
        rid1, rid2 = new_rid("idem1"), new_rid("idem2")
        first, md1, err = self.g_create("organizations", body, idempotency_key=key, x_request_id=rid1)
        self.assertIsNone(err, err)
        with self.unchanged():
            again, md2, err = self.g_create("organizations", body, idempotency_key=key, x_request_id=rid2)
        self.assertIsNone(err, err)
        self.assertEqual(again, first)
        self.assertEqual(md2.get("etag"), md1.get("etag"))
        self.assertNotIn("idempotent-replayed", md1)
        self.assertEqual(md2.get("idempotent-replayed"), "true", md2)   # REST's Idempotent-Replayed
        self.assertEqual(self.db.scalar(f"SELECT count(*) FROM organizations WHERE code = {h.sql_literal(body['code'])}"), "1")
        self.assertEqual(len(self.events("entity_id=" + first["id"])), 1)
        # the same key with another message: refused, as REST refuses another body
        with self.unchanged():
            _, _, err = self.g_create("organizations", dict(body, name="Другое"), idempotency_key=key)
        self.assertEqual(err and err.code(), grpc.StatusCode.INVALID_ARGUMENT, err)
        self.assertIn("idempotency-key", " ".join(f.lower() for f, _ in (bad_request(err) or [])),
                      bad_request(err))
        # a malformed key, as REST's 422
        with self.unchanged():
            _, _, err = self.g_create("organizations", self.create_body("organizations"),
                                      idempotency_key="with space")
        self.assertEqual(err and err.code(), grpc.StatusCode.INVALID_ARGUMENT, err)

    def test_idempotency_key_concurrent(self):
        key = str(uuid.uuid4())
        body = self.create_body("organizations")
        req = self.msg("organizations", "CreateOrganizationRequest", {"organization": body})
        stub = self.stub("organizations")
        futs = [stub.Create.future(req, metadata=self.md(idempotency_key=key), timeout=30) for _ in range(8)]
        ids = {f.result().id for f in futs}
        self.assertEqual(len(ids), 1, ids)
        self.assertEqual(self.db.scalar(f"SELECT count(*) FROM organizations WHERE code = {h.sql_literal(body['code'])}"), "1")

    def test_200_concurrent_calls_on_one_channel(self):
        channel = grpc.insecure_channel(self.grpc_target)
        self.addCleanup(channel.close)
        wait_channel(channel)
        stub = self.stub("organizations", channel)
        ids = [self.A, self.A1, self.B, self.R]
        want = {i: self.rest("GET", f"/v1/organizations/{i}").json for i in ids}
        req = lambda i: self.msg("organizations", "GetOrganizationRequest", {"id": i})
        lreq = self.msg("organizations", "ListOrganizationsRequest", {"parent_id": self.R, "page_size": 10})
        futs = []
        for n in range(200):
            if n % 10 == 9:
                futs.append(("list", None, stub.List.future(lreq, metadata=self.md(), timeout=60)))
            else:
                i = ids[n % len(ids)]
                futs.append(("get", i, stub.Get.future(req(i), metadata=self.md(), timeout=60)))
        rest_list = self.rest("GET", f"/v1/organizations?parent_id={self.R}&limit=10").json
        failures = []
        for kind, i, f in futs:
            try:
                got = to_json(f.result())
            except grpc.RpcError as err:
                failures.append(f"{kind} {i}: {err.code()} {err.details()}")
                continue
            if kind == "get" and got != want[i]:
                failures.append(f"get {i}: {got} != {want[i]}")
            if kind == "list" and got["items"] != rest_list["items"]:
                failures.append(f"list: {got} != {rest_list}")
        self.assertEqual(failures, [], f"{len(failures)} of 200 calls failed")

    def test_cancelled_create_is_whole_or_nothing(self):
        stub = self.stub("organizations")
        made = 0
        for n, delay in enumerate((0, 0, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1)):
            code = f"G4-CX-{n}-{secrets.token_hex(3)}"
            rid = new_rid("cancel")
            body = dict(self.create_body("organizations"), code=code)
            req = self.msg("organizations", "CreateOrganizationRequest", {"organization": body})
            f = stub.Create.future(req, metadata=self.md(x_request_id=rid), timeout=30)
            if delay:
                time.sleep(delay)
            f.cancel()
            try:
                f.result()
            except (grpc.RpcError, grpc.FutureCancelledError):
                pass
            time.sleep(0.3)
            with self.subTest(delay=delay):
                made += self.assert_whole_or_nothing(code, rid)
        # the server serves on after ten cancellations, and its pool is whole
        for _ in range(10):
            got, _, err = self.g_get("organizations", self.A)
            self.assertIsNone(err, err)


class Actions(GrpcBase):
    """The domain reads and actions of actions.proto, each compared with the REST request it
    stands for (a Struct holds exactly REST's JSON)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        r = cls.server.request("POST", "/v1/collection-actions", {
            "receivable_id": cls.rcv[cls.A], "kind": "claim", "done_on": "2025-02-10",
            "document_number": "П-7", "responsible_employee_id": cls.emp[cls.A]})
        assert r.status == 201, r
        cls.claim = r.json["id"]
        r = cls.server.request("PATCH", f"/v1/employees/{cls.emp[cls.A1]}",
                               {"relatives": [{"employee_id": cls.emp[cls.A], "relation": "sibling"}]})
        assert r.status == 200, r

    def act(self, service, method, body, token="admin"):
        """(the answer: a Struct as JSON, another message as to_json; initial metadata; error)."""
        from google.protobuf import json_format, struct_pb2
        from probity.v1 import actions_pb2, actions_pb2_grpc
        stub = getattr(actions_pb2_grpc, service + "Stub")(self.channel)
        fn = getattr(stub, method)
        in_type = actions_pb2.DESCRIPTOR.services_by_name[service].methods_by_name[method].input_type
        req = from_json(getattr(actions_pb2, in_type.name), body)
        try:
            resp, c = fn.with_call(req, metadata=self.md(token), timeout=20)
        except grpc.RpcError as err:
            return None, {}, err
        if isinstance(resp, struct_pb2.Struct):
            return json_format.MessageToDict(resp), dict(c.initial_metadata()), None
        return to_json(resp), dict(c.initial_metadata()), None

    def same(self, service, method, body, path, token="admin"):
        got, _, err = self.act(service, method, body, token)
        r = self.rest("GET", path, token)
        what = f"{service}.{method} {body} vs GET {path}"
        if r.status != 200:
            self.assert_code_for(err, r, what)
            return r, err
        self.assertIsNone(err, f"{what}: {err!r}")
        self.assertEqual(got, r.json, what)
        return r, got

    def test_compliance(self):
        as_of = "2026-11-20T00:00:00.000Z"
        r, _ = self.same("DisclosureComplianceService", "GetOrganizationCompliance",
                         {"id": self.A1, "period": "2026-10", "as_of": as_of},
                         f"/v1/organizations/{self.A1}/disclosure-compliance?period=2026-10&as_of={q(as_of)}")
        self.assertEqual(r.status, 200, r)
        self.same("DisclosureComplianceService", "GetOrganizationCompliance", {"id": self.B, "period": "2026-Q4"},
                  f"/v1/organizations/{self.B}/disclosure-compliance?period=2026-Q4")
        # the board of R's subtree (its late publishers), two a page
        token, pages = "", 0
        while pages < 5:
            path = f"/v1/disclosure-compliance?period=2026-10&as_of={q(as_of)}&organization_id={self.R}&limit=2"
            r, got = self.same("DisclosureComplianceService", "GetBoard",
                               {"period": "2026-10", "as_of": as_of, "organization_id": self.R,
                                "page_size": 2, "page_token": token},
                               path + (f"&cursor={q(token)}" if token else ""))
            self.assertEqual(r.status, 200, r)
            pages += 1
            token = r.json.get("next_cursor")
            if not token:
                break
        # refusals as REST's: a bad period, a row outside the key's subtree
        r, err = self.same("DisclosureComplianceService", "GetOrganizationCompliance",
                           {"id": self.A1, "period": "2026-13"},
                           f"/v1/organizations/{self.A1}/disclosure-compliance?period=2026-13")
        self.assertEqual(r.status, 422, r)
        self.assertEqual([f for f, _ in bad_request(err) or []], [e["field"] for e in r.json["errors"]])
        r, err = self.same("DisclosureComplianceService", "GetOrganizationCompliance",
                           {"id": self.B, "period": "2026-10"},
                           f"/v1/organizations/{self.B}/disclosure-compliance?period=2026-10",
                           token=self.tokens["viewer"])
        self.assertEqual(err.code(), grpc.StatusCode.NOT_FOUND)

    def test_jobs(self):
        self.same("JobsService", "ListJobs", {}, "/v1/jobs")
        self.same("JobsService", "ListJobs", {}, "/v1/jobs", token=self.tokens["viewer"])
        kinds = [k["kind"] for k in self.rest("GET", "/v1/jobs").json["items"]]
        kind = kinds[0]
        with self.unchanged():
            body = {"kind": kind, "period": "2026-10", "organization_id": self.A}
            _, _, err = self.act("JobsService", "RunJob", body, self.tokens["viewer"])
            r = self.rest("POST", f"/v1/jobs/{kind}/runs", self.tokens["viewer"],
                          {"period": "2026-10", "organization_id": self.A})
            self.assertEqual(r.status, 403, r)
            self.assert_code_for(err, r, "RunJob as a viewer")
        before = int(self.db.scalar(f"SELECT count(*) FROM job_runs WHERE kind = {h.sql_literal(kind)}"))
        got, _, err = self.act("JobsService", "RunJob", {"kind": kind, "period": "2026-10", "organization_id": self.A})
        self.assertIsNone(err, err)
        self.assertEqual({k: got.get(k) for k in ("kind", "period", "organization_id")},
                         {"kind": kind, "period": "2026-10", "organization_id": self.A})
        after = int(self.db.scalar(f"SELECT count(*) FROM job_runs WHERE kind = {h.sql_literal(kind)}"))
        self.assertEqual(after - before, got["planned"])
        # planned again: REST and gRPC agree there is nothing more to plan
        got, _, err = self.act("JobsService", "RunJob", {"kind": kind, "period": "2026-10", "organization_id": self.A})
        r = self.rest("POST", f"/v1/jobs/{kind}/runs", body={"period": "2026-10", "organization_id": self.A})
        self.assertEqual(got, r.json)

    def test_receivable_timeline_and_deadlines(self):
        for as_of in ("2025-03-20", "", "2027-01-20"):
            with self.subTest(as_of=as_of):
                r, _ = self.same("ReceivablesActionsService", "GetTimeline", {"id": self.rcv[self.A], "as_of": as_of},
                                 f"/v1/receivables/{self.rcv[self.A]}/timeline" + (f"?as_of={as_of}" if as_of else ""))
                self.assertEqual(r.status, 200, r)
        r, err = self.same("ReceivablesActionsService", "GetTimeline", {"id": str(uuid.uuid4())},
                           f"/v1/receivables/{uuid.uuid4()}/timeline")
        self.assertEqual(err.code(), grpc.StatusCode.NOT_FOUND)
        r, err = self.same("ReceivablesActionsService", "GetTimeline", {"id": self.rcv[self.A], "as_of": "20-01-2027"},
                           f"/v1/receivables/{self.rcv[self.A]}/timeline?as_of=20-01-2027")
        self.assertEqual(err.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.same("ReceivablesActionsService", "ListCollectionDeadlines", {"organization_id": self.R},
                  f"/v1/collection-deadlines?organization_id={self.R}")
        token = ""
        for _ in range(3):
            r, _ = self.same("ReceivablesActionsService", "ListCollectionDeadlines",
                             {"organization_id": self.R, "state": "late", "page_size": 1, "page_token": token},
                             f"/v1/collection-deadlines?organization_id={self.R}&state=late&limit=1"
                             + (f"&cursor={q(token)}" if token else ""))
            token = r.json.get("next_cursor")
            if not token:
                break

    def test_claim_document(self):
        for fmt in ("", "text", "html"):
            with self.subTest(format=fmt):
                got, _, err = self.act("ReceivablesActionsService", "GetClaimDocument", {"id": self.claim, "format": fmt})
                r = self.rest("GET", f"/v1/collection-actions/{self.claim}/document" + (f"?format={fmt}" if fmt else ""))
                self.assertEqual(r.status, 200, r)
                self.assertIsNone(err, err)
                self.assertEqual(got, {"content_type": r.headers["content-type"], "body": r.body.decode(),
                                       "content_language": r.headers["content-language"]})
        action = self.rows[self.A1]["collection-actions"]     # kind other: no claim document
        _, _, err = self.act("ReceivablesActionsService", "GetClaimDocument", {"id": action})
        r = self.rest("GET", f"/v1/collection-actions/{action}/document")
        self.assert_code_for(err, r, "claim document of another kind of action")

    def test_working_days_and_relative_conflicts(self):
        for add in (5, 0, -3):
            with self.subTest(add=add):
                self.same("CalendarsActionsService", "GetWorkingDays",
                          {"jurisdiction": "RU", "from": "2026-12-28", "add": add},
                          f"/v1/calendars/RU/working-days?from=2026-12-28&add={add}")
        r, err = self.same("CalendarsActionsService", "GetWorkingDays", {"jurisdiction": "RU", "from": "2026-12-28"},
                           "/v1/calendars/RU/working-days?from=2026-12-28")
        self.assertEqual(err.code(), grpc.StatusCode.INVALID_ARGUMENT)
        for oid in (self.A, self.R, self.B):
            r, got = self.same("OrganizationsActionsService", "GetRelativeConflicts", {"id": oid},
                               f"/v1/organizations/{oid}/relative-conflicts")
        self.same("OrganizationsActionsService", "GetRelativeConflicts", {"id": self.B},
                  f"/v1/organizations/{self.B}/relative-conflicts", token=self.tokens["auditor"])

    def test_report(self):
        rid = self.rows[self.A1]["reports"]
        self.same_get("reports", rid)
        for fmt in ("", "csv", "xlsx"):
            with self.subTest(format=fmt):
                got, _, err = self.act("ReportsActionsService", "GetReportTable", {"id": rid, "format": fmt})
                r = self.rest("GET", f"/v1/reports/{rid}?format={fmt or 'csv'}")
                self.assertEqual(r.status, 200, r)
                self.assertIsNone(err, err)
                self.assertEqual(got["content_type"], r.headers["content-type"])
                disp = r.headers["content-disposition"]
                self.assertEqual(f'attachment; filename="{got["filename"]}"', disp)
                if fmt == "xlsx":
                    self.assertEqual(got["body"][:2], b"PK")
                    self.assertLess(abs(len(got["body"]) - len(r.body)), 64)
                else:
                    self.assertEqual(got["body"], r.body)
        _, _, err = self.act("ReportsActionsService", "GetReportTable", {"id": self.rows[self.B]["reports"]},
                             self.tokens["viewer"])
        self.assertEqual(err and err.code(), grpc.StatusCode.NOT_FOUND, err)

    def test_notification_resend(self):
        def mail(tag):
            return self.db.scalar(
                "INSERT INTO notifications (dedupe_key, organization_id, recipient, locale, template, subject,"
                f" body_text, message_id, status) VALUES ({h.sql_literal('g4r|' + tag)}, {h.sql_literal(self.A)},"
                f" 'r@example.org', 'ru', 'g4', 'S', 'B', {h.sql_literal(tag + '@g4.example')}, 'failed')"
                " RETURNING id").splitlines()[0]
        a, b = mail(secrets.token_hex(4)), mail(secrets.token_hex(4))
        got, _, err = self.act("NotificationsActionsService", "Resend", {"id": a})
        r = self.rest("POST", f"/v1/notifications/{b}/resend")
        if r.status >= 400:
            self.assert_code_for(err, r, "Resend")
        else:
            self.assertIsNone(err, err)
            self.assertEqual(dict(got, id=b), r.json)
            self.same_get("notifications", a)
        with self.unchanged():
            _, _, err = self.act("NotificationsActionsService", "Resend", {"id": a}, self.tokens["viewer"])
            r = self.rest("POST", f"/v1/notifications/{a}/resend", self.tokens["viewer"])
            self.assert_code_for(err, r, "Resend as a viewer")


class DatabaseDown(GrpcCase):
    """The database goes away under one server (a TCP proxy between it and PostgreSQL is
    closed): gRPC calls end UNAVAILABLE promptly where REST answers 503; then both work again."""

    @classmethod
    def setUpClass(cls):
        p = urllib.parse.urlsplit(h.admin_url())
        if "://" not in h.admin_url() or not p.port:
            raise unittest.SkipTest("PROBITY_TEST_ADMIN_URL is not a URL with a TCP port")
        cls.proxy = TcpProxy(p.hostname or "127.0.0.1", p.port).start()
        cls.addClassCleanup(cls.proxy.stop)
        cls.SERVER_ENV = {"PROBITY_POOL_SIZE": "2"}
        super().setUpClass()
        # serve again, reaching the database through the proxy only
        problems = h.stop_and_check(cls.server)
        assert not problems, problems
        cls.SERVER_ENV = dict(cls.SERVER_ENV,
                              PROBITY_DATABASE_URL=cls.proxied(h.app_url(cls.db.url)))
        cls.server = h.Server(cls.db.url, cls.SERVER_ENV, port=cls.server.port).start()
        wait_channel(cls.channel)

    @classmethod
    def proxied(cls, url):
        p = urllib.parse.urlsplit(url)
        user = p.netloc.rsplit("@", 1)[0] + "@" if "@" in p.netloc else ""
        return urllib.parse.urlunsplit((p.scheme, f"{user}127.0.0.1:{cls.proxy.port}", p.path,
                                        p.query, p.fragment))

    def test_unavailable_then_back(self):
        from probity.v1 import organizations_pb2, organizations_pb2_grpc
        stub = organizations_pb2_grpc.OrganizationsServiceStub(self.channel)
        org = self.create_org()
        get = organizations_pb2.GetOrganizationRequest(id=org["id"])
        self.assertEqual(stub.Get(get, metadata=self.md(), timeout=10).id, org["id"])
        self.proxy.stop()
        try:
            for n in range(2):
                r = self.request("GET", f"/v1/organizations/{org['id']}", timeout=6)
                self.assert_problem(r, 503)
                for what, fn, req in (
                        ("Get", stub.Get, get),
                        ("List", stub.List, organizations_pb2.ListOrganizationsRequest(page_size=5)),
                        ("Create", stub.Create, from_json(organizations_pb2.CreateOrganizationRequest,
                                                          {"organization": self.org_body()}))):
                    with self.subTest(call=what, round=n):
                        t0 = time.monotonic()
                        err = self.rpc_error(fn, req, metadata=self.md(), timeout=8)
                        self.assertEqual(err.code(), grpc.StatusCode.UNAVAILABLE, err)
                        self.assertLess(time.monotonic() - t0, 5.0)
        finally:
            self.proxy.start()
        deadline = time.monotonic() + 15
        while True:
            try:
                got = stub.Get(get, metadata=self.md(), timeout=5)
                break
            except grpc.RpcError as err:
                if time.monotonic() > deadline:
                    self.fail(f"not serving again 15 s after the database came back: {err!r}")
                time.sleep(0.25)
        self.assertEqual(got.id, org["id"])


if __name__ == "__main__":
    unittest.main()
