"""Process lifecycle: startup errors are one clear stderr line and a non-zero
exit (never a signal), the small commands, migrations (idempotent, safe when
raced), and graceful shutdown on SIGTERM/SIGINT with a request in flight."""

import glob
import os
import re
import signal
import socket
import subprocess
import threading
import time
import unittest

from probity_harness import (ProbityTestCase, Server, SRC, TestDatabase, free_port, migrate, require_bin,
                             run_probityd, sanitizer_lines, server_env, stop_and_check, psql)


def migration_count():
    return len([f for f in os.listdir(os.path.join(SRC, "storage", "migrations")) if re.match(r"^\d+_.*\.sql$", f)])


class StartupErrors(unittest.TestCase):
    """No database is needed for most of these; the one that is gets its own."""

    @classmethod
    def setUpClass(cls):
        require_bin()
        cls.db = TestDatabase().create()
        cls.addClassCleanup(cls.db.drop)
        migrate(cls.db.url)

    def fails_cleanly(self, args, env, mentions, timeout=45):
        t0 = time.monotonic()
        try:
            cp = subprocess.run([require_bin()] + args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                timeout=timeout)
        except subprocess.TimeoutExpired:
            self.fail(f"probityd {args} did not exit within {timeout}s")
        err = cp.stderr.decode("utf-8", errors="replace")
        self.assertGreater(cp.returncode, 0, f"exit {cp.returncode} (negative = killed by a signal): {err}")
        self.assertEqual(sanitizer_lines(err), [])
        lines = [line for line in err.splitlines() if line.strip()]
        self.assertEqual(len(lines), 1, f"want one clear line on stderr, got:\n{err}")
        for word in mentions:
            self.assertRegex(lines[0].lower(), word, f"stderr line should mention {word!r}: {lines[0]!r}")
        return lines[0], time.monotonic() - t0

    def env(self, **over):
        base = {"PROBITY_DATABASE_URL": self.db.url, "PROBITY_HTTP_ADDR": f"127.0.0.1:{free_port()}"}
        base.update(over)
        return server_env(extra=base)

    def test_unreachable_database(self):
        port = free_port()  # nothing listens there
        self.fails_cleanly(["serve"], self.env(PROBITY_DATABASE_URL=f"postgresql://probity@127.0.0.1:{port}/probity"),
                           [r"database|postgres|connect"])

    def test_malformed_database_url(self):
        self.fails_cleanly(["serve"], self.env(PROBITY_DATABASE_URL="postgres://[::1"),
                           [r"probity_database_url|database"])

    def test_missing_database_url(self):
        self.fails_cleanly(["serve"], self.env(PROBITY_DATABASE_URL=None), [r"probity_database_url"])

    def test_port_in_use(self):
        holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        port = holder.getsockname()[1]
        try:
            self.fails_cleanly(["serve"], self.env(PROBITY_HTTP_ADDR=f"127.0.0.1:{port}"),
                               [rf"{port}|in use|address|bind"])
        finally:
            holder.close()

    def test_unknown_flag(self):
        self.fails_cleanly(["serve", "--bogus"], self.env(), [r"--bogus"])
        self.fails_cleanly(["--bogus"], self.env(), [r"--bogus"])

    def test_unknown_command(self):
        self.fails_cleanly(["frobnicate"], self.env(), [r"frobnicate"])

    def test_bad_values(self):
        cases = [
            (dict(PROBITY_POOL_SIZE="abc"), r"probity_pool_size"),
            (dict(PROBITY_POOL_SIZE="0"), r"probity_pool_size"),
            (dict(PROBITY_POOL_SIZE="-3"), r"probity_pool_size"),
            (dict(PROBITY_POOL_SIZE="4x"), r"probity_pool_size"),
            (dict(PROBITY_HTTP_ADDR="nonsense"), r"probity_http_addr"),
            (dict(PROBITY_HTTP_ADDR="127.0.0.1:99999"), r"probity_http_addr"),
            (dict(PROBITY_HTTP_ADDR="127.0.0.1:"), r"probity_http_addr"),
            (dict(PROBITY_BODY_LIMIT="lots"), r"probity_body_limit"),
        ]
        for over, mention in cases:
            with self.subTest(**over):
                self.fails_cleanly(["serve"], self.env(**over), [mention])

    def test_version_and_help(self):
        cp = run_probityd(["version"], self.env())
        self.assertEqual(cp.returncode, 0, cp.stderr)
        self.assertTrue(cp.stdout.strip(), "version prints something")
        self.assertEqual(sanitizer_lines(cp.stderr.decode(errors="replace")), [])
        cp = run_probityd(["--help"], self.env())
        self.assertEqual(cp.returncode, 0, cp.stderr)
        out = (cp.stdout + cp.stderr).decode("utf-8", errors="replace")
        for word in ("serve", "migrate", "version"):
            self.assertIn(word, out)


