"""/docs in a real browser: headless Chromium renders Swagger UI from the
locally served assets and the spec, and the operations appear in the DOM."""

import html
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from probity_harness import ProbityTestCase, openapi_path, require_env


class DocsInChromium(ProbityTestCase):

    @classmethod
    def setUpClass(cls):
        require_env("PROBITY_CHROMIUM")
        super().setUpClass()

    def dump_dom(self):
        profile = tempfile.mkdtemp(prefix="probity-chromium-")
        try:
            cmd = [os.environ["PROBITY_CHROMIUM"], "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                   "--no-first-run", "--disable-background-networking", "--disable-component-update",
                   "--disable-sync", f"--user-data-dir={profile}", "--virtual-time-budget=15000", "--dump-dom",
                   f"http://127.0.0.1:{self.server.port}/docs"]
            try:
                cp = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=90)
            except subprocess.TimeoutExpired:
                self.fail("chromium did not finish within 90 s")
            self.assertEqual(cp.returncode, 0, cp.stderr.decode(errors="replace")[-3000:])
            return cp.stdout.decode("utf-8", errors="replace")
        finally:
            shutil.rmtree(profile, ignore_errors=True)

    def test_swagger_ui_renders_the_operations(self):
        with open(openapi_path(), "rb") as f:
            spec = json.loads(f.read())
        dom = self.dump_dom()
        self.assertIn("swagger-ui", dom)
        self.assertIn('class="opblock', dom, "no operation blocks rendered")
        self.assertIn("/v1/organizations", dom)
        ops = [(path, method, op) for path, item in spec["paths"].items() for method, op in item.items()
               if isinstance(op, dict) and "responses" in op]
        self.assertGreaterEqual(len(ops), 20)
        missing = []
        for path, method, op in ops:
            label = op.get("summary") or op.get("operationId")
            if html.escape(label, quote=False) not in dom:
                missing.append(f"{method.upper()} {path}: {label}")
        self.assertEqual(missing, [], "operations not rendered by Swagger UI")
        # the paths themselves are shown (Swagger UI breaks them with <wbr>)
        flat = dom.replace("<wbr>", "").replace("\u200b", "")
        for path in ("/v1/employees/{id}", "/v1/calendars/{jurisdiction}/working-days", "/healthz"):
            self.assertIn(path, flat)
        self.assertEqual(dom.count('class="opblock opblock-'), len(ops), "one block per operation")


if __name__ == "__main__":
    unittest.main()
