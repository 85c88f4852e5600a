"""A client that knows no Probity .proto (issue 6): it compiles only the official
grpc/reflection/v1 (and v1alpha) reflection.proto from /usr/share/grpc-proto, asks the server
which services it has, fetches the file descriptors of probity.v1.OrganizationsService (with their
dependencies) by symbol, builds the messages from them at run time (descriptor_pool +
message_factory) and calls OrganizationsService Get and List through channel.unary_unary with
those serializers. The answers are compared with REST's for the same rows. Reflection needs no
authorization, as /openapi.json needs none; the calls do.
"""

import importlib.util
import os
import queue
import unittest

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

import probity_harness as h
from grpc_client_support import GRPC_PROTO_DIR, GrpcCase, camel, compile_protos, to_json


def load_reflection(version):
    """grpc/reflection/<version>/reflection.proto compiled and loaded as a module of its own name
    (its natural name, grpc.reflection..., would be looked for inside grpcio's package)."""
    out = compile_protos([f"grpc/reflection/{v}/reflection.proto" for v in ("v1", "v1alpha")],
                         [GRPC_PROTO_DIR], "reflection", on_path=False)
    path = os.path.join(out, "grpc", "reflection", version, "reflection_pb2.py")
    name = f"probity_it_reflection_{version}_pb2"
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class Reflector:
    """One ServerReflectionInfo stream: ask() sends a request and waits for its answer on the
    same stream, as grpcurl and grpc_cli do."""

    def __init__(self, channel, mod, version, metadata=()):
        self.mod = mod
        self.q = queue.Queue()
        method = channel.stream_stream(
            f"/grpc.reflection.{version}.ServerReflection/ServerReflectionInfo",
            request_serializer=mod.ServerReflectionRequest.SerializeToString,
            response_deserializer=mod.ServerReflectionResponse.FromString)
        self.responses = method(iter(self.q.get, None), metadata=list(metadata), timeout=30)

    def ask(self, **kw):
        req = self.mod.ServerReflectionRequest(host="", **kw)
        self.q.put(req)
        resp = next(self.responses)
        assert resp.original_request == req, (resp.original_request, req)
        return resp

    def close(self):
        self.q.put(None)
        for _ in self.responses:
            pass


def fetch_files(refl, symbol):
    """The FileDescriptorProtos of the file defining symbol and every file it imports,
    transitively: what came with the answer, and any missing import asked for by name."""
    files = {}
    resp = refl.ask(file_containing_symbol=symbol)
    if resp.HasField("error_response"):
        raise AssertionError(f"file_containing_symbol {symbol}: {resp.error_response}")
    todo = list(resp.file_descriptor_response.file_descriptor_proto)
    asked = set()
    while todo:
        fdp = descriptor_pb2.FileDescriptorProto.FromString(todo.pop())
        files.setdefault(fdp.name, fdp)
        for dep in fdp.dependency:
            if dep not in files and dep not in asked:
                asked.add(dep)
                r = refl.ask(file_by_filename=dep)
                if r.HasField("error_response"):
                    raise AssertionError(f"file_by_filename {dep}: {r.error_response}")
                todo += list(r.file_descriptor_response.file_descriptor_proto)
    return files


def build_pool(files):
    """A new pool with files added dependencies first."""
    pool = descriptor_pool.DescriptorPool()
    added = set()

    def add(name):
        if name in added:
            return
        for dep in files[name].dependency:
            add(dep)
        pool.Add(files[name])
        added.add(name)

    for name in sorted(files):
        add(name)
    return pool


