"""Authentication (DESIGN §5): API keys (only a hash stored, revocation and
expiry effective at once), signed JWTs (RS256, ES256, HS256, and every way a
token can be forged or stale), the 401 challenge and its log line, the open
operations routes and the /metrics token, per-caller rate limits, and
Idempotency-Key scoped per caller."""

import base64
import datetime
import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
import time
import unittest
import uuid

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from probity_harness import (ProbityTestCase, Server, TIMESTAMP_RE, UUID_RE, app_url,
                             create_key, media_type, run_probityd, server_env, sql_literal,
                             stop_and_check)

KEY_RE = re.compile(r"^prb_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$")
CHALLENGE = 'Bearer realm="probity"'
CHALLENGE_INVALID = 'Bearer realm="probity", error="invalid_token"'


# -- helpers ----------------------------------------------------------------

def key_parts(token):
    """(prefix, secret) of an API key token."""
    m = KEY_RE.match(token)
    if not m:
        raise AssertionError(f"not an API key token: {token[:8]}…")
    return m.group(1), m.group(2)


def keys_cli(db_url, *args):
    """`probityd keys ARGS` against the test database; returns the CompletedProcess."""
    return run_probityd(["keys"] + list(args), server_env(app_url(db_url)), timeout=60)


def utc_in(seconds):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def b64u(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64u_json(obj):
    return b64u(json.dumps(obj, separators=(",", ":")))


def int_bytes(n, length=None):
    length = length or (n.bit_length() + 7) // 8
    return n.to_bytes(length, "big")


def sign_jwt(header, claims, alg_key):
    """Compact JWS over header and claims. alg_key: ("RS256", rsa private key),
    ("ES256", ec private key), ("HS256", bytes secret) or ("none", None)."""
    alg, key = alg_key
    signing_input = (b64u_json(header) + "." + b64u_json(claims)).encode()
    if alg == "RS256":
        sig = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    elif alg == "ES256":
        r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        sig = int_bytes(r, 32) + int_bytes(s, 32)
    elif alg == "HS256":
        sig = hmac.new(key, signing_input, hashlib.sha256).digest()
    elif alg == "none":
        sig = b""
    else:
        raise ValueError(alg)
    return signing_input.decode() + "." + b64u(sig)


def rsa_jwk(key, kid):
    pub = key.public_key().public_numbers()
    return {"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
            "n": b64u(int_bytes(pub.n)), "e": b64u(int_bytes(pub.e))}


def ec_jwk(key, kid):
    pub = key.public_key().public_numbers()
    return {"kty": "EC", "kid": kid, "use": "sig", "crv": "P-256",
            "x": b64u(int_bytes(pub.x, 32)), "y": b64u(int_bytes(pub.y, 32))}


def auth_failed_lines(server):
    """The auth_failed JSON lines of the server's log."""
    out = []
    for line in server.stderr_text().splitlines():
        if '"auth_failed"' not in line:
            continue
        obj = json.loads(line)
        if obj.get("event") == "auth_failed":
            out.append(obj)
    return out


class AuthTestCase(ProbityTestCase):
    """Requests as a given token (or none) and the 401 contract."""

    def as_(self, token, method, path, body=None, headers=None, **kw):
        hdrs = {"Authorization": None if token is None else "Bearer " + token}
        hdrs.update(headers or {})
        return self.request(method, path, body=body, headers=hdrs, **kw)

    def with_auth(self, authorization, method="GET", path="/v1/organizations", body=None):
        return self.request(method, path, body=body, headers={"Authorization": authorization})

    def assert_401(self, resp, challenge=CHALLENGE_INVALID, secrets_=()):
        """401 problem with the Bearer challenge, no data, nothing of the token echoed."""
        p = self.assert_problem(resp, 401)
        self.assertEqual(resp.headers.get("www-authenticate"), challenge, resp)
        self.assertEqual(sorted(p), ["detail", "instance", "request_id", "status", "title", "type"], resp)
        for s in secrets_:
            if s:
                self.assertNotIn(s.encode(), resp.body, "the refused token is echoed in the answer")
        for h in ("etag", "location", "retry-after"):
            self.assertNotIn(h, resp.headers, resp)
        return p

    def key_row(self, prefix):
        rows = self.db.rows(f"SELECT id, role, coalesce(organization_id::text, ''), "
                            f"coalesce(revoked_at::text, ''), coalesce(last_used_at::text, '') "
                            f"FROM api_keys WHERE prefix = {sql_literal(prefix)}")
        self.assertEqual(len(rows), 1, f"api_keys rows for prefix {prefix}")
        return dict(zip(("id", "role", "organization_id", "revoked_at", "last_used_at"), rows[0]))

    def new_key(self, role="admin", organization_id=None, expires_at=None, as_token=None, name=None):
        """POST /v1/api-keys; returns (answer, token)."""
        body = {"name": name or f"test {role} {secrets.token_hex(3)}", "role": role}
        if organization_id is not None:
            body["organization_id"] = organization_id
        if expires_at is not None:
            body["expires_at"] = expires_at
        r = self.as_(as_token or self.server.token, "POST", "/v1/api-keys", body)
        obj = self.assert_json(r, 201)
        return obj, obj["token"]


# -- API keys ---------------------------------------------------------------

class ApiKeys(AuthTestCase):

    def bad_authorizations(self):
        """(label, Authorization value or None, expected challenge, token text not to echo)."""
        good = self.server.token
        prefix, secret = key_parts(good)
        other_secret = b64u(secrets.token_bytes(32))
        unknown_prefix = "prb_" + "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789")
                                          for _ in range(12)) + "_" + other_secret
        return [
            ("missing", None, CHALLENGE, None),
            ("basic", "Basic " + base64.b64encode(b"admin:" + good.encode()).decode(), CHALLENGE, secret),
            ("basic with the key", "Basic " + good, CHALLENGE, secret),
            ("token without scheme", good, CHALLENGE, secret),
            ("garbage", "Bearer not-a-token", CHALLENGE_INVALID, "not-a-token"),
            ("garbage key-like", "Bearer prb_garbage", CHALLENGE_INVALID, "prb_garbage"),
            ("unknown prefix", "Bearer " + unknown_prefix, CHALLENGE_INVALID, other_secret),
            ("right prefix, wrong secret", f"Bearer prb_{prefix}_{other_secret}", CHALLENGE_INVALID,
             other_secret),
            ("truncated secret", "Bearer " + good[:-1], CHALLENGE_INVALID, secret[:-1]),
            ("secret plus a byte", "Bearer " + good + "A", CHALLENGE_INVALID, secret),
            ("upper-cased prefix", f"Bearer prb_{prefix.upper()}_{secret}", CHALLENGE_INVALID, secret),
            ("prefix only", f"Bearer prb_{prefix}_", CHALLENGE_INVALID, None),
            ("jwt-shaped", "Bearer " + sign_jwt({"alg": "HS256", "typ": "JWT"},
                                                {"sub": "x", "exp": int(time.time()) + 600,
                                                 "probity_role": "admin",
                                                 "probity_org": str(uuid.uuid4())},
                                                ("HS256", b"k" * 32)), CHALLENGE_INVALID, None),
        ]

    def test_refused_credentials(self):
        org = self.create_org()
        for label, authz, challenge, secret in self.bad_authorizations():
            for method, path, body in (("GET", "/v1/organizations", None),
                                       ("GET", f"/v1/organizations/{org['id']}", None),
                                       ("POST", "/v1/organizations", self.org_body()),
                                       ("PATCH", f"/v1/organizations/{org['id']}", {"name": "Hijacked"}),
                                       ("DELETE", f"/v1/organizations/{org['id']}", None),
                                       ("GET", "/v1/api-keys", None),
                                       ("GET", "/v1/audit-events", None)):
                with self.subTest(label=label, method=method, path=path), self.unchanged():
                    r = self.request(method, path, body=body, headers={"Authorization": authz})
                    self.assert_401(r, challenge, [secret])
                    self.assertNotIn(org["name"].encode(), r.body, "data in a 401")
        # the same requests with the good key
        self.assertEqual(self.get("/v1/organizations").status, 200)
        self.assertEqual(self.assert_json(self.get(f"/v1/organizations/{org['id']}"), 200), org)

    def test_empty_bearer(self):
        """An empty credential presents no token: 401 with the plain challenge
        (RFC 6750 §3.1: no error code when no credentials were given)."""
        for authz in ("Bearer ", "Bearer", "Bearer    ", ""):
            with self.subTest(authz=authz), self.unchanged():
                r = self.with_auth(authz)
                self.assert_401(r, CHALLENGE)

    def test_scheme_is_case_insensitive(self):
        """RFC 9110 §11.1: the auth-scheme is case-insensitive."""
        for scheme in ("Bearer", "bearer", "BEARER"):
            with self.subTest(scheme=scheme):
                r = self.with_auth(f"{scheme} {self.server.token}")
                self.assert_json(r, 200)

    def test_failures_logged_without_the_token(self):
        prefix, secret = key_parts(self.server.token)
        wrong = b64u(secrets.token_bytes(32))
        cases = {"missing": None, "wrong secret": f"Bearer prb_{prefix}_{wrong}",
                 "garbage": "Bearer zzzgarbagezzz-" + wrong}
        rids = {}
        for label, authz in cases.items():
            rid = "auth-log-" + secrets.token_hex(6)
            r = self.request("GET", "/v1/organizations", headers={"Authorization": authz, "X-Request-Id": rid})
            self.assert_401(r, CHALLENGE if authz is None else CHALLENGE_INVALID)
            rids[label] = rid
        # a success is not an auth failure
        ok_rid = "auth-ok-" + secrets.token_hex(6)
        self.assertEqual(self.get("/v1/organizations", headers={"X-Request-Id": ok_rid}).status, 200)
        lines = {l["request_id"]: l for l in auth_failed_lines(self.server)}
        for label, rid in rids.items():
            with self.subTest(label=label):
                self.assertIn(rid, lines, f"no auth_failed line for {label}")
                line = lines[rid]
                self.assertEqual(line["level"], "warn")
                self.assertIsInstance(line.get("reason"), str)
                self.assertTrue(line["reason"])
        self.assertEqual(lines[rids["wrong secret"]].get("actor"), f"key:{prefix}",
                         "the public prefix names the key that was refused")
        self.assertNotIn(ok_rid, lines)
        log = self.server.stderr_text()
        self.assertNotIn(wrong, log, "a presented secret reached the log")
        self.assertNotIn(secret, log, "a key's secret reached the log")
        self.assertNotIn("zzzgarbagezzz", log, "a presented token reached the log")

    def test_only_a_hash_is_stored(self):
        obj, token = self.new_key("viewer")
        prefix, secret = key_parts(token)
        self.assertEqual(obj["prefix"], prefix)
        row = json.loads(self.db.scalar(
            f"SELECT row_to_json(k)::text FROM api_keys k WHERE id = {sql_literal(obj['id'])}"))
        self.assertEqual(row["prefix"], prefix)
        self.assertEqual(row["secret_hash"], "\\x" + hashlib.sha256(secret.encode()).hexdigest(),
                         "secret_hash must be SHA-256 of the secret")
        text = json.dumps(row)
        for needle in (secret, token, secret[:20], secret[-20:], b64u(base64.urlsafe_b64decode(secret + "=")),
                       base64.urlsafe_b64decode(secret + "=").hex()):
            self.assertNotIn(needle, text, "the secret is stored")
        # nowhere else in the database either (e.g. the audit trail)
        dump = self.db.query("SELECT string_agg(row_to_json(a)::text, E'\\n') FROM audit_events a") + \
            self.db.query("SELECT string_agg(row_to_json(i)::text, E'\\n') FROM idempotency_keys i")
        self.assertNotIn(secret, dump)
        self.assertNotIn(hashlib.sha256(secret.encode()).hexdigest(), dump)
        self.assertNotIn(secret, self.server.stderr_text())
        # the CLI's keys too
        cli_token = create_key(self.db.url, "auditor", name="cli hash")
        cp, cs = key_parts(cli_token)
        row = json.loads(self.db.scalar(f"SELECT row_to_json(k)::text FROM api_keys k WHERE prefix = {sql_literal(cp)}"))
        self.assertNotIn(cs, json.dumps(row))
        self.assertEqual(row["secret_hash"], "\\x" + hashlib.sha256(cs.encode()).hexdigest())

    def test_created_token_works_and_is_never_listed(self):
        org = self.create_org()
        obj, token = self.new_key("viewer", organization_id=org["id"])
        self.assertRegex(token, KEY_RE)
        self.assertRegex(obj["id"], UUID_RE)
        self.assertEqual(obj["role"], "viewer")
        self.assertEqual(obj["organization_id"], org["id"])
        self.assertIsNone(obj["revoked_at"])
        self.assertIsNone(obj["expires_at"])
        self.assertIsNone(obj["last_used_at"])
        self.assertEqual(obj["created_by"], "key:" + key_parts(self.server.token)[0])
        self.assertNotIn("secret_hash", obj)
        r = self.as_(token, "GET", f"/v1/organizations/{org['id']}")
        self.assertEqual(self.assert_json(r, 200)["id"], org["id"])
        # the list and the item never carry the token or the hash
        stored = {k: v for k, v in obj.items() if k != "token"}
        listed = [it for it in self.assert_json(self.get("/v1/api-keys?limit=500"), 200)["items"]]
        self.assertIn(obj["id"], [it["id"] for it in listed])
        for it in listed:
            self.assertNotIn("token", it)
            self.assertNotIn("secret_hash", it)
        got = self.assert_json(self.get(f"/v1/api-keys/{obj['id']}"), 200)
        self.assertNotIn("token", got)
        self.assertNotIn("secret_hash", got)
        self.assertEqual({k: v for k, v in got.items() if k not in ("last_used_at", "updated_at")},
                         {k: v for k, v in stored.items() if k not in ("last_used_at", "updated_at")})
        whole = self.get("/v1/api-keys?limit=500").body + self.get(f"/v1/api-keys/{obj['id']}").body
        self.assertNotIn(key_parts(token)[1].encode(), whole)
        # the location header names the key, not the token
        self.assertNotIn(key_parts(token)[1], json.dumps(dict(self.get(f"/v1/api-keys/{obj['id']}").headers)))

    def test_idempotency_key_refused_on_key_creation(self):
        with self.unchanged():
            r = self.post("/v1/api-keys", {"name": "x", "role": "viewer"},
                          headers={"Idempotency-Key": str(uuid.uuid4())})
            self.assert_field_error(r, "Idempotency-Key", "unsupported")

    def test_revoked_through_the_api(self):
        obj, token = self.new_key("viewer")
        self.assert_json(self.as_(token, "GET", "/v1/organizations"), 200)
        r = self.delete(f"/v1/api-keys/{obj['id']}")
        self.assertEqual(r.status, 204, r)
        self.assertEqual(r.body, b"")
        # refused on the very next request, on every route
        for path in ("/v1/organizations", "/v1/calendars", f"/v1/api-keys/{obj['id']}"):
            with self.subTest(path=path):
                self.assert_401(self.as_(token, "GET", path), secrets_=[key_parts(token)[1]])
        got = self.assert_json(self.get(f"/v1/api-keys/{obj['id']}"), 200)
        self.assertRegex(got["revoked_at"], TIMESTAMP_RE)
        self.assertEqual(got["version"], obj["version"] + 1)
        listed = self.assert_json(self.get(f"/v1/api-keys?prefix={obj['prefix']}"), 200)["items"]
        self.assertEqual([it["id"] for it in listed], [obj["id"]], "a revoked key stays listed")
        self.assertEqual(listed[0]["revoked_at"], got["revoked_at"])
        # revoking again changes nothing and still answers 204
        with self.unchanged():
            r = self.delete(f"/v1/api-keys/{obj['id']}")
            self.assertEqual(r.status, 204, r)
        self.assertEqual(self.assert_json(self.get(f"/v1/api-keys/{obj['id']}"), 200)["revoked_at"],
                         got["revoked_at"])
        with self.unchanged():
            self.assert_problem(self.delete(f"/v1/api-keys/{uuid.uuid4()}"), 404)

    def test_revoked_on_the_command_line(self):
        token = create_key(self.db.url, "viewer", name="cli revoke " + secrets.token_hex(3))
        prefix, _ = key_parts(token)
        self.assert_json(self.as_(token, "GET", "/v1/organizations"), 200)
        cp = keys_cli(self.db.url, "list")
        self.assertEqual(cp.returncode, 0, cp.stderr)
        line = [l for l in cp.stdout.decode().splitlines() if f"  {prefix}  " in l]
        self.assertEqual(len(line), 1, cp.stdout)
        key_id = line[0].split()[0]
        self.assertRegex(key_id, UUID_RE)
        self.assertIn(" live ", line[0])
        self.assertEqual(key_id, self.key_row(prefix)["id"])
        cp = keys_cli(self.db.url, "revoke", key_id)
        self.assertEqual(cp.returncode, 0, cp.stderr)
        self.assertEqual(cp.stdout, b"")
        # the running server refuses it at once
        self.assert_401(self.as_(token, "GET", "/v1/organizations"))
        self.assertNotEqual(self.key_row(prefix)["revoked_at"], "")
        cp = keys_cli(self.db.url, "list")
        line = [l for l in cp.stdout.decode().splitlines() if f"  {prefix}  " in l]
        self.assertIn(" revoked ", line[0])
        # the list never shows a secret or hash
        self.assertNotIn(key_parts(token)[1], cp.stdout.decode())
        cp = keys_cli(self.db.url, "revoke", str(uuid.uuid4()))
        self.assertNotEqual(cp.returncode, 0)

    def test_cli_create(self):
        org = self.create_org()
        for args in ([], ["--org", org["id"], "--global"]):
            with self.subTest(args=args), self.unchanged():
                cp = keys_cli(self.db.url, "create", "--name", "x", "--role", "viewer", *args)
                self.assertEqual(cp.returncode, 2, cp.stderr)
                self.assertEqual(cp.stdout, b"")
        with self.unchanged():
            cp = keys_cli(self.db.url, "create", "--name", "x", "--role", "root", "--global")
            self.assertNotEqual(cp.returncode, 0)
            self.assertEqual(cp.stdout, b"")
        token = create_key(self.db.url, "viewer", org=org["id"], name="cli scoped")
        self.assertRegex(token, KEY_RE)
        row = self.key_row(key_parts(token)[0])
        self.assertEqual((row["role"], row["organization_id"]), ("viewer", org["id"]))
        other = self.create_org()
        r = self.as_(token, "GET", "/v1/organizations?limit=500")
        self.assertEqual([it["id"] for it in self.assert_json(r, 200)["items"]], [org["id"]])
        self.assert_problem(self.as_(token, "GET", f"/v1/organizations/{other['id']}"), 404)

    def test_expiry_in_the_past_is_refused(self):
        for when in ("2000-01-01", "2000-01-01T00:00:00Z", utc_in(-5)):
            with self.subTest(when=when), self.unchanged():
                cp = keys_cli(self.db.url, "create", "--name", "past", "--role", "viewer", "--global",
                              "--expires", when)
                self.assertNotEqual(cp.returncode, 0)
                self.assertEqual(cp.stdout, b"", "a token was printed for a refused key")
                self.assertIn(b"expires_at", cp.stderr)
            with self.subTest(api=when), self.unchanged():
                if "T" not in when:
                    continue
                r = self.post("/v1/api-keys", {"name": "past", "role": "viewer", "expires_at": when})
                p = self.assert_problem(r, 422)
                self.assertIn("expires_at", [e["field"] for e in p["errors"]], r)
                self.assertNotIn(b"prb_", r.body)

    def test_expired_key_is_refused_at_once(self):
        # a key that expires two seconds from now: good now, refused right after
        token = create_key(self.db.url, "viewer", name="short-lived", expires=utc_in(2))
        self.assert_json(self.as_(token, "GET", "/v1/organizations"), 200)
        row = self.key_row(key_parts(token)[0])
        deadline = float(self.db.scalar(f"SELECT extract(epoch FROM expires_at - now()) FROM api_keys "
                                        f"WHERE id = {sql_literal(row['id'])}"))
        self.assertLess(deadline, 3)
        time.sleep(max(0, deadline) + 0.3)
        self.assert_401(self.as_(token, "GET", "/v1/organizations"))
        cp = keys_cli(self.db.url, "list")
        self.assertIn(" expired ", [l for l in cp.stdout.decode().splitlines()
                                    if f"  {key_parts(token)[0]}  " in l][0])
        # an API-made key whose expiry the owner moves into the past
        obj, token2 = self.new_key("viewer", expires_at=utc_in(3600))
        self.assertRegex(obj["expires_at"], TIMESTAMP_RE)
        self.assert_json(self.as_(token2, "GET", "/v1/organizations"), 200)
        self.db.query(f"UPDATE api_keys SET expires_at = now() - interval '1 second' "
                      f"WHERE id = {sql_literal(obj['id'])}")
        self.assert_401(self.as_(token2, "GET", "/v1/organizations"))
        # a date-only --expires in the future works
        token3 = create_key(self.db.url, "viewer", name="dated", expires="2999-01-01")
        self.assert_json(self.as_(token3, "GET", "/v1/organizations"), 200)
        self.assertEqual(self.db.scalar(
            f"SELECT to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') FROM api_keys "
            f"WHERE prefix = {sql_literal(key_parts(token3)[0])}"), "2999-01-01 00:00:00")

    def test_last_used_at_updates_at_most_once_a_minute(self):
        obj, token = self.new_key("viewer")
        self.assertEqual(self.key_row(obj["prefix"])["last_used_at"], "")
        self.assert_json(self.as_(token, "GET", "/v1/organizations"), 200)
        first = self.key_row(obj["prefix"])["last_used_at"]
        self.assertNotEqual(first, "", "a successful use sets last_used_at")
        for _ in range(3):
            self.assert_json(self.as_(token, "GET", "/v1/organizations"), 200)
        self.assertEqual(self.key_row(obj["prefix"])["last_used_at"], first,
                         "last_used_at must not move within a minute")
        # a refused attempt with the right prefix is not a use
        self.db.query(f"UPDATE api_keys SET last_used_at = now() - interval '2 minutes' "
                      f"WHERE id = {sql_literal(obj['id'])}")
        stale = self.key_row(obj["prefix"])["last_used_at"]
        self.assert_401(self.with_auth(f"Bearer prb_{obj['prefix']}_{b64u(secrets.token_bytes(32))}"))
        self.assertEqual(self.key_row(obj["prefix"])["last_used_at"], stale)
        self.assert_json(self.as_(token, "GET", "/v1/organizations"), 200)
        self.assertGreater(self.key_row(obj["prefix"])["last_used_at"], stale)
        got = self.assert_json(self.get(f"/v1/api-keys/{obj['id']}"), 200)
        self.assertRegex(got["last_used_at"], TIMESTAMP_RE)

    def test_key_roles_and_scope(self):
        org = self.create_org()
        child = self.create_org(parent_id=org["id"])
        other = self.create_org()
        _, viewer = self.new_key("viewer", organization_id=org["id"])
        _, scoped_admin = self.new_key("admin", organization_id=org["id"])
        for token in (viewer, scoped_admin):  # a first use sets last_used_at
            self.assert_json(self.as_(token, "GET", "/v1/calendars"), 200)
        with self.unchanged():
            # only admins manage keys
            self.assert_problem(self.as_(viewer, "GET", "/v1/api-keys"), 403)
            self.assert_problem(self.as_(viewer, "POST", "/v1/api-keys", {"name": "n", "role": "admin"}), 403)
            # a scoped admin makes keys only inside its subtree, never a global one
            self.assert_problem(self.as_(scoped_admin, "POST", "/v1/api-keys",
                                         {"name": "n", "role": "admin"}), 403)
            self.assert_problem(self.as_(scoped_admin, "POST", "/v1/api-keys",
                                         {"name": "n", "role": "viewer", "organization_id": other["id"]}), 403)
        obj, token = self.new_key("viewer", organization_id=child["id"], as_token=scoped_admin)
        self.assertEqual(obj["created_by"], "key:" + key_parts(scoped_admin)[0])
        r = self.as_(token, "GET", "/v1/organizations?limit=500")
        self.assertEqual([it["id"] for it in self.assert_json(r, 200)["items"]], [child["id"]])
        # and sees only keys of its subtree
        r = self.as_(scoped_admin, "GET", "/v1/api-keys?limit=500")
        orgs = {it["organization_id"] for it in self.assert_json(r, 200)["items"]}
        self.assertLessEqual(orgs, {org["id"], child["id"]})


