"""Hostile input over the whole API, generated from the registry: for every
entity and every writable field (and array item, and item member) of its
create and patch bodies, SQL metacharacters, 100 KB strings, deep nesting,
huge and non-finite numbers, invalid UTF-8 in values and member names, wrong
types; for every filter, range bound and list parameter the same in the
query string; then path parameters and the headers that carry values
(Idempotency-Key, If-Match, Authorization).

Every answer must be a 4xx problem+json that changed nothing in the database,
except where the garbage happens to be a valid value (an SQL-looking string
in a free-text field): then it must be accepted and stored verbatim, and
only the entity's table and the audit trail may change.

test_errors.py pins the exact status and error code of one example of each
mistake; this file is the systematic sweep (status class, problem shape,
field named, nothing changed), so single examples overlap by design."""

import contextlib
import datetime
import json
import secrets
import subprocess
import unittest
import urllib.parse
import uuid

from probity_harness import ProbityTestCase, load_registry, sql_literal

SENTINEL = "\u0001GARBAGE\u0001"
SENTINEL_JSON = json.dumps(SENTINEL).encode()

# Strings that are valid UTF-8 text: a free-text field must take them as they
# are; any other field refuses them (or, if they happen to match its format,
# takes them verbatim).
TEXTS = [
    ("sql drop", "'; DROP TABLE organizations; --"),
    ("sql or", '" OR 1=1 --'),
    ("sql quote or", "' OR '1'='1"),
    ("sql union", "' UNION SELECT secret_hash FROM api_keys --"),
    ("sql stacked", "1); DELETE FROM employees; --"),
    ("sql sleep", "'||pg_sleep(5)||'"),
    ("sql cast", "'::uuid"),
    ("sql dollar quote", "$$; DROP TABLE api_keys; $$"),
    ("placeholders", "$1 $2 %s %d"),
    ("like percent", "%"),
    ("like underscore", "_"),
    ("like mix", "%_%"),
    ("backslash", "\\"),
    ("backslashes", "\\\\' \\x00 \\0 \\n \\u0000"),
    ("escape string", "E'\\x41'"),
    ("comments", "*/ /* -- #"),
    ("unicode quotes", "\u2019; \u02bc OR 1=1 --"),
    ("NaN as text", "NaN"),
    ("-Infinity as text", "-Infinity"),
    ("1e400 as text", "1e400"),
    ("huge int as text", "99999999999999999999999"),
    ("control chars", "a\u0001\u001b[31m\u007fb"),
    ("bidi override", "\u202eevil"),
    ("astral", "\U0001F4A9 \U00010348"),
    ("email-shaped", "o'brien+%_@example.org"),
    ("code-shaped", "_._-"),
    ("empty", ""),
    ("long 100 KB", "x" * 102400),
    ("long 100 KB multibyte", "\u0436" * 51200),
]
# Refused even in free text, by design (see domain/jsonin.c, domain/validate.c).
NEVER_TEXT = ("\u0000", "\uffff")
TEXTS_REFUSED_EVERYWHERE = [
    ("NUL", "a\u0000b"),
    ("U+FFFF (the server's invalid-UTF-8 mark)", "a\uffffb"),
]
# JSON values of every other type.
OTHER_VALUES = [
    ("zero", 0), ("minus one", -1), ("42", 42), ("int64 max", 9223372036854775807),
    ("real", 4.5), ("true", True), ("false", False), ("null", None),
    ("empty object", {}), ("object", {"a": "b"}), ("empty array", []), ("array of text", ["x"]),
    ("array of arrays", [[["x"]]]), ("array of objects", [{}]),
]
# Bytes spliced into the body where the value goes: never valid.
RAW = [
    ("10000 [", b"[" * 10000 + b"]" * 10000),
    ("10000 [ unclosed", b"[" * 10000),
    ("5000 nested objects", b'{"a":' * 5000 + b"1" + b"}" * 5000),
    ("1e400", b"1e400"), ("-1e400", b"-1e400"), ("1e-400", b"1e-400"),
    ("99999999999999999999999", b"99999999999999999999999"),
    ("-99999999999999999999999", b"-99999999999999999999999"),
    ("2^63", b"9223372036854775808"), ("-2^63-1", b"-9223372036854775809"),
    ("-0", b"-0"), ("-0.0", b"-0.0"),
    ("NaN", b"NaN"), ("Infinity", b"Infinity"), ("-Infinity", b"-Infinity"),
    ("hex", b"0x10"), ("leading zero", b"01"), ("plus", b"+1"), ("bare dot", b".5"),
    ("trailing dot", b"1."), ("bare exponent", b"1e"),
    ("tRue", b"tRue"), ("undefined", b"undefined"), ("single quotes", b"'x'"),
    ("unterminated string", b'"abc'),
    ("invalid utf-8 \\xff", b'"\xff"'), ("invalid utf-8 \\xc3\\x28", b'"a\xc3\x28b"'),
    ("utf-8 surrogate", b'"\xed\xa0\x80"'), ("utf-8 above U+10FFFF", b'"\xf4\x90\x80\x80"'),
    ("overlong /", b'"\xc0\xaf"'), ("truncated sequence", b'"\xe2\x82"'), ("\\xfe\\xff", b'"\xfe\xff"'),
    ("lone high surrogate escape", b'"\\ud800"'), ("lone low surrogate escape", b'"\\udfff x"'),
    ("short \\u escape", b'"\\u00"'), ("\\x escape", b'"\\x41"'),
    ("raw control char", b'"a\x01b"'), ("raw newline", b'"a\nb"'),
    ("escaped NUL", b'"a\\u0000b"'),
]


