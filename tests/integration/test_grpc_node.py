"""The Node client (tests/grpc_node: @grpc/grpc-js + @grpc/proto-loader from npm) against a real
probityd: its own node:test suite compares OrganizationsService with REST and checks the error
paths, a deadline and health (tests/grpc_node/client.test.js). This wrapper starts the server,
hands the suite a key, runs it with the machine's node, and then checks the audit trail the Node
client's writes left: one event per write, with the x-request-id it sent and the key's actor.

tests/grpc_node/node_modules comes from `npm ci` there, which ./deploy/dev.sh test runs."""

import os
import re
import secrets
import shutil
import subprocess
import unittest

import probity_harness as h
from grpc_client_support import GrpcCase

NODE_DIR = os.path.join(h.SRC, "tests", "grpc_node")


class NodeClient(GrpcCase):
    COMPILE_STUBS = False

    def test_node_client(self):
        node = shutil.which("node")
        self.assertIsNotNone(node, "node is not on PATH (./deploy/dev.sh installs it)")
        for pkg in ("@grpc/grpc-js", "@grpc/proto-loader"):
            self.assertTrue(os.path.isdir(os.path.join(NODE_DIR, "node_modules", pkg)),
                            f"{pkg} is not installed: run `npm ci` in tests/grpc_node "
                            f"(./deploy/dev.sh test does)")
        tag = "NODE-" + secrets.token_hex(4)
        env = dict(os.environ, PROBITY_GRPC_TARGET=self.grpc_target,
                   PROBITY_HTTP_URL=f"http://{self.server.addr}", PROBITY_TOKEN=self.server.token,
                   PROBITY_SRC=h.SRC, PROBITY_NODE_TAG=tag)
        cp = subprocess.run([node, "--test", "--test-reporter=tap", "client.test.js"], cwd=NODE_DIR,
                            env=env, capture_output=True, text=True, timeout=240)
        out = cp.stdout + cp.stderr
        self.assertEqual(cp.returncode, 0, f"node --test failed:\n{out[-8000:]}")
        counts = {k: int(v) for k, v in re.findall(r"^# (tests|pass|fail|cancelled|skipped|todo) (\d+)$",
                                                   cp.stdout, re.M)}
        self.assertEqual((counts.get("fail"), counts.get("cancelled"), counts.get("skipped")), (0, 0, 0), out)
        self.assertGreaterEqual(counts.get("pass", 0), 5, out)
        # the audit trail of the Node client's create, update and delete of one organization
        rows = self.db.rows("SELECT request_id, action, entity, actor, role, coalesce(client_addr::text, '')"
                            f" FROM audit_events WHERE request_id LIKE {h.sql_literal(tag + '-%')}"
                            " ORDER BY id")
        actor = "key:" + self.server.token.split("_")[1]
        self.assertEqual(rows, [[f"{tag}-{a}", a, "organizations", actor, "admin", "127.0.0.1"]
                                for a in ("create", "update", "delete")])
        self.assertEqual(self.db.scalar("SELECT count(DISTINCT entity_id) FROM audit_events WHERE request_id"
                                        f" LIKE {h.sql_literal(tag + '-%')}"), "1")


if __name__ == "__main__":
    unittest.main()
