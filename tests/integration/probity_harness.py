"""Black-box harness for probityd integration tests.

Every test class gets its own PostgreSQL database (created through
$PROBITY_TEST_ADMIN_URL, dropped WITH (FORCE) afterwards), a migrated schema
and a real `probityd serve` on a free loopback port. Tests talk to it over
real sockets only: http.client for well-formed requests, RawConn for bytes a
well-behaved client would never send.

Environment (set by ctest, see CMakeLists.txt; the caller supplies the rest):
  PROBITY_BIN              the probityd binary (default: $PROBITY_SRC/build/probityd)
  PROBITY_SRC              the source tree (default: two levels above this file)
  PROBITY_TEST_ADMIN_URL   a PostgreSQL URL allowed to CREATE/DROP DATABASE (required)
  PROBITY_DOCS_DIR         passed through to the server (Swagger UI assets)
  PROBITY_DEV_SH, PROBITY_CHROMIUM, PROBITY_REDOCLY  used by individual tests
Python 3 standard library only.
"""

import contextlib
import http.client
import json
import os
import re
import secrets
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("PROBITY_SRC") or os.path.abspath(os.path.join(HERE, "..", ".."))
BIN = os.environ.get("PROBITY_BIN") or os.path.join(SRC, "build", "probityd")

PROBLEM_SLUGS = {
    400: "malformed-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    408: "request-timeout",
    409: "conflict",
    411: "length-required",
    412: "precondition-failed",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "validation",
    429: "rate-limited",
    431: "headers-too-large",
    500: "internal",
    503: "unavailable",
}

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "runtime error:", "LeakSanitizer")

ENTITIES = ("organizations", "employees", "calendars", "calendar-days")
TABLES = {"organizations": "organizations", "employees": "employees",
          "calendars": "calendars", "calendar-days": "calendar_days"}


def require_env(name):
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"environment variable {name} is not set; the integration "
                           f"suite needs it (see tests/integration/probity_harness.py)")
    return value


def admin_url():
    return require_env("PROBITY_TEST_ADMIN_URL")


def require_bin():
    if not (os.path.isfile(BIN) and os.access(BIN, os.X_OK)):
        raise RuntimeError(f"probityd binary not found or not executable: {BIN} "
                           f"(set PROBITY_BIN)")
    return BIN


def url_with_dbname(url, dbname):
    """The same connection target as `url`, naming database `dbname` instead."""
    if "://" in url:
        p = urllib.parse.urlsplit(url)
        return urllib.parse.urlunsplit((p.scheme, p.netloc, "/" + dbname, p.query, p.fragment))
    pat = re.compile(r"(^|\s)dbname\s*=\s*('(?:[^'\\]|\\.)*'|\S+)")
    if pat.search(url):
        return pat.sub(lambda m: m.group(1) + "dbname=" + dbname, url)
    return url + " dbname=" + dbname


APP_ROLE = "probity_app"


def url_with_user(url, user):
    """The same connection target as `url`, as role `user`."""
    if "://" in url:
        p = urllib.parse.urlsplit(url)
        host = p.netloc.rsplit("@", 1)[-1]
        return urllib.parse.urlunsplit((p.scheme, f"{user}@{host}", p.path, p.query, p.fragment))
    pat = re.compile(r"(^|\s)user\s*=\s*('(?:[^'\\]|\\.)*'|\S+)")
    if pat.search(url):
        return pat.sub(lambda m: m.group(1) + "user=" + user, url)
    return url + " user=" + user


def app_url(owner_url):
    """probityd serves as the application role, which may not alter the
    schema or the audit trail; the test's own URL is the owner's."""
    return url_with_user(owner_url, APP_ROLE)


# Tests make many requests with one key: no rate limit unless a test sets one.
NO_RATE_LIMITS = "admin=0,auditor=0,officer=0,viewer=0,integration=0"


def create_key(db_url, role="admin", org=None, name=None, expires=None):
    """`probityd keys create` against the database at db_url (the owner's
    URL); returns the token it prints."""
    args = ["keys", "create", "--name", name or f"it {role}", "--role", role]
    args += ["--org", org] if org else ["--global"]
    if expires:
        args += ["--expires", expires]
    cp = run_probityd(args, server_env(app_url(db_url)), timeout=60)
    if cp.returncode != 0:
        raise RuntimeError(f"probityd keys create exited {cp.returncode}: "
                           f"{cp.stderr.decode(errors='replace')}")
    return cp.stdout.decode().strip()


