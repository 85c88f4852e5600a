"""Every way a request can be wrong: exact status, problem+json fields, the
field errors, X-Request-Id, and proof (a checksum of every table) that the
request changed nothing."""

import json
import socket
import time
import unittest
import uuid

from probity_harness import (ProbityTestCase, REQUEST_ID_RE, ABSENT, media_type)


class RoutingErrors(ProbityTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        r = cls.server.request("POST", "/v1/organizations", {
            "name": "Base", "kind": "hospital", "jurisdiction": "KZ", "timezone": "Asia/Almaty",
            "locale": "ru", "currency": "KZT", "code": "BASE-1"})
        assert r.status == 201, r
        cls.org = r.json

    def test_404_unknown_route(self):
        for path in ("/v1/nope", "/nope", "/v1/organizations/%s/nope" % self.org["id"], "/v2/organizations",
                     "/v1/organizations/%s/relative-conflicts/x" % self.org["id"]):
            with self.subTest(path=path), self.unchanged():
                self.assert_problem(self.get(path), 404)
        with self.unchanged():
            self.assert_problem(self.post("/v1/nope", {"a": 1}), 404)

    def test_404_unknown_id(self):
        missing = str(uuid.uuid4())
        valid_patch = {"organizations": {"name": "x"}, "employees": {"full_name": "x"},
                       "calendars": {"name": "x"}, "calendar-days": {"name": "x"}}
        for entity, patch in valid_patch.items():
            path = f"/v1/{entity}/{missing}"
            with self.subTest(entity=entity), self.unchanged():
                self.assert_problem(self.get(path), 404)
                self.assert_problem(self.patch(path, patch), 404)
                self.assert_problem(self.delete(path), 404)

    def test_422_malformed_id(self):
        for entity in ("organizations", "employees", "calendars", "calendar-days"):
            for bad in ("not-a-uuid", "12345", self.org["id"] + "0", self.org["id"][:-1]):
                path = f"/v1/{entity}/{bad}"
                with self.subTest(path=path), self.unchanged():
                    self.assert_field_error(self.get(path), "id", "format")
                    self.assert_field_error(self.delete(path), "id", "format")

    def assert_allow(self, resp, methods):
        self.assert_problem(resp, 405)
        allow = resp.headers.get("allow")
        self.assertIsNotNone(allow, f"405 without Allow: {resp!r}")
        got = {m.strip().upper() for m in allow.split(",") if m.strip()}
        self.assertEqual(got - {"HEAD", "OPTIONS"}, set(methods), f"Allow: {allow}")
        self.assertNotIn(resp.method, got)

    def test_405_with_allow(self):
        oid = self.org["id"]
        cases = [
            ("PUT", "/v1/organizations", {"GET", "POST"}),
            ("DELETE", "/v1/organizations", {"GET", "POST"}),
            ("PATCH", "/v1/calendar-days", {"GET", "POST"}),
            ("POST", f"/v1/organizations/{oid}", {"GET", "PATCH", "DELETE"}),
            ("PUT", f"/v1/organizations/{oid}", {"GET", "PATCH", "DELETE"}),
            ("POST", f"/v1/organizations/{oid}/relative-conflicts", {"GET"}),
            ("DELETE", "/v1/calendars/RU/working-days?from=2026-01-01&add=1", {"GET"}),
            ("POST", "/healthz", {"GET"}),
            ("DELETE", "/readyz", {"GET"}),
            ("POST", "/metrics", {"GET"}),
            ("PUT", "/openapi.json", {"GET"}),
        ]
        for method, path, allowed in cases:
            with self.subTest(method=method, path=path), self.unchanged():
                body = {"name": "x"} if method in ("PUT", "POST", "PATCH") else None
                self.assert_allow(self.request(method, path, body), allowed)

    def test_request_id_echoed_when_valid(self):
        for rid in ("abc-123", "A.b_c:d-9", "x" * 128):
            with self.subTest(rid=rid):
                r = self.get("/healthz", headers={"X-Request-Id": rid})
                self.assertEqual(r.status, 200)
                self.assert_request_id(r, sent=rid)
                r = self.get("/v1/nope", headers={"X-Request-Id": rid})
                p = self.assert_problem(r, 404)
                self.assertEqual(p["request_id"], rid)
                self.assert_request_id(r, sent=rid)

    def test_request_id_generated_when_absent_or_invalid(self):
        seen = set()
        for rid in (None, "", "has space", "x" * 129, "semi;colon", "slash/no", "quote\"d"):
            with self.subTest(rid=rid):
                headers = {} if rid is None else {"X-Request-Id": rid}
                r = self.get("/v1/nope", headers=headers)
                p = self.assert_problem(r, 404)
                got = r.headers["x-request-id"]
                self.assertRegex(got, REQUEST_ID_RE)
                self.assertNotEqual(got, rid)
                self.assertEqual(p["request_id"], got)
                self.assertNotIn(got, seen, "generated request ids must differ")
                seen.add(got)
                r = self.get("/healthz", headers=headers)
                self.assertEqual(r.status, 200)
                got = self.assert_request_id(r)
                self.assertNotEqual(got, rid)
                self.assertNotIn(got, seen)
                seen.add(got)

    def test_request_id_non_ascii_replaced(self):
        c = self.server.raw()
        try:
            c.send(b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Request-Id: \xc3\xa9t\xc3\xa9\r\n"
                   b"Connection: close\r\n\r\n")
            r = c.read_response(10)
        finally:
            c.close()
        self.assertIsNotNone(r)
        self.assertEqual(r.status, 200)
        self.assertRegex(r.headers["x-request-id"], REQUEST_ID_RE)


class ReportRepresentationErrors(ProbityTestCase):
    """GET /v1/reports/{id} (api/http/report_handlers.c): ?format= and Accept."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        r = cls.server.request("POST", "/v1/organizations", {
            "name": "Supervisor", "kind": "district_administration", "jurisdiction": "MN",
            "timezone": "Asia/Ulaanbaatar", "locale": "mn", "currency": "MNT"})
        assert r.status == 201, r
        # Reports are written by the scheduler only: the test writes one as the owner.
        cls.report = cls.db.insert_report("disclosure_report", "2026-10", r.json["id"], "mn", "Тайлан",
                                          [{"key": "code", "heading": "Код"}], [["MN-GLASS-BUDGET"]], {})
        cls.path = f"/v1/reports/{cls.report}"

    def test_406_nothing_acceptable(self):
        # Nothing acceptable: refused by name or by q=0, not named at all, or every range malformed (and so
        # ignored: no "/", or a q outside the qvalue grammar); an empty Accept allows nothing either.
        for accept in ("application/xml", "application/json;q=0", "text/html", "text/csv;q=0, application/json;q=0",
                       "image/*", "*/*;q=0", "text/*;q=0.9, text/csv;q=0, application/json;q=0", "", "csv",
                       "text/csv;q=", "text/csv;q=.5", "text/csv;q=1.5", "text/csv;q=0.5000", "text/csv;q=1.001",
                       "text/csv;q"):
            with self.subTest(accept=accept), self.unchanged():
                r = self.get(self.path, headers={"Accept": accept})
                p = self.assert_problem(r, 406)
                self.assertEqual((p["title"], p["detail"]), (
                    "Not acceptable", "A report is answered as application/json, text/csv or "
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet (or ?format=)."))
                self.assertEqual(r.headers.get("vary"), "Accept", r)
        # The representation is settled before the report is looked up: a missing one is 406 too.
        missing = f"/v1/reports/{uuid.uuid4()}"
        with self.unchanged():
            self.assert_problem(self.get(missing, headers={"Accept": "application/xml"}), 406)
            self.assert_problem(self.get(missing), 404)
            self.assert_problem(self.get(missing + "?format=csv"), 404)
        # ?format= decides whatever Accept says.
        with self.unchanged():
            r = self.get(self.path + "?format=csv", headers={"Accept": "application/xml"})
            self.assertEqual((r.status, r.headers.get("content-type")),
                             (200, "text/csv; charset=utf-8; header=present"), r)
            self.assert_json(self.get(self.path + "?format=json", headers={"Accept": "text/csv"}), 200)

    def test_negotiation(self):
        csv = "text/csv; charset=utf-8; header=present"
        xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        for accept, want in ((None, "application/json"), ("*/*", "application/json"),
                             ("application/*", "application/json"), ("application/json", "application/json"),
                             ("text/csv", csv), ("text/*", csv), ("TEXT/CSV", csv),
                             ("text/csv;q=0.5, application/json;q=0.4", csv),
                             ("text/csv;q=0.4, application/json;q=0.5", "application/json"),
                             # RFC 9110 12.5.1: a tie goes to JSON, whatever the order.
                             ("text/csv, application/json", "application/json"),
                             ("application/json, text/csv", "application/json"),
                             ("text/*, application/json", "application/json"),
                             ("text/html, application/xhtml+xml, application/xml;q=0.9, */*;q=0.8", "application/json"),
                             # Each type takes the q of the most specific range naming it.
                             ("application/json;q=0.1, */*", csv), ("*/*;q=0.5, application/json;q=0", csv),
                             ("text/*;q=0.2, text/csv;q=0.9, application/json;q=0.5", csv),
                             ("text/csv;q=0.2, text/*;q=0.9, application/json;q=0.5", "application/json"),
                             # The grammar: case-insensitive names, OWS, three decimals, quoted commas.
                             ("text/csv;Q=0.5, application/json;q=0.4", csv),
                             ("text/csv ; q=0.3 , application/json ; q=0.2", csv),
                             ("application/json;q=0.001, text/csv;q=0.002", csv), ("text/csv;q=1.000", csv),
                             ('text/csv;x="a,b;q=0", application/json;q=0.5', csv),
                             # A malformed range is ignored, not fatal.
                             ("csv, text/csv;q=0.1", csv),
                             ("text/csv;q=.9, application/json;q=0.1", "application/json"),
                             # XLSX by name, or by application/* once JSON is refused; a tie goes to CSV.
                             (xlsx, xlsx), (xlsx + ";q=0.5, application/json;q=0.4", xlsx),
                             ("application/*, application/json;q=0", xlsx), (xlsx + ", text/csv", csv),
                             ("*/*;q=0.5, text/csv;q=0, application/json;q=0", xlsx)):
            with self.subTest(accept=accept), self.unchanged():
                r = self.get(self.path, headers={"Accept": accept})
                self.assertEqual((r.status, r.headers.get("content-type")), (200, want), r)
                # Strong tags differ between representations; a cache keys either by Accept.
                self.assertEqual(r.headers.get("vary"), "Accept", r)
                if want == xlsx:
                    self.assertEqual(r.headers.get("etag"), '"1-xlsx"', r)
                    self.assertEqual(r.body[:4], b"PK\x03\x04", "a ZIP container")
                    self.assertEqual(r.headers.get("content-disposition"),
                                     'attachment; filename="disclosure_report-2026-10.xlsx"')
                elif want == csv:
                    self.assertEqual(r.headers.get("etag"), '"1-csv"', r)
                    self.assertEqual(r.body.decode("utf-8"), "Код\r\nMN-GLASS-BUDGET\r\n")
                    self.assertEqual(r.headers.get("content-disposition"),
                                     'attachment; filename="disclosure_report-2026-10.csv"')
                else:
                    self.assertEqual(self.assert_json(r, 200)["id"], self.report)
                    self.assertEqual(r.headers.get("etag"), '"1"', r)
                    self.assertIsNone(r.headers.get("content-disposition"), r)

    def test_422_format_and_query(self):
        for query, fields in (("?format=pdf", {"format": "invalid"}), ("?format=", {"format": "invalid"}),
                              ("?format=XLSX", {"format": "invalid"}), ("?format=xls", {"format": "invalid"}),
                              ("?format=CSV", {"format": "invalid"}), ("?format=csv&format=json", {"format": None}),
                              ("?download=1", {"download": "unknown_parameter"}),
                              ("?format=csv&download=1", {"download": "unknown_parameter"})):
            with self.subTest(query=query), self.unchanged():
                self.assert_field_errors(self.get(self.path + query, headers={"Accept": "application/xml"}),
                                         fields, instance=self.path)
        with self.unchanged():
            self.assert_field_error(self.get("/v1/reports/not-a-uuid?format=csv"), "id", "format")
            # The list answers JSON only, and has no format parameter.
            self.assert_field_error(self.get("/v1/reports?format=csv"), "format", "unknown_parameter")

    def test_405_reports_are_read_only(self):
        for method, path in (("POST", "/v1/reports"), ("PATCH", self.path), ("DELETE", self.path),
                             ("PUT", self.path)):
            with self.subTest(method=method), self.unchanged():
                r = self.request(method, path, {"title": "x"} if method != "DELETE" else None)
                self.assert_problem(r, 405)
                self.assertEqual({m.strip() for m in r.headers.get("allow", "").split(",")}, {"GET", "HEAD"}, r)


class BodyErrors(ProbityTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        r = cls.server.request("POST", "/v1/organizations", {
            "name": "Patch target", "kind": "hospital", "jurisdiction": "KZ",
            "timezone": "Asia/Almaty", "locale": "ru", "currency": "KZT"})
        assert r.status == 201, r
        cls.org = r.json

    def valid_org_json(self, **over):
        return self.org_body(**over)

    # -- 400 ----------------------------------------------------------------

    def test_400_malformed_json_names_line_and_column(self):
        raw = b'{"name": "x",\n  "kind": }'
        with self.unchanged():
            p = self.assert_problem(self.post("/v1/organizations", raw=raw), 400)
        self.assertRegex(p["detail"].lower(), r"line\W*2\b", p)
        self.assertRegex(p["detail"].lower(), r"column\W*\d+", p)

    def test_400_other_syntax_errors(self):
        for raw in (b"{", b'{"name": "x"', b'{"name": "x",}', b"{'name': 'x'}", b"nul",
                    b'{"name": "x"} trailing', b'{"a":1}{"b":2}', b""):
            with self.subTest(raw=raw), self.unchanged():
                self.assert_problem(self.post("/v1/organizations", raw=raw), 400)
            with self.subTest(raw=raw, method="PATCH"), self.unchanged():
                self.assert_problem(self.patch(f"/v1/organizations/{self.org['id']}", raw=raw), 400)

    def test_400_body_not_an_object(self):
        for raw in (b"[1, 2]", b"42", b'"text"', b"null", b"true", b"[]"):
            with self.subTest(raw=raw), self.unchanged():
                self.assert_problem(self.post("/v1/organizations", raw=raw), 400)
            with self.subTest(raw=raw, method="PATCH"), self.unchanged():
                self.assert_problem(self.patch(f"/v1/organizations/{self.org['id']}", raw=raw), 400)

    # -- 415 ----------------------------------------------------------------

    def test_415_wrong_or_missing_content_type(self):
        body = json.dumps(self.valid_org_json()).encode()
        for ct in ("text/plain", "application/x-www-form-urlencoded", "application/xml",
                   "multipart/form-data; boundary=x", None):
            with self.subTest(ct=ct), self.unchanged():
                r = self.post("/v1/organizations", raw=body, headers={"Content-Type": ct})
                self.assert_problem(r, 415)
            with self.subTest(ct=ct, method="PATCH"), self.unchanged():
                r = self.patch(f"/v1/organizations/{self.org['id']}", raw=b'{"name": "y"}',
                               headers={"Content-Type": ct})
                self.assert_problem(r, 415)

    def test_415_merge_patch_is_not_for_post(self):
        body = json.dumps(self.valid_org_json()).encode()
        with self.unchanged():
            r = self.post("/v1/organizations", raw=body,
                          headers={"Content-Type": "application/merge-patch+json"})
            self.assert_problem(r, 415)

    # -- 411, 413 (default limit), 431 ----------------------------------------

    def test_411_chunked_body(self):
        body = json.dumps(self.valid_org_json()).encode()
        with self.unchanged():
            c = self.server.raw()
            try:
                c.send(b"POST /v1/organizations HTTP/1.1\r\nHost: t\r\n"
                       b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                       + b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n")
                r = c.read_response(10)
            finally:
                c.close()
            self.assertIsNotNone(r, "no answer to a chunked request")
            self.assert_problem(r, 411, instance="/v1/organizations")

    def test_413_over_default_limit(self):
        pad = 1024 * 1024 + 1 - len(b'{"name": ""}')
        body = b'{"name": "' + b"a" * pad + b'"}'
        self.assertEqual(len(body), 1024 * 1024 + 1)
        with self.unchanged():
            c = self.server.raw()
            try:
                c.send(b"POST /v1/organizations HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                       b"Content-Length: %d\r\n\r\n" % len(body) + body)
                r = c.read_response(10)
            finally:
                c.close()
            self.assertIsNotNone(r, "no answer to an oversized body")
            self.assert_problem(r, 413, instance="/v1/organizations")

    def test_431_huge_header_block(self):
        for name, block in (("one header", b"X-Pad: " + b"a" * 20480 + b"\r\n"),
                            ("many headers", b"".join(b"X-Pad-%d: %s\r\n" % (i, b"b" * 200)
                                                      for i in range(100)))):
            with self.subTest(name), self.unchanged():
                c = self.server.raw()
                try:
                    c.send(b"GET /v1/organizations HTTP/1.1\r\nHost: t\r\n" + block + b"\r\n")
                    r = c.read_response(10)
                finally:
                    c.close()
                self.assertIsNotNone(r, "no answer to a 20 KiB header block")
                self.assert_problem(r, 431)

    def test_header_block_under_limit_is_fine(self):
        r = self.get("/v1/organizations?limit=1", headers={"X-Pad": "a" * 8000})
        self.assert_json(r, 200)

    def test_400_malformed_request_lines(self):
        for line in (b"GARBAGE\r\n\r\n", b"GET\r\n\r\n",
                     b"GET /healthz HTTP/1.1\r\nNo colon header\r\n\r\n",
                     b"\x00\x01\x02\x03\r\n\r\n"):
            with self.subTest(line=line), self.unchanged():
                c = self.server.raw()
                try:
                    c.send(line)
                    r = c.read_response(10)
                    self.assertIsNotNone(r, "no answer to a malformed request")
                    self.assert_problem(r, 400)
                    self.assertTrue(c.wait_closed(12), "connection kept open after a malformed request")
                finally:
                    c.close()
        self.assertEqual(self.get("/healthz").status, 200)

    # -- 422: body fields ------------------------------------------------------

    def post_422(self, entity, body=None, raw=None, expected=None, headers=None):
        with self.unchanged():
            r = self.post("/v1/" + entity, body, raw=raw, headers=headers)
            return self.assert_field_errors(r, expected)

    def test_422_unknown_field(self):
        self.post_422("organizations", self.valid_org_json(colour="red"), expected={"colour": "unknown_field"})

    def test_422_wrong_type(self):
        self.post_422("organizations", self.valid_org_json(name=42), expected={"name": "type"})
        self.post_422("organizations", self.valid_org_json(kind=["hospital"]), expected={"kind": "type"})
        self.post_422("organizations", self.valid_org_json(contact_emails="a@b.example"),
                      expected={"contact_emails": "type"})
        self.post_422("calendars", {"jurisdiction": "XA", "name": "x", "weekend_days": ["6"]},
                      expected={"weekend_days[0]": "type"})
        self.post_422("calendars", {"jurisdiction": "XA", "name": "x", "weekend_days": [6.5]},
                      expected={"weekend_days[0]": "type"})
        self.post_422("calendars", {"jurisdiction": "XA", "name": "x", "weekend_days": [True]},
                      expected={"weekend_days[0]": "type"})

    def test_422_out_of_range_int(self):
        self.post_422("calendars", {"jurisdiction": "XA", "name": "x", "weekend_days": [9]},
                      expected={"weekend_days[0]": "out_of_range"})
        self.post_422("calendars", {"jurisdiction": "XA", "name": "x", "weekend_days": [6, 0]},
                      expected={"weekend_days[1]": "out_of_range"})
        self.post_422("calendars", {"jurisdiction": "XA", "name": "x", "weekend_days": [-1]},
                      expected={"weekend_days[0]": "out_of_range"})

    def test_422_array_items(self):
        self.post_422("calendars", {"jurisdiction": "XA", "name": "x", "weekend_days": [1, 2, 3, 4]},
                      expected={"weekend_days": "too_many_items"})
        # the contract does not say whether the array or the repeated item is named
        with self.unchanged():
            r = self.post("/v1/calendars", {"jurisdiction": "XA", "name": "x", "weekend_days": [6, 6]})
            p = self.assert_problem(r, 422)
        self.assertEqual(len(p["errors"]), 1, r)
        self.assertIn(p["errors"][0]["field"], ("weekend_days", "weekend_days[1]"), r)
        self.assertEqual(p["errors"][0]["code"], "duplicate_item", r)
        emails = [f"p{i}@x.example" for i in range(21)]
        self.post_422("organizations", self.valid_org_json(contact_emails=emails),
                      expected={"contact_emails": "too_many_items"})

    def test_422_string_length_in_code_points(self):
        self.post_422("organizations", self.valid_org_json(name="a" * 501), expected={"name": "too_long"})
        self.post_422("organizations", self.valid_org_json(name="ж" * 501), expected={"name": "too_long"})
        self.post_422("organizations", self.valid_org_json(name=""), expected={"name": "too_short"})
        self.post_422("calendars", {"jurisdiction": "XAB", "name": "x"}, expected={"jurisdiction": "too_long"})
        # 500 two-byte code points (1000 bytes) are within the limit
        r = self.post("/v1/organizations", self.valid_org_json(name="ж" * 500))
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["name"], "ж" * 500)

    def test_422_bad_enum(self):
        self.post_422("organizations", self.valid_org_json(kind="castle"), expected={"kind": "enum"})
        self.post_422("organizations", self.valid_org_json(jurisdiction="US"), expected={"jurisdiction": "enum"})
        self.post_422("organizations", self.valid_org_json(locale="RU"), expected={"locale": "enum"})
        self.post_422("organizations", self.valid_org_json(disclosure_frequency="weekly"),
                      expected={"disclosure_frequency": "enum"})
        cal = self.create_calendar()
        self.post_422("calendar-days", {"jurisdiction": cal["jurisdiction"], "date": "2026-01-01",
                                        "kind": "weekend"}, expected={"kind": "enum"})

    def test_422_bad_date(self):
        cal = self.create_calendar()
        for bad in ("2026-02-30", "2026-2-3", "2026-13-01", "20260101", "2026-01-01T00:00:00Z", "tomorrow", ""):
            with self.subTest(date=bad):
                self.post_422("calendar-days", {"jurisdiction": cal["jurisdiction"], "date": bad, "kind": "holiday"},
                              expected={"date": "format"})

    def test_422_bad_uuid(self):
        for bad in ("not-a-uuid", "12345678-1234-1234-1234-1234567890", str(uuid.uuid4()) + "x", ""):
            with self.subTest(uuid=bad):
                self.post_422("organizations", self.valid_org_json(parent_id=bad), expected={"parent_id": "format"})
                self.post_422("employees", {"organization_id": bad, "full_name": "X"},
                              expected={"organization_id": "format"})

    def test_422_bad_email(self):
        for bad in ("nobody", "abc@", "@b.example", "a b@c.example", "a@b@c"):
            with self.subTest(email=bad):
                self.post_422("employees", {"organization_id": self.org["id"], "full_name": "X", "email": bad},
                              expected={"email": "format"})
        self.post_422("organizations", self.valid_org_json(contact_emails=["ok@x.example", "bad"]),
                      expected={"contact_emails[1]": "format"})

    def test_422_bad_timezone(self):
        for bad in ("Mars/Olympus", "Europe/Nowhere", "../../etc/passwd", "Asia/", "/etc/localtime"):
            with self.subTest(tz=bad):
                self.post_422("organizations", self.valid_org_json(timezone=bad), expected={"timezone": "format"})

    def test_422_bad_formats(self):
        self.post_422("organizations", self.valid_org_json(code="has space"), expected={"code": "format"})
        self.post_422("calendars", {"jurisdiction": "ru", "name": "x"}, expected={"jurisdiction": "format"})
        self.post_422("calendars", {"jurisdiction": "R1", "name": "x"}, expected={"jurisdiction": "format"})

    def test_422_invalid_utf8(self):
        body = json.dumps(self.valid_org_json(name="PLACEHOLDER")).encode()
        for bad in (b"\xff", b"ab\xc3", b"\xed\xa0\x80", b"\xc0\xaf"):
            with self.subTest(bytes=bad):
                raw = body.replace(b"PLACEHOLDER", b"x" + bad + b"y")
                self.post_422("organizations", raw=raw, expected={"name": "invalid_utf8"})

    def test_422_nul_byte(self):
        self.post_422("organizations", self.valid_org_json(name="a\u0000b"), expected={"name": "nul_byte"})
        self.post_422("organizations", self.valid_org_json(contact_emails=["a\u0000@b.example"]),
                      expected={"contact_emails[0]": "nul_byte"})

    def test_422_duplicate_key(self):
        raw = json.dumps(self.valid_org_json()).encode()
        raw = raw[:-1] + b', "name": "again"}'
        self.post_422("organizations", raw=raw, expected={"name": "duplicate_key"})

    def test_422_read_only_in_post(self):
        for field, value in (("id", str(uuid.uuid4())), ("version", 1), ("created_at", "2026-01-01T00:00:00.000Z"),
                             ("updated_at", "2026-01-01T00:00:00.000Z")):
            with self.subTest(field=field):
                self.post_422("organizations", self.valid_org_json(**{field: value}), expected={field: "read_only"})

    def test_422_required_missing(self):
        self.post_422("organizations", {}, expected={f: "required" for f in
                      ("name", "kind", "jurisdiction", "timezone", "locale", "currency")})
        self.post_422("organizations", self.valid_org_json(name=ABSENT), expected={"name": "required"})
        self.post_422("organizations", self.valid_org_json(name=None), expected={"name": "required"})
        self.post_422("employees", {"full_name": "X"}, expected={"organization_id": "required"})
        self.post_422("calendar-days", {}, expected={"jurisdiction": "required", "date": "required",
                                                     "kind": "required"})

    def test_422_nested_members(self):
        emp = self.create_employee(self.org["id"])
        cases = [
            ([{"employee_id": "nope", "relation": "spouse"}], {"relatives[0].employee_id": "format"}),
            ([{"employee_id": emp["id"], "relation": "enemy"}], {"relatives[0].relation": "enum"}),
            ([{"employee_id": emp["id"]}], {"relatives[0].relation": "required"}),
            ([{"employee_id": emp["id"], "relation": "spouse", "since": 2001}], {"relatives[0].since": "unknown_field"}),
            (["x"], {"relatives[0]": "type"}),
            ({"employee_id": emp["id"]}, {"relatives": "type"}),
        ]
        for rel, expected in cases:
            with self.subTest(relatives=rel):
                self.post_422("employees", {"organization_id": self.org["id"], "full_name": "Y", "relatives": rel},
                              expected=expected)

    def test_422_several_bad_fields_at_once(self):
        body = self.valid_org_json(name="a" * 501, kind="castle", timezone="Mars/Olympus", colour="red",
                                   parent_id="nope", locale=7)
        self.post_422("organizations", body, expected={"name": "too_long", "kind": "enum",
                                                       "timezone": "format", "colour": "unknown_field",
                                                       "parent_id": "format", "locale": "type"})

    def test_escaped_keys_are_the_same_keys(self):
        raw = json.dumps(self.valid_org_json()).encode()[:-1] + b', "n\\u0061me": "again"}'
        self.post_422("organizations", raw=raw, expected={"name": "duplicate_key"})
        raw = json.dumps(self.valid_org_json(name=ABSENT)).encode()[:-1] + b', "n\\u0061me": "Escaped"}'
        r = self.post("/v1/organizations", raw=raw)
        self.assertEqual(self.assert_json(r, 201)["name"], "Escaped")

    def test_deep_nesting_and_huge_numbers_do_not_crash(self):
        for name, raw in (("deep arrays", b'{"name": ' + b"[" * 100000 + b"]" * 100000 + b"}"),
                          ("deep objects", b'{"name": ' + b'{"a":' * 50000 + b"1" + b"}" * 50000 + b"}"),
                          ("huge int", b'{"jurisdiction": "XA", "name": "x", "weekend_days": [99999999999999999999999]}'),
                          ("huge exponent", b'{"jurisdiction": "XA", "name": "x", "weekend_days": [1e400]}')):
            with self.subTest(name), self.unchanged():
                r = self.post("/v1/calendars", raw=raw)
                self.assertIn(r.status, (400, 422), r)
                self.assert_problem(r, r.status)
        self.assertEqual(self.get("/healthz").status, 200)

    def test_many_bad_fields(self):
        body = self.valid_org_json()
        bogus = {f"bogus_{i:02d}": i for i in range(40)}
        body.update(bogus)
        with self.unchanged():
            p = self.assert_problem(self.post("/v1/organizations", body), 422)
        fields = [e["field"] for e in p["errors"]]
        self.assertEqual(len(fields), len(set(fields)), "one entry per field")
        self.assertTrue(set(fields) <= set(bogus), fields)
        self.assertGreaterEqual(len(fields), 32)
        self.assertTrue(all(e["code"] == "unknown_field" for e in p["errors"]))

    def test_long_unknown_field_name(self):
        name = "k" * 300
        with self.unchanged():
            p = self.assert_problem(self.post("/v1/organizations", self.valid_org_json(**{name: 1})), 422)
        self.assertEqual(len(p["errors"]), 1)
        self.assertEqual(p["errors"][0]["code"], "unknown_field")
        self.assertTrue(name.startswith(p["errors"][0]["field"]) and p["errors"][0]["field"], p)

    # -- 422 on PATCH ---------------------------------------------------------

    def patch_422(self, path, body=None, raw=None, expected=None, headers=None):
        with self.unchanged():
            r = self.patch(path, body, raw=raw, headers=headers)
            return self.assert_field_errors(r, expected)

    def test_422_patch_null_on_required(self):
        path = f"/v1/organizations/{self.org['id']}"
        for field in ("name", "kind", "jurisdiction", "timezone", "locale", "currency"):
            with self.subTest(field=field):
                self.patch_422(path, {field: None}, expected={field: "required"})

    def test_422_patch_read_only_and_bad_values(self):
        path = f"/v1/organizations/{self.org['id']}"
        self.patch_422(path, {"version": 7}, expected={"version": "read_only"})
        self.patch_422(path, {"id": str(uuid.uuid4())}, expected={"id": "read_only"})
        self.patch_422(path, {"kind": "castle", "bogus": 1}, expected={"kind": "enum", "bogus": "unknown_field"})
        self.patch_422(path, {"timezone": "Mars/Olympus"}, expected={"timezone": "format"},
                       headers={"Content-Type": "application/merge-patch+json"})
        raw = b'{"name": "a", "name": "b"}'
        self.patch_422(path, raw=raw, expected={"name": "duplicate_key"})
        self.patch_422(path, raw=b'{"name": "\xff"}', expected={"name": "invalid_utf8"})

    # -- 422: query parameters ---------------------------------------------------

    def query_422(self, path, expected):
        with self.unchanged():
            return self.assert_field_errors(self.get(path), expected, instance=path.split("?")[0])

    def test_422_unknown_query_parameter(self):
        self.query_422("/v1/organizations?colour=red", {"colour": "unknown_parameter"})
        self.query_422("/v1/organizations?name=x", {"name": "unknown_parameter"})
        self.query_422("/v1/employees?kind=hospital", {"kind": "unknown_parameter"})
        self.query_422("/v1/organizations?date_from=2026-01-01", {"date_from": "unknown_parameter"})

    def test_422_repeated_query_parameter(self):
        self.query_422("/v1/organizations?limit=5&limit=6", {"limit": None})
        self.query_422("/v1/organizations?kind=hospital&kind=ministry", {"kind": None})

    def test_422_bad_limit(self):
        for bad in ("0", "501", "x", "-1", "", "5.5", "1e2", "99999999999999999999"):
            with self.subTest(limit=bad):
                self.query_422(f"/v1/organizations?limit={bad}", {"limit": "invalid"})
        self.assert_json(self.get("/v1/organizations?limit=500"), 200)
        self.assert_json(self.get("/v1/organizations?limit=1"), 200)

    def test_422_bad_cursor(self):
        for bad in ("garbage", "AAAA", "eyJ4IjoxfQ"):
            with self.subTest(cursor=bad):
                self.query_422(f"/v1/organizations?cursor={bad}", {"cursor": "invalid"})
        # a NUL or invalid UTF-8 in a query value: invalid or the specific code, naming the parameter
        for bad, specific in (("a%00b", "nul_byte"), ("%FF%FE", "invalid_utf8")):
            with self.subTest(cursor=bad):
                p = self.query_422(f"/v1/organizations?cursor={bad}", {"cursor": None})
                self.assertIn(p["errors"][0]["code"], ("invalid", specific))

    def test_422_bad_updated_since(self):
        for bad in ("yesterday", "2026-13-01T00:00:00Z", "2026-01-01", "2026-01-01T25:00:00Z", "1700000000"):
            with self.subTest(updated_since=bad):
                self.query_422(f"/v1/organizations?updated_since={bad}", {"updated_since": "invalid"})

    def test_422_bad_filter_values(self):
        self.query_422("/v1/organizations?kind=castle", {"kind": "invalid"})
        self.query_422("/v1/organizations?parent_id=nope", {"parent_id": "invalid"})
        self.query_422("/v1/employees?organization_id=nope", {"organization_id": "invalid"})
        self.query_422("/v1/calendar-days?date_from=2026-02-30", {"date_from": "invalid"})
        self.query_422("/v1/calendar-days?date_to=x", {"date_to": "invalid"})
        self.query_422("/v1/calendar-days?kind=weekend", {"kind": "invalid"})
        self.query_422("/v1/organizations?limit=0&kind=castle&bogus=1",
                       {"limit": "invalid", "kind": "invalid", "bogus": "unknown_parameter"})


class ConnectionHandling(ProbityTestCase):
    """Framing: keep-alive, pipelining, and bodies the server refuses must not
    be read as the next request."""

    def exchange(self, data, n, timeout=10):
        c = self.server.raw()
        try:
            c.send(data)
            out = []
            for _ in range(n):
                r = c.read_response(timeout)
                if r is None:
                    break
                out.append(r)
            return out, c.wait_closed(0.5) if len(out) < n else None
        finally:
            c.close()

    def test_keep_alive_mixed_requests(self):
        for i in range(5):
            self.assertEqual(self.request("GET", "/healthz", keep_alive=True).status, 200)
            self.assert_problem(self.request("GET", "/v1/nope", keep_alive=True), 404)
            r = self.request("POST", "/v1/organizations", {"name": ""}, keep_alive=True)
            self.assert_problem(r, 422)
            r = self.request("POST", "/v1/organizations", raw=b"{", keep_alive=True)
            self.assert_problem(r, 400)
        self.server.close_conn()

    def test_half_closed_client_gets_its_answer(self):
        """A client that sends its request and shuts down its sending side
        (scripts, some health checkers) is answered, then the server closes."""
        for path, status in ((b"/healthz", 200), (b"/v1/organizations?limit=1", 200),
                             (b"/v1/nope", 404)):
            with self.subTest(path=path):
                c = self.server.raw()
                try:
                    c.send(b"GET %s HTTP/1.1\r\nHost: t\r\n%s\r\n" % (path, self.server.auth))
                    c.sock.shutdown(socket.SHUT_WR)
                    r = c.read_response(10)
                    self.assertIsNotNone(r, "no answer to a half-closed client")
                    self.assertEqual(r.status, status, r)
                    self.assertTrue(c.wait_closed(5), "the server kept the connection open")
                finally:
                    c.close()

    def test_pipelined_requests_answered_in_order(self):
        reqs = b"".join(b"GET %s HTTP/1.1\r\nHost: t\r\nX-Request-Id: pipe-%d\r\n\r\n" % (p, i)
                        for i, p in enumerate((b"/healthz", b"/v1/nope", b"/readyz")))
        out, _ = self.exchange(reqs, 3)
        self.assertEqual([r.status for r in out], [200, 404, 200])
        self.assertEqual([r.headers.get("x-request-id") for r in out], ["pipe-0", "pipe-1", "pipe-2"])

    def test_refused_body_is_not_the_next_request(self):
        smuggled = b"GET /v1/smuggled HTTP/1.1\r\nHost: t\r\n\r\n"
        cases = [
            ("415", b"POST /v1/organizations HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\n"),
            ("404", b"POST /v1/nope HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"),
            ("405", b"PUT /v1/organizations HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"),
            ("422", b"PATCH /v1/organizations/nope HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"),
        ]
        for status, head in cases:
            with self.subTest(status=status), self.unchanged():
                data = head + self.server.auth + b"Content-Length: %d\r\n\r\n" % len(smuggled) + smuggled + \
                    b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Request-Id: after\r\n\r\n"
                out, _ = self.exchange(data, 2)
                self.assertGreaterEqual(len(out), 1, "no answer")
                self.assertEqual(out[0].status, int(status), out[0])
                if len(out) == 2:   # kept alive: the next answer is for /healthz, not the body
                    self.assertEqual(out[1].status, 200, out[1])
                    self.assertEqual(out[1].headers.get("x-request-id"), "after")

    def test_conflicting_framing_headers(self):
        body = json.dumps(self.org_body()).encode()
        cases = [
            ("te+cl", b"Transfer-Encoding: chunked\r\nContent-Length: %d\r\n" % len(body), (400, 411)),
            ("two lengths", b"Content-Length: %d\r\nContent-Length: %d\r\n" % (len(body), len(body) + 1), (400,)),
            ("negative", b"Content-Length: -1\r\n", (400,)),
            ("not a number", b"Content-Length: 12abc\r\n", (400,)),
        ]
        for name, hdrs, statuses in cases:
            with self.subTest(name), self.unchanged():
                out, closed = self.exchange(b"POST /v1/organizations HTTP/1.1\r\nHost: t\r\n"
                                            b"Content-Type: application/json\r\n" + hdrs + b"\r\n" + body, 1)
                self.assertEqual(len(out), 1, "no answer")
                self.assertIn(out[0].status, statuses, out[0])
                self.assert_problem(out[0], out[0].status, instance=None if out[0].status == 400 else "/v1/organizations")

    def test_many_connections_at_once(self):
        conns = [self.server.raw() for _ in range(50)]
        try:
            for i, c in enumerate(conns):
                c.send(b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Request-Id: c%d\r\n\r\n" % i)
            for i, c in enumerate(conns):
                r = c.read_response(10)
                self.assertIsNotNone(r)
                self.assertEqual((r.status, r.headers.get("x-request-id")), (200, f"c{i}"))
        finally:
            for c in conns:
                c.close()


class BodyLimit(ProbityTestCase):
    SERVER_ENV = {"PROBITY_BODY_LIMIT": "4096"}

    def body_of(self, size):
        head = json.dumps(self.org_body(name="PLACEHOLDER")).encode()
        pad = size - len(head) + len(b"PLACEHOLDER")
        body = head.replace(b"PLACEHOLDER", b"a" * pad)
        self.assertEqual(len(body), size)
        return body

    def test_413_over_limit(self):
        with self.unchanged():
            r = self.post("/v1/organizations", raw=self.body_of(5000))
            self.assert_problem(r, 413)
        with self.unchanged():
            r = self.post("/v1/organizations", raw=self.body_of(4097))
            self.assert_problem(r, 413)

    def test_at_limit_is_read(self):
        # 4096 bytes are accepted for reading; the 4000-character name then fails validation
        with self.unchanged():
            r = self.post("/v1/organizations", raw=self.body_of(4096))
            self.assert_field_error(r, "name", "too_long")

    def test_413_on_patch(self):
        org = self.create_org()
        with self.unchanged():
            r = self.patch(f"/v1/organizations/{org['id']}", raw=self.body_of(5000))
            self.assert_problem(r, 413)

    def test_413_content_length_bigger_than_body(self):
        """Content-Length over the limit is refused at once, before any body."""
        with self.unchanged():
            c = self.server.raw()
            try:
                t0 = time.monotonic()
                c.send(b"POST /v1/organizations HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                       b"Content-Length: 100000000\r\n\r\n{\"name\": \"x\"")
                r = c.read_response(5)
                elapsed = time.monotonic() - t0
            finally:
                c.close()
            self.assertIsNotNone(r, "no 413 within 5 s for a Content-Length over the limit")
            self.assert_problem(r, 413, instance="/v1/organizations")
            self.assertLess(elapsed, 5)


class SlowClients(ProbityTestCase):
    """408: a request not fully received within 10 s."""

    def stall(self, first_bytes, instance):
        with self.unchanged():
            c = self.server.raw()
            try:
                t0 = time.monotonic()
                c.send(first_bytes)
                r = c.read_response(14)
                elapsed = time.monotonic() - t0
                self.assertIsNotNone(r, f"no 408 within 14 s (eof={c.eof})")
                self.assert_problem(r, 408, instance=instance)
                self.assertGreater(elapsed, 8.5, "408 before the 10 s request timeout")
                self.assertLess(elapsed, 12.5)
                self.assertTrue(c.wait_closed(3), "connection not closed after 408")
            finally:
                c.close()

    def test_408_half_a_body(self):
        self.stall(b"POST /v1/organizations HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                   b"Content-Length: 200\r\n\r\n{\"name\": \"x\", ", "/v1/organizations")

    def test_408_half_the_headers(self):
        self.stall(b"GET /v1/organizations HTTP/1.1\r\nHost: t\r\nAccept: appl", "/v1/organizations")

    def test_408_slowloris_trickle_does_not_extend(self):
        """One header byte per second: cut off at ~10 s overall, not kept alive."""
        c = self.server.raw()
        try:
            t0 = time.monotonic()
            c.send(b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: ")
            r = None
            while time.monotonic() - t0 < 14:
                if c.readable_within(1.0):
                    r = c.read_response(2)
                    break
                if not c.send(b"a"):
                    break
            elapsed = time.monotonic() - t0
            self.assertIsNotNone(r, f"trickling client not answered 408 within {elapsed:.1f}s (eof={c.eof})")
            self.assert_problem(r, 408, instance="/healthz")
            self.assertLess(elapsed, 12.5)
            self.assertTrue(c.wait_closed(3), "connection not closed after 408")
        finally:
            c.close()
        self.assertEqual(self.get("/healthz").status, 200)


if __name__ == "__main__":
    unittest.main()
