"""CORS for browser frontends: none by default; configured origins get the
grant on responses and on preflights, others a 403 preflight and no grant."""

import unittest

from probity_harness import ProbityTestCase

APP = "https://app.khan-uul.example.mn"
PORTAL = "http://localhost:5173"
EVIL = "https://evil.example.com"


def preflight(tc, path, origin, method, headers="content-type, idempotency-key"):
    return tc.request("OPTIONS", path, headers={"Origin": origin,
                                                "Access-Control-Request-Method": method,
                                                "Access-Control-Request-Headers": headers})


class CorsConfigured(ProbityTestCase):
    SERVER_ENV = {"PROBITY_CORS_ORIGINS": f"{APP}, {PORTAL}"}

    def test_preflight_from_allowed_origin(self):
        for origin in (APP, PORTAL):
            with self.subTest(origin=origin):
                r = preflight(self, "/v1/organizations", origin, "POST")
                self.assertEqual(r.status, 204, r)
                self.assertEqual(r.headers["access-control-allow-origin"], origin)
                self.assertIn("Origin", r.headers["vary"])
                methods = [m.strip() for m in r.headers["access-control-allow-methods"].split(",")]
                self.assertIn("POST", methods)
                self.assertIn("GET", methods)
                allowed = r.headers["access-control-allow-headers"].lower()
                for h in ("content-type", "if-match", "idempotency-key", "authorization"):
                    self.assertIn(h, allowed)
                self.assertEqual(r.headers["access-control-max-age"], "600")
                self.assertNotIn("access-control-allow-credentials", r.headers)

    def test_preflight_for_item_routes(self):
        r = preflight(self, "/v1/organizations/00000000-0000-4000-8000-000000000101", APP, "PATCH")
        self.assertEqual(r.status, 204, r)
        methods = [m.strip() for m in r.headers["access-control-allow-methods"].split(",")]
        self.assertEqual(sorted(methods), ["DELETE", "GET", "HEAD", "PATCH"])

    def test_preflight_from_other_origin_is_refused(self):
        with self.unchanged():
            r = preflight(self, "/v1/organizations", EVIL, "POST")
        self.assert_problem(r, 403)
        self.assertNotIn("access-control-allow-origin", r.headers)

    def test_preflight_for_unsupported_method(self):
        r = preflight(self, "/v1/organizations", APP, "DELETE")
        self.assert_problem(r, 403)

    def test_responses_carry_the_grant(self):
        r = self.request("GET", "/v1/organizations?limit=1", headers={"Origin": APP})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers["access-control-allow-origin"], APP)
        self.assertIn("etag", r.headers["access-control-expose-headers"].lower())
        self.assertIn("x-request-id", r.headers["access-control-expose-headers"].lower())
        err = self.request("GET", "/v1/organizations/not-a-uuid", headers={"Origin": APP})
        self.assertEqual(err.status, 422, err)
        self.assertEqual(err.headers["access-control-allow-origin"], APP)
        other = self.request("GET", "/v1/organizations?limit=1", headers={"Origin": EVIL})
        self.assertEqual(other.status, 200, other)
        self.assertNotIn("access-control-allow-origin", other.headers)

    def test_plain_options_lists_methods(self):
        r = self.request("OPTIONS", "/v1/organizations")
        self.assertEqual(r.status, 204, r)
        self.assertEqual(sorted(m.strip() for m in r.headers["allow"].split(",")), ["GET", "HEAD", "POST"])
        self.assert_problem(self.request("OPTIONS", "/v1/nothing-here"), 404)


class CorsDefault(ProbityTestCase):
    """No PROBITY_CORS_ORIGINS: no browser origin is granted anything."""

    def test_no_grant_by_default(self):
        r = self.request("GET", "/v1/organizations?limit=1", headers={"Origin": APP})
        self.assertEqual(r.status, 200, r)
        self.assertNotIn("access-control-allow-origin", r.headers)
        p = preflight(self, "/v1/organizations", APP, "POST")
        self.assert_problem(p, 403)
        self.assertNotIn("access-control-allow-origin", p.headers)


if __name__ == "__main__":
    unittest.main()