# -- open routes and /metrics -----------------------------------------------

class OpenRoutesAndMetrics(AuthTestCase):
    METRICS_TOKEN = "metrics-" + secrets.token_hex(16)
    SERVER_ENV = {"PROBITY_METRICS_TOKEN": METRICS_TOKEN}

    def test_open_without_a_token(self):
        for path in ("/healthz", "/readyz", "/openapi.json", "/docs"):
            for authz in (None, "Bearer garbage", "Basic eDp5"):
                with self.subTest(path=path, authz=authz):
                    r = self.request("GET", path, headers={"Authorization": authz})
                    self.assertEqual(r.status, 200, r)
                    self.assertNotIn("www-authenticate", r.headers)
        # the data routes are not
        for path in ("/v1/organizations", "/v1/employees", "/v1/calendars", "/v1/calendar-days",
                     "/v1/api-keys", "/v1/audit-events", f"/v1/organizations/{uuid.uuid4()}",
                     f"/v1/organizations/{uuid.uuid4()}/relative-conflicts",
                     "/v1/calendars/MN/working-days?from=2026-01-01&add=1"):
            with self.subTest(path=path):
                self.assert_401(self.request("GET", path, headers={"Authorization": None}), CHALLENGE)

    def test_metrics_needs_its_token(self):
        prefix, secret = key_parts(self.server.token)
        for label, authz in (("none", None), ("wrong", "Bearer metrics-wrong"),
                             ("prefix of it", "Bearer " + self.METRICS_TOKEN[:-1]),
                             ("longer", "Bearer " + self.METRICS_TOKEN + "x"),
                             ("admin API key", "Bearer " + self.server.token),
                             ("basic", "Basic " + self.METRICS_TOKEN)):
            with self.subTest(label=label):
                r = self.request("GET", "/metrics", headers={"Authorization": authz})
                self.assert_problem(r, 401)
                self.assertTrue(r.headers.get("www-authenticate", "").startswith("Bearer realm="), r)
                self.assertNotIn(b"probity_http", r.body)
                self.assertNotIn(self.METRICS_TOKEN.encode(), r.body)
        r = self.request("GET", "/metrics", headers={"Authorization": "Bearer " + self.METRICS_TOKEN})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(media_type(r.headers.get("content-type", "")), "text/plain")
        self.assertTrue(r.body.strip())
        self.assertNotIn(self.METRICS_TOKEN, self.server.stderr_text())

    def test_metrics_open_when_no_token_is_set(self):
        s = Server(self.db.url, {"PROBITY_METRICS_TOKEN": None}).start()
        try:
            r = s.request("GET", "/metrics", headers={"Authorization": None})
            self.assertEqual(r.status, 200, r)
        finally:
            self.assertEqual(stop_and_check(s), [])


