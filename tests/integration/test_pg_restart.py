"""PostgreSQL goes away while probityd serves, then comes back: requests get a
prompt 503 problem (no hang, no crash) and then succeed again on their own.
Uses $PROBITY_DEV_SH pg stop|start, so it stops the cluster behind
$PROBITY_TEST_ADMIN_URL; it always starts it again."""

import os
import subprocess
import time
import unittest

from probity_harness import ProbityTestCase, require_env


def dev_sh(*args):
    cp = subprocess.run([require_env("PROBITY_DEV_SH")] + list(args), stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, timeout=120)
    if cp.returncode != 0:
        raise RuntimeError(f"dev.sh {' '.join(args)} exited {cp.returncode}: {cp.stderr.decode(errors='replace')}")


class PgRestart(ProbityTestCase):
    SERVER_ENV = {"PROBITY_POOL_SIZE": "2"}

    @classmethod
    def setUpClass(cls):
        require_env("PROBITY_DEV_SH")
        super().setUpClass()

    def timed(self, method, path, body=None):
        t0 = time.monotonic()
        try:
            r = self.request(method, path, body, timeout=6)
        except OSError as exc:
            self.fail(f"{method} {path} with the database down: {exc!r} after {time.monotonic() - t0:.1f}s")
        elapsed = time.monotonic() - t0
        self.assertLess(elapsed, 5.0, f"{method} {path} took {elapsed:.1f}s with the database down")
        return r

    def test_database_down_then_back(self):
        org = self.create_org()
        self.assertEqual(self.get(f"/v1/organizations/{org['id']}").status, 200)
        stopped = False
        try:
            dev_sh("pg", "stop")
            stopped = True
            for _ in range(2):
                for method, path, body in (("GET", "/v1/organizations", None),
                                           ("GET", f"/v1/organizations/{org['id']}", None),
                                           ("POST", "/v1/organizations", self.org_body()),
                                           ("PATCH", f"/v1/organizations/{org['id']}", {"name": "x"}),
                                           ("GET", f"/v1/organizations/{org['id']}/relative-conflicts", None),
                                           ("GET", "/readyz", None)):
                    with self.subTest(method=method, path=path):
                        self.assert_problem(self.timed(method, path, body), 503)
                self.assertEqual(self.timed("GET", "/healthz").status, 200, "healthz needs no database")
                self.assertTrue(self.server.alive())
            dev_sh("pg", "start")
            stopped = False
            deadline = time.monotonic() + 15
            last = None
            while time.monotonic() < deadline:
                try:
                    last = self.request("GET", f"/v1/organizations/{org['id']}", timeout=5)
                    if last.status == 200:
                        break
                except OSError as exc:
                    last = exc
                time.sleep(0.25)
            self.assertIsNotNone(last)
            self.assertEqual(getattr(last, "status", None), 200, f"not serving again 15 s after pg start: {last!r}")
            self.assertEqual(self.get("/readyz").status, 200)
            # every pooled connection works again, not just one
            for _ in range(6):
                self.assert_json(self.get("/v1/organizations?limit=1"), 200)
            made = self.create_org()
            self.assertEqual(self.get(f"/v1/organizations/{made['id']}").status, 200)
            self.assertTrue(self.server.alive())
        finally:
            if stopped:
                dev_sh("pg", "start")


if __name__ == "__main__":
    unittest.main()
