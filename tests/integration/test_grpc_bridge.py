"""The gRPC bridge (api/grpc/bridge.c, bridge_answer.c), called by Debian's python3-grpcio with
stubs compiled here from api/proto: OrganizationsService Create/Get/List/Update/Delete with the
same results as REST, the error statuses REST's problems become (INVALID_ARGUMENT with
google.rpc.BadRequest in grpc-status-details-bin, NOT_FOUND, PERMISSION_DENIED, UNAUTHENTICATED,
FAILED_PRECONDITION, ALREADY_EXISTS), idempotency, the audit trail of a call, a few actions, and
a deadline that cancels a statement blocked in the database without writing anything. A smoke
test: the full client suites live elsewhere.
"""

import datetime
import glob
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import uuid

import probity_harness as h
from probity_harness import ProbityTestCase, TIMESTAMP_RE

PYTHON = "/usr/bin/python3"  # Debian's, which sees python3-grpcio (notes/GRPC.md)

try:
    import grpc
    from google.protobuf import json_format
except ImportError:  # pragma: no cover - the suite runs under /usr/bin/python3
    grpc = None


def compile_stubs():
    """api/proto compiled with grpc_tools into a fresh directory (not named grpc, which would
    shadow grpcio); returns it, already on sys.path."""
    out = tempfile.mkdtemp(prefix="probity-stubs-")
    proto_dir = os.path.join(h.SRC, "api", "proto")
    files = sorted(os.path.relpath(p, proto_dir)
                   for p in glob.glob(os.path.join(proto_dir, "probity", "v1", "*.proto")) +
                   glob.glob(os.path.join(proto_dir, "google", "rpc", "*.proto")))
    cp = subprocess.run([PYTHON, "-m", "grpc_tools.protoc", f"-I{proto_dir}", "-I/usr/include",
                         f"--python_out={out}", f"--grpc_python_out={out}"] + files,
                        capture_output=True, text=True, timeout=120)
    if cp.returncode != 0:
        raise RuntimeError(f"grpc_tools.protoc failed:\n{cp.stderr}")
    sys.path.insert(0, out)
    return out


