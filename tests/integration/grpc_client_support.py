"""What the gRPC client tests share (test_grpc_clients, test_grpc_reflection_client,
test_grpc_node): Python stubs compiled at test time from api/proto with Debian's
python3-grpc-tools, a probityd serving gRPC on a free loopback port, a protobuf message as the
JSON REST would answer for it, the REST status ↔ gRPC code table, and the decoding of
grpc-status-details-bin.

grpcio and protobuf come from Debian (python3-grpcio, python3-protobuf): run with
/usr/bin/python3 (notes/GRPC.md). The stubs go into a temporary folder not named grpc, which
would shadow grpcio's own package.
"""

import datetime
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

import grpc
from google.protobuf import json_format
from google.protobuf.descriptor import FieldDescriptor as FD

import probity_harness as h

PYTHON = "/usr/bin/python3"
PROTO_DIR = os.path.join(h.SRC, "api", "proto")
WKT_DIR = "/usr/include"
GRPC_PROTO_DIR = "/usr/share/grpc-proto"

# domain/error.c: the HTTP status of an error kind → its gRPC code. A conflict met by a Create
# is ALREADY_EXISTS (a unique key taken); elsewhere ABORTED.
REST_TO_GRPC = {
    400: grpc.StatusCode.INVALID_ARGUMENT,
    401: grpc.StatusCode.UNAUTHENTICATED,
    403: grpc.StatusCode.PERMISSION_DENIED,
    404: grpc.StatusCode.NOT_FOUND,
    405: grpc.StatusCode.UNIMPLEMENTED,
    406: grpc.StatusCode.INVALID_ARGUMENT,
    408: grpc.StatusCode.DEADLINE_EXCEEDED,
    409: grpc.StatusCode.ABORTED,
    411: grpc.StatusCode.INVALID_ARGUMENT,
    412: grpc.StatusCode.FAILED_PRECONDITION,
    413: grpc.StatusCode.RESOURCE_EXHAUSTED,
    415: grpc.StatusCode.INVALID_ARGUMENT,
    422: grpc.StatusCode.INVALID_ARGUMENT,
    429: grpc.StatusCode.RESOURCE_EXHAUSTED,
    431: grpc.StatusCode.RESOURCE_EXHAUSTED,
    500: grpc.StatusCode.INTERNAL,
    503: grpc.StatusCode.UNAVAILABLE,
}

_STUBS = {}


def compile_protos(protos, includes, tag, on_path=True):
    """Compiles protos (paths relative to an include dir) with grpc_tools.protoc into a new
    temporary folder (python and grpc python output), puts it first on sys.path (on_path) and
    returns it. Compiled once per process and tag."""
    if tag in _STUBS:
        return _STUBS[tag]
    out = tempfile.mkdtemp(prefix=f"probity_{tag}_")
    cp = subprocess.run([PYTHON, "-m", "grpc_tools.protoc"] + [f"-I{d}" for d in includes]
                        + [f"--python_out={out}", f"--grpc_python_out={out}"] + list(protos),
                        capture_output=True, text=True, timeout=120)
    if cp.returncode != 0:
        shutil.rmtree(out, ignore_errors=True)
        raise RuntimeError(f"grpc_tools.protoc failed ({cp.returncode}):\n{cp.stderr}")
    if on_path:
        sys.path.insert(0, out)
    _STUBS[tag] = out
    return out


def probity_stubs():
    """Every api/proto/probity/v1/*.proto and google/rpc/*.proto compiled; importable as
    probity.v1.<stem>_pb2(_grpc) and google.rpc.status_pb2 / error_details_pb2."""
    protos = sorted(os.path.relpath(p, PROTO_DIR) for p in
                    glob.glob(os.path.join(PROTO_DIR, "probity", "v1", "*.proto"))
                    + glob.glob(os.path.join(PROTO_DIR, "google", "rpc", "*.proto")))
    return compile_protos(protos, [PROTO_DIR, WKT_DIR], "stubs")


def camel(name):
    return "".join(p[:1].upper() + p[1:] for p in name.replace("-", "_").split("_") if p)


def snake(schema):
    out = []
    for i, c in enumerate(schema):
        if c.isupper() and i and not schema[i - 1].isupper():
            out.append("_")
        out.append(c.lower())
    return "".join(out)


def stem(entity):
    return entity.replace("-", "_")


# -- a message as REST's JSON ------------------------------------------------------------------

def format_ts(ts):
    """A google.protobuf.Timestamp as REST renders one: UTC, milliseconds, Z; nanoseconds when
    the instant has a finer part (REST never has one, so such a value will not compare equal)."""
    dt = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=ts.seconds)
    if ts.nanos % 1000000 == 0:
        return dt.strftime("%Y-%m-%dT%H:%M:%S") + f".{ts.nanos // 1000000:03d}Z"
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + f".{ts.nanos:09d}Z"


