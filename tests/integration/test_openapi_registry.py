"""openapi/openapi.json agrees with the entity registry (`probityd registry`)
field by field, and documents every route of the contract with its statuses.

Mapping registry -> OpenAPI 3.1 schema:
  uuid -> string/uuid; string -> string (min/max -> minLength/maxLength;
  its format as STRING_FORMATS says: email -> format email, timezone ->
  format iana-timezone, code / upper / period -> their pattern, and no
  pattern at all without a format); enum -> string + enum; int -> integer
  (min/max -> minimum/maximum); date -> string/date; timestamp ->
  string/date-time; money -> string with MONEY_PATTERN (a decimal string,
  never a number; no format, no length); array -> array (min/max ->
  minItems/maxItems, unique_items -> uniqueItems, items); object -> object
  (members -> properties, required members).
  json -> no type constraint at all (any JSON value). Only strings with a
  pattern format and money have a pattern.
  nullable -> type [T, "null"]. <Schema>: every field, readOnly on read-only
  ones, all required except fields with their own read_roles (the roles that
  may not read them get the entity without the member). <Schema>Create:
  writable fields, required = F_REQUIRED, defaults (null for nullable ones).
  <Schema>Patch: writable fields, nothing required. A patch_only field (a
  receivable's status: the server sets the first one) is in <Schema> and
  <Schema>Patch but not in <Schema>Create. Create and Patch refuse
  unknown members (additionalProperties false), and exist only for entities
  whose registry ops include create / patch.

Routes follow the registry's ops: list -> GET /v1/<name>, create -> POST
/v1/<name>, get / patch / delete -> GET / PATCH / DELETE /v1/<name>/{id}; an op
an entity lacks has no route in the spec either. Every /v1 operation needs the
bearer token (the top-level security, not overridden) and documents 401, 403
and 429 through the shared components.responses; the open operations say
`security: []`.

The scheduler's own routes (api/http/job_handlers.c): GET /v1/jobs takes no
parameters and answers the job kinds; POST /v1/jobs/{kind}/runs plans a period
and answers 202, reads its body as JSON whatever its Content-Type (so it has
no 415) and takes no Idempotency-Key (planning is idempotent by itself).

GET /v1/reports/{id} (api/http/report_handlers.c) is the registry's GET plus a
second representation: ?format=json|csv or the Accept header choose between
application/json (the Report) and text/csv; nothing acceptable is 406. Each
representation has its own strong ETag ("<version>" and "<version>-csv") and
both carry Vary: Accept.
"""

import json
import os
import re
import unittest

from probity_harness import PROBLEM_SLUGS, SRC, load_registry, openapi_path, require_bin

BASE_TYPES = {"uuid": "string", "string": "string", "enum": "string", "int": "integer", "bool": "boolean",
              "date": "string", "timestamp": "string", "array": "array", "object": "object", "money": "string"}
FORMATS = {"uuid": "uuid", "date": "date", "timestamp": "date-time"}
STANDARD_FORMATS = {"uuid", "date", "date-time", "email"}
# What the server accepts, as JSON Schema says it: domain/textcheck.c text_is_money (1-15 digits, no
# leading zero, up to 2 decimals), domain/period.c period_parse (a month or a quarter, 2000-2999) and
# period_parse_any (those or a year: job runs and reports, FMT_PERIOD_ANY), text_is_code, text_is_upper.
MONEY_PATTERN = "^(0|[1-9][0-9]{0,14})(\\.[0-9]{1,2})?$"
PERIOD_PATTERN = "^2[0-9]{3}-(0[1-9]|1[0-2]|Q[1-4])$"
PERIOD_ANY_PATTERN = "^2[0-9]{3}(-(0[1-9]|1[0-2]|Q[1-4]))?$"
CODE_PATTERN = "^[A-Za-z0-9._-]+$"
UPPER_PATTERN = "^[A-Z]+$"
# Registry string format -> the one keyword (and value) that says it in the spec.
DIGITS_PATTERN = "^[0-9]+$"
STRING_FORMATS = {"email": ("format", "email"), "timezone": ("format", "iana-timezone"),
                  "digits": ("pattern", DIGITS_PATTERN),
                  "code": ("pattern", CODE_PATTERN), "upper": ("pattern", UPPER_PATTERN),
                  "period": ("pattern", PERIOD_PATTERN), "period_any": ("pattern", PERIOD_ANY_PATTERN)}
ENTITY_ROUTES = ("organizations", "employees", "calendars", "calendar-days", "api-keys", "audit-events",
                 "disclosure-requirements", "disclosures", "job-runs", "notifications", "reports",
                 "income-codes", "debtors", "receivables", "payments", "installment-plans", "collection-actions")
# Receivables to the budget (seed 004): every route of these entities carries the Receivables tag.
RECEIVABLE_PATHS = ("/v1/income-codes", "/v1/debtors", "/v1/receivables", "/v1/payments", "/v1/installment-plans",
                    "/v1/collection-actions", "/v1/collection-deadlines")
# The collection workflow's reads (api/http/collection_handlers.c): their steps' states and names.
COLLECTION_STATES = ("not_yet", "due", "late", "done_on_time", "done_late", "not_needed")
COLLECTION_STEP_MEMBERS = ("step", "rule", "state", "from", "deadline", "done_on", "responsible_employee_id")
DISCLOSURE_STATUSES = ("on_time", "late", "missing", "not_due")
# GET /v1/jobs: next_local is a local date and time without a zone or seconds.
JOB_KIND_MEMBERS = ("kind", "rule", "schedule", "month", "day", "hour", "minute", "months_after", "audience", "template",
                    "next_local")
# api/http/job_handlers.c SCHEDULES; the members a schedule has no use for are null.
JOB_SCHEDULES = ("month_day", "first_working_day", "year_day")
JOB_NULL_MEMBERS = {"month_day": {"month"}, "first_working_day": {"month", "day", "months_after"},
                    "year_day": {"months_after"}}
# jobs/scheduler.c KINDS: what GET /v1/jobs answers (audience: job_kind_t.when.supervisors).
JOB_KINDS = ("disclosure_reminder_1", "disclosure_reminder_2", "disclosure_overdue", "disclosure_digest",
             "disclosure_report", "receivables_inventory", "receivables_year_report")
JOB_AUDIENCES = ("organizations", "supervisors", "administrators")
# The columns of a disclosure_report (jobs/disclosure_jobs.c REPORT_COLUMNS), by key.
REPORT_COLUMNS = ("organization", "organization_id", "timezone", "code", "requirement", "due", "published_at",
                  "status", "status_code", "days_late")
# The columns of the receivables reports (jobs/templates.c), by kind; typed columns say money or decimal.
RECEIVABLES_REPORT_COLUMNS = {
    "receivables_inventory": (("admin_code", None), ("income_code", None), ("debtor", None), ("arose_on", None),
                              ("debt_start", "money"), ("debt_end", "money"), ("change", "money"),
                              ("ratio", "decimal"), ("marks", None), ("doubtful", None)),
    "receivables_year_report": (("admin_code", None), ("revenue_code", None), ("debt", "money"),
                                ("recovered", "money"), ("measures", None))}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REPORT_PATHS = ("/v1/reports",)
# GET /v1/<entity>/{id} with more than the registry's GET (api/http/report_handlers.c).
GET_QUERY = {"reports": ["format"]}
GET_MEDIA_TYPES = {"reports": ["application/json", "text/csv", XLSX]}
SCHEDULER_PATHS = ("/v1/jobs", "/v1/job-runs", "/v1/notifications")
OPS = ("list", "get", "create", "patch", "delete")
ROLES = ("admin", "auditor", "officer", "viewer", "integration")
PROBLEM = "application/problem+json"
# Keywords that constrain a value: a registry "json" field (any JSON value) has none of them.
CONSTRAINTS = {"type", "enum", "const", "format", "pattern", "minLength", "maxLength", "minimum", "maximum",
               "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "items", "prefixItems", "minItems",
               "maxItems", "uniqueItems", "contains", "properties", "required", "additionalProperties",
               "patternProperties", "propertyNames", "minProperties", "maxProperties", "unevaluatedItems",
               "unevaluatedProperties", "allOf", "anyOf", "oneOf", "not", "if", "then", "else", "$ref",
               "dependentRequired", "dependentSchemas"}
# The shared answers every /v1 operation refers to (never copies of them).
AUTH_RESPONSES = {"401": "Unauthenticated", "403": "Forbidden", "429": "RateLimited"}
OPEN_PATHS = ("/healthz", "/readyz", "/openapi.json")   # and /docs, /docs/...


def types_of(schema):
    t = schema.get("type")
    if t is None:
        return set()
    return {t} if isinstance(t, str) else set(t)


