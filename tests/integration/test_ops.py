"""Operations endpoints: /healthz, /readyz, /metrics, /openapi.json, /docs."""

import os
import re
import unittest
import uuid

from probity_harness import ProbityTestCase, SRC, media_type, openapi_path


def parse_metrics(text):
    """{(name, frozenset(labels.items())): float} from Prometheus text format."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\d+)?$', line)
        if not m:
            raise AssertionError(f"bad metrics line: {line!r}")
        labels = {}
        if m.group(3):
            for lm in re.finditer(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(3)):
                labels[lm.group(1)] = lm.group(2)
        out[(m.group(1), frozenset(labels.items()))] = float(m.group(4))
    return out


def find(metrics, name, **labels):
    return {dict(k[1]).get("le", ""): v for k, v in metrics.items()
            if k[0] == name and all(dict(k[1]).get(a) == b for a, b in labels.items())}


class Ops(ProbityTestCase):
    SERVER_ENV = {"PROBITY_POOL_SIZE": "3"}

    def metrics(self):
        r = self.get("/metrics")
        self.assertEqual(r.status, 200, r)
        params = r.headers.get("content-type", "").replace(" ", "").lower().split(";")
        self.assertEqual(params[0], "text/plain", r)
        self.assertIn("version=0.0.4", params[1:], r)
        self.assert_request_id(r)
        return r.body.decode("utf-8"), parse_metrics(r.body.decode("utf-8"))

    def test_healthz(self):
        self.assertEqual(self.assert_json(self.get("/healthz"), 200), {"status": "ok"})

    def test_readyz(self):
        body = self.assert_json(self.get("/readyz"), 200)
        latest = max(int(f.split("_", 1)[0]) for f in os.listdir(os.path.join(SRC, "storage", "migrations"))
                     if re.match(r"^\d+_.*\.sql$", f))
        self.assertEqual(body, {"status": "ready", "database": "up", "schema_version": latest})

    def test_metrics_counts_requests_by_route(self):
        org = self.create_org()
        self.get(f"/v1/organizations/{org['id']}")
        self.get(f"/v1/organizations/{uuid.uuid4()}")
        _, before = self.metrics()
        for _ in range(3):
            self.assertEqual(self.get("/healthz").status, 200)
        self.assertEqual(self.get("/v1/nope").status, 404)
        text, after = self.metrics()

        self.assertIn("# TYPE probity_http_requests_total counter", text)
        healthz_before = [v for (n, l), v in before.items() if n == "probity_http_requests_total"
                          and dict(l).get("route") == "/healthz" and dict(l).get("method") == "GET"
                          and dict(l).get("status") == "200"]
        healthz_after = [v for (n, l), v in after.items() if n == "probity_http_requests_total"
                         and dict(l).get("route") == "/healthz" and dict(l).get("method") == "GET"
                         and dict(l).get("status") == "200"]
        self.assertEqual(len(healthz_after), 1, "one series for route=/healthz GET 200")
        self.assertEqual(healthz_after[0] - (healthz_before[0] if healthz_before else 0), 3)

        routes = {dict(l).get("route") for (n, l) in after if n == "probity_http_requests_total"}
        self.assertTrue(any(r and "organizations" in r for r in routes), routes)
        for (n, l) in after:
            labels = dict(l)
            if n.startswith("probity_http_"):
                self.assertNotIn(org["id"], labels.get("route", ""), "route label must be the route pattern")
                if n == "probity_http_requests_total":
                    self.assertEqual(set(labels), {"route", "method", "status"}, labels)
        # the created org was POSTed: 201 is counted under a POST series
        self.assertTrue(any(dict(l).get("method") == "POST" and dict(l).get("status") == "201"
                            for (n, l) in after if n == "probity_http_requests_total"))

    def test_metrics_histogram(self):
        self.get("/healthz")
        text, m = self.metrics()
        self.assertIn("# TYPE probity_http_request_duration_seconds histogram", text)
        buckets = find(m, "probity_http_request_duration_seconds_bucket", route="/healthz", method="GET")
        self.assertIn("+Inf", buckets)
        self.assertGreaterEqual(len(buckets), 5)
        les = sorted((float(k), v) for k, v in buckets.items())
        counts = [v for _, v in les]
        self.assertEqual(counts, sorted(counts), "cumulative buckets must not decrease")
        count = find(m, "probity_http_request_duration_seconds_count", route="/healthz", method="GET")
        total = find(m, "probity_http_request_duration_seconds_sum", route="/healthz", method="GET")
        self.assertEqual(len(count), 1)
        self.assertEqual(len(total), 1)
        self.assertEqual(list(count.values())[0], buckets["+Inf"])
        self.assertGreater(list(count.values())[0], 0)
        self.assertGreaterEqual(list(total.values())[0], 0)

    def test_metrics_pool_gauges(self):
        text, m = self.metrics()
        for name in ("probity_db_pool_size", "probity_db_pool_in_use", "probity_db_pool_waiting"):
            self.assertIn(f"# TYPE {name} gauge", text)
            self.assertEqual(len(find(m, name)), 1, name)
        self.assertEqual(list(find(m, "probity_db_pool_size").values())[0], 3)
        in_use = list(find(m, "probity_db_pool_in_use").values())[0]
        self.assertGreaterEqual(in_use, 0)
        self.assertLessEqual(in_use, 3)
        self.assertGreaterEqual(list(find(m, "probity_db_pool_waiting").values())[0], 0)

    def test_openapi_json_is_the_file(self):
        path = openapi_path()
        if not os.path.exists(path):
            self.skipTest(f"{path} does not exist")
        r = self.get("/openapi.json")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(media_type(r.headers.get("content-type", "")), "application/json")
        with open(path, "rb") as f:
            self.assertTrue(r.body == f.read(), "GET /openapi.json differs from openapi/openapi.json")

    def test_docs_page_and_assets(self):
        r = self.get("/docs")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(media_type(r.headers.get("content-type", "")), "text/html")
        html = r.body.decode("utf-8")
        refs = set(re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)["\']', html))
        for asset in ("/docs/swagger-ui.css", "/docs/swagger-ui-bundle.js", "/docs/swagger-ui-standalone-preset.js"):
            self.assertTrue(any(ref == asset or ref == asset.split("/")[-1] or ref == "./" + asset.split("/")[-1]
                                for ref in refs), f"{asset} not referenced by /docs: {sorted(refs)}")
        self.assertIn("/openapi.json", html)
        self.assertNotRegex(html, r"(src|href)\s*=\s*[\"']https?://", "/docs must load nothing from outside")
        types = {".css": {"text/css"}, ".js": {"application/javascript", "text/javascript"}}
        for asset in ("/docs/swagger-ui.css", "/docs/swagger-ui-bundle.js", "/docs/swagger-ui-standalone-preset.js"):
            with self.subTest(asset=asset):
                a = self.get(asset)
                self.assertEqual(a.status, 200, a)
                self.assertIn(media_type(a.headers.get("content-type", "")), types[os.path.splitext(asset)[1]])
                self.assertGreater(len(a.body), 1000)
                docs_dir = os.environ.get("PROBITY_DOCS_DIR")
                if docs_dir:
                    with open(os.path.join(docs_dir, os.path.basename(asset)), "rb") as f:
                        self.assertTrue(a.body == f.read(), f"{asset} differs from PROBITY_DOCS_DIR's copy")

    def test_docs_asset_traversal_refused(self):
        for path in ("/docs/../openapi/openapi.json", "/docs/%2e%2e/%2e%2e/etc/passwd", "/docs/..%2f..%2fetc%2fpasswd",
                     "/docs/nope.js"):
            with self.subTest(path=path):
                r = self.get(path)
                self.assertEqual(r.status, 404, r)
                self.assertNotIn(b"root:", r.body)

    def test_request_id_on_ops_endpoints(self):
        for path in ("/healthz", "/readyz", "/metrics", "/openapi.json", "/docs"):
            with self.subTest(path=path):
                r = self.get(path, headers={"X-Request-Id": "ops-check-1"})
                self.assertEqual(r.status, 200, r)
                self.assert_request_id(r, sent="ops-check-1")


if __name__ == "__main__":
    unittest.main()