class Migrations(unittest.TestCase):

    def setUp(self):
        require_bin()
        self.db = TestDatabase().create()
        self.addCleanup(self.db.drop)

    def applied(self):
        return int(self.db.scalar("SELECT count(*) FROM schema_migrations"))

    def test_migrate_twice_is_idempotent(self):
        cp = run_probityd(["migrate"], server_env(self.db.url), timeout=120)
        self.assertEqual(cp.returncode, 0, cp.stderr)
        self.assertEqual(self.applied(), migration_count())
        before = self.db.checksum()
        cp = run_probityd(["migrate"], server_env(self.db.url), timeout=120)
        self.assertEqual(cp.returncode, 0, cp.stderr)
        self.assertEqual(self.applied(), migration_count())
        self.assertEqual(self.db.checksum(), before, "a second migrate must change nothing")
        for c in (cp,):
            self.assertEqual(sanitizer_lines(c.stderr.decode(errors="replace")), [])

    def test_concurrent_migrate(self):
        for attempt in range(3):
            db = TestDatabase().create()
            try:
                procs = [subprocess.Popen([require_bin(), "migrate"], env=server_env(db.url),
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
                outs = [p.communicate(timeout=120) for p in procs]
                with self.subTest(attempt=attempt):
                    for p, (_, err) in zip(procs, outs):
                        self.assertEqual(p.returncode, 0, err.decode(errors="replace"))
                        self.assertEqual(sanitizer_lines(err.decode(errors="replace")), [])
                    self.assertEqual(int(db.scalar("SELECT count(*) FROM schema_migrations")), migration_count())
                    self.assertEqual(db.scalar("SELECT count(*) FROM information_schema.tables "
                                               "WHERE table_name = 'organizations'"), "1")
            finally:
                db.drop()


class Shutdown(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        require_bin()
        cls.db = TestDatabase().create()
        cls.addClassCleanup(cls.db.drop)
        migrate(cls.db.url)

    def server(self, **kw):
        s = Server(self.db.url, **kw).start()
        self.addCleanup(lambda: s.alive() and s.stop(signal.SIGKILL, 5))
        return s

    def test_sigint_exits_zero(self):
        s = self.server()
        self.assertEqual(s.request("GET", "/healthz").status, 200)
        self.assertEqual(stop_and_check(s, signal.SIGINT), [])

    def test_sigterm_idle_exits_zero(self):
        s = self.server()
        self.assertEqual(s.request("GET", "/v1/organizations").status, 200)
        self.assertEqual(stop_and_check(s, signal.SIGTERM), [])

    def test_sigterm_during_in_flight_request(self):
        """A request blocked in the database when SIGTERM arrives completes,
        then the process exits 0."""
        s = self.server()
        locker = subprocess.Popen(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.db.url],
                                  stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)
        try:
            locker.stdin.write("BEGIN;\nLOCK TABLE organizations IN ACCESS EXCLUSIVE MODE;\n"
                               "SELECT pg_sleep(0);\n")
            locker.stdin.flush()
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                if self.db.scalar("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                                  "WHERE c.relname = 'organizations' AND l.mode = 'AccessExclusiveLock' "
                                  "AND l.granted") == "1":
                    break
                time.sleep(0.05)
            else:
                self.fail("could not take the table lock")

            result = {}

            def call():
                try:
                    result["r"] = s.request("GET", "/v1/organizations", timeout=30)
                except Exception as exc:  # reported below
                    result["e"] = exc

            t = threading.Thread(target=call)
            t.start()
            # wait until the server's query is waiting on the lock
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                # pg_locks, not pg_stat_activity: the server's role is not
                # ours, and another role's wait events are hidden from us.
                if self.db.scalar("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                                  "WHERE c.relname = 'organizations' AND NOT l.granted") != "0":
                    break
                time.sleep(0.05)
            else:
                self.fail("the request never reached the database")
            s.send_signal(signal.SIGTERM)
            time.sleep(1.0)
            self.assertTrue(s.alive(), "probityd exited with a request in flight")
            self.assertTrue(t.is_alive(), "the in-flight request ended before the lock was released")
            locker.stdin.write("COMMIT;\n")
            locker.stdin.flush()
            t.join(20)
            self.assertFalse(t.is_alive(), "in-flight request did not complete")
            self.assertNotIn("e", result, f"in-flight request failed: {result.get('e')!r}")
            self.assertEqual(result["r"].status, 200, result["r"])
            # no second signal: the first one must be enough
            self.assertEqual(stop_and_check(s, None, 15), [])
        finally:
            if locker.poll() is None:
                try:
                    locker.stdin.write("ROLLBACK;\n\\q\n")
                    locker.stdin.close()
                except (BrokenPipeError, ValueError):
                    pass
                try:
                    locker.wait(10)
                except subprocess.TimeoutExpired:
                    locker.kill()
                    locker.wait()
            if s.alive():
                s.stop(signal.SIGKILL)

    def test_new_connections_refused_after_sigterm_drain(self):
        """After SIGTERM and exit, the port is released (a new server can bind it)."""
        s = self.server()
        port = s.port
        self.assertEqual(stop_and_check(s), [])
        s2 = self.server(port=port)
        try:
            self.assertEqual(s2.request("GET", "/healthz").status, 200)
        finally:
            self.assertEqual(stop_and_check(s2), [])


if __name__ == "__main__":
    unittest.main()