def _value(f, v):
    if f.type == FD.TYPE_MESSAGE:
        full = f.message_type.full_name
        if full == "google.protobuf.Timestamp":
            return format_ts(v)
        if full in ("google.protobuf.Value", "google.protobuf.Struct", "google.protobuf.ListValue"):
            return json_format.MessageToDict(v)
        return to_json(v)
    return v


def to_json(m):
    """The message as the JSON object REST answers for the same record: every field by its
    proto (= REST) name; an unset one-field oneof (a nullable scalar) or an unset message field
    is null; a Timestamp is REST's string; Value/Struct any JSON; int64 a JSON integer."""
    out = {}
    for f in m.DESCRIPTOR.fields:
        v = getattr(m, f.name)
        if f.label == FD.LABEL_REPEATED:
            out[f.name] = [_value(f, x) for x in v]
        elif f.type == FD.TYPE_MESSAGE or f.containing_oneof is not None:
            out[f.name] = _value(f, v) if m.HasField(f.name) else None
        else:
            out[f.name] = v
    return out


def from_json(cls, d):
    """A message of class cls from a REST JSON body (members named as the fields; null or absent
    members left unset)."""
    return json_format.ParseDict(_drop_nulls(d), cls())


def _drop_nulls(v):
    if isinstance(v, dict):
        return {k: _drop_nulls(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [_drop_nulls(x) for x in v]
    return v


# -- errors ------------------------------------------------------------------------------------

def status_details(err):
    """The google.rpc.Status in an RpcError's grpc-status-details-bin trailer, or None."""
    from google.rpc import status_pb2
    for k, v in (err.trailing_metadata() or ()):
        if k == "grpc-status-details-bin":
            st = status_pb2.Status()
            st.ParseFromString(v if isinstance(v, bytes) else v.encode("latin-1"))
            return st
    return None


def bad_request(err):
    """The google.rpc.BadRequest inside the status details: [(field, description)], or None when
    there is no such detail."""
    from google.rpc import error_details_pb2
    st = status_details(err)
    if st is None:
        return None
    for any_ in st.details:
        if any_.type_url.endswith("/google.rpc.BadRequest"):
            br = error_details_pb2.BadRequest()
            any_.Unpack(br)
            return [(v.field, v.description) for v in br.field_violations]
    return None


# -- the server --------------------------------------------------------------------------------

def grpc_env(port):
    return {"PROBITY_GRPC_ADDR": f"127.0.0.1:{port}"}


def wait_channel(channel, timeout=15.0):
    grpc.channel_ready_future(channel).result(timeout=timeout)


class GrpcCase(h.ProbityTestCase):
    """A ProbityTestCase whose server also serves gRPC on a free loopback port
    (PROBITY_GRPC_ADDR), with the Python stubs compiled and one channel open."""

    COMPILE_STUBS = True   # False: a client that knows no Probity .proto

    @classmethod
    def setUpClass(cls):
        if cls.COMPILE_STUBS:
            probity_stubs()
        cls.grpc_port = h.free_port()
        cls.SERVER_ENV = dict(cls.SERVER_ENV, **grpc_env(cls.grpc_port))
        super().setUpClass()
        cls.grpc_target = f"127.0.0.1:{cls.grpc_port}"
        cls.channel = grpc.insecure_channel(cls.grpc_target)
        cls.addClassCleanup(cls.channel.close)
        wait_channel(cls.channel)

    def md(self, token="admin", **extra):
        """Call metadata: authorization (the admin's key unless token is given; None: none)
        plus extra (underscores in names become dashes)."""
        out = []
        tok = self.server.token if token == "admin" else token
        if tok is not None:
            out.append(("authorization", "Bearer " + tok))
        for k, v in extra.items():
            out.append((k.replace("_", "-"), v))
        return out

    def rpc_error(self, fn, *args, **kw):
        """Calls fn expecting an RpcError; returns it."""
        try:
            got = fn(*args, **kw)
        except grpc.RpcError as err:
            return err
        self.fail(f"expected an error, got {got!r}")


# -- a TCP proxy, to take the database away from one server only ------------------------------

class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target; stop() closes the listener and every
    forwarded connection at once (the database seems to be gone), start() listens again."""

    def __init__(self, target_host, target_port):
        self.target = (target_host, target_port)
        self.port = h.free_port()
        self.lock = threading.Lock()
        self.socks = []
        self.listener = None
        self.thread = None

    def start(self):
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", self.port))
        ls.listen(64)
        self.listener = ls
        self.thread = threading.Thread(target=self._accept, args=(ls,), daemon=True)
        self.thread.start()
        return self

    def _accept(self, ls):
        while True:
            try:
                c, _ = ls.accept()
            except OSError:
                return
            try:
                u = socket.create_connection(self.target, timeout=5)
                u.settimeout(None)
            except OSError:
                c.close()
                continue
            with self.lock:
                self.socks += [c, u]
            for a, b in ((c, u), (u, c)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a, b):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def stop(self):
        if self.listener is not None:
            try:
                self.listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.listener.close()
            self.listener = None
        with self.lock:
            socks, self.socks = self.socks, []
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
        if self.thread is not None:
            self.thread.join(5)
        time.sleep(0.1)