_ADMIN_TOKENS = {}


def admin_token(db_url):
    """One global admin key per test database."""
    if db_url not in _ADMIN_TOKENS:
        _ADMIN_TOKENS[db_url] = create_key(db_url, name="it admin (global)")
    return _ADMIN_TOKENS[db_url]


def psql(url, sql, timeout=60, check=True):
    """Runs sql through psql -At; returns stdout (str)."""
    cp = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                        text=True)
    if check and cp.returncode != 0:
        raise RuntimeError(f"psql failed ({cp.returncode}): {sql[:200]!r}: {cp.stderr.strip()}")
    return cp.stdout


def psql_file(url, path, timeout=120):
    cp = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", path],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                        text=True)
    if cp.returncode != 0:
        raise RuntimeError(f"psql -f {path} failed: {cp.stderr.strip()}")


def sql_literal(s):
    return "'" + str(s).replace("'", "''") + "'"


class TestDatabase:
    """A database of its own, named probity_it_<random>."""

    def __init__(self):
        self.admin = admin_url()
        self.name = "probity_it_" + secrets.token_hex(6)
        self.url = url_with_dbname(self.admin, self.name)
        self._tables = None

    def create(self):
        psql(self.admin, f'CREATE DATABASE "{self.name}"')
        return self

    def drop(self):
        psql(self.admin, f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def query(self, sql, timeout=60):
        return psql(self.url, sql, timeout=timeout)

    def rows(self, sql):
        out = self.query(sql)
        return [line.split("|") for line in out.splitlines() if line != ""]

    def scalar(self, sql):
        out = self.query(sql).strip()
        return out

    def column(self, sql):
        return [line for line in self.query(sql).splitlines() if line != ""]

    def insert_report(self, kind, period, org, locale, title, columns, rows, summary,
                      job_run_id=None):
        """A report as the scheduler stores one: its head in reports, its rows
        in report_rows (0009). Only jobs write reports, so tests write them as
        the owner. Returns its id."""
        rid = self.scalar(
            "INSERT INTO reports (kind, period, organization_id, job_run_id, as_of, locale, title,"
            f" columns, summary) VALUES ({sql_literal(kind)}, {sql_literal(period)},"
            f" {sql_literal(org)}, {sql_literal(job_run_id) if job_run_id else 'NULL'}, now(),"
            f" {sql_literal(locale)}, {sql_literal(title)}, {sql_literal(json.dumps(columns))},"
            f" {sql_literal(json.dumps(summary))}) RETURNING id").splitlines()[0]
        if rows:
            self.query("INSERT INTO report_rows (report_id, ordinal, cells) SELECT"
                       f" {sql_literal(rid)}, e.o, e.c FROM jsonb_array_elements("
                       f"{sql_literal(json.dumps(rows))}) WITH ORDINALITY AS e(c, o)")
        return rid

    def tables(self):
        return self.column(
            "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) "
            "FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
            "AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1")

    # Columns a read may legitimately write: a key's first use in a minute.
    CHECKSUM_IGNORES = {"public.api_keys": "last_used_at"}

    def checksum(self):
        """{table: md5 of its full content} for every user table (schema_migrations
        included); equal checksums mean no row was written, changed or removed
        (apart from CHECKSUM_IGNORES)."""
        if self._tables is None:
            self._tables = self.tables()
        if not self._tables:
            return {}

        def row(t):
            col = self.CHECKSUM_IGNORES.get(t)
            return f"(to_jsonb(x) - {sql_literal(col)})::text" if col else "x::text"
        parts = [f"SELECT {sql_literal(t)}, coalesce(md5(string_agg({row(t)}, '|' ORDER BY {row(t)})), "
                 f"'empty') FROM {t} x" for t in self._tables]
        out = self.query(" UNION ALL ".join(parts))
        return dict(line.split("|", 1) for line in out.splitlines() if line)


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def server_env(db_url=None, addr=None, extra=None):
    """The environment for a probityd child: the caller's, minus any PROBITY_*
    configuration that could leak in, plus ours."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PROBITY_") or k == "PROBITY_DOCS_DIR"}
    if db_url is not None:
        env["PROBITY_DATABASE_URL"] = db_url
    if addr is not None:
        env["PROBITY_HTTP_ADDR"] = addr
    # gRPC is on by default on a fixed port (127.0.0.1:50051), which a dev
    # server or a second test server would already hold: a free one instead.
    env["PROBITY_GRPC_ADDR"] = f"127.0.0.1:{free_port()}"
    for k, v in (extra or {}).items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return env


def run_probityd(args, env, timeout=60):
    return subprocess.run([require_bin()] + list(args), env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=timeout)


def sanitizer_lines(text):
    return [line for line in text.splitlines() if any(m in line for m in SANITIZER_MARKERS)]


def migrate(db_url):
    cp = run_probityd(["migrate"], server_env(app_url(db_url), extra={
        "PROBITY_MIGRATE_DATABASE_URL": db_url}), timeout=120)
    if cp.returncode != 0:
        raise RuntimeError(f"probityd migrate exited {cp.returncode}: "
                           f"{cp.stderr.decode(errors='replace')}")
    bad = sanitizer_lines(cp.stderr.decode(errors="replace"))
    if bad:
        raise RuntimeError("sanitizer findings in probityd migrate: " + "\n".join(bad))


class Response:
    """status, headers (lowercased names), body bytes, parsed JSON or None.
    Unpacks as a 4-tuple."""

    def __init__(self, status, headers, body, method=None, path=None):
        self.status = status
        self.headers = headers
        self.body = body
        self.method = method
        self.path = path
        self.json = None
        self.json_error = None
        if body and media_type(headers.get("content-type", "")).endswith("json"):
            try:
                self.json = json.loads(body.decode("utf-8"), object_pairs_hook=_no_dup_keys)
            except (ValueError, UnicodeDecodeError) as exc:
                self.json_error = str(exc)

    def __iter__(self):
        return iter((self.status, self.headers, self.body, self.json))

    def __repr__(self):
        body = self.body[:600]
        return f"<{self.method} {self.path} -> {self.status} {self.headers.get('content-type')} {body!r}>"


def _no_dup_keys(pairs):
    seen = {}
    for k, v in pairs:
        if k in seen:
            raise ValueError(f"server sent duplicate JSON key {k!r}")
        seen[k] = v
    return seen


def media_type(content_type):
    return content_type.split(";", 1)[0].strip().lower()


def headers_dict(items):
    out = {}
    for k, v in items:
        k = k.lower()
        out[k] = v if k not in out else out[k] + ", " + v
    return out


class Server:
    """One `probityd serve` child process, serving as the application role
    against the database whose owner URL is db_url. Requests carry a global
    admin's bearer token unless token=None (or headers={"Authorization": None})."""

    def __init__(self, db_url, extra_env=None, args=("serve",), port=None, token="admin"):
        self.db_url = db_url
        self.token = admin_token(db_url) if token == "admin" else token
        self.port = port or free_port()
        self.addr = f"127.0.0.1:{self.port}"
        self.grpc_port = free_port()
        self.grpc_addr = f"127.0.0.1:{self.grpc_port}"  # unless extra_env sets PROBITY_GRPC_ADDR
        self.extra_env = dict(extra_env or {})
        self.args = list(args)
        self.proc = None
        self.stderr_path = None
        self._conn = None

    def start(self, wait=True, timeout=20.0):
        fd, self.stderr_path = tempfile.mkstemp(prefix="probityd-", suffix=".stderr")
        self._stderr = os.fdopen(fd, "wb")
        # The scheduler writes in the background on its own clock: only the
        # tests about it turn it on, so no other test sees rows appear.
        extra = {"PROBITY_MIGRATE_DATABASE_URL": self.db_url,
                 "PROBITY_RATE_LIMITS": NO_RATE_LIMITS, "PROBITY_SCHEDULER": "0",
                 "PROBITY_GRPC_ADDR": self.grpc_addr}
        extra.update(self.extra_env)
        self.proc = subprocess.Popen([require_bin()] + self.args,
                                     env=server_env(app_url(self.db_url), self.addr, extra),
                                     stdin=subprocess.DEVNULL, stdout=self._stderr,
                                     stderr=self._stderr)
        if wait:
            try:
                self.wait_ready(timeout)
            except BaseException:
                self.stop(signal.SIGKILL, 5)
                raise
        return self

    def stderr_text(self):
        if not self.stderr_path:
            return ""
        with open(self.stderr_path, "rb") as f:
            return f.read().decode("utf-8", errors="replace")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_ready(self, timeout=20.0):
        deadline = time.monotonic() + timeout
        healthy = False
        last = None
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"probityd exited with {self.proc.returncode} during start:\n"
                                   f"{self.stderr_text()}")
            try:
                path = "/readyz" if healthy else "/healthz"
                r = self.request("GET", path, timeout=2)
                last = r
                if r.status == 200:
                    if healthy:
                        return
                    healthy = True
                    continue
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"probityd not ready within {timeout}s (healthz answered: {healthy}, "
                           f"last: {last!r}):\n{self.stderr_text()}")

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout=15.0):
        """Sends sig (None: none, just wait) and waits; returns the exit code
        (None if it had to be killed)."""
        self.close_conn()
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            if sig is not None:
                self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self._stderr.close()
                return None
        self._stderr.close()
        return self.proc.returncode

    def close_conn(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def request(self, method, path, body=None, headers=None, raw=None, keep_alive=False,
                timeout=30.0):
        """One HTTP request. body: a JSON-able value (sent as application/json);
        raw: bytes sent as they are. headers: dict; a None value removes a
        default header (e.g. {"Content-Type": None}). keep_alive reuses one
        connection across calls."""
        hdrs = {"Authorization": "Bearer " + self.token} if self.token else {}
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            hdrs["Content-Type"] = "application/json"
        if raw is not None:
            data = raw if isinstance(raw, bytes) else raw.encode("utf-8")
            hdrs["Content-Type"] = "application/json"
        for k, v in (headers or {}).items():
            for existing in list(hdrs):
                if existing.lower() == k.lower():
                    del hdrs[existing]
            if v is not None:
                hdrs[k] = v
        if keep_alive:
            if self._conn is None:
                self._conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
            conn = self._conn
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=data, headers=hdrs)
            resp = conn.getresponse()
            payload = resp.read()
            result = Response(resp.status, headers_dict(resp.getheaders()), payload, method, path)
        except Exception:
            conn.close()
            if keep_alive:
                self._conn = None
            raise
        if not keep_alive:
            conn.close()
        return result

    def raw(self, timeout=30.0):
        return RawConn("127.0.0.1", self.port, timeout)

    @property
    def auth(self):
        """The Authorization header line, for requests written by hand."""
        return b"Authorization: Bearer " + self.token.encode() + b"\r\n"


