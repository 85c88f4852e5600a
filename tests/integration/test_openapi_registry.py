"""openapi/openapi.json agrees with the entity registry (`probityd registry`)
field by field, and documents every route of the contract with its statuses.

Mapping registry -> OpenAPI 3.1 schema:
  uuid -> string/uuid; string -> string (min/max -> minLength/maxLength;
  format email -> email); enum -> string + enum; int -> integer (min/max ->
  minimum/maximum); date -> string/date; timestamp -> string/date-time;
  array -> array (min/max -> minItems/maxItems, unique_items -> uniqueItems,
  items); object -> object (members -> properties, required members).
  nullable -> type [T, "null"]. <Schema>: every field, all required, readOnly
  on read-only ones. <Schema>Create: writable fields, required = F_REQUIRED,
  defaults (null for nullable ones). <Schema>Patch: writable fields, nothing
  required. Create and Patch refuse unknown members (additionalProperties false).
"""

import json
import os
import unittest

from probity_harness import load_registry, openapi_path, require_bin

BASE_TYPES = {"uuid": "string", "string": "string", "enum": "string", "int": "integer", "bool": "boolean",
              "date": "string", "timestamp": "string", "array": "array", "object": "object"}
FORMATS = {"uuid": "uuid", "date": "date", "timestamp": "date-time"}
STANDARD_FORMATS = {"uuid", "date", "date-time", "email"}
ENTITY_ROUTES = ("organizations", "employees", "calendars", "calendar-days")
PROBLEM = "application/problem+json"


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
        base = BASE_TYPES[t]
        nullable = bool(f.get("nullable"))
        want_types = {base, "null"} if nullable else {base}
        self.assertEqual(types_of(prop), want_types, f"{where}: type")

        fmt = prop.get("format")
        if t in FORMATS:
            self.assertEqual(fmt, FORMATS[t], f"{where}: format")
        elif t == "string":
            rf = f.get("format")
            if rf == "email":
                self.assertEqual(fmt, "email", f"{where}: format")
            elif rf is None:
                self.assertIsNone(fmt, f"{where}: a plain string has no format")
            else:
                self.assertNotIn(fmt, STANDARD_FORMATS, f"{where}: format {rf} is not {fmt}")
        else:
            self.assertIsNone(fmt, f"{where}: format on a {t}")

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

    def test_registry_lists_the_four_entities(self):
        self.assertEqual(sorted(self.entities), sorted(ENTITY_ROUTES))
        for e in self.entities.values():
            names = [f["name"] for f in e["fields"]]
            self.assertEqual(len(names), len(set(names)), e["name"])
            for meta in ("id", "created_at", "updated_at", "version"):
                self.assertIn(meta, names, e["name"])
                self.assertTrue(next(f for f in e["fields"] if f["name"] == meta)["read_only"])

    def test_response_schemas(self):
        for e in self.entities.values():
            s = self.schema(e["schema"])
            with self.subTest(schema=e["schema"]):
                self.assertEqual(types_of(s), {"object"})
                props = s.get("properties", {})
                names = [f["name"] for f in e["fields"]]
                self.assertEqual(sorted(props), sorted(names), "properties")
                self.assertEqual(sorted(s.get("required", [])), sorted(names), "every member is always present")
                for f in e["fields"]:
                    self.check_field(f"{e['schema']}.{f['name']}", f, props[f["name"]], "response")

    def test_create_schemas(self):
        for e in self.entities.values():
            name = e["schema"] + "Create"
            s = self.schema(name)
            with self.subTest(schema=name):
                writable = [f for f in e["fields"] if not f.get("read_only")]
                props = s.get("properties", {})
                self.assertEqual(sorted(props), sorted(f["name"] for f in writable), "writable fields")
                self.assertEqual(sorted(s.get("required", [])), sorted(f["name"] for f in writable if f.get("required")))
                self.assertIs(s.get("additionalProperties"), False)
                for f in writable:
                    self.check_field(f"{name}.{f['name']}", f, props[f["name"]], "create")

    def test_patch_schemas(self):
        for e in self.entities.values():
            name = e["schema"] + "Patch"
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
            schema = self.schema(e["schema"])
            coll, item = f"/v1/{name}", f"/v1/{name}/{{id}}"
            deps = name in ("organizations", "employees", "calendars")     # DELETE can meet dependants
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
            with self.subTest(route=f"POST {coll}"):
                it, op = self.operation(coll, "post")
                r = self.check_statuses(f"POST {coll}", op, {"201", "400", "411", "413", "415", "422"} |
                                        ({"409"} if name != "employees" else set()))
                self.assertEqual(self.content_schema(r["201"]), schema)
                hdrs = {k.lower() for k in self.resolve(r["201"]).get("headers", {})}
                self.assertTrue({"location", "etag", "x-request-id"} <= hdrs, hdrs)
                body = self.resolve(op.get("requestBody", {}))
                self.assertTrue(body.get("required"), "requestBody.required")
                self.assertEqual(self.resolve(body["content"]["application/json"]["schema"]),
                              self.schema(e["schema"] + "Create"))
            with self.subTest(route=f"GET {item}"):
                it, op = self.operation(item, "get")
                r = self.check_statuses(f"GET {item}", op, {"200", "404", "422"})
                self.assertEqual(self.content_schema(r["200"]), schema)
                self.assertIn("etag", {k.lower() for k in self.resolve(r["200"]).get("headers", {})})
                self.check_id_param(self.params(it, op))
            with self.subTest(route=f"PATCH {item}"):
                it, op = self.operation(item, "patch")
                r = self.check_statuses(f"PATCH {item}", op, {"200", "400", "404", "411", "412", "413", "415", "422"} |
                                        ({"409"} if name != "employees" else set()))
                self.assertEqual(self.content_schema(r["200"]), schema)
                self.assertIn("etag", {k.lower() for k in self.resolve(r["200"]).get("headers", {})})
                body = self.resolve(op.get("requestBody", {}))
                self.assertTrue(body.get("required"), "requestBody.required")
                self.assertEqual(self.resolve(body["content"]["application/merge-patch+json"]["schema"]),
                              self.schema(e["schema"] + "Patch"))
                ps = self.params(it, op)
                self.check_id_param(ps)
                self.assertIn(("header", "If-Match"), ps)
            with self.subTest(route=f"DELETE {item}"):
                it, op = self.operation(item, "delete")
                r = self.check_statuses(f"DELETE {item}", op, {"204", "404", "412", "422"} | ({"409"} if deps else set()))
                self.assertNotIn("content", self.resolve(r["204"]))
                ps = self.params(it, op)
                self.check_id_param(ps)
                self.assertIn(("header", "If-Match"), ps)

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

    def test_ops_routes(self):
        for path, statuses in (("/healthz", {"200"}), ("/readyz", {"200", "503"}), ("/metrics", {"200"}),
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
                   ("/v1/calendars/{}/working-days", "get")}
        for name in ENTITY_ROUTES:
            allowed |= {(f"/v1/{name}", "get"), (f"/v1/{name}", "post"), (f"/v1/{name}/{{}}", "get"),
                        (f"/v1/{name}/{{}}", "patch"), (f"/v1/{name}/{{}}", "delete")}
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
                      "nul_byte", "duplicate_key", "reference", "cycle", "unknown_parameter", "invalid"):
                self.assertIn(c, codes)

    def test_operation_ids_unique(self):
        ids = [op.get("operationId") for item in self.spec["paths"].values()
               for m, op in self.resolve(item).items() if isinstance(op, dict) and "responses" in op]
        self.assertNotIn(None, ids)
        self.assertEqual(len(ids), len(set(ids)))


if __name__ == "__main__":
    unittest.main()