# -- JWT --------------------------------------------------------------------

ISSUER = "https://idp.example/realms/probity"
AUDIENCE = "probity-api"
HS_SECRET = b"hs256-shared-secret-" + secrets.token_hex(16).encode()


class JwtBase(AuthTestCase):

    @classmethod
    def setUpClass(cls):
        cls.rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cls.ec_key = ec.generate_private_key(ec.SECP256R1())
        cls.other_rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        fd, cls.jwks_path = tempfile.mkstemp(prefix="probity-jwks-", suffix=".json")
        with os.fdopen(fd, "w") as f:
            json.dump({"keys": [rsa_jwk(cls.rsa_key, "rsa-1"), ec_jwk(cls.ec_key, "ec-1")]}, f)
        cls.addClassCleanup(os.unlink, cls.jwks_path)
        cls.SERVER_ENV = dict(cls.jwt_env(), **cls.SERVER_ENV)
        super().setUpClass()

    @classmethod
    def jwt_env(cls):
        return {"PROBITY_JWT_JWKS_FILE": cls.jwks_path,
                "PROBITY_JWT_HS256_SECRET": HS_SECRET.decode(),
                "PROBITY_JWT_ISSUER": ISSUER,
                "PROBITY_JWT_AUDIENCE": AUDIENCE}

    def claims(self, **over):
        now = int(time.time())
        c = {"iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "iat": now, "nbf": now - 5,
             "exp": now + 600, "probity_role": "viewer", "probity_org": self.root["id"]}
        c.update(over)
        return {k: v for k, v in c.items() if v is not None}

    def jwt(self, alg="RS256", header=None, **over):
        keys = {"RS256": ("RS256", self.rsa_key), "ES256": ("ES256", self.ec_key),
                "HS256": ("HS256", HS_SECRET)}
        kids = {"RS256": "rsa-1", "ES256": "ec-1"}
        h = {"alg": alg, "typ": "JWT"}
        if alg in kids:
            h["kid"] = kids[alg]
        h.update(header or {})
        return sign_jwt({k: v for k, v in h.items() if v is not None}, self.claims(**over), keys[alg])