class RawConn:
    """A plain TCP connection for arbitrary bytes."""

    def __init__(self, host, port, timeout=30.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.eof = False
        self.send_error = None

    def send(self, data):
        """Sends data; remembers (instead of raising) a reset or broken pipe, so
        that the server's answer can still be read."""
        try:
            self.sock.sendall(data)
            return True
        except (BrokenPipeError, ConnectionResetError) as exc:
            self.send_error = exc
            return False

    def _fill(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        r, _, _ = select.select([self.sock], [], [], remaining)
        if not r:
            return False
        try:
            chunk = self.sock.recv(65536)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            self.eof = True
            return False
        self.buf += chunk
        return True

    def readable_within(self, seconds):
        if self.buf or self.eof:
            return True
        r, _, _ = select.select([self.sock], [], [], seconds)
        return bool(r)

    def read_response(self, timeout=15.0):
        """Reads one response; returns Response, or None if the connection
        closed or nothing complete arrived in time."""
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in self.buf:
            if self.eof or not self._fill(deadline):
                return None
        head, rest = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        m = re.match(r"HTTP/1\.[01] (\d{3})", lines[0])
        if not m:
            raise AssertionError(f"bad status line {lines[0]!r}")
        status = int(m.group(1))
        hdrs = headers_dict(tuple(x.strip() for x in line.split(":", 1))
                            for line in lines[1:] if ":" in line)
        length = int(hdrs.get("content-length", "0"))
        while len(rest) < length:
            if self.eof or not self._fill(deadline):
                break
            rest = self.buf.split(b"\r\n\r\n", 1)[1]
        body, self.buf = rest[:length], rest[length:]
        return Response(status, hdrs, body, "RAW", None)

    def wait_closed(self, timeout=5.0):
        """True if the peer closes within timeout (discarding anything sent)."""
        deadline = time.monotonic() + timeout
        while not self.eof:
            self.buf = b""
            if not self._fill(deadline) and not self.eof:
                if time.monotonic() >= deadline:
                    return False
        return True

    def close(self):
        self.sock.close()


class ProbityTestCase(unittest.TestCase):
    """A database, a migrated schema and a running server per class."""

    SERVER_ENV = {}
    START_SERVER = True
    maxDiff = 6000

    @classmethod
    def setUpClass(cls):
        # Class cleanups run even when a subclass's setUpClass fails after
        # this one, so no server or database outlives the class.
        require_bin()
        cls.server = None
        cls.db = TestDatabase().create()
        cls.addClassCleanup(cls.db.drop)
        migrate(cls.db.url)
        cls.addClassCleanup(cls._stop_server)
        if cls.START_SERVER:
            cls.server = Server(cls.db.url, cls.SERVER_ENV).start()
        cls._jurisdictions = iter(a + b for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                  for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                  if a + b not in ("RU", "MN", "KZ"))

    @classmethod
    def _stop_server(cls):
        """SIGTERM must end the server with exit 0 and no sanitizer finding."""
        if cls.server is not None:
            problems = stop_and_check(cls.server)
            if problems:
                raise AssertionError("; ".join(problems))

    def setUp(self):
        # A server that died in an earlier test (which failed for it) is
        # replaced, so that one crash does not hide every later result.
        cls = type(self)
        if cls.server is not None and not cls.server.alive():
            cls.server.stop()
            cls.server = Server(cls.db.url, cls.SERVER_ENV).start()

    def tearDown(self):
        if self.server is not None and not self.server.alive():
            self.fail(f"probityd died during the test (exit {self.server.proc.returncode}):\n"
                      f"{self.server.stderr_text()[-4000:]}")

    # -- requests ---------------------------------------------------------

    def request(self, method, path, body=None, headers=None, raw=None, **kw):
        return self.server.request(method, path, body=body, headers=headers, raw=raw, **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    # -- assertions -------------------------------------------------------

    def assert_json(self, resp, status):
        self.assertEqual(resp.status, status, resp)
        self.assertEqual(media_type(resp.headers.get("content-type", "")), "application/json", resp)
        self.assertIsNone(resp.json_error, resp)
        self.assert_request_id(resp)
        return resp.json

    def assert_request_id(self, resp, sent=None):
        rid = resp.headers.get("x-request-id")
        self.assertIsNotNone(rid, f"no X-Request-Id on {resp!r}")
        self.assertRegex(rid, REQUEST_ID_RE)
        if sent is not None:
            self.assertEqual(rid, sent)
        return rid

    def assert_problem(self, resp, status, instance=None):
        """RFC 9457 problem with the contract's slug for status; returns it."""
        self.assertEqual(resp.status, status, resp)
        self.assertEqual(media_type(resp.headers.get("content-type", "")),
                         "application/problem+json", resp)
        self.assertIsNone(resp.json_error, resp)
        p = resp.json
        self.assertIsInstance(p, dict, resp)
        self.assertEqual(p.get("type"), "urn:probity:problem:" + PROBLEM_SLUGS[status], resp)
        self.assertEqual(p.get("status"), status, resp)
        for key in ("title", "detail", "request_id"):
            self.assertIsInstance(p.get(key), str, f"{key} in {resp!r}")
            self.assertTrue(p[key].strip(), f"empty {key} in {resp!r}")
        rid = self.assert_request_id(resp)
        self.assertEqual(p["request_id"], rid, resp)
        if instance is None and resp.path is not None:
            instance = resp.path.split("?", 1)[0]
        if instance is not None:
            self.assertEqual(p.get("instance"), instance, resp)
        if status == 422:
            self.assertIsInstance(p.get("errors"), list, resp)
            self.assertTrue(p["errors"], resp)
            for e in p["errors"]:
                self.assertIsInstance(e, dict, resp)
                self.assertIsInstance(e.get("field"), str, resp)
                self.assertIsInstance(e.get("code"), str, resp)
                self.assertIsInstance(e.get("message"), str, resp)
                self.assertTrue(e["message"].strip(), resp)
        else:
            self.assertNotIn("errors", p, f"errors[] only belongs to 422: {resp!r}")
        return p

    def assert_field_errors(self, resp, expected, instance=None):
        """422 whose errors[] are exactly `expected`: {field: code} (code None
        = any code), one entry per field."""
        p = self.assert_problem(resp, 422, instance)
        fields = [e["field"] for e in p["errors"]]
        self.assertEqual(sorted(fields), sorted(expected), f"errors[] fields: {resp!r}")
        for e in p["errors"]:
            if expected[e["field"]] is not None:
                self.assertEqual(e["code"], expected[e["field"]], f"code for {e['field']}: {resp!r}")
        return p

    def assert_field_error(self, resp, field, code, instance=None):
        return self.assert_field_errors(resp, {field: code}, instance)

    @contextlib.contextmanager
    def unchanged(self):
        """The block must not change any row of any table."""
        before = self.db.checksum()
        yield
        after = self.db.checksum()
        changed = sorted(t for t in set(before) | set(after) if before.get(t) != after.get(t))
        self.assertEqual(changed, [], "database changed by a request that must change nothing")

    # -- demo entities ----------------------------------------------------

    def org_body(self, **over):
        body = {"name": "Org " + secrets.token_hex(4), "kind": "budget_institution",
                "jurisdiction": "MN", "timezone": "Asia/Ulaanbaatar", "locale": "mn",
                "currency": "MNT"}
        body.update(over)
        return {k: v for k, v in body.items() if v is not _ABSENT}

    def create(self, entity, body):
        r = self.post("/v1/" + entity, body)
        self.assertEqual(r.status, 201, r)
        return r.json

    def create_org(self, **over):
        return self.create("organizations", self.org_body(**over))

    def create_employee(self, organization_id, **over):
        body = {"organization_id": organization_id, "full_name": "Person " + secrets.token_hex(3)}
        body.update(over)
        return self.create("employees", body)

    def new_jurisdiction(self):
        return next(type(self)._jurisdictions)

    def create_calendar(self, jurisdiction=None, **over):
        body = {"jurisdiction": jurisdiction or self.new_jurisdiction(),
                "name": "Calendar " + secrets.token_hex(3)}
        body.update(over)
        return self.create("calendars", body)

    @staticmethod
    def create_ru_new_year(server):
        """The RU calendar (Saturdays and Sundays off) with the New Year
        holidays of 1-8 January 2027, through the API of `server`."""
        r = server.request("POST", "/v1/calendars", {"jurisdiction": "RU", "name": "Российская Федерация"})
        assert r.status == 201, r
        for day in ["2027-01-0%d" % d for d in range(1, 9)]:
            r = server.request("POST", "/v1/calendar-days", {"jurisdiction": "RU", "date": day, "kind": "holiday"})
            assert r.status == 201, r

    def create_day(self, jurisdiction, date, kind="holiday", **over):
        body = {"jurisdiction": jurisdiction, "date": date, "kind": kind}
        body.update(over)
        return self.create("calendar-days", body)


_ABSENT = object()
ABSENT = _ABSENT


def stop_and_check(server, sig=signal.SIGTERM, timeout=15.0):
    """Stops the server; returns a list of problems (empty when clean)."""
    problems = []
    code = server.stop(sig, timeout)
    err = server.stderr_text()
    if code is None:
        problems.append(f"probityd did not exit within {timeout}s of signal {sig}")
    elif code != 0:
        problems.append(f"probityd exited with {code} after signal {sig}:\n{err[-3000:]}")
    bad = sanitizer_lines(err)
    if bad:
        problems.append("sanitizer findings on probityd stderr:\n" + "\n".join(bad[:20]))
    return problems


def walk_pages(testcase, path, limit):
    """Follows next_cursor from path?limit=..; returns (ids in order, pages)."""
    sep = "&" if "?" in path else "?"
    url = f"{path}{sep}limit={limit}"
    ids, pages = [], 0
    while True:
        r = testcase.get(url)
        body = testcase.assert_json(r, 200)
        testcase.assertEqual(sorted(body), ["items", "next_cursor"], r)
        testcase.assertLessEqual(len(body["items"]), limit, r)
        ids += [it["id"] for it in body["items"]]
        pages += 1
        testcase.assertLess(pages, 10000, "pagination does not end")
        cur = body["next_cursor"]
        if cur is None:
            return ids, pages
        testcase.assertIsInstance(cur, str)
        testcase.assertEqual(len(body["items"]), limit,
                             f"a page before the last must be full: {r!r}")
        url = f"{path}{sep}limit={limit}&cursor={urllib.parse.quote(cur, safe='')}"


def openapi_path():
    return os.path.join(SRC, "openapi", "openapi.json")


def load_registry():
    cp = run_probityd(["registry"], server_env(), timeout=30)
    if cp.returncode != 0:
        raise RuntimeError(f"probityd registry exited {cp.returncode}: {cp.stderr!r}")
    return json.loads(cp.stdout.decode("utf-8"))