def pct(value):
    return urllib.parse.quote(value, safe="")


class PsqlSession:
    """One psql process kept open, so that a checksum costs a query, not a
    process: this file checks the database around thousands of requests."""

    def __init__(self, url):
        self.proc = subprocess.Popen(["psql", "-X", "-q", "-At", "-d", url], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     encoding="utf-8", errors="replace")

    def lines(self, sql):
        marker = "__end_" + secrets.token_hex(6)
        self.proc.stdin.write(sql.strip().rstrip(";") + ";\n\\echo " + marker + "\n")
        self.proc.stdin.flush()
        out = []
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            if line == marker:
                return out
            out.append(line)
        raise RuntimeError("psql ended: " + "\n".join(out))

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Garbage(ProbityTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.psql = PsqlSession(cls.db.url)
        cls.addClassCleanup(cls.psql.close)
        tables = cls.db.tables()
        # A write detector rather than a content hash, because it runs around
        # every one of thousands of requests: per table the row count and the
        # newest xmin. Any INSERT or UPDATE that commits leaves a row whose
        # xmin is newer than every earlier one (requests here run one at a
        # time), any DELETE lowers the count, and rolled-back rows are not
        # seen. api_keys is hashed instead, without last_used_at: the server
        # refreshes that column (at most once a minute) on any authenticated
        # request, which is not a change the request makes.
        parts = []
        for t in tables:
            if t.endswith(".api_keys"):
                parts.append(f"SELECT {sql_literal(t)} || '|' || coalesce(md5(string_agg(x, '|' ORDER BY x)), "
                             f"'empty') FROM (SELECT (to_jsonb(y) - 'last_used_at')::text AS x FROM {t} y) z")
            else:
                parts.append(f"SELECT {sql_literal(t)} || '|' || count(*) || ':' || "
                             f"coalesce(max(xmin::text::bigint), 0) FROM {t}")
        cls.checksum_sql = " UNION ALL ".join(parts)
        cls.registry = load_registry()["entities"]
        cls.ent = {e["name"]: e for e in cls.registry}
        cls._date = datetime.date(2032, 1, 1)
        c = cls.server

        def post(entity, body):
            r = c.request("POST", "/v1/" + entity, body)
            assert r.status == 201, r
            return r.json

        cls.org = post("organizations", {"name": "Garbage root", "kind": "ministry", "jurisdiction": "RU",
                                         "timezone": "Europe/Moscow", "locale": "ru", "currency": "RUB"})
        cls.jurisdiction = "RU"
        cls.calendar = post("calendars", {"jurisdiction": "RU", "name": "Russia"})
        cls.relative = post("employees", {"organization_id": cls.org["id"], "full_name": "Relative"})
        kinds = next(f for f in cls.ent["organizations"]["fields"] if f["name"] == "kind")["enum"]
        cls.requirement = post("disclosure-requirements", {
            "code": "GARBAGE-REQ", "name": "Garbage requirement", "category": "other", "jurisdiction": "RU",
            "org_kinds": kinds, "frequency": "monthly", "active_from": "2000-01-01"})
        cls._month = 0
        cls._jur = iter(a + b for a in "ZYXWVUTSQPONMLKJIHGFEDCBA" for b in "ZYXWVUTSRQPONMLKJIHGFEDCBA")
        cls._last_sum = None
        # Receivables (seed 004): a debtor, a receivable with room for every payment made here, and one a
        # schedule covers exactly (1000.00).
        cls.income_code = post("income-codes", {"code": "11100000000000000", "name": "Доходы от имущества",
                                                "jurisdiction": "RU"})
        cls.debtor = post("debtors", {"organization_id": cls.org["id"], "kind": "legal", "name": "Должник",
                                      "registered_address": "п. Кез", "locale": "ru"})

        def receivable(principal):
            return post("receivables", {
                "organization_id": cls.org["id"], "debtor_id": cls.debtor["id"],
                "income_code_id": cls.income_code["id"], "basis_document": "Договор", "basis_date": "2024-12-01",
                "arose_on": "2025-01-01", "due_date": "2025-01-31", "principal": principal, "currency": "RUB",
                "payment_details": "р/с 03100643000000011300"})
        cls.receivable = receivable("1000000000.00")
        cls.plan_receivable = receivable("1000.00")

    # -- the database ---------------------------------------------------------

    def checksum(self):
        return dict(line.split("|", 1) for line in self.psql.lines(self.checksum_sql) if "|" in line)

    def forget_checksum(self):
        type(self)._last_sum = None

    @contextlib.contextmanager
    def unchanged(self):
        before = type(self)._last_sum or self.checksum()
        self.forget_checksum()      # until the block has ended cleanly
        yield
        after = self.checksum()
        type(self)._last_sum = after
        changed = sorted(t for t in set(before) | set(after) if before.get(t) != after.get(t))
        self.assertEqual(changed, [], "database changed by a request that must change nothing")

    @contextlib.contextmanager
    def changes_only(self, tables):
        before = type(self)._last_sum or self.checksum()
        self.forget_checksum()
        yield
        after = self.checksum()
        self.assertEqual(sorted(before), sorted(after), "the set of tables changed")
        changed = {t for t in before if before[t] != after[t]}
        self.assertTrue(changed <= set(tables), f"tables changed beyond {sorted(tables)}: {sorted(changed)}")

    # -- requests -----------------------------------------------------------

    def send(self, method, path, raw=None, headers=None):
        """A request whose outcome the caller checks; anything that may
        write goes through here or forgets the cached checksum."""
        return self.request(method, path, raw=raw, headers=headers)

    def assert_refused(self, r, statuses=(400, 422), label=""):
        self.assertIn(r.status, statuses, f"{label}: {r!r}")
        return self.assert_problem(r, r.status, instance=r.path.split("?", 1)[0] if r.path else None)

    def admin_delete(self, e, rid):
        self.forget_checksum()
        r = self.delete(f"/v1/{e['name']}/{rid}")
        self.assertEqual(r.status, 204, r)

    # -- the registry ---------------------------------------------------------

    @classmethod
    def next_date(cls):
        cls._date += datetime.timedelta(days=1)
        return cls._date.isoformat()

    # Receivables: values their rules accept (see test_authz_matrix.py). Days that happened are past.
    PAST_DAYS = {"paid_on", "done_on", "granted_on"}
    FIXED_SAMPLES = {("collection-actions", "kind"): "other", ("receivables", "currency"): "RUB",
                     ("payments", "currency"): "RUB",
                     ("installment-plans", "lines"): [{"due_on": "2031-01-01", "amount": "1000.00",
                                                       "interest": "0.00"}]}
    # Valid values a rule across rows may still refuse (409 or 422): a status the regulation does not
    # allow now, an action's kind or target (fixed once recorded), another currency than the
    # administrator's, bankrupt without its date.
    RULED = {("receivables", "status"), ("receivables", "currency"), ("payments", "currency"),
             ("collection-actions", "kind"), ("collection-actions", "target"), ("debtors", "bankrupt")}

    def sample(self, e, f):
        t, fmt = f["type"], f.get("format")
        if (e["name"], f["name"]) in self.FIXED_SAMPLES:
            return self.FIXED_SAMPLES[(e["name"], f["name"])]
        if t == "date" and f["name"] in self.PAST_DAYS:
            return "2025-06-01"
        if t == "enum":
            return f.get("default", f["enum"][-1])
        if t == "uuid":
            return {"organizations": self.org["id"], "employees": self.relative["id"],
                    "disclosure-requirements": self.requirement["id"], "income-codes": self.income_code["id"],
                    "debtors": self.debtor["id"],
                    "receivables": (self.plan_receivable if e["name"] == "installment-plans"
                                    else self.receivable)["id"]}.get(f.get("ref"))
        if t == "date":
            return self.next_date()
        if t == "int":
            return f.get("min", 1)
        if t == "array":
            if f.get("items", {}).get("type") == "enum":   # e.g. org_kinds: all of them
                return list(f["items"]["enum"])
            return f.get("default", [])
        if t == "timestamp":
            return "2099-01-01T00:00:00Z"
        if t == "money":
            return "1000.00"
        if t == "string":
            tag = secrets.token_hex(4)
            if fmt == "timezone":
                return "Asia/Almaty"
            if fmt == "email":
                return f"p{tag}@example.org"
            if fmt == "code":
                return "C-" + tag
            if fmt == "upper":
                return next(self._jur) if e["name"] == "calendars" else self.jurisdiction
            if fmt == "digits":
                return str(10 ** 16 + secrets.randbelow(9 * 10 ** 16))
            if fmt == "period":
                # one disclosure per (organization, requirement, period): a fresh month each time
                cls = type(self)
                cls._month += 1
                return f"{2030 + cls._month // 12}-{cls._month % 12 + 1:02d}"
            return f"{f['name']} {tag}"[: f.get("max", 100)]
        self.fail(f"{e['name']}.{f['name']}: no sample for type {t}")

    def valid_body(self, e):
        body = {}
        for f in e["fields"]:
            if f.get("patch_only"):   # the server sets it on create
                continue
            if not f["read_only"] and (f["required"] or f["name"] == e["scope_field"]):
                body[f["name"]] = self.sample(e, f)
        return body

    def targets(self, e, op):
        """Every place a value goes: (label, top-level field, wrap, leaf), where
        wrap(v) builds the field's value around v and leaf is the registry
        description of what v must be."""
        out = []
        for f in e["fields"]:
            if f["read_only"] or (op == "create" and f.get("patch_only")):
                continue
            out.append((f["name"], f, lambda v: v, f))
            items = f.get("items")
            if f["type"] == "array" and items:
                out.append((f["name"] + "[]", f, lambda v: [v], items))
                for m in items.get("members") or []:
                    others = {x["name"]: self.sample(e, x) for x in items["members"]
                              if x["required"] and x["name"] != m["name"]}
                    out.append((f"{f['name']}[].{m['name']}", f,
                                lambda v, others=others, m=m: [dict(others, **{m["name"]: v})], m))
        return out

    @staticmethod
    def json_type_ok(leaf, v):
        want = {"string": str, "enum": str, "uuid": str, "date": str, "timestamp": str,
                "int": int, "array": list, "object": dict, "bool": bool}.get(leaf["type"])
        if isinstance(v, bool):
            return want is bool
        return want is not None and isinstance(v, want)

    def expectation(self, leaf, v, top, op):
        """'refuse', 'accept' (must be taken verbatim), 'either' (taken
        verbatim, or refused as a format or uniqueness problem), or None
        (a valid value of no interest here)."""
        if v is None:
            if top and op == "patch":
                return None              # merge patch: null removes the member
            return None if (top and leaf["nullable"]) else "refuse"
        if not self.json_type_ok(leaf, v):
            return "refuse"
        t = leaf["type"]
        if t == "int":
            return None if leaf.get("min", v) <= v <= leaf.get("max", v) else "refuse"
        if t in ("array", "object"):
            return None if t == "array" else "refuse"
        if t == "bool":
            return "accept"
        if t != "string":
            return "accept" if t == "enum" and v in leaf["enum"] else "refuse"
        n = len(v)
        if not leaf.get("min", 0) <= n <= leaf.get("max", n) or any(c in v for c in NEVER_TEXT):
            return "refuse"
        return "either" if leaf.get("format") else "accept"

    # -- bodies ---------------------------------------------------------------

    def body_cases(self, e, op):
        """(label, leaf label, top field, raw body, expectation, json value or None)."""
        for tlabel, f, wrap, leaf in self.targets(e, op):
            top = leaf is f
            if op == "create":
                body = self.valid_body(e)
                body[f["name"]] = wrap(SENTINEL)
            else:
                body = {f["name"]: wrap(SENTINEL)}
            template = json.dumps(body).encode()
            assert template.count(SENTINEL_JSON) == 1, template
            for vlabel, v in TEXTS + TEXTS_REFUSED_EVERYWHERE + OTHER_VALUES:
                if leaf["type"] == "array" and isinstance(v, list):
                    continue                 # arrays are swept item by item
                exp = self.expectation(leaf, v, top, op)
                if exp is None:
                    continue
                if exp == "accept" and (e["name"], f["name"]) in self.RULED:
                    exp = "either"
                raw = template.replace(SENTINEL_JSON, json.dumps(v, ensure_ascii=False).encode())
                yield vlabel, tlabel, f, raw, exp, wrap(v)
            for vlabel, frag in RAW:
                yield "raw " + vlabel, tlabel, f, template.replace(SENTINEL_JSON, frag), "refuse", None

    # A payment adds to its receivable's paid_amount; an action may move its receivable's status.
    ALSO_CHANGES = {"payments": {"public.receivables"}, "collection-actions": {"public.receivables"}}

    def check_body_case(self, e, method, path, row_id, vlabel, tlabel, f, raw, exp, value):
        if exp == "refuse":
            with self.unchanged():
                r = self.send(method, path, raw=raw)
                p = self.assert_refused(r, label=f"{tlabel} = {vlabel}")
            if r.status == 422:
                fields = [x["field"] for x in p["errors"]]
                self.assertTrue(fields and all(x == f["name"] or x.startswith((f["name"] + "[", f["name"] + "."))
                                               for x in fields),
                                f"errors must name {f['name']}: {fields}")
            return
        ok = 201 if method == "POST" else 200
        tables = {f"public.{e['table']}", "public.audit_events"} | self.ALSO_CHANGES.get(e["name"], set())
        with self.changes_only(tables):
            r = self.send(method, path, raw=raw)
            if exp == "either" and r.status != ok:
                self.assert_refused(r, (409, 422), label=f"{tlabel} = {vlabel}")
                return
            obj = self.assert_json(r, ok)
        rid = row_id or obj["id"]
        self.assertEqual(obj[f["name"]], value, "answer differs from what was sent")
        stored = self.get(f"/v1/{e['name']}/{rid}")
        self.assertEqual(self.assert_json(stored, 200)[f["name"]], value, "stored value differs")
        if isinstance(value, str):
            got = self.psql.lines(f"SELECT encode(convert_to({f['name']}::text, 'UTF8'), 'hex') "
                                  f"FROM {e['table']} WHERE id = {sql_literal(rid)}")
            self.assertEqual(got, [value.encode().hex()], "the column does not hold the bytes sent")
        if row_id is None and "delete" in e["ops"]:
            self.admin_delete(e, rid)
        elif row_id is None:
            self.forget_checksum()   # payments and collection actions stay: no DELETE route

    def test_create_body_garbage(self):
        for e in self.registry:
            if "create" not in e["ops"]:
                continue
            for vlabel, tlabel, f, raw, exp, value in self.body_cases(e, "create"):
                with self.subTest(entity=e["name"], op="create", field=tlabel, value=vlabel):
                    self.check_body_case(e, "POST", f"/v1/{e['name']}", None, vlabel, tlabel, f, raw, exp, value)

    def test_patch_body_garbage(self):
        for e in self.registry:
            if "patch" not in e["ops"]:
                continue
            r = self.post(f"/v1/{e['name']}", self.valid_body(e))
            self.forget_checksum()
            row = self.assert_json(r, 201)
            path = f"/v1/{e['name']}/{row['id']}"
            for vlabel, tlabel, f, raw, exp, value in self.body_cases(e, "patch"):
                with self.subTest(entity=e["name"], op="patch", field=tlabel, value=vlabel):
                    self.check_body_case(e, "PATCH", path, row["id"], vlabel, tlabel, f, raw, exp, value)

    def member_name_cases(self, e, field, value):
        """(label, member name as JSON bytes, its value, whether it stands in
        for field): field is a real member whose valid value is value, so
        that a name the server wrongly reads as field's would be accepted."""
        fb = json.dumps(field).encode()[1:-1]
        vb = json.dumps(value).encode()
        cases = [
            ("invalid utf-8 extra member", b'"na\xffme"', b"1", False),
            ("invalid utf-8 member alone", b'"\xc3\x28"', b'"x"', False),
            ("field name with \\xff, in its place", b'"' + fb[:1] + b"\xff" + fb[1:] + b'"', vb, True),
            ("field name + escaped NUL, in its place", b'"' + fb + b'\\u0000x"', vb, True),
            ("field name + escaped NUL, beside it", b'"' + fb + b'\\u0000x"', vb, False),
            ("escaped NUL name", b'"\\u0000"', b'"x"', False),
            ("empty name", b'""', b'"x"', False),
            ("100 KB name", b'"' + b"k" * 102400 + b'"', b"1", False),
            ("sql name", json.dumps(field + "; DROP TABLE organizations; --").encode(), vb, True),
            ("quoted sql name", json.dumps('"' + field + '" = 1 OR "x"').encode(), vb, True),
            ("field name, upper case", json.dumps(field.upper()).encode(), vb, True),
            ("field name + space", json.dumps(field + " ").encode(), vb, True),
            ("lone surrogate name", b'"\\ud800"', b'"x"', False),
            ("__proto__", b'"__proto__"', b"{}", False),
        ]
        # columns the API never exposes, and members it shows but owns
        for name in ("secret_hash", "xmin", "ctid", "tableoid", "oid"):
            cases.append((f"hidden column {name}", json.dumps(name).encode(), b'"00"', False))
        for f in e["fields"]:
            if f["read_only"]:
                cases.append((f"read-only {f['name']}", json.dumps(f["name"]).encode(), b'"x"', False))
        return cases

    def test_member_name_garbage(self):
        for e in self.registry:
            for op in ("create", "patch"):
                if op not in e["ops"]:
                    continue
                if op == "create":
                    method, path, body = "POST", f"/v1/{e['name']}", self.valid_body(e)
                    field = next(f["name"] for f in e["fields"] if f["required"] and not f["read_only"])
                else:
                    r = self.post(f"/v1/{e['name']}", self.valid_body(e))
                    self.forget_checksum()
                    method, path = "PATCH", f"/v1/{e['name']}/{self.assert_json(r, 201)['id']}"
                    field = next(f["name"] for f in e["fields"] if f["type"] == "string" and not f["read_only"]
                                 and not f.get("format") and not f.get("read_roles"))
                    body = {field: "renamed"}
                for label, name, value, replaces in self.member_name_cases(e, field, body[field]):
                    rest = {k: v for k, v in body.items() if not (replaces and k == field)}
                    head = json.dumps(rest).encode()[:-1]
                    raw = head + (b", " if rest else b"") + name + b": " + value + b"}"
                    with self.subTest(entity=e["name"], op=op, member=label), self.unchanged():
                        self.assert_refused(self.send(method, path, raw=raw), label=label)

    # -- query strings -------------------------------------------------------------

    def list_params(self, e):
        """(name, leaf) for every query parameter a list takes."""
        out = [("limit", None), ("cursor", None), ("updated_since", None)]
        for f in e["fields"]:
            if f.get("filter"):
                out.append((f["name"], f))
            if f.get("range"):
                out += [(f["name"] + "_from", f), (f["name"] + "_to", f)]
        return out

    QUERY_ENCODED = [  # sent as they are (already percent-encoded)
        ("%C3%28", "%C3%28"), ("%00", "%00"), ("a%00b", "a%00b"), ("%FF%FE", "%FF%FE"),
        ("utf-8 surrogate", "%ED%A0%80"), ("overlong", "%C0%AF"), ("lone %", "%"), ("%zz", "%zz"),
        ("%2", "%2"), ("%%", "%%"), ("%u0041", "%u0041"), ("long 6000 %C3%28", "%C3%28" * 1000),
    ]

    def query_texts(self):
        vals = [(label, v) for label, v in TEXTS if len(v.encode()) < 2000]
        vals += [("long 6000", "x" * 6000), ("long 2000 multibyte", "\u0436" * 1000),
                 ("null", "null"), ("[]", "[]"), ("{}", "{}"), ("true", "true"), ("-0", "-0"),
                 ("-1", "-1"), ("0", "0"), ("501", "501"), ("1e2", "1e2"), ("amp", "a&b=c"),
                 ("tomorrow", "tomorrow"), ("2026-02-30", "2026-02-30"), ("not a uuid", "1' OR '1'='1"),
                 ("uuid + sql", str(uuid.uuid4()) + "' OR 1=1 --")]
        return vals

    def query_valid(self, name, leaf, v):
        """True when v is a valid value for the parameter: only free text is
        (none of the values offered is a limit, cursor, timestamp, id or
        enum value)."""
        if leaf is None or leaf["type"] != "string" or "\u0000" in v or "\uffff" in v:
            return False
        n = len(v)
        if not leaf.get("min", 0) <= n <= leaf.get("max", n):
            return False
        return None if leaf.get("format") else True     # None: it depends on the format

    def test_query_value_garbage(self):
        for e in self.registry:
            if "list" not in e["ops"]:
                continue
            base = f"/v1/{e['name']}"
            for name, leaf in self.list_params(e):
                cases = [(label, enc, None) for label, enc in self.QUERY_ENCODED]
                cases += [(label, pct(v), v) for label, v in self.query_texts()]
                for label, enc, decoded in cases:
                    path = f"{base}?{name}={enc}"
                    valid = decoded is not None and self.query_valid(name, leaf, decoded)
                    with self.subTest(entity=e["name"], op="list", param=name, value=label), self.unchanged():
                        r = self.send("GET", path)
                        if valid is True or (valid is None and r.status == 200):
                            body = self.assert_json(r, 200)
                            for it in body["items"]:
                                self.assertEqual(it[name], decoded, "filter matched another value")
                            continue
                        p = self.assert_refused(r, label=label)
                        if r.status == 422:
                            self.assertTrue(all(x["field"] in (name, "") for x in p["errors"]),
                                            f"errors must name {name}: {p['errors']}")

    def test_query_name_garbage(self):
        for e in self.registry:
            if "list" not in e["ops"]:
                continue
            for label, qs in (("%C3%28=1", "%C3%28=1"), ("%00=1", "%00=1"), ("limit%00=5", "limit%00=5"),
                              ("empty name", "=1"), ("only &", "&&&"), ("only =", "="),
                              ("sql name", pct("limit; DROP TABLE organizations") + "=5"),
                              ("LIMIT", "LIMIT=5"), ("long name", "k" * 6000 + "=1"),
                              ("hidden column", "secret_hash=00"), ("ctid", "ctid=(0,1)"),
                              ("range on a non-range field", "id_from=1"),
                              ("65 parameters", "&".join(f"p{i}=1" for i in range(65))),
                              ("65 repeated", "&".join("limit=1" for _ in range(65)))):
                path = f"/v1/{e['name']}?{qs}"
                with self.subTest(entity=e["name"], op="list", query=label), self.unchanged():
                    r = self.send("GET", path)
                    if label in ("only &",):       # no parameter at all
                        self.assert_json(r, 200)
                    else:
                        self.assert_refused(r, label=label)

    def test_query_longer_than_the_head_limit(self):
        with self.unchanged():
            r = self.send("GET", "/v1/organizations?unit=" + "x" * 102400)
            self.assertEqual(r.status, 431, r)
            self.assert_problem(r, 431, instance="")

    # -- paths ------------------------------------------------------------------

    PATH_IDS = [
        ("sql quote", "'%20OR%201=1"), ("sql quoted", "%27%20OR%20%271%27=%271"),
        ("sql semicolon", "1;DROP%20TABLE%20organizations"), ("%00", "%00"), ("%C3%28", "%C3%28"),
        ("%FF", "%FF"), ("dot dot", "..%2F..%2Fetc%2Fpasswd"), ("%2e%2e", "%2e%2e"), ("null", "null"),
        ("-1", "-1"), ("0", "0"), ("huge", "99999999999999999999999"), ("uuid + %00", "{u}%00"),
        ("uuid + quote", "{u}'"), ("uuid + sql", "{u}'--"), ("braces", "{id}"), ("star", "*"),
        ("uuid without dashes", "{x}"), ("63 chars", "a" * 63), ("64 chars", "a" * 64),
        ("300 chars", "b" * 300), ("percent", "%25"), ("backslash", "%5C"), ("semicolon params", "{u};x=1"),
    ]

    def path_ids(self):
        u = str(uuid.uuid4())
        for label, p in self.PATH_IDS:
            yield label, p.replace("{u}", u).replace("{x}", u.replace("-", "x"))

    def test_path_garbage(self):
        routes = []
        for e in self.registry:
            for op, method in (("get", "GET"), ("patch", "PATCH"), ("delete", "DELETE")):
                if op in e["ops"]:
                    routes.append((e["name"], op, method, f"/v1/{e['name']}/" + "{}", b'{"name": "x"}'))
        routes.append(("organizations", "relative-conflicts", "GET", "/v1/organizations/{}/relative-conflicts", None))
        routes.append(("calendars", "working-days", "GET", "/v1/calendars/{}/working-days?from=2026-01-01&add=1", None))
        for entity, op, method, pattern, body in routes:
            for label, pid in self.path_ids():
                path = pattern.replace("{}", pid)
                with self.subTest(entity=entity, op=op, id=label), self.unchanged():
                    r = self.send(method, path, raw=body if method == "PATCH" else None)
                    self.assert_refused(r, (400, 404, 422), label=label)

    def test_raw_path_bytes(self):
        """Targets http.client will not send: spaces, raw non-ASCII, controls."""
        for target in (b"/v1/organizations/' OR 1=1", b"/v1/organizations/\xff\xfe",
                       b"/v1/organizations/\x01", b"/v1/organizations?kind=\xc3\x28",
                       b"/v1/organizations/%00/relative-conflicts\x7f"):
            for method in (b"GET", b"DELETE"):
                with self.subTest(target=target, method=method), self.unchanged():
                    c = self.server.raw()
                    try:
                        c.send(method + b" " + target + b" HTTP/1.1\r\nHost: t\r\n" + self.server.auth + b"\r\n")
                        r = c.read_response(10)
                    finally:
                        c.close()
                    self.assertIsNotNone(r, "no answer")
                    self.assertEqual(r.status, 400, r)
                    self.assert_problem(r, 400, instance=None)

    def test_working_days_query_garbage(self):
        for name, values in (("from", ["2026-02-30", "2026-13-01", "20260101", "tomorrow", "", "%00", "%C3%28",
                                       pct("2026-01-01' OR 1=1 --"), "x" * 3000, "-2026-01-01", "99999-01-01"]),
                             ("add", ["", "x", "5x", "0x10", "1e3", "5.0", "NaN", "%00", "%C3%28",
                                      "99999999999999999999", "-9999999", pct("1 OR 1=1")])):
            for v in values:
                qs = {"from": "2026-01-01", "add": "1"}
                qs[name] = v
                path = "/v1/calendars/RU/working-days?" + "&".join(f"{k}={x}" for k, x in qs.items())
                with self.subTest(route="working-days", param=name, value=v[:40]), self.unchanged():
                    p = self.assert_refused(self.send("GET", path), label=v[:40])
                    if p["status"] == 422:
                        self.assertEqual({x["field"] for x in p["errors"]}, {name})

    # -- headers ---------------------------------------------------------------

    def raw_request(self, method, path, extra_headers, body=None):
        c = self.server.raw()
        try:
            head = b"%s %s HTTP/1.1\r\nHost: t\r\n" % (method.encode(), path.encode())
            head += extra_headers
            if body is not None:
                head += b"Content-Type: application/json\r\nContent-Length: %d\r\n" % len(body)
            c.send(head + b"Connection: close\r\n\r\n" + (body or b""))
            r = c.read_response(10)
        finally:
            c.close()
        self.assertIsNotNone(r, "no answer")
        return r

    def test_idempotency_key_garbage(self):
        keys = [("empty", b""), ("space inside", b"a b"), ("control \\x01", b"a\x01b"), ("DEL", b"a\x7fb"),
                ("tab inside", b"a\tb"), ("non-ascii", "\u00e9t\u00e9".encode()), ("invalid utf-8", b"\xff\xfe"),
                ("256 chars", b"k" * 256), ("8 KB", b"k" * 8192), ("sql", b"'; DROP TABLE idempotency_keys; --"),
                ("NUL", b"a\x00b")]
        for e in self.registry:
            if "create" not in e["ops"]:
                continue
            for label, key in keys:
                body = json.dumps(self.valid_body(e)).encode()
                with self.subTest(entity=e["name"], op="create", idempotency_key=label):
                    with self.unchanged():
                        r = self.raw_request("POST", f"/v1/{e['name']}",
                                             self.server.auth + b"Idempotency-Key: " + key + b"\r\n", body)
                        self.assertIn(r.status, (400, 422), r)
                        self.assert_problem(r, r.status, instance=None if r.status == 400 else f"/v1/{e['name']}")
                    if r.status == 422:
                        self.assertEqual([x["field"] for x in r.json["errors"]], ["Idempotency-Key"], r)
        # the SQL-looking key is a valid key where keys are accepted: stored, not run
        e = self.ent["organizations"]
        key = "';DROP/**/TABLE/**/idempotency_keys;--"
        body = self.valid_body(e)
        self.forget_checksum()
        r1 = self.post("/v1/organizations", body, headers={"Idempotency-Key": key})
        r2 = self.post("/v1/organizations", body, headers={"Idempotency-Key": key})
        self.assertEqual((r1.status, r2.status), (201, 201), (r1, r2))
        self.assertEqual(r1.json["id"], r2.json["id"])
        self.assertEqual(self.db.scalar(f"SELECT count(*) FROM idempotency_keys WHERE key = {sql_literal(key)}"), "1")

    IF_MATCH = [
        ("word", b"garbage"), ("unquoted version", b"1"), ("quoted text", b'"abc"'), ("unterminated", b'"1'),
        ("negative", b'"-1"'), ("11 digits", b'"99999999999"'), ("W/ alone", b"W/"), ("empty", b""),
        ("star plus", b"*x"), ("leading zero", b'"01"'),
        ("plus sign", b'"+1"'), ("space inside", b'" 1"'), ("version then junk", b'"1"x'),
        ("control char", b'"\x01"'), ("non-ascii", '"\u0436"'.encode()), ("sql", b'"1\' OR 1=1 --"'),
        ("8 KB", b'"' + b"9" * 8192 + b'"'),
    ]

    def test_if_match_garbage(self):
        """No tag the server did not issue matches: 412 (400 for bytes a
        header may not hold), and nothing changes. Rows are at version 1,
        so tags that merely parse to 1 must not match either."""
        for e in self.registry:
            for op, method in (("patch", "PATCH"), ("delete", "DELETE")):
                if op not in e["ops"]:
                    continue
                pf = next((f for f in e["fields"] if f["type"] == "string" and not f["read_only"]
                           and not f.get("format") and not f.get("read_roles")), None)
                for label, tag in self.IF_MATCH:
                    r = self.post(f"/v1/{e['name']}", self.valid_body(e))
                    self.forget_checksum()
                    row = self.assert_json(r, 201)
                    self.assertEqual(r.headers.get("etag"), '"1"')
                    path = f"/v1/{e['name']}/{row['id']}"
                    body = json.dumps({pf["name"]: "changed"}).encode() if method == "PATCH" else None
                    with self.subTest(entity=e["name"], op=op, if_match=label), self.unchanged():
                        r = self.raw_request(method, path, self.server.auth + b"If-Match: " + tag + b"\r\n", body)
                        self.assertIn(r.status, (400, 412), r)
                        self.assert_problem(r, r.status, instance=None if r.status == 400 else path)

    # test_auth.py has the refused credentials (unknown, wrong secret, revoked,
    # expired, forged JWTs, empty); these are the malformed bytes, on every route.
    AUTHORIZATION = [
        ("lowercase scheme, junk", b"bearer x"), ("8 KB token", b"Bearer " + b"A" * 8192),
        ("bad secret alphabet", b"Bearer prb_" + b"a" * 12 + b"_" + b"!" * 43),
        ("path in prefix", b"Bearer prb_../../etc/pa_" + b"A" * 43),
        ("sql in prefix", b"Bearer prb_' OR 1=1 --_" + b"A" * 43),
        ("sql", b"Bearer ' OR '1'='1"),
        ("alg none jwt", b"Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0."
                         b"eyJzdWIiOiJ4IiwicHJvYml0eV9yb2xlIjoiYWRtaW4ifQ."),
        ("three dots", b"Bearer a.b.c"), ("Token scheme", b"Token abc"), ("two spaces", b"Bearer  x  y"),
        ("non-ascii token", "Bearer \u0436".encode()), ("invalid utf-8 token", b"Bearer \xff\xfe"),
        ("tab inside", b"Bearer a\tb"), ("control char", b"Bearer a\x01b"),
    ]

    def test_authorization_garbage(self):
        for e in self.registry:
            routes = []
            if "list" in e["ops"]:
                routes.append(("list", "GET", f"/v1/{e['name']}", None))
            if "create" in e["ops"]:
                routes.append(("create", "POST", f"/v1/{e['name']}", json.dumps(self.valid_body(e)).encode()))
            for op, method, path, body in routes:
                for label, value in self.AUTHORIZATION:
                    with self.subTest(entity=e["name"], op=op, authorization=label), self.unchanged():
                        r = self.raw_request(method, path, b"Authorization: " + value + b"\r\n", body)
                        self.assertIn(r.status, (400, 401), r)
                        self.assert_problem(r, r.status, instance=None if r.status == 400 else path)
                        if r.status == 401:
                            self.assertTrue(r.headers.get("www-authenticate", "").startswith("Bearer"), r)

    def test_two_authorization_headers(self):
        """Authorization is a singleton: with two, a proxy and the server may
        each honour a different one. Whichever comes first, no 2xx."""
        good = b"Authorization: Bearer " + self.server.token.encode() + b"\r\n"
        bad = b"Authorization: Bearer garbage\r\n"
        for e in self.registry:
            if "create" not in e["ops"]:
                continue
            body = json.dumps(self.valid_body(e)).encode()
            for label, hdrs in (("good then garbage", good + bad), ("garbage then good", bad + good)):
                with self.subTest(entity=e["name"], op="create", headers=label), self.unchanged():
                    r = self.raw_request("POST", f"/v1/{e['name']}", hdrs, body)
                    self.assertIn(r.status, (400, 401), r)

    # GET /v1/reports/{id} chooses its representation by ?format= or Accept (api/http/report_handlers.c).
    FORMATS = [("empty", ""), ("upper case", "CSV"), ("mixed case", "Json"), ("%00", "%00"), ("csv%00", "csv%00"),
               ("%C3%28", "%C3%28"), ("trailing space", "csv%20"), ("list", "csv,json"), ("pdf", "pdf"), ("xls", "xls"), ("XLSX", "XLSX"),
               ("media type", "text%2Fcsv"), ("sql", pct("csv' OR '1'='1")), ("10 KB", "c" * 10240),
               ("twice", "csv&format=csv"), ("json then csv", "json&format=csv")]
    ACCEPT = [("spaces", b"   "), ("commas", b",,,"), ("semicolons", b";;;"), ("slash", b"/"), ("type only", b"text/"),
              ("star type", b"*/csv"), ("empty q", b"text/csv;q="), ("word q", b"text/csv;q=abc"),
              ("negative q", b"text/csv;q=-1"), ("q over 1", b"text/csv;q=2"), ("NaN q", b"*/*;q=NaN"),
              ("huge q", b"text/csv;q=1e999"), ("hex q", b"text/csv;q=0x1"), ("q without range", b";q=1"),
              ("only params", b";charset=utf-8;q=0.5"), ("8 KB of ranges", b"text/csv;q=0.5," * 512),
              ("long type", b"text/" + b"c" * 8000), ("control char", b"text/csv\x01"),
              ("non-ascii", "text/csv;q=\u0431".encode()), ("invalid utf-8", b"text/\xff\xfe"),
              ("sql", b"text/csv' OR '1'='1")]

    def report_id(self):
        if not hasattr(type(self), "_report"):
            self.forget_checksum()
            type(self)._report = self.db.insert_report(
                "garbage", "2030-01", self.org["id"], "ru", "Garbage", [{"key": "a", "heading": "A"}],
                [["x"], [None]], {})
        return type(self)._report

    def test_report_format_garbage(self):
        """Any ?format= but json, csv or xlsx (once) is 422 on format, whatever Accept says."""
        path = f"/v1/reports/{self.report_id()}"
        for label, value in self.FORMATS:
            for accept in (None, "text/csv", "application/xml"):
                with self.subTest(route="GET /v1/reports/{id}", format=label, accept=accept), self.unchanged():
                    r = self.send("GET", f"{path}?format={value}", headers={"Accept": accept})
                    p = self.assert_refused(r, (422,), label=label)
                    self.assertEqual({x["field"] for x in p["errors"]}, {"format"}, p)

    def test_report_accept_garbage(self):
        """A garbled Accept gets one of the three representations or 406 (400 for bytes a header may
        not hold), never anything else, and changes nothing."""
        path = f"/v1/reports/{self.report_id()}"
        media = {"application/json", "text/csv; charset=utf-8; header=present",
                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        for label, value in self.ACCEPT:
            with self.subTest(route="GET /v1/reports/{id}", accept=label), self.unchanged():
                r = self.raw_request("GET", path, self.server.auth + b"Accept: " + value + b"\r\n")
                if r.status == 200:
                    self.assertIn(r.headers.get("content-type"), media, r)
                    self.assertIsNotNone(r.headers.get("etag"), r)
                else:
                    self.assertIn(r.status, (400, 406), r)
                    self.assert_problem(r, r.status, instance=None if r.status == 400 else path)

    def test_zz_database_intact(self):
        """After everything: every table still there, the fixtures unharmed."""
        self.forget_checksum()
        tables = set(self.checksum())
        self.assertTrue({"public.organizations", "public.employees", "public.api_keys",
                         "public.audit_events"} <= tables, tables)
        self.assertEqual(self.get(f"/v1/organizations/{self.org['id']}").json["name"], "Garbage root")
        self.assertEqual(self.get(f"/v1/calendars/{self.calendar['id']}").status, 200)


if __name__ == "__main__":
    unittest.main()