class ReflectionOnlyClient(GrpcCase):
    COMPILE_STUBS = False

    @classmethod
    def setUpClass(cls):
        cls.v1 = load_reflection("v1")
        cls.v1alpha = load_reflection("v1alpha")
        super().setUpClass()
        cls.registry = h.load_registry()["entities"]

    def reflector(self, version="v1"):
        r = Reflector(self.channel, self.v1 if version == "v1" else self.v1alpha, version)
        self.addCleanup(r.close)
        return r

    def test_list_services(self):
        want = {f"probity.v1.{camel(e['name'])}Service" for e in self.registry}
        want |= {"grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
                 "grpc.reflection.v1alpha.ServerReflection"}
        for version in ("v1", "v1alpha"):
            with self.subTest(version=version):
                resp = self.reflector(version).ask(list_services="")
                self.assertTrue(resp.HasField("list_services_response"), resp)
                names = [s.name for s in resp.list_services_response.service]
                self.assertEqual(len(names), len(set(names)), names)
                self.assertTrue(want <= set(names), f"missing: {sorted(want - set(names))}")
                self.assertIn("probity.v1.OrganizationsService", names)
                others = {n for n in set(names) - want if n.startswith("probity.v1.")}
                self.assertTrue(all(n.endswith("Service") for n in others), others)

    def test_unknown_symbol_and_file(self):
        refl = self.reflector()
        for kw in ({"file_containing_symbol": "probity.v1.NoSuchService"},
                   {"file_by_filename": "probity/v1/no_such.proto"}):
            with self.subTest(**kw):
                resp = refl.ask(**kw)
                self.assertTrue(resp.HasField("error_response"), resp)
                self.assertEqual(resp.error_response.error_code, grpc.StatusCode.NOT_FOUND.value[0])
        # the stream still answers after an error
        self.assertTrue(refl.ask(list_services="").HasField("list_services_response"))

    def organizations(self, version="v1"):
        refl = self.reflector(version)
        files = fetch_files(refl, "probity.v1.OrganizationsService")
        self.assertIn("probity/v1/organizations.proto", files)
        self.assertIn("google/protobuf/timestamp.proto", files)
        pool = build_pool(files)
        svc = pool.FindServiceByName("probity.v1.OrganizationsService")
        self.assertEqual(sorted(m.name for m in svc.methods), ["Create", "Delete", "Get", "List", "Update"])
        factory = message_factory.MessageFactory(pool)
        methods = {}
        for m in svc.methods:
            req = factory.GetPrototype(m.input_type)
            resp = factory.GetPrototype(m.output_type)
            methods[m.name] = (req, self.channel.unary_unary(
                f"/{svc.full_name}/{m.name}", request_serializer=req.SerializeToString,
                response_deserializer=resp.FromString))
        return methods

    def md(self):
        return [("authorization", "Bearer " + self.server.token)]

    def test_get_and_list_without_any_proto(self):
        root = self.create_org()
        kids = [self.create_org(parent_id=root["id"], code=f"RF-{i}-{os.urandom(3).hex()}")
                for i in range(3)]
        for version in ("v1", "v1alpha"):
            with self.subTest(version=version):
                methods = self.organizations(version)
                Req, get = methods["Get"]
                for org in [root] + kids:
                    got = get(Req(id=org["id"]), metadata=self.md(), timeout=10)
                    self.assertEqual(to_json(got), self.get(f"/v1/organizations/{org['id']}").json)
                # List, filtered by parent and paged two by two
                LReq, lst = methods["List"]
                token, ids = "", []
                for _ in range(5):
                    req = LReq(page_size=2, page_token=token)
                    req.parent_id = root["id"]
                    page = lst(req, metadata=self.md(), timeout=10)
                    path = f"/v1/organizations?parent_id={root['id']}&limit=2" + \
                        (f"&cursor={token}" if token else "")
                    rest = self.get(path).json
                    self.assertEqual([to_json(x) for x in page.items], rest["items"])
                    self.assertEqual(page.next_page_token, rest["next_cursor"] or "")
                    ids += [x.id for x in page.items]
                    token = page.next_page_token
                    if not token:
                        break
                self.assertEqual(sorted(ids), sorted(k["id"] for k in kids))
                # the same authorization rules: none, NOT_FOUND for a missing row
                with self.assertRaises(grpc.RpcError) as cm:
                    get(Req(id=root["id"]), timeout=10)
                self.assertEqual(cm.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
                with self.assertRaises(grpc.RpcError) as cm:
                    get(Req(id="00000000-0000-4000-8000-000000000000"), metadata=self.md(), timeout=10)
                self.assertEqual(cm.exception.code(), grpc.StatusCode.NOT_FOUND)

    def test_every_service_resolves(self):
        """Each listed service's file and its imports come back and build a pool."""
        refl = self.reflector()
        names = [s.name for s in refl.ask(list_services="").list_services_response.service]
        for name in names:
            with self.subTest(service=name):
                pool = build_pool(fetch_files(refl, name))
                svc = pool.FindServiceByName(name)
                self.assertTrue(svc.methods, name)


if __name__ == "__main__":
    unittest.main()