class Jwt(JwtBase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        def post(entity, body):
            r = cls.server.request("POST", "/v1/" + entity, body)
            assert r.status == 201, r
            return r.json
        base = dict(kind="budget_institution", jurisdiction="MN", timezone="Asia/Ulaanbaatar",
                    locale="mn", currency="MNT")
        cls.root = post("organizations", dict(base, name="JWT root"))
        cls.child = post("organizations", dict(base, name="JWT child", parent_id=cls.root["id"]))
        cls.other = post("organizations", dict(base, name="JWT other"))

    def visible_orgs(self, token):
        r = self.as_(token, "GET", "/v1/organizations?limit=500")
        return sorted(it["id"] for it in self.assert_json(r, 200)["items"])

    def test_valid_tokens_are_scoped_to_their_org(self):
        subtree = sorted([self.root["id"], self.child["id"]])
        for alg in ("RS256", "ES256", "HS256"):
            with self.subTest(alg=alg):
                token = self.jwt(alg)
                self.assertEqual(self.visible_orgs(token), subtree)
                self.assert_json(self.as_(token, "GET", f"/v1/organizations/{self.child['id']}"), 200)
                self.assert_problem(self.as_(token, "GET", f"/v1/organizations/{self.other['id']}"), 404)
        # bound to the child: only the child
        token = self.jwt("ES256", probity_org=self.child["id"])
        self.assertEqual(self.visible_orgs(token), [self.child["id"]])
        # an upper-case UUID in the claim is the same organization
        token = self.jwt("RS256", probity_org=self.child["id"].upper())
        self.assertEqual(self.visible_orgs(token), [self.child["id"]])
        # a JWT admin is still bound to its org: it may not make global keys
        admin = self.jwt("RS256", probity_role="admin")
        with self.unchanged():
            self.assert_problem(self.as_(admin, "POST", "/v1/api-keys", {"name": "n", "role": "admin"}), 403)
            self.assert_problem(self.as_(admin, "PATCH", f"/v1/organizations/{self.other['id']}",
                                         {"name": "x"}), 403)

    def test_accepted_variants(self):
        now = int(time.time())
        cases = {
            "aud array": dict(aud=["other-api", AUDIENCE]),
            "no nbf, no iat": dict(nbf=None, iat=None),
            "expired within leeway": dict(exp=now - 20),
            "nbf within leeway": dict(nbf=now + 20),
            "typ at+jwt": None,
        }
        for label, over in cases.items():
            with self.subTest(label=label):
                if over is None:
                    token = self.jwt("RS256", header={"typ": "at+jwt"})
                else:
                    token = self.jwt("RS256", **over)
                self.assert_json(self.as_(token, "GET", "/v1/organizations"), 200)
        # without a kid, the one key of the token's algorithm
        self.assert_json(self.as_(self.jwt("ES256", header={"kid": None}), "GET", "/v1/organizations"), 200)
        self.assert_json(self.as_(self.jwt("RS256", header={"kid": None}), "GET", "/v1/organizations"), 200)

    def refused_tokens(self):
        now = int(time.time())
        good = self.jwt("RS256")
        h, p, s = good.split(".")
        forged_claims = dict(json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4))),
                             probity_role="admin", probity_org=self.other["id"])
        rsa_pem = self.rsa_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                         serialization.PublicFormat.SubjectPublicKeyInfo)
        rsa_der = self.rsa_key.public_key().public_bytes(serialization.Encoding.DER,
                                                         serialization.PublicFormat.SubjectPublicKeyInfo)
        ec_pem = self.ec_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                       serialization.PublicFormat.SubjectPublicKeyInfo)
        c = self.claims()
        # the same claim twice: a parser that keeps the last would read admin
        dup_payload = json.dumps(c, separators=(",", ":"))[:-1] + ',"probity_role":"admin"}'
        dup_input = b64u_json({"alg": "HS256", "typ": "JWT"}) + "." + b64u(dup_payload)
        dup_claim_token = dup_input + "." + b64u(hmac.new(HS_SECRET, dup_input.encode(), hashlib.sha256).digest())
        es_input = b64u_json({"alg": "ES256", "kid": "ec-1"}) + "." + b64u_json(c)
        es_der = es_input + "." + b64u(self.ec_key.sign(es_input.encode(), ec.ECDSA(hashes.SHA256())))
        return {
            "expired": self.jwt("RS256", exp=now - 3600),
            "expired beyond leeway": self.jwt("ES256", exp=now - 120),
            "nbf in the future": self.jwt("RS256", nbf=now + 3600),
            "iat in the future": self.jwt("RS256", iat=now + 3600, nbf=None),
            "no exp": self.jwt("RS256", exp=None),
            "exp as a string": self.jwt("RS256", exp=str(now + 600)),
            "wrong iss": self.jwt("RS256", iss="https://evil.example/"),
            "no iss": self.jwt("HS256", iss=None),
            "wrong aud": self.jwt("ES256", aud="another-api"),
            "aud array without ours": self.jwt("ES256", aud=["a", "b"]),
            "no aud": self.jwt("HS256", aud=None),
            "alg none": sign_jwt({"alg": "none", "typ": "JWT"}, c, ("none", None)),
            "alg None": sign_jwt({"alg": "None", "typ": "JWT"}, c, ("none", None)),
            "alg NONE with kid": sign_jwt({"alg": "NONE", "kid": "rsa-1"}, c, ("none", None)),
            "alg none with a signature": b64u_json({"alg": "none"}) + "." + p + "." + s,
            "HS256 with the RSA public key PEM": sign_jwt({"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}, c,
                                                          ("HS256", rsa_pem)),
            "HS256 with the RSA public key PEM, no kid": sign_jwt({"alg": "HS256"}, c, ("HS256", rsa_pem)),
            "HS256 with the RSA public key DER": sign_jwt({"alg": "HS256", "kid": "rsa-1"}, c, ("HS256", rsa_der)),
            "HS256 with the EC public key PEM": sign_jwt({"alg": "HS256", "kid": "ec-1"}, c, ("HS256", ec_pem)),
            "HS256 with another secret": sign_jwt({"alg": "HS256"}, c, ("HS256", b"x" * 48)),
            "HS384": sign_jwt({"alg": "HS384"}, c, ("none", None)) + b64u(b"x" * 48),
            "RS512 header": b64u_json({"alg": "RS512", "kid": "rsa-1"}) + "." + p + "." + s,
            "tampered payload": h + "." + b64u_json(forged_claims) + "." + s,
            "tampered signature": h + "." + p + "." + s[:-4] + ("AAAA" if s[-4:] != "AAAA" else "BBBB"),
            "signature removed": h + "." + p + ".",
            "two segments": h + "." + p,
            "four segments": good + ".x",
            "padded base64": h + "=." + p + "." + s,
            "unknown kid": self.jwt("RS256", header={"kid": "rsa-2"}),
            "kid of the EC key on RS256": self.jwt("RS256", header={"kid": "ec-1"}),
            "kid of the RSA key on ES256": self.jwt("ES256", header={"kid": "rsa-1"}),
            "signed by another RSA key": sign_jwt({"alg": "RS256", "kid": "rsa-1"}, c,
                                                  ("RS256", self.other_rsa)),
            "critical header": self.jwt("RS256", header={"crit": ["exp"], "exp": 1}),
            "typ not a JWT": self.jwt("RS256", header={"typ": "JOSE+JSON"}),
            "no role claim": self.jwt("RS256", probity_role=None),
            "unknown role": self.jwt("RS256", probity_role="superuser"),
            "role upper-case": self.jwt("RS256", probity_role="ADMIN"),
            "role as a list": self.jwt("RS256", probity_role=["admin"]),
            "no org claim": self.jwt("RS256", probity_org=None),
            "org not a UUID": self.jwt("RS256", probity_org="ministry-of-health"),
            "org empty": self.jwt("RS256", probity_org=""),
            "nbf as a string": self.jwt("RS256", nbf=str(now - 5)),
            "exp as a boolean": self.jwt("RS256", exp=True),
            "duplicate role claim": dup_claim_token,
            "kid a number": self.jwt("RS256", header={"kid": 1}),
            "ES256 with a DER signature": es_der,
            "control character in sub": self.jwt("ES256", sub="eve\nforged"),
            "no sub": self.jwt("ES256", sub=None),
            "empty sub": self.jwt("ES256", sub=""),
        }

    def test_refused_tokens(self):
        org = self.root
        for label, token in self.refused_tokens().items():
            with self.subTest(label=label), self.unchanged():
                r = self.as_(token, "GET", "/v1/organizations")
                self.assert_401(r, CHALLENGE_INVALID, [token])
                r = self.as_(token, "PATCH", f"/v1/organizations/{org['id']}", {"name": "Forged"})
                self.assert_401(r, CHALLENGE_INVALID, [token])
        log = self.server.stderr_text()
        sig = self.jwt("RS256").split(".")[2]
        self.assertNotIn(sig, log)
        for token in self.refused_tokens().values():
            self.assertNotIn(token, log, "a refused JWT reached the log")

    def test_writes_are_audited_as_the_subject(self):
        sub = "officer-" + secrets.token_hex(4)
        token = self.jwt("ES256", sub=sub, probity_role="officer", probity_org=self.child["id"])
        r = self.as_(token, "POST", "/v1/employees", {"organization_id": self.child["id"], "full_name": "J W T"})
        emp = self.assert_json(r, 201)
        rows = self.db.rows(f"SELECT actor, role, action, organization_id FROM audit_events "
                            f"WHERE entity_id = {sql_literal(emp['id'])}")
        self.assertEqual(rows, [[f"jwt:{sub}", "officer", "create", self.child["id"]]])
        with self.unchanged():
            r = self.as_(token, "POST", "/v1/employees", {"organization_id": self.root["id"], "full_name": "Out"})
            self.assert_problem(r, 403)

    def test_api_keys_still_work(self):
        self.assert_json(self.get("/v1/organizations"), 200)


class JwtCustomClaims(JwtBase):
    """Claim names are configurable; issuer and audience are checked only when set."""

    @classmethod
    def jwt_env(cls):
        return {"PROBITY_JWT_JWKS_FILE": cls.jwks_path,
                "PROBITY_JWT_ROLE_CLAIM": "https://probity.example/role",
                "PROBITY_JWT_ORG_CLAIM": "https://probity.example/org",
                "PROBITY_JWT_LEEWAY": "0"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        r = cls.server.request("POST", "/v1/organizations",
                               dict(name="Custom", kind="ministry", jurisdiction="KZ", timezone="Asia/Almaty",
                                    locale="kk", currency="KZT"))
        assert r.status == 201, r
        cls.root = r.json

    def test_configured_claim_names(self):
        ok = self.jwt("RS256", iss=None, aud=None, probity_role=None, probity_org=None,
                      **{"https://probity.example/role": "auditor", "https://probity.example/org": self.root["id"]})
        self.assert_json(self.as_(ok, "GET", "/v1/audit-events"), 200)
        default_names = self.jwt("RS256", iss=None, aud=None)
        self.assert_401(self.as_(default_names, "GET", "/v1/organizations"))

    def test_no_leeway(self):
        now = int(time.time())
        late = self.jwt("ES256", exp=now - 2, **{"https://probity.example/role": "viewer",
                                                 "https://probity.example/org": self.root["id"]})
        self.assert_401(self.as_(late, "GET", "/v1/organizations"))

    def test_hs256_refused_without_a_secret(self):
        tok = self.jwt("HS256", **{"https://probity.example/role": "viewer",
                                   "https://probity.example/org": self.root["id"]})
        self.assert_401(self.as_(tok, "GET", "/v1/organizations"))
        rsa_pem = self.rsa_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                         serialization.PublicFormat.SubjectPublicKeyInfo)
        tok = sign_jwt({"alg": "HS256", "kid": "rsa-1"},
                       self.claims(**{"https://probity.example/role": "viewer",
                                      "https://probity.example/org": self.root["id"]}), ("HS256", rsa_pem))
        self.assert_401(self.as_(tok, "GET", "/v1/organizations"))


class JwtMisconfiguration(ProbityTestCase):
    """A server with an unusable JWT configuration refuses to start."""
    START_SERVER = False

    def test_refuses_to_start(self):
        fd, path = tempfile.mkstemp(suffix=".json")
        os.close(fd)
        self.addCleanup(os.unlink, path)
        weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
        priv = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        priv_jwk = rsa_jwk(priv, "p")
        priv_jwk["d"] = b64u(int_bytes(priv.private_numbers().d))
        cases = {
            "short HS256 secret": ({"PROBITY_JWT_HS256_SECRET": "short"}, None),
            "missing JWKS file": ({"PROBITY_JWT_JWKS_FILE": path + ".missing"}, None),
            "RSA-1024 in JWKS": ({"PROBITY_JWT_JWKS_FILE": path}, {"keys": [rsa_jwk(weak, "w")]}),
            "private key in JWKS": ({"PROBITY_JWT_JWKS_FILE": path}, {"keys": [priv_jwk]}),
            "oct key in JWKS": ({"PROBITY_JWT_JWKS_FILE": path},
                                {"keys": [{"kty": "oct", "kid": "o", "k": b64u(b"s" * 32)}]}),
            "empty JWKS": ({"PROBITY_JWT_JWKS_FILE": path}, {"keys": []}),
        }
        for label, (env, jwks) in cases.items():
            with self.subTest(label=label):
                if jwks is not None:
                    with open(path, "w") as f:
                        json.dump(jwks, f)
                s = Server(self.db.url, env)
                with self.assertRaisesRegex(RuntimeError, r"exited with 1 during start(.|\n)*JW"):
                    s.start(timeout=10)
                s.stop()


# -- rate limits ------------------------------------------------------------

class RateLimits(AuthTestCase):
    SERVER_ENV = {"PROBITY_RATE_LIMITS": "admin=0,auditor=0,officer=0,viewer=2:3,integration=0"}

    def test_burst_then_429_then_recovery(self):
        _, b = self.new_key("viewer")
        for attempt in range(3):
            # at 2/s a token refills in 0.5 s: the four requests must be quicker
            # than that for the fourth to be refused exactly (retried on a slow host)
            _, a = self.new_key("viewer")
            t0 = time.monotonic()
            first = [self.as_(a, "GET", "/v1/calendars", keep_alive=True) for _ in range(3)]
            limited = self.as_(a, "GET", "/v1/calendars", keep_alive=True)
            elapsed = time.monotonic() - t0
            self.server.close_conn()
            if elapsed < 0.4:
                break
        else:
            self.skipTest(f"four requests took {elapsed:.2f} s; too slow a host to test a 2/s limit")
        for r in first:
            self.assert_json(r, 200)
        p = self.assert_problem(limited, 429)
        self.assertEqual(p["type"], "urn:probity:problem:rate-limited")
        retry = limited.headers.get("retry-after")
        self.assertIsNotNone(retry, limited)
        self.assertRegex(retry, r"^[1-9][0-9]*$")
        self.assertLessEqual(int(retry), 2, "one token refills in half a second at 2/s")
        self.assertNotIn("www-authenticate", limited.headers)
        # another key of the same role has its own bucket
        for _ in range(3):
            self.assert_json(self.as_(b, "GET", "/v1/calendars"), 200)
        # an unlimited role is not limited at all
        for _ in range(10):
            self.assert_json(self.get("/v1/calendars"), 200)
        time.sleep(int(retry))
        self.assert_json(self.as_(a, "GET", "/v1/calendars"), 200)

    def test_refused_requests_change_nothing(self):
        _, a = self.new_key("viewer")
        org = self.create_org()
        while self.as_(a, "GET", "/v1/calendars").status != 429:
            pass
        with self.unchanged():
            r = self.as_(a, "GET", f"/v1/organizations/{org['id']}")
            self.assert_problem(r, 429)
            self.assertNotIn(org["name"].encode(), r.body)

    def test_bad_credentials_are_401_not_429(self):
        for _ in range(6):
            self.assert_401(self.with_auth("Bearer nonsense"))


# -- Idempotency-Key per caller ---------------------------------------------

class IdempotencyPerCaller(AuthTestCase):

    def test_same_key_two_callers(self):
        _, a = self.new_key("admin")
        _, b = self.new_key("admin")
        idem = str(uuid.uuid4())
        body = self.org_body(name="Idem " + idem)
        ra = self.as_(a, "POST", "/v1/organizations", body, headers={"Idempotency-Key": idem})
        rb = self.as_(b, "POST", "/v1/organizations", body, headers={"Idempotency-Key": idem})
        oa, ob = self.assert_json(ra, 201), self.assert_json(rb, 201)
        self.assertNotIn("idempotent-replayed", ra.headers)
        self.assertNotIn("idempotent-replayed", rb.headers, "another caller's key replayed")
        self.assertNotEqual(oa["id"], ob["id"])
        self.assertEqual(int(self.db.scalar(f"SELECT count(*) FROM organizations WHERE name = "
                                            f"{sql_literal(body['name'])}")), 2)
        # each caller's retry replays its own first answer
        for token, first in ((a, oa), (b, ob)):
            with self.unchanged():
                r = self.as_(token, "POST", "/v1/organizations", body, headers={"Idempotency-Key": idem})
            self.assertEqual(r.status, 201, r)
            self.assertEqual(r.headers.get("idempotent-replayed"), "true")
            self.assertEqual(r.json["id"], first["id"])
        # a third caller's different body under the same key is not a reuse
        _, c = self.new_key("admin")
        r = self.as_(c, "POST", "/v1/organizations", self.org_body(), headers={"Idempotency-Key": idem})
        self.assert_json(r, 201)
        self.assertNotIn("idempotent-replayed", r.headers)


if __name__ == "__main__":
    unittest.main()