class OpenApiRegistry(unittest.TestCase):
    maxDiff = 4000

    @classmethod
    def setUpClass(cls):
        require_bin()
        path = openapi_path()
        if not os.path.exists(path):
            raise AssertionError(f"{path} does not exist")
        with open(path, "rb") as f:
            cls.spec = json.loads(f.read().decode("utf-8"))
        cls.registry = load_registry()
        cls.entities = {e["name"]: e for e in cls.registry["entities"]}

    # -- helpers -------------------------------------------------------------

    def resolve(self, node, depth=0):
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            self.assertTrue(ref.startswith("#/"), f"external $ref {ref}")
            target = self.spec
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                self.assertIn(part, target, f"dangling $ref {ref}")
                target = target[part]
            node = target
            depth += 1
            self.assertLess(depth, 20, f"$ref loop at {ref}")
        return node

    def schema(self, name):
        schemas = self.spec.get("components", {}).get("schemas", {})
        self.assertIn(name, schemas, f"components.schemas.{name} missing")
        return self.resolve(schemas[name])

    def operation(self, path, method):
        paths = self.spec.get("paths", {})
        norm = {self.norm(p): p for p in paths}
        key = self.norm(path)
        self.assertIn(key, norm, f"path {path} not in the spec")
        item = self.resolve(paths[norm[key]])
        self.assertIn(method, item, f"{method.upper()} {path} not in the spec")
        return item, item[method]

    @staticmethod
    def norm(path):
        out, i = "", 0
        while i < len(path):
            if path[i] == "{":
                j = path.index("}", i)
                out += "{}"
                i = j + 1
            else:
                out += path[i]
                i += 1
        return out

    def has_op(self, path, method):
        paths = self.spec.get("paths", {})
        norm = {self.norm(p): p for p in paths}
        key = self.norm(path)
        return key in norm and method in self.resolve(paths[norm[key]])

    @staticmethod
    def restricted(f):
        """A field only some of the entity's readers see (its own read_roles)."""
        return bool(f.get("read_roles"))

    def params(self, item, op):
        out = {}
        for p in item.get("parameters", []) + op.get("parameters", []):
            p = self.resolve(p)
            out[(p["in"], p["name"])] = p
        return out

    # -- field comparison --------------------------------------------------------

    def check_field(self, where, f, prop, mode):
        """mode: response | create | patch | item (array items, object members)."""
        prop = self.resolve(prop)
        t = f["type"]
        if t == "json":
            # Any JSON value (null included): no keyword may narrow it.
            self.assertEqual(sorted(set(prop) & CONSTRAINTS), [], f"{where}: a json field is any JSON value")
            self.check_mode(where, f, prop, mode)
            return
        base = BASE_TYPES[t]
        nullable = bool(f.get("nullable"))
        want_types = {base, "null"} if nullable else {base}
        self.assertEqual(types_of(prop), want_types, f"{where}: type")

        fmt = prop.get("format")
        pattern = prop.get("pattern")
        if t in FORMATS:
            self.assertEqual(fmt, FORMATS[t], f"{where}: format")
            self.assertIsNone(pattern, f"{where}: pattern on a {t}")
        elif t == "string":
            rf = f.get("format")
            if rf is None:
                self.assertIsNone(fmt, f"{where}: a plain string has no format")
                self.assertIsNone(pattern, f"{where}: a plain string has no pattern")
            else:
                self.assertIn(rf, STRING_FORMATS, f"{where}: registry format {rf} has no mapping here")
                key, value = STRING_FORMATS[rf]
                self.assertEqual(prop.get(key), value, f"{where}: {key} for format {rf}")
                if key == "pattern":
                    self.assertIsNone(fmt, f"{where}: format {rf} is a pattern, not a format")
                else:
                    self.assertIsNone(pattern, f"{where}: format {rf} has no pattern")
                self.assertNotIn(fmt, STANDARD_FORMATS - {"email"}, f"{where}: format {rf} is not {fmt}")
        elif t == "money":
            # A decimal string, never a number: the pattern says it all.
            self.assertIsNone(fmt, f"{where}: format on money")
            self.assertEqual(pattern, MONEY_PATTERN, f"{where}: money pattern")
        else:
            self.assertIsNone(fmt, f"{where}: format on a {t}")
            self.assertIsNone(pattern, f"{where}: pattern on a {t}")

        if t == "enum":
            values = prop.get("enum")
            self.assertIsInstance(values, list, f"{where}: enum")
            self.assertEqual(len(values), len(set(map(json.dumps, values))), f"{where}: duplicate enum values")
            self.assertEqual({v for v in values if v is not None}, set(f["enum"]), f"{where}: enum values")
            self.assertEqual(None in values, nullable, f"{where}: null in enum iff nullable")
        else:
            self.assertNotIn("enum", prop, f"{where}: enum on a {t}")

        own = {"string": ("minLength", "maxLength"), "int": ("minimum", "maximum"),
               "array": ("minItems", "maxItems")}.get(t, ())
        for k in {"minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems"} - set(own):
            self.assertNotIn(k, prop, f"{where}: {k} on a {t}")
        if own:
            lo, hi = own
            if t in ("string", "array") and f.get("min") in (None, 0):
                # minLength/minItems 0 is JSON Schema's default: absent and 0 say the same
                self.assertEqual(prop.get(lo, 0), 0, f"{where}: {lo}")
            else:
                self.assertEqual(prop.get(lo), f.get("min"), f"{where}: {lo}")
            self.assertEqual(prop.get(hi), f.get("max"), f"{where}: {hi}")

        if t == "array":
            self.assertEqual(bool(prop.get("uniqueItems", False)), bool(f.get("unique_items")),
                             f"{where}: uniqueItems")
            self.assertIn("items", prop, f"{where}: items")
            self.assertIn("items", f, f"{where}: registry items")
            self.check_field(where + "[]", f["items"], prop["items"], "item")
        else:
            self.assertNotIn("uniqueItems", prop, f"{where}")
        if t == "object":
            members = f.get("members", [])
            props = prop.get("properties", {})
            self.assertEqual(sorted(props), sorted(m["name"] for m in members), f"{where}: members")
            self.assertEqual(sorted(prop.get("required", [])),
                             sorted(m["name"] for m in members if m.get("required")), f"{where}: required members")
            self.assertIs(prop.get("additionalProperties"), False, f"{where}: additionalProperties")
            for m in members:
                self.check_field(f"{where}.{m['name']}", m, props[m["name"]], "item")
        self.check_mode(where, f, prop, mode)

    def check_mode(self, where, f, prop, mode):
        """readOnly and default, as the schema's use (mode) wants them."""
        nullable = bool(f.get("nullable"))
        if mode == "response":
            self.assertEqual(bool(prop.get("readOnly", False)), bool(f.get("read_only")), f"{where}: readOnly")
        else:
            self.assertFalse(prop.get("readOnly", False), f"{where}: readOnly in input")
        if mode == "create":
            if "default" in f:
                self.assertIn("default", prop, f"{where}: default")
                self.assertEqual(prop["default"], f["default"], f"{where}: default")
            elif nullable:
                self.assertIn("default", prop, f"{where}: a nullable field defaults to null")
                self.assertIsNone(prop["default"], f"{where}: default")
            else:
                self.assertNotIn("default", prop, f"{where}: default without a registry default")
        elif mode in ("patch", "item"):
            self.assertNotIn("default", prop, f"{where}: default in a {mode} schema")

    # -- tests ---------------------------------------------------------------------

    def test_registry_lists_the_entities(self):
        self.assertEqual(sorted(self.entities), sorted(ENTITY_ROUTES))
        for e in self.entities.values():
            names = [f["name"] for f in e["fields"]]
            self.assertEqual(len(names), len(set(names)), e["name"])
            # Append-only entities (the audit trail) never change: no updated_at, no version.
            meta = ("id", "created_at") if e["append_only"] else ("id", "created_at", "updated_at", "version")
            for m in meta:
                self.assertIn(m, names, e["name"])
                self.assertTrue(next(f for f in e["fields"] if f["name"] == m)["read_only"])
            if e["append_only"]:
                self.assertNotIn("updated_at", names, e["name"])
                self.assertNotIn("version", names, e["name"])
                self.assertEqual(sorted(set(e["ops"]) - {"list", "get"}), [], f"{e['name']}: append-only writes")
            self.assertTrue(e["ops"], e["name"])
            self.assertEqual(sorted(set(e["ops"]) - set(OPS)), [], e["name"])
            for key in ("read_roles", "write_roles", "create_roles"):
                self.assertEqual(sorted(set(e[key]) - set(ROLES)), [], f"{e['name']}.{key}")
            self.assertTrue(e["read_roles"], f"{e['name']}: nobody may read it")
            for f in e["fields"]:
                self.assertEqual(sorted(set(f.get("read_roles", [])) - set(e["read_roles"])), [],
                                 f"{e['name']}.{f['name']}: field readers beyond the entity's")
                if self.restricted(f) and f.get("required"):
                    # A writer that may not send the field could never create the entity.
                    self.assertEqual(sorted(set(e["write_roles"]) - set(f["read_roles"])), [],
                                     f"{e['name']}.{f['name']}: required, but some writers may not set it")

    def test_response_schemas(self):
        for e in self.entities.values():
            s = self.schema(e["schema"])
            with self.subTest(schema=e["schema"]):
                self.assertEqual(types_of(s), {"object"})
                props = s.get("properties", {})
                names = [f["name"] for f in e["fields"]]
                self.assertEqual(sorted(props), sorted(names), "properties")
                self.assertIs(s.get("additionalProperties"), False)
                # Every member is always present, except those some readers do not get.
                self.assertEqual(sorted(s.get("required", [])),
                                 sorted(f["name"] for f in e["fields"] if not self.restricted(f)), "required")
                for f in e["fields"]:
                    self.check_field(f"{e['schema']}.{f['name']}", f, props[f["name"]], "response")
                    if self.restricted(f):
                        # The description says who sees the member.
                        text = self.resolve(props[f["name"]]).get("description", "")
                        for role in f["read_roles"]:
                            self.assertIn(role, text, f"{e['schema']}.{f['name']}: description names {role}")

    def test_create_schemas(self):
        for e in self.entities.values():
            name = e["schema"] + "Create"
            if "create" not in e["ops"]:
                self.assertNotIn(name, self.spec.get("components", {}).get("schemas", {}), f"{name}: no create")
                continue
            s = self.schema(name)
            with self.subTest(schema=name):
                writable = [f for f in e["fields"] if not f.get("read_only") and not f.get("patch_only")]
                props = s.get("properties", {})
                self.assertEqual(sorted(props), sorted(f["name"] for f in writable), "writable fields")
                self.assertEqual(sorted(s.get("required", [])), sorted(f["name"] for f in writable if f.get("required")))
                self.assertIs(s.get("additionalProperties"), False)
                for f in writable:
                    self.check_field(f"{name}.{f['name']}", f, props[f["name"]], "create")

    def test_patch_schemas(self):
        for e in self.entities.values():
            name = e["schema"] + "Patch"
            if "patch" not in e["ops"]:
                self.assertNotIn(name, self.spec.get("components", {}).get("schemas", {}), f"{name}: no patch")
                continue
            s = self.schema(name)
            with self.subTest(schema=name):
                writable = [f for f in e["fields"] if not f.get("read_only")]
                props = s.get("properties", {})
                self.assertEqual(sorted(props), sorted(f["name"] for f in writable), "writable fields")
                self.assertEqual(s.get("required", []), [], "nothing is required in a merge patch")
                self.assertIs(s.get("additionalProperties"), False)
                for f in writable:
                    self.check_field(f"{name}.{f['name']}", f, props[f["name"]], "patch")

    def check_statuses(self, what, op, statuses):
        responses = op.get("responses", {})
        missing = sorted(set(statuses) - set(responses))
        self.assertEqual(missing, [], f"{what}: undocumented statuses")
        for code, resp in responses.items():
            resp = self.resolve(resp)
            if code.startswith(("4", "5")):
                self.assertIn(PROBLEM, resp.get("content", {}), f"{what} {code}: problem+json content")
        return responses

    def content_schema(self, resp, media="application/json"):
        resp = self.resolve(resp)
        self.assertIn(media, resp.get("content", {}), f"{media} content")
        return self.resolve(resp["content"][media]["schema"])

    def test_entity_routes(self):
        for name in ENTITY_ROUTES:
            e = self.entities[name]
            ops = set(e["ops"])
            schema = self.schema(e["schema"])
            coll, item = f"/v1/{name}", f"/v1/{name}/{{id}}"
            deps = name in ("organizations", "employees", "calendars",     # DELETE can meet dependants
                            "disclosure-requirements", "income-codes", "debtors", "receivables")
            unique = name not in ("employees", "api-keys")                # a create or patch can meet a unique value
            revoke = name == "api-keys"                                   # DELETE revokes the key
            for op_name, path, method in (("list", coll, "get"), ("create", coll, "post"), ("get", item, "get"),
                                          ("patch", item, "patch"), ("delete", item, "delete")):
                if op_name not in ops:
                    with self.subTest(route=f"{method.upper()} {path}", absent=True):
                        self.assertFalse(self.has_op(path, method),
                                         f"{method.upper()} {path}: {name} has no {op_name} operation")
            if "list" in ops:
                with self.subTest(route=f"GET {coll}"):
                    it, op = self.operation(coll, "get")
                    r = self.check_statuses(f"GET {coll}", op, {"200", "422"})
                    page = self.content_schema(r["200"])
                    self.assertEqual(sorted(page.get("properties", {})), ["items", "next_cursor"])
                    items = self.resolve(page["properties"]["items"])
                    self.assertEqual(types_of(items), {"array"})
                    self.assertEqual(self.resolve(items["items"]), schema)
                    self.assertEqual(types_of(self.resolve(page["properties"]["next_cursor"])), {"string", "null"})
                    self.check_list_params(e, self.params(it, op))
            if "create" in ops:
                with self.subTest(route=f"POST {coll}"):
                    it, op = self.operation(coll, "post")
                    r = self.check_statuses(f"POST {coll}", op, {"201", "400", "411", "413", "415", "422"} |
                                            ({"409"} if unique else set()))
                    if revoke:
                        self.check_created_key(e, self.content_schema(r["201"]))
                    else:
                        self.assertEqual(self.content_schema(r["201"]), schema)
                    hdrs = {k.lower() for k in self.resolve(r["201"]).get("headers", {})}
                    self.assertTrue({"location", "etag", "x-request-id"} <= hdrs, hdrs)
                    body = self.resolve(op.get("requestBody", {}))
                    self.assertTrue(body.get("required"), "requestBody.required")
                    self.assertEqual(self.resolve(body["content"]["application/json"]["schema"]),
                                  self.schema(e["schema"] + "Create"))
                    # The key's token exists only in this answer: a replay could not show it.
                    self.assertEqual(("header", "Idempotency-Key") in self.params(it, op), not revoke,
                                     "Idempotency-Key")
            if "get" in ops:
                with self.subTest(route=f"GET {item}"):
                    it, op = self.operation(item, "get")
                    r = self.check_statuses(f"GET {item}", op, {"200", "404", "422"})
                    self.assertEqual(self.content_schema(r["200"]), schema)
                    self.assertIn("etag", {k.lower() for k in self.resolve(r["200"]).get("headers", {})})
                    ps = self.params(it, op)
                    self.check_id_param(ps)
                    # The generic GET takes no query parameter and answers JSON only; a report also CSV.
                    self.assertEqual(sorted(n for (w, n) in ps if w == "query"), GET_QUERY.get(name, []))
                    self.assertEqual(sorted(self.resolve(r["200"])["content"]),
                                     sorted(GET_MEDIA_TYPES.get(name, ["application/json"])))
                    self.assertEqual("406" in op["responses"], name in GET_MEDIA_TYPES, "406")
            if "patch" in ops:
                with self.subTest(route=f"PATCH {item}"):
                    it, op = self.operation(item, "patch")
                    r = self.check_statuses(f"PATCH {item}", op, {"200", "400", "404", "411", "412", "413", "415",
                                                                  "422"} | ({"409"} if unique else set()))
                    self.assertEqual(self.content_schema(r["200"]), schema)
                    self.assertIn("etag", {k.lower() for k in self.resolve(r["200"]).get("headers", {})})
                    body = self.resolve(op.get("requestBody", {}))
                    self.assertTrue(body.get("required"), "requestBody.required")
                    self.assertEqual(self.resolve(body["content"]["application/merge-patch+json"]["schema"]),
                                  self.schema(e["schema"] + "Patch"))
                    ps = self.params(it, op)
                    self.check_id_param(ps)
                    self.assertIn(("header", "If-Match"), ps)
            if "delete" in ops:
                with self.subTest(route=f"DELETE {item}"):
                    it, op = self.operation(item, "delete")
                    r = self.check_statuses(f"DELETE {item}", op, {"204", "404", "412", "422"} |
                                            ({"409"} if deps else set()))
                    self.assertNotIn("content", self.resolve(r["204"]))
                    ps = self.params(it, op)
                    self.check_id_param(ps)
                    self.assertIn(("header", "If-Match"), ps)

    def check_created_key(self, e, created):
        """POST /v1/api-keys answers the key plus its token, shown that once."""
        props = created.get("properties", {})
        names = [f["name"] for f in e["fields"]]
        self.assertEqual(sorted(props), sorted(names + ["token"]), "the key's fields and token")
        self.assertEqual(sorted(created.get("required", [])), sorted(names + ["token"]), "required")
        self.assertIs(created.get("additionalProperties"), False)
        for f in e["fields"]:
            self.check_field(f"ApiKeyCreated.{f['name']}", f, props[f["name"]], "response")
        token = self.resolve(props["token"])
        self.assertEqual(types_of(token), {"string"})
        self.assertTrue(token.get("readOnly"), "token: readOnly")
        self.assertEqual(token.get("pattern"), "^prb_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$", "token: pattern")
        # The token appears nowhere else: not in the key as every other answer shows it.
        self.assertNotIn("token", self.schema(e["schema"]).get("properties", {}))

    def check_id_param(self, ps):
        path_params = [p for (where, _), p in ps.items() if where == "path"]
        self.assertEqual(len(path_params), 1, "one path parameter")
        p = path_params[0]
        self.assertTrue(p.get("required"))
        s = self.resolve(p["schema"])
        self.assertEqual(types_of(s), {"string"})
        self.assertEqual(s.get("format"), "uuid")

    def check_list_params(self, e, ps):
        query = {name: p for (where, name), p in ps.items() if where == "query"}
        want = {"limit", "cursor", "updated_since"}
        for f in e["fields"]:
            if f.get("filter"):
                want.add(f["name"])
            if f.get("range"):
                want |= {f["name"] + "_from", f["name"] + "_to"}
        self.assertEqual(sorted(query), sorted(want), f"query parameters of GET /v1/{e['name']}")
        limit = self.resolve(query["limit"]["schema"])
        self.assertEqual((types_of(limit), limit.get("minimum"), limit.get("maximum"), limit.get("default")),
                         ({"integer"}, 1, 500, 50))
        since = self.resolve(query["updated_since"]["schema"])
        self.assertEqual((types_of(since), since.get("format")), ({"string"}, "date-time"))
        # An append-only entity has no updated_at: updated_since compares created_at, and says so.
        self.assertIn("created_at" if e["append_only"] else "updated_at",
                      self.resolve(query["updated_since"]).get("description", ""), "updated_since: description")
        for f in e["fields"]:
            names = ([f["name"]] if f.get("filter") else []) + \
                    ([f["name"] + "_from", f["name"] + "_to"] if f.get("range") else [])
            for n in names:
                s = self.resolve(query[n]["schema"])
                self.assertFalse(query[n].get("required", False), n)
                self.assertEqual(types_of(s), {BASE_TYPES[f["type"]]}, f"{n}: type")
                if f["type"] in FORMATS:
                    self.assertEqual(s.get("format"), FORMATS[f["type"]], f"{n}: format")
                if f["type"] == "enum":
                    self.assertEqual(set(s.get("enum", [])), set(f["enum"]), f"{n}: enum")
                if f["type"] == "string" and f.get("format"):
                    # A filter takes the field's own values: the same format or pattern.
                    key, value = STRING_FORMATS[f["format"]]
                    self.assertEqual(s.get(key), value, f"{n}: {key}")

    def test_domain_routes(self):
        it, op = self.operation("/v1/organizations/{id}/relative-conflicts", "get")
        r = self.check_statuses("relative-conflicts", op, {"200", "404", "422"})
        body = self.content_schema(r["200"])
        self.assertEqual(sorted(body.get("properties", {})), ["items", "organization_id"])
        entry = self.resolve(self.resolve(body["properties"]["items"])["items"])
        self.assertEqual(sorted(entry.get("properties", {})), ["employee", "relation", "relative", "unit"])
        brief = self.resolve(entry["properties"]["employee"])
        self.assertEqual(sorted(brief.get("properties", {})), ["full_name", "id", "position", "unit"])
        self.check_id_param(self.params(it, op))

        it, op = self.operation("/v1/calendars/{jurisdiction}/working-days", "get")
        r = self.check_statuses("working-days", op, {"200", "404", "422"})
        body = self.content_schema(r["200"])
        self.assertEqual(sorted(body.get("properties", {})), ["add", "date", "from", "jurisdiction"])
        ps = self.params(it, op)
        self.assertIn(("path", "jurisdiction"), ps)
        frm = ps[("query", "from")]
        add = ps[("query", "add")]
        self.assertTrue(frm.get("required"))
        self.assertTrue(add.get("required"))
        self.assertEqual(self.resolve(frm["schema"]).get("format"), "date")
        a = self.resolve(add["schema"])
        self.assertEqual((types_of(a), a.get("minimum"), a.get("maximum")), ({"integer"}, -1000, 1000))
        self.assertEqual(sorted(n for (w, n) in ps if w == "query"), ["add", "from"])

    def check_period_params(self, ps, extra):
        """?period= (required, a month or a quarter), ?as_of= (optional, RFC 3339) and `extra`."""
        self.assertEqual(sorted(n for (w, n) in ps if w == "query"), sorted(["period", "as_of"] + extra))
        period, as_of = ps[("query", "period")], ps[("query", "as_of")]
        self.assertTrue(period.get("required"), "period: required")
        s = self.resolve(period["schema"])
        self.assertEqual((types_of(s), s.get("pattern")), ({"string"}, PERIOD_PATTERN), "period: schema")
        self.assertFalse(as_of.get("required", False), "as_of: optional (default now)")
        s = self.resolve(as_of["schema"])
        self.assertEqual((types_of(s), s.get("format")), ({"string"}, "date-time"), "as_of: schema")

    def check_counts(self, counts):
        self.assertEqual(sorted(counts.get("properties", {})), sorted(DISCLOSURE_STATUSES), "counts")
        self.assertEqual(sorted(counts.get("required", [])), sorted(DISCLOSURE_STATUSES), "counts: required")
        for k in DISCLOSURE_STATUSES:
            c = self.resolve(counts["properties"][k])
            self.assertEqual((types_of(c), c.get("minimum")), ({"integer"}, 0), f"counts.{k}")

    def check_closed(self, what, schema, members, nullable=()):
        """An object answer: exactly these members, all present, nothing else; null only where said."""
        self.assertEqual(sorted(schema.get("properties", {})), sorted(members), f"{what}: members")
        self.assertEqual(sorted(schema.get("required", [])), sorted(members), f"{what}: required")
        self.assertIs(schema.get("additionalProperties"), False, f"{what}: additionalProperties")
        for m in members:
            t = types_of(self.resolve(schema["properties"][m]))
            self.assertEqual("null" in t, m in nullable, f"{what}.{m}: nullable")

    def test_disclosure_compliance_routes(self):
        it, op = self.operation("/v1/organizations/{id}/disclosure-compliance", "get")
        r = self.check_statuses("disclosure-compliance", op, {"200", "404", "422"})
        body = self.content_schema(r["200"])
        self.check_closed("DisclosureCompliance", body,
                          ["organization_id", "period", "timezone", "as_of", "counts", "items"])
        self.assertEqual(self.resolve(body["properties"]["period"]).get("pattern"), PERIOD_PATTERN)
        self.assertEqual(self.resolve(body["properties"]["as_of"]).get("format"), "date-time")
        self.check_counts(self.resolve(body["properties"]["counts"]))
        entry = self.resolve(self.resolve(body["properties"]["items"])["items"])
        self.check_closed("DisclosureComplianceItem", entry,
                          ["requirement_id", "code", "name", "category", "due_date", "due_at", "status",
                           "disclosure_id", "published_at"], nullable=("disclosure_id", "published_at"))
        self.assertEqual(self.resolve(entry["properties"]["status"]).get("enum"), list(DISCLOSURE_STATUSES))
        categories = next(f for f in self.entities["disclosure-requirements"]["fields"] if f["name"] == "category")
        self.assertEqual(set(self.resolve(entry["properties"]["category"]).get("enum", [])), set(categories["enum"]))
        for m, fmt in (("requirement_id", "uuid"), ("disclosure_id", "uuid"), ("due_date", "date"),
                       ("due_at", "date-time"), ("published_at", "date-time")):
            self.assertEqual(self.resolve(entry["properties"][m]).get("format"), fmt, m)
        ps = self.params(it, op)
        self.check_id_param(ps)
        self.check_period_params(ps, [])

        it, op = self.operation("/v1/disclosure-compliance", "get")
        r = self.check_statuses("disclosure-compliance board", op, {"200", "404", "422"})
        body = self.content_schema(r["200"])
        self.check_closed("DisclosureBoard", body,
                          ["organization_id", "period", "as_of", "organizations", "counts", "late_organizations",
                           "entries", "next_cursor"], nullable=("organization_id", "next_cursor"))
        for m in ("organizations", "late_organizations"):
            n = self.resolve(body["properties"][m])
            self.assertEqual((types_of(n), n.get("minimum")), ({"integer"}, 0), m)
        self.check_counts(self.resolve(body["properties"]["counts"]))
        # A page of organizations, each with its late and missing items.
        entry = self.resolve(self.resolve(body["properties"]["entries"])["items"])
        self.check_closed("DisclosureBoard.entries[]", entry, ["organization_id", "organization_name", "late", "missing"])
        brief = ["requirement_id", "code", "name", "due_at"]
        late = self.resolve(self.resolve(entry["properties"]["late"])["items"])
        self.check_closed("DisclosureBoard.entries[].late[]", late, brief + ["published_at"])
        missing = self.resolve(self.resolve(entry["properties"]["missing"])["items"])
        self.check_closed("DisclosureBoard.entries[].missing[]", missing, brief)
        ps = self.params(it, op)
        self.assertEqual([n for (w, n) in ps if w == "path"], [], "no path parameters")
        self.check_period_params(ps, ["organization_id", "limit", "cursor"])
        limit = self.resolve(ps[("query", "limit")]["schema"])
        self.assertEqual((types_of(limit), limit.get("minimum"), limit.get("maximum"), limit.get("default")),
                         ({"integer"}, 1, 500, 50), "limit: as the lists'")
        root = ps[("query", "organization_id")]
        self.assertFalse(root.get("required", False), "organization_id: optional")
        self.assertEqual(self.resolve(root["schema"]).get("format"), "uuid")

    def test_scheduler_routes(self):
        """GET /v1/jobs: the job kinds, no parameters. POST /v1/jobs/{kind}/runs: a period (and maybe one
        organization) in, 202 with what was planned out; 404 for an unknown kind."""
        it, op = self.operation("/v1/jobs", "get")
        r = self.check_statuses("GET /v1/jobs", op, {"200", "403", "422"})
        ps = self.params(it, op)
        self.assertEqual(sorted(n for (w, n) in ps if w in ("path", "query")), [], "GET /v1/jobs takes no parameters")
        body = self.content_schema(r["200"])
        self.check_closed("JobKindList", body, ["items"])
        items = self.resolve(body["properties"]["items"])
        self.assertEqual(types_of(items), {"array"})
        kind = self.resolve(items["items"])
        self.check_closed("JobKind", kind, JOB_KIND_MEMBERS, nullable=("month", "day", "months_after"))
        for m in ("kind", "rule", "schedule", "audience", "template", "next_local"):
            self.assertEqual(types_of(self.resolve(kind["properties"][m])), {"string"}, m)
        # PROBITY_REMINDER_DAYS takes days 1-28 (jobs/scheduler.c job_kinds_configure); a month_day rule runs in
        # the month after the period or in the one after that; month, day and months_after are null where the
        # schedule has no use for them.
        for m, lo, hi, t in (("month", 1, 12, {"integer", "null"}), ("day", 1, 28, {"integer", "null"}),
                             ("hour", 0, 23, {"integer"}), ("minute", 0, 59, {"integer"}),
                             ("months_after", 1, 2, {"integer", "null"})):
            s = self.resolve(kind["properties"][m])
            self.assertEqual((types_of(s), s.get("minimum"), s.get("maximum")), (t, lo, hi), m)
        self.assertEqual(self.resolve(kind["properties"]["audience"]).get("enum"), list(JOB_AUDIENCES), "audience")
        self.assertEqual(self.resolve(kind["properties"]["schedule"]).get("enum"), list(JOB_SCHEDULES), "schedule")
        pattern = self.resolve(kind["properties"]["next_local"]).get("pattern")
        self.assertIsNotNone(pattern, "next_local: pattern")
        for v in ("2026-12-10T09:00", "2027-01-14T23:59", "2026-02-28T00:00"):
            self.assertTrue(re.search(pattern, v), f"next_local refuses {v!r}")
        for v in ("2026-12-10T09:00Z", "2026-12-10T09:00:00", "2026-12-10 09:00", "2026-12-10", "2026-13-10T09:00",
                  "2026-12-00T09:00", "2026-12-10T24:00", "2026-12-10T09:60", "2026-12-10T09:00\n"):
            self.assertFalse(re.search(pattern.replace("$", "\\Z"), v), f"next_local accepts {v!r}")
        # Every kind the server runs is named where the kinds are listed (the schema and the path
        # parameter), and the examples list exactly those kinds, in the server's order.
        path_kind = self.resolve(self.spec["components"]["parameters"]["JobKind"])
        for where, node in (("JobKind.kind", kind["properties"]["kind"]), ("parameters.JobKind", path_kind)):
            text = self.resolve(node).get("description", "")
            for k in JOB_KINDS:
                self.assertIn(f"`{k}`", text, f"{where}: description names {k}")
        examples = [self.resolve(e)["value"] for e in
                    self.resolve(r["200"])["content"]["application/json"].get("examples", {}).values()]
        self.assertTrue(examples, "GET /v1/jobs: examples")
        for ex in examples:
            self.assertEqual([j["kind"] for j in ex["items"]], list(JOB_KINDS), "the kinds, in the server's order")
            for j in ex["items"]:
                self.assertEqual(sorted(j), sorted(JOB_KIND_MEMBERS), j["kind"])
                self.assertIn(j["audience"], JOB_AUDIENCES, j["kind"])
                self.assertIn(j["schedule"], JOB_SCHEDULES, j["kind"])
                for m in ("month", "day", "months_after"):
                    self.assertEqual(j[m] is None, m in JOB_NULL_MEMBERS[j["schedule"]], f"{j['kind']}.{m}")
                if j["months_after"] is not None:
                    self.assertIn(j["months_after"], (1, 2), j["kind"])
                self.assertTrue(re.search(pattern.replace("$", "\\Z"), j["next_local"]), j)

        it, op = self.operation("/v1/jobs/{kind}/runs", "post")
        r = self.check_statuses("POST /v1/jobs/{kind}/runs", op, {"202", "400", "404", "411", "413", "415", "422"})
        self.assertEqual([c for c in r if c.startswith("2")], ["202"], "planning answers 202 only")
        hdrs = {h.lower() for h in self.resolve(r["202"]).get("headers", {})}
        self.assertNotIn("location", hdrs, "202: nothing to point at but a list of runs")
        ps = self.params(it, op)
        self.assertEqual([n for (w, n) in ps if w == "path"], ["kind"])
        k = ps[("path", "kind")]
        self.assertTrue(k.get("required"))
        self.assertEqual(types_of(self.resolve(k["schema"])), {"string"})
        self.assertEqual([n for (w, n) in ps if w == "query"], [], "no query parameters")
        self.assertNotIn(("header", "Idempotency-Key"), ps, "planning is idempotent by itself")
        req = self.resolve(op.get("requestBody", {}))
        self.assertTrue(req.get("required"), "requestBody.required")
        s = self.resolve(req["content"]["application/json"]["schema"])
        self.assertEqual(sorted(s.get("properties", {})), ["organization_id", "period"])
        self.assertEqual(s.get("required"), ["period"])
        self.assertIs(s.get("additionalProperties"), False)
        p = self.resolve(s["properties"]["period"])
        self.assertEqual((types_of(p), p.get("pattern")), ({"string"}, PERIOD_ANY_PATTERN), "period")
        self.assertEqual((p.get("minLength"), p.get("maxLength")), (4, 7), "period: a year, a month or a quarter")
        o = self.resolve(s["properties"]["organization_id"])
        self.assertEqual((types_of(o), o.get("format")), ({"string", "null"}, "uuid"), "organization_id")
        planned = self.content_schema(r["202"])
        self.check_closed("JobRunPlanResult", planned, ["kind", "period", "organization_id", "planned"],
                          nullable=("organization_id",))
        n = self.resolve(planned["properties"]["planned"])
        self.assertEqual((types_of(n), n.get("minimum")), ({"integer"}, 0), "planned")
        self.assertEqual(self.resolve(planned["properties"]["period"]).get("pattern"), PERIOD_ANY_PATTERN)
        self.assertEqual(self.resolve(planned["properties"]["organization_id"]).get("format"), "uuid")
        # Kinds that look back are refused until the day they look back from has ended (or come) everywhere
        # (jobs/scheduler.c job_kind_plannable): 422 not_due on period, naming the instant from which the kind
        # may be planned (noon UTC): the day after the 15th of the month after a disclosure period, the day
        # after a quarter for the inventory, December 25 of the year for the year's report.
        examples = self.resolve(r["422"])["content"][PROBLEM].get("examples", {}).values()
        errors = [(self.resolve(e)["value"]["instance"], err) for e in examples
                  for err in self.resolve(e)["value"].get("errors", [])]
        not_due = [(i, err) for i, err in errors if err["code"] == "not_due"]
        self.assertTrue(not_due, "422: a not_due example")
        why = {"disclosure_overdue": "its items are due", "disclosure_digest": "its items are due",
               "disclosure_report": "its items are due", "receivables_inventory": "the quarter has ended",
               "receivables_year_report": "the day has come"}
        for instance, err in not_due:
            kind = instance.rsplit("/", 2)[1]
            self.assertIn(kind, why, instance)
            self.assertEqual(err["field"], "period")
            m = re.fullmatch(r"(\S+) runs for (\S+) only from (\S+)T12:00:00Z, when (.+) everywhere\.", err["message"])
            self.assertTrue(m, err["message"])
            named, period, start, reason = m.groups()
            self.assertEqual((named, reason), (kind, why[kind]))
            year = int(period[:4])
            if kind == "receivables_year_report":
                self.assertEqual(start, f"{year}-12-25")
            elif kind == "receivables_inventory":
                q = int(period[6])
                self.assertEqual(start, f"{year + 1}-01-01" if q == 4 else f"{year}-{3 * q + 1:02d}-01")
            else:
                rest = period[5:]
                last = 3 * int(rest[1]) if rest.startswith("Q") else int(rest)
                year, month = (year + 1, 1) if last == 12 else (year, last + 1)
                self.assertEqual(start, f"{year}-{month:02d}-16")
        # A period of the wrong sort for the kind is 422 invalid, naming the sort the kind runs for.
        invalid = [(i, err) for i, err in errors if err["code"] == "invalid"]
        self.assertTrue(invalid, "422: an invalid example (a period of the wrong sort)")
        want = {"receivables_inventory": "a quarter, e.g. 2026-Q3", "receivables_year_report": "a year, e.g. 2026"}
        for instance, err in invalid:
            kind = instance.rsplit("/", 2)[1]
            self.assertEqual(err["field"], "period")
            m = re.fullmatch(r"(\S+) runs for (.+), not (\S+)\.", err["message"])
            self.assertTrue(m, err["message"])
            self.assertEqual(m.group(1), kind)
            self.assertEqual(m.group(2), want.get(kind, "a month or a quarter, e.g. 2026-10"))

    def check_step(self, what, step):
        self.check_closed(what, step, COLLECTION_STEP_MEMBERS,
                          nullable=("from", "deadline", "done_on", "responsible_employee_id"))
        self.assertEqual(self.resolve(step["properties"]["state"]).get("enum"), list(COLLECTION_STATES))
        for m in ("from", "deadline", "done_on"):
            self.assertEqual(self.resolve(step["properties"][m]).get("format"), "date", m)

    def test_collection_routes(self):
        """The collection workflow's reads: a receivable's timeline, the steps due or late across a subtree, the
        claim document as text or HTML (the examples agree with the schemas)."""
        it, op = self.operation("/v1/receivables/{id}/timeline", "get")
        r = self.check_statuses("timeline", op, {"200", "404", "409", "422"})
        ps = self.params(it, op)
        self.check_id_param(ps)
        self.assertEqual([n for (w, n) in ps if w == "query"], ["as_of"])
        self.assertFalse(ps[("query", "as_of")].get("required", False))
        self.assertEqual(self.resolve(ps[("query", "as_of")]["schema"]).get("format"), "date")
        body = self.content_schema(r["200"])
        self.check_closed("ReceivableTimeline", body,
                          ["receivable_id", "organization_id", "status", "as_of", "balance", "currency", "steps"])
        step = self.resolve(self.resolve(body["properties"]["steps"])["items"])
        self.check_step("CollectionStep", step)
        steps = self.resolve(step["properties"]["step"]).get("enum")
        examples = [self.resolve(e)["value"] for e in self.resolve(r["200"])["content"]["application/json"]["examples"].values()]
        self.assertTrue(examples)
        for ex in examples:
            self.assertEqual(sorted(ex), sorted(body["properties"]))
            self.assertEqual([s["step"] for s in ex["steps"]], steps, "every step, in order")
            for s in ex["steps"]:
                self.assertEqual(sorted(s), sorted(COLLECTION_STEP_MEMBERS))
                self.assertIn(s["state"], COLLECTION_STATES)

        it, op = self.operation("/v1/collection-deadlines", "get")
        r = self.check_statuses("collection-deadlines", op, {"200", "404", "409", "422"})
        ps = self.params(it, op)
        self.assertEqual(sorted(n for (w, n) in ps if w == "query"),
                         ["cursor", "due_before", "limit", "organization_id", "state"])
        self.assertEqual([n for (w, n) in ps if w == "path"], [])
        self.assertEqual(self.resolve(ps[("query", "state")]["schema"]).get("enum"), list(COLLECTION_STATES))
        self.assertEqual(self.resolve(ps[("query", "due_before")]["schema"]).get("format"), "date")
        self.assertEqual(self.resolve(ps[("query", "organization_id")]["schema"]).get("format"), "uuid")
        body = self.content_schema(r["200"])
        self.check_closed("CollectionDeadlineList", body, ["items", "next_cursor"], nullable=("next_cursor",))
        item = self.resolve(self.resolve(body["properties"]["items"])["items"])
        self.check_closed("CollectionDeadline", item,
                          ["receivable_id", "organization_id", "debtor_id", "debtor", "status", "steps"])
        self.check_step("CollectionDeadline.steps", self.resolve(self.resolve(item["properties"]["steps"])["items"]))
        examples = [self.resolve(e)["value"] for e in self.resolve(r["200"])["content"]["application/json"]["examples"].values()]
        self.assertTrue(examples)
        for ex in examples:
            ids = [i["receivable_id"] for i in ex["items"]]
            self.assertEqual(ids, sorted(ids), "by receivable id")
            for i in ex["items"]:
                self.assertNotIn(i["status"], ("paid", "hopeless", "written_off"))
                self.assertTrue(i["steps"], "never an empty list of steps")
                for s in i["steps"]:
                    # The examples are the default (what needs doing) and ?state=late.
                    self.assertIn(s["state"], ("due", "late"))

        it, op = self.operation("/v1/collection-actions/{id}/document", "get")
        r = self.check_statuses("claim document", op, {"200", "404", "406", "409", "422"})
        ps = self.params(it, op)
        self.check_id_param(ps)
        self.assertEqual([n for (w, n) in ps if w == "query"], ["format"])
        self.assertEqual(self.resolve(ps[("query", "format")]["schema"]).get("enum"), ["text", "html"])
        self.assertNotIn(("header", "Accept"), ps)
        ok = self.resolve(r["200"])
        self.assertEqual(sorted(ok["content"]), ["text/html", "text/plain"])
        hdrs = {k.lower(): self.resolve(v) for k, v in ok.get("headers", {}).items()}
        for h in ("vary", "content-language"):
            self.assertTrue(hdrs[h].get("required"), h)
        self.assertEqual(self.resolve(hdrs["vary"]["schema"]).get("enum"), ["Accept"])
        for media in ("text/plain", "text/html"):
            self.assertEqual(types_of(self.content_schema(ok, media)), {"string"})
            self.assertTrue(ok["content"][media].get("examples"), media)

    def test_notification_resend(self):
        """POST /v1/notifications/{id}/resend: 202 {id, status: pending}, no body, 404 outside the subtree."""
        it, op = self.operation("/v1/notifications/{id}/resend", "post")
        r = self.check_statuses("POST /v1/notifications/{id}/resend", op, {"202", "404", "422"})
        self.assertNotIn("requestBody", op)
        self.check_id_param(self.params(it, op))
        res = self.content_schema(r["202"])
        self.check_closed("NotificationResendResult", res, ["id", "status"])
        self.assertEqual(self.resolve(res["properties"]["status"]).get("enum"), ["pending"])

    def test_report_representations(self):
        """GET /v1/reports/{id}: ?format=json|csv, else Accept; the Report as JSON or its table as CSV
        (with Content-Disposition), 406 when Accept allows neither. The examples agree: each CSV example is
        the table of the JSON example of the same name, as RFC 4180 with CRLF line ends."""
        it, op = self.operation("/v1/reports/{id}", "get")
        r = self.check_statuses("GET /v1/reports/{id}", op, {"200", "404", "406", "422"})
        ps = self.params(it, op)
        self.check_id_param(ps)
        fmt = ps[("query", "format")]
        self.assertFalse(fmt.get("required", False), "format: optional (Accept decides without it)")
        s = self.resolve(fmt["schema"])
        self.assertEqual((types_of(s), s.get("enum")), ({"string"}, ["json", "csv", "xlsx"]), "format: schema")
        # Accept is negotiated, not a parameter (OpenAPI ignores a header parameter named Accept).
        self.assertNotIn(("header", "Accept"), ps)

        ok = self.resolve(r["200"])
        self.assertEqual(sorted(ok["content"]), sorted(["application/json", "text/csv", XLSX]))
        self.assertEqual(self.content_schema(ok), self.schema("Report"))
        self.assertEqual(types_of(self.content_schema(ok, "text/csv")), {"string"})
        xlsx = self.content_schema(ok, XLSX)
        self.assertEqual((types_of(xlsx), xlsx.get("format")), ({"string"}, "binary"), "XLSX: a binary string")
        hdrs = {k.lower(): self.resolve(v) for k, v in ok.get("headers", {}).items()}
        for h in ("x-request-id", "etag", "vary", "content-disposition"):
            self.assertIn(h, hdrs)
        # Strong tags differ between representations (RFC 9110 8.8.3): "<version>" for JSON, "<version>-csv",
        # "<version>-xlsx".
        etag = hdrs["etag"]
        self.assertTrue(etag.get("required"), "etag: on both answers")
        pattern = self.resolve(etag["schema"])["pattern"].replace("$", "\\Z")
        for good in ('"1"', '"1-csv"', '"12-csv"', '"1-xlsx"', '"12-xlsx"'):
            self.assertRegex(good, pattern)
        for bad in ('1', '"0"', '"1-json"', '"csv"', 'W/"1"', '"1"-csv', '"1-xls"', '"xlsx"', '"1-csv-xlsx"'):
            self.assertNotRegex(bad, pattern)
        self.assertRegex(etag.get("example", ""), pattern)
        # The answer depends on Accept, whichever representation it is.
        vary = hdrs["vary"]
        self.assertTrue(vary.get("required"), "vary: on both answers")
        self.assertEqual(self.resolve(vary["schema"]).get("enum"), ["Accept"])
        self.assertFalse(hdrs["content-disposition"].get("required", False), "only the CSV and XLSX answers have it")
        self.assertRegex(hdrs["content-disposition"].get("example", ""),
                         r'^attachment; filename="[a-z0-9_]+-2[0-9]{3}(-(0[1-9]|1[0-2]|Q[1-4]))?\.(csv|xlsx)"$')

        json_ex = {k: self.resolve(v)["value"] for k, v in ok["content"]["application/json"].get("examples", {}).items()}
        csv_ex = {k: self.resolve(v)["value"] for k, v in ok["content"]["text/csv"].get("examples", {}).items()}
        self.assertTrue(json_ex, "application/json examples")
        self.assertEqual(sorted(csv_ex), sorted(json_ex), "a CSV example for each JSON example")
        props = self.schema("Report")["properties"]
        for name, rep in json_ex.items():
            with self.subTest(example=name):
                self.assertEqual(sorted(rep), sorted(props), "the Report's members")
                self.assertTrue(re.search(PERIOD_ANY_PATTERN.replace("$", "\\Z"), rep["period"]), rep["period"])
                if rep["kind"] in RECEIVABLES_REPORT_COLUMNS:
                    self.assertEqual([(c["key"], c.get("type")) for c in rep["columns"]],
                                     list(RECEIVABLES_REPORT_COLUMNS[rep["kind"]]))
                    self.assertEqual(len(rep["period"]), 4 if rep["kind"] == "receivables_year_report" else 7)
                    money = [i for i, c in enumerate(rep["columns"]) if c.get("type") == "money"]
                    for row in rep["rows"]:
                        self.assertEqual(len(row), len(rep["columns"]), row)
                        for cell in row:
                            self.assertTrue(cell is None or isinstance(cell, str), row)
                        for i in money:
                            self.assertRegex(row[i], r"^-?(0|[1-9][0-9]*)\.[0-9]{2}\Z", row)
                    self.assertEqual(csv_ex[name], self.csv_table(rep), "the CSV of the JSON example")
                    continue
                self.assertEqual(rep["kind"], "disclosure_report")
                self.assertEqual([c["key"] for c in rep["columns"]], list(REPORT_COLUMNS))
                self.assertEqual(sorted(rep["summary"]["counts"]), sorted(DISCLOSURE_STATUSES))
                self.assertEqual(sum(rep["summary"]["counts"].values()), len(rep["rows"]))
                code = REPORT_COLUMNS.index("status_code")
                self.assertEqual({s: sum(row[code] == s for row in rep["rows"]) for s in DISCLOSURE_STATUSES},
                                 rep["summary"]["counts"], "the counts are the rows' status codes")
                for row in rep["rows"]:
                    self.assertEqual(len(row), len(REPORT_COLUMNS), row)
                    for cell in row:
                        self.assertTrue(cell is None or isinstance(cell, (str, int)) and not isinstance(cell, bool),
                                        row)
                self.assertEqual(csv_ex[name], self.csv_table(rep), "the CSV of the JSON example")
        self.assertEqual(sorted({rep["kind"] for rep in json_ex.values()}),
                         sorted(["disclosure_report"] + list(RECEIVABLES_REPORT_COLUMNS)), "an example of each kind")

        na = self.resolve(op["responses"]["406"])
        examples = na["content"][PROBLEM].get("examples", {})
        self.assertTrue(examples, "406: examples")
        for ex in examples.values():
            value = self.resolve(ex)["value"]
            self.assertEqual((value["type"], value["status"]), (f"urn:probity:problem:{PROBLEM_SLUGS[406]}", 406))
        # Only this route and the claim document negotiate: no other operation answers 406.
        for path, method, other in self.operations():
            if (self.norm(path), method) not in (("/v1/reports/{}", "get"), ("/v1/collection-actions/{}/document", "get")):
                self.assertNotIn("406", other.get("responses", {}), f"{method.upper()} {path}")
        # The list answers JSON only and takes no format.
        _, op = self.operation("/v1/reports", "get")
        self.assertEqual(sorted(self.resolve(op["responses"]["200"])["content"]), ["application/json"])

    @staticmethod
    def csv_table(rep):
        """RFC 4180 as domain/csv.c writes it: CRLF, a field quoted when it holds , " CR or LF; a string a
        spreadsheet would take for a formula (= + - @ tab CR first) with a leading apostrophe."""
        def field(v):
            if v is None:
                return ""
            if isinstance(v, int):
                return str(v)
            if v[:1] and v[0] in "=+-@\t\r":
                v = "'" + v
            return '"' + v.replace('"', '""') + '"' if any(c in v for c in ',"\r\n') else v
        lines = [[c["heading"] for c in rep["columns"]]] + rep["rows"]
        return "".join(",".join(field(v) for v in line) + "\r\n" for line in lines)

    def test_readiness_example_is_the_latest_migration(self):
        latest = max(int(f.split("_", 1)[0]) for f in os.listdir(os.path.join(SRC, "storage", "migrations"))
                     if re.match(r"^\d+_.*\.sql$", f))
        examples = list(self.schema("Readiness").get("examples", []))
        _, op = self.operation("/readyz", "get")
        content = self.resolve(op["responses"]["200"])["content"]["application/json"]
        examples += [self.resolve(e)["value"] for e in content.get("examples", {}).values()]
        self.assertTrue(examples)
        for e in examples:
            self.assertEqual(e.get("schema_version"), latest, e)

    def test_patterns_say_what_the_server_accepts(self):
        """The patterns agree with the server's own checks, on the edges of each."""
        for pattern, good, bad in (
                (MONEY_PATTERN, ["0", "0.5", "0.00", "5000000", "5000000.5", "5000000.00", "9" * 15 + ".99"],
                 ["", "00", "01.00", "-1.00", "+1", "1.", ".5", "1.234", "5e6", "1,000.00", "1 000", "9" * 16,
                  "5000000.00\n"]),
                (PERIOD_PATTERN, ["2026-10", "2026-Q3", "2000-01", "2999-12", "2026-Q1", "2026-Q4"],
                 ["1999-12", "3000-01", "2026-13", "2026-00", "2026-1", "2026-Q0", "2026-Q5", "2026-q3", "2026",
                  "2026-10-01", "2026-10\n"]),
                (PERIOD_ANY_PATTERN, ["2026", "2000", "2999", "2026-10", "2026-Q3", "2000-01", "2999-12", "2026-Q4"],
                 ["1999", "3000", "202", "20261", "2026-", "2026-13", "2026-Q0", "2026-Q5", "2026-q3", "2026-1",
                  "2026-10-01", "2026\n", "2026-10\n"]),
                # domain/validate.c FMT_DIGITS (lengths are minLength/maxLength's)
                (DIGITS_PATTERN, ["0", "11100000000000000", "01"],
                 ["", "1a", "１", "-1", "1.0", "1 1", "11100000000000000\n"])):
            for v in good:
                self.assertTrue(re.search(pattern, v), f"{pattern} refuses {v!r}")
            for v in bad:
                # JSON Schema's $ matches only at the very end (ECMA-262); Python's also before a final \n.
                self.assertFalse(re.search(pattern.replace("$", "\\Z"), v), f"{pattern} accepts {v!r}")

    def test_tags(self):
        """Every operation has one declared tag; the transparency routes share theirs, and so do the
        scheduler's (the job kinds, planning, job runs and notifications) and the reports'."""
        declared = [t["name"] for t in self.spec.get("tags", [])]
        self.assertEqual(len(declared), len(set(declared)), "duplicate tags")
        for path, method, op in self.operations():
            with self.subTest(route=f"{method.upper()} {path}"):
                self.assertEqual(len(op.get("tags", [])), 1, "one tag")
                self.assertIn(op["tags"][0], declared)
                transparency = path.startswith(("/v1/disclosure-requirements", "/v1/disclosures",
                                                "/v1/disclosure-compliance")) or path.endswith("/disclosure-compliance")
                self.assertEqual(op["tags"][0] == "Transparency", transparency, op["tags"])
                scheduler = path in SCHEDULER_PATHS or path.startswith(tuple(p + "/" for p in SCHEDULER_PATHS))
                self.assertEqual(op["tags"][0] == "Scheduler", scheduler, op["tags"])
                reports = path in REPORT_PATHS or path.startswith(tuple(p + "/" for p in REPORT_PATHS))
                self.assertEqual(op["tags"][0] == "Reports", reports, op["tags"])
                receivables = path in RECEIVABLE_PATHS or path.startswith(tuple(p + "/" for p in RECEIVABLE_PATHS))
                self.assertEqual(op["tags"][0] == "Receivables", receivables, op["tags"])

    def test_ops_routes(self):
        for path, statuses in (("/healthz", {"200"}), ("/readyz", {"200", "503"}), ("/metrics", {"200", "401"}),
                               ("/openapi.json", {"200"}), ("/docs", {"200"})):
            with self.subTest(path=path):
                _, op = self.operation(path, "get")
                self.check_statuses(path, op, statuses)
        _, op = self.operation("/metrics", "get")
        self.assertTrue(any(k.startswith("text/plain") for k in self.resolve(op["responses"]["200"]).get("content", {})))
        _, op = self.operation("/docs", "get")
        self.assertIn("text/html", self.resolve(op["responses"]["200"]).get("content", {}))

    def test_no_undocumented_routes(self):
        """Every path+method in the spec is one the contract has."""
        allowed = {("/healthz", "get"), ("/readyz", "get"), ("/metrics", "get"), ("/openapi.json", "get"),
                   ("/docs", "get"), ("/v1/organizations/{}/relative-conflicts", "get"),
                   ("/v1/calendars/{}/working-days", "get"), ("/v1/organizations/{}/disclosure-compliance", "get"),
                   ("/v1/disclosure-compliance", "get"), ("/v1/jobs", "get"), ("/v1/jobs/{}/runs", "post"),
                   ("/v1/notifications/{}/resend", "post"), ("/v1/receivables/{}/timeline", "get"),
                   ("/v1/collection-deadlines", "get"), ("/v1/collection-actions/{}/document", "get")}
        routes = {"list": ("", "get"), "create": ("", "post"), "get": ("/{}", "get"), "patch": ("/{}", "patch"),
                  "delete": ("/{}", "delete")}
        for name in ENTITY_ROUTES:
            for op in self.entities[name]["ops"]:
                suffix, method = routes[op]
                allowed.add((f"/v1/{name}{suffix}", method))
        methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
        found = {(self.norm(p), m) for p, item in self.spec["paths"].items() for m in self.resolve(item) if m in methods}
        self.assertEqual(sorted(found - allowed), [])
        self.assertEqual(sorted(allowed - found), [])

    def test_problem_schema(self):
        p = self.schema("Problem")
        props = p.get("properties", {})
        for k in ("type", "title", "status", "detail", "instance", "request_id", "errors"):
            self.assertIn(k, props)
        err = self.resolve(self.resolve(props["errors"])["items"])
        self.assertEqual(sorted(err.get("properties", {})), ["code", "field", "message"])
        codes = self.resolve(err["properties"]["code"]).get("enum")
        if codes is not None:
            for c in ("required", "unknown_field", "read_only", "type", "too_short", "too_long", "out_of_range",
                      "too_few_items", "too_many_items", "duplicate_item", "enum", "format", "invalid_utf8",
                      "nul_byte", "duplicate_key", "reference", "cycle", "unknown_parameter", "invalid",
                      "idempotency_key_reused", "unsupported", "not_due"):
                self.assertIn(c, codes)
        # The type's description lists every problem slug the server uses, with its status.
        text = self.resolve(props["type"]).get("description", "")
        for status, slug in PROBLEM_SLUGS.items():
            self.assertIn(f"`{slug}` ({status}", text, f"Problem.type: {slug}")

    # -- security ------------------------------------------------------------------

    def operations(self):
        methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
        for path, item in self.spec["paths"].items():
            for method, op in self.resolve(item).items():
                if method in methods:
                    yield path, method, op

    def test_security_schemes(self):
        schemes = self.spec.get("components", {}).get("securitySchemes", {})
        self.assertIn("bearerAuth", schemes)
        bearer = self.resolve(schemes["bearerAuth"])
        self.assertEqual((bearer.get("type"), bearer.get("scheme", "").lower()), ("http", "bearer"))
        text = bearer.get("description", "")
        for needle in ("prb_", "JWT", "RS256", "ES256", "HS256",
                       "probityd keys create --name N --role R (--org ID | --global) [--expires T]"):
            self.assertIn(needle, text, f"bearerAuth description: {needle}")
        # Every operation needs the token unless it says otherwise.
        self.assertEqual(self.spec.get("security"), [{"bearerAuth": []}])
        for requirement in self.spec["security"]:
            for name in requirement:
                self.assertIn(name, schemes)

    def test_v1_operations_need_the_token(self):
        headers = {"401": "www-authenticate", "429": "retry-after"}
        v1 = [(p, m, op) for p, m, op in self.operations() if p.startswith("/v1/")]
        self.assertTrue(v1)
        for path, method, op in v1:
            with self.subTest(route=f"{method.upper()} {path}"):
                # Inherits the top-level bearerAuth: no override, least of all an empty one.
                self.assertNotIn("security", op, "a /v1 operation overrides the top-level security")
                responses = self.check_statuses(f"{method.upper()} {path}", op, set(AUTH_RESPONSES))
                for code, name in AUTH_RESPONSES.items():
                    # The shared answer itself, not a copy of it.
                    self.assertEqual(responses[code], {"$ref": f"#/components/responses/{name}"}, code)
                    resp = self.resolve(responses[code])
                    hdrs = {k.lower() for k in resp.get("headers", {})}
                    self.assertIn("x-request-id", hdrs, code)
                    if code in headers:
                        self.assertIn(headers[code], hdrs, code)
                    examples = resp["content"][PROBLEM].get("examples", {})
                    self.assertTrue(examples, f"{code}: examples")
                    for ex in examples.values():
                        value = self.resolve(ex)["value"]
                        self.assertEqual((value["type"], value["status"]),
                                         (f"urn:probity:problem:{PROBLEM_SLUGS[int(code)]}", int(code)), code)

    def test_open_operations(self):
        """Health, readiness, the document and its docs page need no credentials;
        /metrics takes its own optional token."""
        schemes = self.spec.get("components", {}).get("securitySchemes", {})
        found = set()
        for path, method, op in self.operations():
            if path in OPEN_PATHS or path == "/docs" or path.startswith("/docs/"):
                found.add(path)
                with self.subTest(route=f"{method.upper()} {path}"):
                    self.assertEqual(op.get("security"), [], f"{path}: security: []")
                    self.assertNotIn("401", op.get("responses", {}), path)
        self.assertTrue(set(OPEN_PATHS) | {"/docs"} <= found, found)
        _, op = self.operation("/metrics", "get")
        security = op.get("security")
        self.assertIsInstance(security, list, "/metrics: security")
        self.assertIn({}, security, "/metrics: the token is optional (unset PROBITY_METRICS_TOKEN)")
        others = [name for req in security for name in req]
        self.assertTrue(others, "/metrics: the metrics token scheme")
        for name in others:
            self.assertIn(name, schemes)
            self.assertNotEqual(name, "bearerAuth", "/metrics does not take API keys or JWTs")
        r = self.resolve(op["responses"]["401"])
        self.assertIn("www-authenticate", {k.lower() for k in r.get("headers", {})})

    def test_operation_ids_unique(self):
        ids = [op.get("operationId") for item in self.spec["paths"].values()
               for m, op in self.resolve(item).items() if isinstance(op, dict) and "responses" in op]
        self.assertNotIn(None, ids)
        self.assertEqual(len(ids), len(set(ids)))


if __name__ == "__main__":
    unittest.main()