@unittest.skipIf(grpc is None, "python3-grpcio is not importable")
class GrpcBridgeTest(ProbityTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stubs = compile_stubs()
        cls.addClassCleanup(shutil.rmtree, cls.stubs, True)
        cls.pb = importlib.import_module("probity.v1.organizations_pb2")
        cls.svc = importlib.import_module("probity.v1.organizations_pb2_grpc")
        cls.actions = importlib.import_module("probity.v1.actions_pb2")
        cls.actions_svc = importlib.import_module("probity.v1.actions_pb2_grpc")
        cls.status_pb = importlib.import_module("google.rpc.status_pb2")
        cls.details_pb = importlib.import_module("google.rpc.error_details_pb2")
        cls.channel = grpc.insecure_channel(cls.server.grpc_addr)
        cls.addClassCleanup(cls.channel.close)
        cls.orgs = cls.svc.OrganizationsServiceStub(cls.channel)
        cls.auth = [("authorization", f"Bearer {cls.server.token}")]

    # -- helpers -----------------------------------------------------------

    def org(self, **kw):
        fields = dict(name="Ministry of Tests", kind="ministry", jurisdiction="MN",
                      timezone="Asia/Ulaanbaatar", locale="mn", currency="MNT")
        fields.update(kw)
        return self.pb.Organization(**fields)

    def create(self, md=None, **kw):
        resp, call = self.orgs.Create.with_call(
            self.pb.CreateOrganizationRequest(organization=self.org(**kw)),
            metadata=md or self.auth, timeout=10)
        return resp, dict(call.initial_metadata())

    def rpc_error(self, fn, req, md=None, timeout=10):
        with self.assertRaises(grpc.RpcError) as cm:
            fn(req, metadata=self.auth if md is None else md, timeout=timeout)
        return cm.exception

    def bad_request(self, err):
        """The google.rpc.Status of grpc-status-details-bin and its BadRequest."""
        raw = dict(err.trailing_metadata() or ()).get("grpc-status-details-bin")
        self.assertIsNotNone(raw, f"no grpc-status-details-bin on {err!r}")
        st = self.status_pb.Status.FromString(raw)
        self.assertEqual(st.code, err.code().value[0])
        self.assertEqual(st.message, err.details())
        self.assertEqual(len(st.details), 1)
        self.assertEqual(st.details[0].type_url, "type.googleapis.com/google.rpc.BadRequest")
        br = self.details_pb.BadRequest.FromString(st.details[0].value)
        return {v.field: v.description for v in br.field_violations}

    def rest_json(self, path):
        r = self.get(path)
        self.assertEqual(r.status, 200, r)
        return r.json

    def assert_same_as_rest(self, msg, rest):
        """The message, as JSON with every field, equals REST's object; timestamps compared as
        instants (json_format drops REST's .000)."""
        d = json_format.MessageToDict(msg, preserving_proto_field_name=True,
                                      including_default_value_fields=True)
        # Unset optional fields (REST's nulls) are absent from the dict.
        self.assertEqual(sorted(d), sorted(k for k, v in rest.items() if v is not None))
        for k, v in rest.items():
            if isinstance(v, str) and TIMESTAMP_RE.match(v):
                ts = getattr(msg, k)
                self.assertEqual(ts.ToDatetime(), datetime.datetime.strptime(v, "%Y-%m-%dT%H:%M:%S.%fZ"), k)
            elif k == "version":
                self.assertEqual(int(d[k]), v, k)
            elif v is None:
                self.assertFalse(msg.HasField(k), k)
            else:
                self.assertEqual(d[k], v, k)

    # -- CRUD ----------------------------------------------------------------

    def test_create_get_list_update_delete(self):
        code = f"GRPC-{uuid.uuid4().hex[:8]}"
        created, md = self.create(code=code, contact_emails=["a@b.mn"])
        self.assertRegex(created.id, h.UUID_RE)
        self.assertEqual(created.version, 1)
        self.assertEqual(md.get("etag"), '"1"')
        self.assertTrue(md.get("x-request-id"))
        self.assertFalse(created.HasField("parent_id"))
        self.assertEqual(created.code, code)
        self.assert_same_as_rest(created, self.rest_json(f"/v1/organizations/{created.id}"))

        got = self.orgs.Get(self.pb.GetOrganizationRequest(id=created.id), metadata=self.auth,
                            timeout=10)
        self.assertEqual(got, created)

        # List by a filter, a page at a time, as REST pages.
        for i in range(2):
            self.create(name=f"Listed {i}", kind="hospital", jurisdiction="KZ")
        ids, token, pages = [], "", 0
        while True:
            page = self.orgs.List(self.pb.ListOrganizationsRequest(
                page_size=1, page_token=token, kind="hospital"), metadata=self.auth, timeout=10)
            ids += [o.id for o in page.items]
            pages += 1
            token = page.next_page_token
            if not token:
                break
        rest_ids = [o["id"] for o in self.rest_json("/v1/organizations?kind=hospital&limit=500")
                    ["items"]]
        self.assertEqual(ids, rest_ids)
        self.assertGreaterEqual(pages, 2)

        # Update: exactly the masked members; a masked field left unset becomes null.
        upd = self.pb.UpdateOrganizationRequest(
            organization=self.pb.Organization(id=created.id, name="Renamed"), etag='"1"')
        upd.update_mask.paths.extend(["name", "code"])
        new, call = self.orgs.Update.with_call(upd, metadata=self.auth, timeout=10)
        self.assertEqual(new.name, "Renamed")
        self.assertFalse(new.HasField("code"))
        self.assertEqual(new.version, 2)
        self.assertEqual(dict(call.initial_metadata()).get("etag"), '"2"')
        self.assertEqual(new.contact_emails, ["a@b.mn"])  # not in the mask: kept
        rest = self.rest_json(f"/v1/organizations/{created.id}")
        self.assertEqual((rest["name"], rest["code"], rest["version"]), ("Renamed", None, 2))

        # A stale etag.
        upd.etag = '"1"'
        err = self.rpc_error(self.orgs.Update, upd)
        self.assertEqual(err.code(), grpc.StatusCode.FAILED_PRECONDITION, err)
        # A bare version is an etag too.
        err = self.rpc_error(self.orgs.Delete, self.pb.DeleteOrganizationRequest(
            id=created.id, etag="1"))
        self.assertEqual(err.code(), grpc.StatusCode.FAILED_PRECONDITION, err)

        empty = self.orgs.Delete(self.pb.DeleteOrganizationRequest(id=created.id, etag="2"),
                                 metadata=self.auth, timeout=10)
        self.assertEqual(empty.ByteSize(), 0)
        err = self.rpc_error(self.orgs.Get, self.pb.GetOrganizationRequest(id=created.id))
        self.assertEqual(err.code(), grpc.StatusCode.NOT_FOUND, err)
        self.assertEqual(self.get(f"/v1/organizations/{created.id}").status, 404)

    # -- errors --------------------------------------------------------------

    def test_invalid_argument_with_field_violations(self):
        err = self.rpc_error(self.orgs.Create, self.pb.CreateOrganizationRequest(
            organization=self.pb.Organization(kind="nonsense", jurisdiction="MN",
                                              timezone="Asia/Ulaanbaatar", locale="mn",
                                              currency="MNT")))
        self.assertEqual(err.code(), grpc.StatusCode.INVALID_ARGUMENT, err)
        fields = self.bad_request(err)
        self.assertIn("organization.name", fields)
        self.assertIn("organization.kind", fields)
        # A malformed id: REST's 422 on the path parameter.
        err = self.rpc_error(self.orgs.Get, self.pb.GetOrganizationRequest(id="not-a-uuid"))
        self.assertEqual(err.code(), grpc.StatusCode.INVALID_ARGUMENT, err)
        self.assertIn("id", self.bad_request(err))
        # The paging parameters are named as the request names them.
        err = self.rpc_error(self.orgs.List, self.pb.ListOrganizationsRequest(page_size=501))
        self.assertEqual(err.code(), grpc.StatusCode.INVALID_ARGUMENT, err)
        self.assertIn("page_size", self.bad_request(err))
        err = self.rpc_error(self.orgs.List, self.pb.ListOrganizationsRequest(page_token="zz"))
        self.assertIn("page_token", self.bad_request(err))
        # A mask naming no field.
        upd = self.pb.UpdateOrganizationRequest(organization=self.pb.Organization(
            id=str(uuid.uuid4())))
        upd.update_mask.paths.append("colour")
        err = self.rpc_error(self.orgs.Update, upd)
        self.assertEqual(err.code(), grpc.StatusCode.INVALID_ARGUMENT, err)
        self.assertIn("update_mask", self.bad_request(err))
        # An empty id.
        err = self.rpc_error(self.orgs.Get, self.pb.GetOrganizationRequest())
        self.assertEqual(err.code(), grpc.StatusCode.INVALID_ARGUMENT, err)

    def test_not_found(self):
        err = self.rpc_error(self.orgs.Get, self.pb.GetOrganizationRequest(id=str(uuid.uuid4())))
        self.assertEqual(err.code(), grpc.StatusCode.NOT_FOUND, err)
        self.assertTrue(err.details())

    def test_unauthenticated(self):
        err = self.rpc_error(self.orgs.Get, self.pb.GetOrganizationRequest(id=str(uuid.uuid4())),
                             md=[])
        self.assertEqual(err.code(), grpc.StatusCode.UNAUTHENTICATED, err)
        err = self.rpc_error(self.orgs.Get, self.pb.GetOrganizationRequest(id=str(uuid.uuid4())),
                             md=[("authorization", "Bearer prb_nope_nope")])
        self.assertEqual(err.code(), grpc.StatusCode.UNAUTHENTICATED, err)
        # Two authorization values are refused, as two Authorization headers are.
        err = self.rpc_error(self.orgs.Get, self.pb.GetOrganizationRequest(id=str(uuid.uuid4())),
                             md=self.auth + self.auth)
        self.assertIn(err.code(), (grpc.StatusCode.UNAUTHENTICATED,
                                   grpc.StatusCode.INVALID_ARGUMENT), err)

    def test_rate_limited(self):
        """REST's 429: RESOURCE_EXHAUSTED, with its Retry-After as retry-after metadata."""
        srv = h.Server(self.db.url, extra_env={
            "PROBITY_RATE_LIMITS": "admin=0,auditor=0,officer=0,viewer=1:2,integration=0"})
        srv.start()
        try:
            viewer = h.create_key(self.db.url, role="viewer", name="grpc limited")
            with grpc.insecure_channel(srv.grpc_addr) as ch:
                stub = self.svc.OrganizationsServiceStub(ch)
                md = [("authorization", f"Bearer {viewer}")]
                err = None
                for _ in range(10):
                    try:
                        stub.List(self.pb.ListOrganizationsRequest(), metadata=md, timeout=10)
                    except grpc.RpcError as e:
                        err = e
                        break
                self.assertIsNotNone(err, "never limited")
                self.assertEqual(err.code(), grpc.StatusCode.RESOURCE_EXHAUSTED, err)
                retry = dict(err.trailing_metadata() or ()).get("retry-after")
                self.assertTrue(retry and retry.isdigit(), err.trailing_metadata())
        finally:
            problems = h.stop_and_check(srv)
            self.assertEqual(problems, [])

    def test_permission_denied(self):
        viewer = h.create_key(self.db.url, role="viewer", name="grpc viewer")
        err = self.rpc_error(self.orgs.Create, self.pb.CreateOrganizationRequest(
            organization=self.org()), md=[("authorization", f"Bearer {viewer}")])
        self.assertEqual(err.code(), grpc.StatusCode.PERMISSION_DENIED, err)

    def test_already_exists_and_idempotency(self):
        code = f"DUP-{uuid.uuid4().hex[:8]}"
        first, _ = self.create(code=code)
        err = self.rpc_error(self.orgs.Create, self.pb.CreateOrganizationRequest(
            organization=self.org(code=code)))
        self.assertEqual(err.code(), grpc.StatusCode.ALREADY_EXISTS, err)

        key = str(uuid.uuid4())
        md = self.auth + [("idempotency-key", key)]
        a, _ = self.create(md=md, name="Once")
        b, bmd = self.create(md=md, name="Once")
        self.assertEqual(a.id, b.id)
        self.assertEqual(bmd.get("idempotent-replayed"), "true")

    def test_audit_shows_the_call(self):
        rid = f"grpc-audit-{uuid.uuid4().hex[:12]}"
        created, md = self.create(md=self.auth + [("x-request-id", rid)])
        self.assertEqual(md.get("x-request-id"), rid)
        events = self.rest_json(f"/v1/audit-events?entity_id={created.id}")["items"]
        self.assertEqual(len(events), 1, events)
        self.assertEqual(events[0]["action"], "create")
        self.assertEqual(events[0]["request_id"], rid)
        self.assertEqual(events[0]["client_addr"], "127.0.0.1")

    def test_api_keys_create_and_revoke(self):
        """REST's own handlers for api-keys: the token is in the create's answer only (a token
        field, or else the api-key-token metadata), and Delete revokes."""
        keys_pb = importlib.import_module("probity.v1.api_keys_pb2")
        keys = importlib.import_module("probity.v1.api_keys_pb2_grpc").ApiKeysServiceStub(
            self.channel)
        key, call = keys.Create.with_call(keys_pb.CreateApiKeyRequest(
            api_key=keys_pb.ApiKey(name="grpc made", role="viewer")), metadata=self.auth,
            timeout=10)
        md = dict(call.initial_metadata())
        token = getattr(key, "token", "") or md.get("api-key-token")
        self.assertTrue(token and token.startswith("prb_"), (key, md))
        self.assertEqual(key.role, "viewer")
        mine = [("authorization", f"Bearer {token}")]
        page = self.orgs.List(self.pb.ListOrganizationsRequest(page_size=1), metadata=mine,
                              timeout=10)
        self.assertIsNotNone(page)
        # Idempotency-Key is refused here, as REST refuses it.
        err = self.rpc_error(keys.Create, keys_pb.CreateApiKeyRequest(
            api_key=keys_pb.ApiKey(name="again", role="viewer")),
            md=self.auth + [("idempotency-key", "k1")])
        self.assertEqual(err.code(), grpc.StatusCode.INVALID_ARGUMENT, err)
        keys.Delete(keys_pb.DeleteApiKeyRequest(id=key.id), metadata=self.auth, timeout=10)
        got = keys.Get(keys_pb.GetApiKeyRequest(id=key.id), metadata=self.auth, timeout=10)
        self.assertTrue(got.HasField("revoked_at"))
        err = self.rpc_error(self.orgs.List, self.pb.ListOrganizationsRequest(), md=mine)
        self.assertEqual(err.code(), grpc.StatusCode.UNAUTHENTICATED, err)

    # -- actions -------------------------------------------------------------

    def test_actions(self):
        jobs = self.actions_svc.JobsServiceStub(self.channel)
        st = jobs.ListJobs(self.actions.ListJobsRequest(), metadata=self.auth, timeout=10)
        got = json_format.MessageToDict(st)
        self.assertEqual(got, self.rest_json("/v1/jobs"))

        created, _ = self.create()
        acts = self.actions_svc.OrganizationsActionsServiceStub(self.channel)
        st = acts.GetRelativeConflicts(self.actions.GetRelativeConflictsRequest(id=created.id),
                                       metadata=self.auth, timeout=10)
        self.assertEqual(json_format.MessageToDict(st),
                         self.rest_json(f"/v1/organizations/{created.id}/relative-conflicts"))

        cal = self.actions_svc.CalendarsActionsServiceStub(self.channel)
        err = self.rpc_error(cal.GetWorkingDays, self.actions.GetWorkingDaysRequest(
            jurisdiction="ZZ", add=0, **{"from": "2026-03-06"}))
        self.assertEqual(err.code(), grpc.StatusCode.NOT_FOUND, err)
        err = self.rpc_error(cal.GetWorkingDays, self.actions.GetWorkingDaysRequest(
            jurisdiction="RU", **{"from": "2026-03-06"}))
        self.assertEqual(err.code(), grpc.StatusCode.INVALID_ARGUMENT, err)
        self.assertIn("add", self.bad_request(err))

    def insert_report(self, org, period, n, pad=0):
        cols = [{"key": "n", "heading": "No"}, {"key": "name", "heading": "Name, \u0438\u043c\u044f"}]
        rid = self.db.scalar(
            "INSERT INTO reports (kind, period, organization_id, as_of, locale, title, columns, "
            f"summary) VALUES ('receivables_inventory', {h.sql_literal(period)}, "
            f"{h.sql_literal(org)}, now(), 'mn', 'Smoke', {h.sql_literal(json.dumps(cols))}, "
            f"'{{\"rows\": {n}}}') RETURNING id").splitlines()[0]
        self.db.query(
            "INSERT INTO report_rows (report_id, ordinal, cells) SELECT "
            f"{h.sql_literal(rid)}, g, jsonb_build_array(g, 'Debtor \"' || g || '\", Ltd' || "
            f"repeat('.', {pad})) "
            f"FROM generate_series(1, {n}) g", timeout=120)
        return rid

    def test_reports_streamed(self):
        """A report is streamed by REST (a producer); the bridge gathers it into one message:
        the record (ReportsService.Get) and its table (ReportsActionsService.GetReportTable)."""
        reports_pb = importlib.import_module("probity.v1.reports_pb2")
        reports = importlib.import_module("probity.v1.reports_pb2_grpc").ReportsServiceStub(
            self.channel)
        tables = self.actions_svc.ReportsActionsServiceStub(self.channel)
        org, _ = self.create(name="Reporting")
        rid = self.insert_report(org.id, "2026-Q1", 2500)  # three of REST's pages of rows
        got = reports.Get(reports_pb.GetReportRequest(id=rid), metadata=self.auth, timeout=30)
        rest = self.rest_json(f"/v1/reports/{rid}")
        self.assertEqual(len(rest["rows"]), 2500)
        self.assertEqual(len(got.rows.list_value.values), 2500)
        self.assertEqual(json_format.MessageToDict(got.rows), rest["rows"])
        self.assertEqual(got.title, rest["title"])

        csv, call = tables.GetReportTable.with_call(
            self.actions.GetReportTableRequest(id=rid, format="csv"), metadata=self.auth,
            timeout=30)
        r = self.get(f"/v1/reports/{rid}?format=csv")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(csv.body, r.body)
        self.assertEqual(csv.content_type, r.headers["content-type"])
        self.assertEqual(csv.filename, "receivables_inventory-2026-Q1.csv")
        self.assertTrue(dict(call.initial_metadata()).get("etag"))
        xlsx = tables.GetReportTable(self.actions.GetReportTableRequest(id=rid, format="xlsx"),
                                     metadata=self.auth, timeout=30)
        self.assertTrue(xlsx.body.startswith(b"PK"))
        self.assertIn("spreadsheetml", xlsx.content_type)
        # No format: CSV, as the field says.
        dflt = tables.GetReportTable(self.actions.GetReportTableRequest(id=rid),
                                     metadata=self.auth, timeout=30)
        self.assertEqual(dflt.body, csv.body)

        # Over the maximum message size (4 MiB): RESOURCE_EXHAUSTED, not a truncated answer.
        big = self.insert_report(org.id, "2026-Q2", 40_000, pad=100)  # some 5 MB of CSV
        err = self.rpc_error(tables.GetReportTable, self.actions.GetReportTableRequest(
            id=big, format="csv"), timeout=60)
        self.assertEqual(err.code(), grpc.StatusCode.RESOURCE_EXHAUSTED, err)

    # -- cancellation --------------------------------------------------------

    def lock_row(self, org_id, seconds=6):
        """A psql session holding org_id's row lock for a while."""
        holder = subprocess.Popen(
            ["psql", "-X", "-q", "-d", self.db.url, "-c",
             f"BEGIN; SELECT 1 FROM organizations WHERE id = '{org_id}' FOR UPDATE; "
             f"SELECT pg_sleep({seconds}); COMMIT;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(holder.wait, 30)
        time.sleep(1.0)  # the lock is taken
        return holder

    def lock_waiters(self):
        return h.psql(self.db.admin, (
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'probityd' "
            f"AND datname = '{self.db.name}' AND wait_event_type = 'Lock'")).strip()

    def assert_no_lock_waiter_soon(self):
        deadline = time.monotonic() + 2.0
        waiting = None
        while time.monotonic() < deadline:
            waiting = self.lock_waiters()
            if waiting == "0":
                return
            time.sleep(0.1)
        self.fail(f"{waiting} cancelled statement(s) still wait on the lock")

    def blocked_update(self, org_id):
        upd = self.pb.UpdateOrganizationRequest(
            organization=self.pb.Organization(id=org_id, name="Should not stay"))
        upd.update_mask.paths.append("name")
        return upd

    def test_deadline_cancels_the_statement(self):
        """An Update that waits on a row lock past its deadline: DEADLINE_EXCEEDED, the
        statement is cancelled at once (not left waiting for the lock), and nothing of it is
        written."""
        created, _ = self.create(name="Locked")
        holder = self.lock_row(created.id)
        t0 = time.monotonic()
        err = self.rpc_error(self.orgs.Update, self.blocked_update(created.id), timeout=1.0)
        self.assertEqual(err.code(), grpc.StatusCode.DEADLINE_EXCEEDED, err)
        self.assertLess(time.monotonic() - t0, 3.0)
        self.assert_no_lock_waiter_soon()
        self.assertIsNone(holder.poll(), "the lock holder ended too early for the test")
        holder.wait(30)
        rest = self.rest_json(f"/v1/organizations/{created.id}")
        self.assertEqual((rest["name"], rest["version"]), ("Locked", 1))

    def test_client_cancel_cancels_the_statement(self):
        """The client cancels (RST_STREAM) an Update waiting on a row lock: its statement is
        cancelled and nothing of it is written."""
        created, _ = self.create(name="Locked too")
        holder = self.lock_row(created.id)
        fut = self.orgs.Update.future(self.blocked_update(created.id), metadata=self.auth,
                                      timeout=30)
        deadline = time.monotonic() + 3.0
        while self.lock_waiters() != "1" and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(self.lock_waiters(), "1", "the update never waited on the lock")
        self.assertTrue(fut.cancel())
        self.assert_no_lock_waiter_soon()
        self.assertIsNone(holder.poll(), "the lock holder ended too early for the test")
        holder.wait(30)
        rest = self.rest_json(f"/v1/organizations/{created.id}")
        self.assertEqual((rest["name"], rest["version"]), ("Locked too", 1))
        # The server is fine afterwards.
        self.assertEqual(self.orgs.Get(self.pb.GetOrganizationRequest(id=created.id),
                                       metadata=self.auth, timeout=10).name, "Locked too")

if __name__ == "__main__":
    unittest.main()
