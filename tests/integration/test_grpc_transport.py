"""The gRPC transport (api/grpc/server.c, call.c, call_api.c, deframe.c), health and
reflection, from outside: Python grpcio (Debian's python3-grpcio, stubs compiled
at test time from /usr/share/grpc-proto) for what a stock client does, and a
hand-driven HTTP/2 client (python3-h2, which writes the frames we choose) for
what a stock client never sends: a wrong content-type, a message split across
frames or two in one, a compressed flag, a length over the maximum, garbage
after the preface, a tiny grpc-timeout, 200 streams on one connection, a small
flow-control window, and GOAWAY on SIGTERM.

Run with /usr/bin/python3 (grpcio, h2). The stubs go into a temporary folder
not named grpc (which would shadow grpcio's package): the protos are copied
flat, so their modules are health_pb2, reflection_v1_pb2 and
reflection_v1alpha_pb2, while their packages (what goes on the wire) stay
grpc.health.v1 and grpc.reflection.v1(alpha).
"""

import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import grpc
import h2.config
import h2.connection
import h2.events
import h2.settings
from google.protobuf import descriptor_pb2, descriptor_pool

from probity_harness import ProbityTestCase, Server, admin_url, psql, stop_and_check

GRPC_PROTO = "/usr/share/grpc-proto"
STUB_SOURCES = {"health.proto": "grpc/health/v1/health.proto",
                "reflection_v1.proto": "grpc/reflection/v1/reflection.proto",
                "reflection_v1alpha.proto": "grpc/reflection/v1alpha/reflection.proto"}

SERVING, NOT_SERVING, SERVICE_UNKNOWN = 1, 2, 3
MAX_MESSAGE = 4 * 1024 * 1024


def compile_stubs():
    d = tempfile.mkdtemp(prefix="probity_g2_stubs_")
    src = os.path.join(d, "protos")
    out = os.path.join(d, "py")
    os.makedirs(src)
    os.makedirs(out)
    for flat, rel in STUB_SOURCES.items():
        shutil.copy(os.path.join(GRPC_PROTO, rel), os.path.join(src, flat))
    cp = subprocess.run(["/usr/bin/python3", "-m", "grpc_tools.protoc", f"-I{src}",
                         f"--python_out={out}", f"--grpc_python_out={out}"] + list(STUB_SOURCES),
                        capture_output=True, text=True, timeout=120)
    if cp.returncode != 0:
        raise RuntimeError(f"grpc_tools.protoc failed: {cp.stderr}")
    sys.path.insert(0, out)
    return d


def frame(msg, flag=0):
    return struct.pack(">BI", flag, len(msg)) + msg


def deframe(data):
    msgs = []
    while data:
        flag, n = struct.unpack(">BI", data[:5])
        assert flag == 0, f"compressed answer: {data[:5]!r}"
        msgs.append(data[5:5 + n])
        data = data[5 + n:]
    return msgs


class Stream:
    def __init__(self):
        self.headers = None
        self.trailers = None
        self.data = b""
        self.ended = False
        self.reset = None

    @property
    def done(self):
        return self.ended or self.reset is not None

    def grpc_status(self):
        """grpc-status from the trailers, or from the headers of a trailers-only answer."""
        for block in (self.trailers, self.headers):
            if block and "grpc-status" in block:
                return int(block["grpc-status"])
        return None

    def field(self, name):
        for block in (self.trailers, self.headers):
            if block and name in block:
                return block[name]
        return None


class H2Client:
    """A hand-driven HTTP/2 client over a plain socket (python3-h2 frames what we ask,
    nothing more). It acknowledges received DATA (WINDOW_UPDATE) only as the test reads."""

    def __init__(self, port, window=None, timeout=15.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.conn = h2.connection.H2Connection(config=h2.config.H2Configuration(
            client_side=True, header_encoding="utf-8"))
        if window is not None:
            self.conn.local_settings = h2.settings.Settings(
                client=True, initial_values={h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: window})
        self.conn.initiate_connection()
        self.streams = {}
        self.goaways = []
        self.closed = False
        self.settings = False
        self.flush()
        if not self.wait(lambda: self.settings, timeout):
            raise AssertionError("no SETTINGS from the server")

    def flush(self):
        data = self.conn.data_to_send()
        if data:
            try:
                self.sock.sendall(data)
            except OSError:
                self.closed = True

    def start(self, path, content_type="application/grpc", extra=(), method="POST",
              end_stream=False):
        sid = self.conn.get_next_available_stream_id()
        hdrs = [(":method", method), (":scheme", "http"), (":path", path),
                (":authority", "probity.test"), ("te", "trailers")]
        if content_type is not None:
            hdrs.append(("content-type", content_type))
        hdrs += list(extra)
        self.conn.send_headers(sid, hdrs, end_stream=end_stream)
        self.streams[sid] = Stream()
        self.flush()
        return sid

    def send(self, sid, data, end_stream=False):
        """data as DATA frames as large as the peer's window and frame size allow."""
        while True:
            window = min(self.conn.local_flow_control_window(sid), self.conn.max_outbound_frame_size)
            if window < len(data) and window == 0:
                if not self.wait(lambda: self.conn.local_flow_control_window(sid) > 0, 15):
                    raise AssertionError("the server's window stayed shut")
                continue
            n = min(window, len(data))
            self.conn.send_data(sid, data[:n], end_stream=end_stream and n == len(data))
            self.flush()
            data = data[n:]
            if not data:
                return

    def call(self, path, chunks, **kw):
        """A request whose body goes as one DATA frame per chunk, the last ending the stream."""
        sid = self.start(path, **kw)
        for i, c in enumerate(chunks):
            self.send(sid, c, end_stream=(i == len(chunks) - 1))
        if not chunks and not kw.get("end_stream"):
            self.conn.end_stream(sid)
            self.flush()
        return sid

    def pump(self, timeout):
        """Reads and handles frames for up to timeout seconds; False at EOF."""
        r, _, _ = select.select([self.sock], [], [], max(0.0, timeout))
        if not r:
            return True
        try:
            data = self.sock.recv(65536)
        except (ConnectionResetError, OSError):
            data = b""
        if not data:
            self.closed = True
            return False
        for ev in self.conn.receive_data(data):
            st = self.streams.get(getattr(ev, "stream_id", None))
            if isinstance(ev, h2.events.RemoteSettingsChanged):
                self.settings = True
            elif isinstance(ev, h2.events.ResponseReceived):
                st.headers = dict(ev.headers)
            elif isinstance(ev, h2.events.TrailersReceived):
                st.trailers = dict(ev.headers)
            elif isinstance(ev, h2.events.DataReceived):
                st.data += ev.data
                self.conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
            elif isinstance(ev, h2.events.StreamEnded):
                st.ended = True
            elif isinstance(ev, h2.events.StreamReset):
                if st is not None:
                    st.reset = ev.error_code
            elif isinstance(ev, h2.events.ConnectionTerminated):
                self.goaways.append((ev.last_stream_id, ev.error_code))
        self.flush()
        return True

    def wait(self, cond, timeout=15.0):
        deadline = time.monotonic() + timeout
        while not cond():
            if time.monotonic() > deadline or self.closed:
                return cond()
            self.pump(min(0.2, deadline - time.monotonic()))
        return True

    def result(self, sid, timeout=15.0):
        st = self.streams[sid]
        if not self.wait(lambda: st.done, timeout):
            raise AssertionError(f"stream {sid} did not end within {timeout}s "
                                 f"(headers={st.headers}, closed={self.closed})")
        return st

    def close(self):
        self.sock.close()


class RawAfterGoaway:
    """python3-h2 refuses every frame once it has seen a GOAWAY, where HTTP/2 lets the
    streams up to its last stream id go on: after one, the frames are read here by hand
    (HPACK with the h2 connection's own decoder, whose dynamic table is the connection's)."""

    def __init__(self, client):
        self.c = client
        self.buf = b""
        self.goaways = []
        self.headers = {}   # stream id -> [dict, ...]
        self.data = {}
        self.ended = set()
        self.resets = {}
        self.eof = False

    def send_data(self, sid, payload, end_stream):
        hdr = len(payload).to_bytes(3, "big") + bytes([0x0, 0x1 if end_stream else 0x0])
        self.c.sock.sendall(hdr + struct.pack(">I", sid) + payload)

    def read(self, cond, timeout=10.0):
        deadline = time.monotonic() + timeout
        while not cond() and not self.eof and time.monotonic() < deadline:
            r, _, _ = select.select([self.c.sock], [], [], min(0.2, deadline - time.monotonic()))
            if not r:
                continue
            try:
                chunk = self.c.sock.recv(65536)
            except (ConnectionResetError, OSError):
                chunk = b""
            if not chunk:
                self.eof = True
                break
            self.buf += chunk
            while len(self.buf) >= 9:
                n = int.from_bytes(self.buf[:3], "big")
                if len(self.buf) < 9 + n:
                    break
                ftype, flags = self.buf[3], self.buf[4]
                sid = struct.unpack(">I", self.buf[5:9])[0] & 0x7fffffff
                payload, self.buf = self.buf[9:9 + n], self.buf[9 + n:]
                self.frame(ftype, flags, sid, payload)
        return cond()

    def frame(self, ftype, flags, sid, payload):
        if ftype == 0x7:  # GOAWAY
            last, code = struct.unpack(">II", payload[:8])
            self.goaways.append((last & 0x7fffffff, code))
        elif ftype == 0x6 and not flags & 0x1:  # PING: answer it, as a client does
            self.c.sock.sendall(b"\x00\x00\x08\x06\x01\x00\x00\x00\x00" + payload)
        elif ftype == 0x1:  # HEADERS
            block = payload
            if flags & 0x8:
                block = block[1:len(block) - block[0]]
            if flags & 0x20:
                block = block[5:]
            self.headers.setdefault(sid, []).append(dict(self.c.conn.decoder.decode(block)))
            if flags & 0x1:
                self.ended.add(sid)
        elif ftype == 0x0:  # DATA
            self.data[sid] = self.data.get(sid, b"") + payload
            if flags & 0x1:
                self.ended.add(sid)
        elif ftype == 0x3:
            self.resets[sid] = struct.unpack(">I", payload)[0]

    def status(self, sid):
        for h in reversed(self.headers.get(sid, [])):
            if "grpc-status" in h:
                return int(h["grpc-status"])
        return None


class GrpcTransport(ProbityTestCase):

    @classmethod
    def setUpClass(cls):
        cls.stub_dir = compile_stubs()
        cls.addClassCleanup(shutil.rmtree, cls.stub_dir, True)
        super().setUpClass()
        global health_pb2, health_pb2_grpc, r1, r1_grpc, ra, ra_grpc
        import health_pb2
        import health_pb2_grpc
        import reflection_v1_pb2 as r1
        import reflection_v1_pb2_grpc as r1_grpc
        import reflection_v1alpha_pb2 as ra
        import reflection_v1alpha_pb2_grpc as ra_grpc

    def setUp(self):
        super().setUp()
        self.channel = grpc.insecure_channel(self.server.grpc_addr)
        self.addCleanup(self.channel.close)
        self.health = health_pb2_grpc.HealthStub(self.channel)

    def h2(self, **kw):
        c = H2Client(self.server.grpc_port, **kw)
        self.addCleanup(c.close)
        return c

    def check(self, service="", timeout=10):
        return self.health.Check(health_pb2.HealthCheckRequest(service=service), timeout=timeout)

    def health_request(self, service=""):
        return health_pb2.HealthCheckRequest(service=service).SerializeToString()

    # -- health ---------------------------------------------------------------

    def test_health_check_serving(self):
        for service in ("", "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
                        "grpc.reflection.v1alpha.ServerReflection", "probity.v1.OrganizationsService"):
            with self.subTest(service=service):
                self.assertEqual(self.check(service).status, SERVING)
        with self.assertRaises(grpc.RpcError) as cm:
            self.check("no.such.Service")
        self.assertEqual(cm.exception.code(), grpc.StatusCode.NOT_FOUND)
        watch = self.health.Watch(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=10)
        self.assertEqual(next(watch).status, SERVICE_UNKNOWN)
        watch.cancel()

    def test_health_follows_the_database(self):
        """NOT_SERVING while the server's database refuses connections (its sessions
        ended, new ones refused), SERVING again after; Watch sees both changes."""
        seen = []
        watch = self.health.Watch(health_pb2.HealthCheckRequest(service=""), timeout=60)

        def follow():
            try:
                for m in watch:
                    seen.append(m.status)
            except grpc.RpcError:
                pass
        t = threading.Thread(target=follow, daemon=True)
        t.start()
        self.assertTrue(self.wait_for(lambda: seen == [SERVING], 10), seen)
        name = self.db.name
        off = f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false'
        kick = f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        try:
            psql(admin_url(), off)
            psql(admin_url(), kick)
            self.assertTrue(self.wait_for(lambda: NOT_SERVING in seen, 10), seen)
            self.assertEqual(self.check().status, NOT_SERVING)
            self.assertEqual(self.check("probity.v1.OrganizationsService").status, NOT_SERVING)
        finally:
            psql(admin_url(), f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
        self.assertTrue(self.wait_for(lambda: seen[-1:] == [SERVING], 10), seen)
        self.assertEqual(seen, [SERVING, NOT_SERVING, SERVING])
        self.assertEqual(self.check().status, SERVING)
        watch.cancel()
        t.join(5)

    def wait_for(self, cond, timeout):
        deadline = time.monotonic() + timeout
        while not cond() and time.monotonic() < deadline:
            time.sleep(0.05)
        return cond()

    # -- reflection -----------------------------------------------------------

    def reflect(self, version, requests):
        mod, stubs = (r1, r1_grpc) if version == "v1" else (ra, ra_grpc)
        stub = stubs.ServerReflectionStub(self.channel)
        return list(stub.ServerReflectionInfo(iter([mod.ServerReflectionRequest(**r) for r in requests]),
                                              timeout=15))

    @staticmethod
    def load(pool, blobs, loaded):
        """Adds FileDescriptorProtos to pool, dependencies first."""
        files = {f.name: f for f in (descriptor_pb2.FileDescriptorProto.FromString(b) for b in blobs)}

        def add(name):
            if name in loaded or name not in files:
                return
            for dep in files[name].dependency:
                add(dep)
            pool.Add(files[name])
            loaded.add(name)
        for name in files:
            add(name)
        return list(files)

    def test_reflection_lists_services_and_their_files_load(self):
        for version in ("v1", "v1alpha"):
            with self.subTest(version=version):
                [resp] = self.reflect(version, [{"list_services": ""}])
                names = [s.name for s in resp.list_services_response.service]
                for want in ("grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
                             "grpc.reflection.v1alpha.ServerReflection",
                             "probity.v1.OrganizationsService"):
                    self.assertIn(want, names)
                # one stream, one answer per request, in order
                answers = self.reflect(version, [{"file_containing_symbol": n} for n in names])
                self.assertEqual(len(answers), len(names))
                pool, loaded = descriptor_pool.DescriptorPool(), set()
                for name, a in zip(names, answers):
                    self.assertEqual(a.original_request.file_containing_symbol, name)
                    self.assertEqual(a.WhichOneof("message_response"), "file_descriptor_response", a)
                    self.load(pool, a.file_descriptor_response.file_descriptor_proto, loaded)
                for name in names:
                    svc = pool.FindServiceByName(name)
                    self.assertTrue(svc.methods, name)
                self.assertEqual([m.name for m in pool.FindServiceByName("grpc.health.v1.Health").methods],
                                 ["Check", "Watch"])

    def test_reflection_symbols_files_and_errors(self):
        reqs = [{"file_by_filename": "grpc/health/v1/health.proto"},
                {"file_containing_symbol": "grpc.health.v1.Health.Check"},            # a method
                {"file_containing_symbol": "grpc.health.v1.HealthCheckResponse"},     # a message
                {"file_containing_symbol": "grpc.health.v1.HealthCheckResponse.ServingStatus"},  # nested enum
                {"file_containing_symbol": "google.protobuf.Timestamp"},
                {"file_containing_symbol": "no.such.Symbol"},
                {"file_by_filename": "no/such.proto"},
                {"all_extension_numbers_of_type": "grpc.health.v1.HealthCheckRequest"},
                {"all_extension_numbers_of_type": "no.such.Type"}]
        for version in ("v1", "v1alpha"):
            with self.subTest(version=version):
                a = self.reflect(version, reqs)
                self.assertEqual(len(a), len(reqs))
                for i in range(4):
                    files = [descriptor_pb2.FileDescriptorProto.FromString(b).name
                             for b in a[i].file_descriptor_response.file_descriptor_proto]
                    self.assertEqual(files, ["grpc/health/v1/health.proto"], a[i])
                files = [descriptor_pb2.FileDescriptorProto.FromString(b).name
                         for b in a[4].file_descriptor_response.file_descriptor_proto]
                self.assertEqual(files, ["google/protobuf/timestamp.proto"])
                for i in (5, 6, 8):
                    self.assertEqual(a[i].WhichOneof("message_response"), "error_response", a[i])
                    self.assertEqual(a[i].error_response.error_code, grpc.StatusCode.NOT_FOUND.value[0])
                ext = a[7].all_extension_numbers_response
                self.assertEqual(ext.base_type_name, "grpc.health.v1.HealthCheckRequest")
                self.assertEqual(list(ext.extension_number), [])
        # the same file bytes both ways, as embedded
        v1 = self.reflect("v1", [{"file_by_filename": "grpc/reflection/v1/reflection.proto"}])
        va = self.reflect("v1alpha", [{"file_by_filename": "grpc/reflection/v1/reflection.proto"}])
        self.assertEqual(v1[0].file_descriptor_response.file_descriptor_proto,
                         va[0].file_descriptor_response.file_descriptor_proto)

    def test_reflection_under_a_tiny_flow_control_window(self):
        """A client that opens its window 100 bytes at a time still gets every byte."""
        c = self.h2(window=100)
        req = r1.ServerReflectionRequest(file_containing_symbol="probity.v1.OrganizationsService")
        sid = c.call("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
                     [frame(req.SerializeToString())])
        st = c.result(sid, 30)
        self.assertEqual(st.grpc_status(), 0, st.trailers)
        [msg] = deframe(st.data)
        resp = r1.ServerReflectionResponse.FromString(msg)
        self.assertGreater(len(resp.file_descriptor_response.file_descriptor_proto), 1)

    # -- the protocol, by hand ------------------------------------------------

    def test_wrong_content_type_is_415(self):
        c = self.h2()
        for ct in ("application/json", "text/plain", "application/grpcx", None):
            with self.subTest(content_type=ct):
                st = c.result(c.call("/grpc.health.v1.Health/Check", [frame(b"")], content_type=ct))
                self.assertEqual(st.headers[":status"], "415", st.headers)
                self.assertIsNone(st.grpc_status(), "a plain HTTP answer, not a gRPC status")
        for ct in ("application/grpc+proto", "application/grpc; charset=utf-8"):
            with self.subTest(content_type=ct):
                st = c.result(c.call("/grpc.health.v1.Health/Check", [frame(b"")], content_type=ct))
                self.assertEqual((st.headers[":status"], st.grpc_status()), ("200", 0))
        st = c.result(c.call("/grpc.health.v1.Health/Check", [], method="GET", end_stream=True))
        self.assertEqual(st.headers[":status"], "405")

    def test_message_split_across_frames_and_several_per_frame(self):
        c = self.h2()
        body = frame(self.health_request("grpc.health.v1.Health"))
        # split inside the prefix and inside the message, one byte frames too
        chunks = [body[:2], body[2:3], body[3:7], body[7:8], body[8:]]
        st = c.result(c.call("/grpc.health.v1.Health/Check", chunks))
        self.assertEqual(st.grpc_status(), 0, st.trailers)
        self.assertEqual(st.headers.get("content-type"), "application/grpc")
        [msg] = deframe(st.data)
        self.assertEqual(health_pb2.HealthCheckResponse.FromString(msg).status, SERVING)
        # a 1 MiB message crosses many frames and window updates
        big = frame(self.health_request("x" * (1 << 20)))
        st = c.result(c.call("/grpc.health.v1.Health/Check",
                             [big[i:i + 16384] for i in range(0, len(big), 16384)]), 30)
        self.assertEqual(st.grpc_status(), grpc.StatusCode.NOT_FOUND.value[0])
        # two messages in one frame on a unary method: a protocol violation
        st = c.result(c.call("/grpc.health.v1.Health/Check", [body + body]))
        self.assertEqual(st.grpc_status(), grpc.StatusCode.INTERNAL.value[0], st.headers)
        self.assertIsNone(st.trailers, "trailers-only: nothing was answered before")
        self.assertEqual(st.data, b"")
        # a bidi method takes several in one frame, and answers each
        reqs = b"".join(frame(r1.ServerReflectionRequest(list_services="").SerializeToString())
                        for _ in range(3))
        st = c.result(c.call("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", [reqs]))
        self.assertEqual(st.grpc_status(), 0)
        self.assertEqual(len(deframe(st.data)), 3)
        # no message at all on a unary call, and a message cut short
        st = c.result(c.call("/grpc.health.v1.Health/Check", []))
        self.assertEqual(st.grpc_status(), grpc.StatusCode.INTERNAL.value[0])
        st = c.result(c.call("/grpc.health.v1.Health/Check", [body[:-1]]))
        self.assertEqual(st.grpc_status(), grpc.StatusCode.INTERNAL.value[0])

    def test_compressed_message_is_unimplemented(self):
        c = self.h2()
        st = c.result(c.call("/grpc.health.v1.Health/Check",
                             [frame(self.health_request(), flag=1)],
                             extra=[("grpc-encoding", "gzip")]))
        self.assertEqual(st.grpc_status(), grpc.StatusCode.UNIMPLEMENTED.value[0])
        self.assertEqual(st.field("grpc-accept-encoding"), "identity")

    def test_message_over_the_maximum_is_resource_exhausted(self):
        c = self.h2()
        sid = c.start("/grpc.health.v1.Health/Check")
        c.send(sid, struct.pack(">BI", 0, MAX_MESSAGE + 1))  # the prefix alone; the stream stays open
        st = c.result(sid)
        self.assertEqual(st.grpc_status(), grpc.StatusCode.RESOURCE_EXHAUSTED.value[0])
        self.assertIn("larger than max", st.field("grpc-message"))
        # the server told the client to stop sending (RST_STREAM NO_ERROR after its answer)
        self.assertTrue(c.wait(lambda: st.reset is not None, 5), "no RST_STREAM after the answer")
        self.assertEqual(st.reset, 0)
        # exactly the maximum is fine (refused for the unknown service only)
        body = frame(self.health_request("y" * (MAX_MESSAGE - 8)))
        self.assertLessEqual(len(body) - 5, MAX_MESSAGE)
        st = c.result(c.call("/grpc.health.v1.Health/Check",
                             [body[i:i + 16384] for i in range(0, len(body), 16384)]), 60)
        self.assertEqual(st.grpc_status(), grpc.StatusCode.NOT_FOUND.value[0])
        # and through grpcio
        with self.assertRaises(grpc.RpcError) as cm:
            self.check("z" * MAX_MESSAGE)
        self.assertIn(cm.exception.code(), (grpc.StatusCode.RESOURCE_EXHAUSTED,))

    def test_unknown_method_and_percent_encoded_message(self):
        c = self.h2()
        st = c.result(c.call("/no.such.Service/M%é", [frame(b"")]))
        self.assertEqual(st.headers[":status"], "200")
        self.assertEqual(st.grpc_status(), grpc.StatusCode.UNIMPLEMENTED.value[0])
        self.assertTrue(st.ended and st.trailers is None, "trailers-only")
        msg = st.field("grpc-message")
        self.assertIn("%25", msg)        # '%' itself
        self.assertIn("%C3%A9", msg)     # non-ASCII bytes
        with self.assertRaises(grpc.RpcError) as cm:
            self.channel.unary_unary("/no.such.Service/Method")(b"", timeout=5)
        self.assertEqual(cm.exception.code(), grpc.StatusCode.UNIMPLEMENTED)

    def test_deadline_exceeded(self):
        c = self.h2()
        # the request never completes: only the deadline ends the call
        t0 = time.monotonic()
        sid = c.start("/grpc.health.v1.Health/Check", extra=[("grpc-timeout", "200m")])
        st = c.result(sid, 5)
        self.assertGreaterEqual(time.monotonic() - t0, 0.15)
        self.assertEqual(st.grpc_status(), grpc.StatusCode.DEADLINE_EXCEEDED.value[0])
        self.assertTrue(c.wait(lambda: st.reset is not None, 5), "no RST_STREAM after the deadline")
        # a Watch (the handler holds the call) is ended by its deadline too
        sid = c.call("/grpc.health.v1.Health/Watch", [frame(self.health_request())],
                     extra=[("grpc-timeout", "300000u")])
        st = c.result(sid, 5)
        self.assertEqual(st.grpc_status(), grpc.StatusCode.DEADLINE_EXCEEDED.value[0])
        self.assertEqual(health_pb2.HealthCheckResponse.FromString(deframe(st.data)[0]).status, SERVING)
        # a malformed grpc-timeout
        st = c.result(c.call("/grpc.health.v1.Health/Check", [frame(b"")],
                             extra=[("grpc-timeout", "123456789S")]))
        self.assertEqual(st.grpc_status(), grpc.StatusCode.INTERNAL.value[0])
        # grpcio with a tiny deadline
        with self.assertRaises(grpc.RpcError) as cm:
            self.check(timeout=0.000001)
        self.assertEqual(cm.exception.code(), grpc.StatusCode.DEADLINE_EXCEEDED)
        self.assertEqual(self.check().status, SERVING)

    def test_client_cancellation(self):
        c = self.h2()
        sid = c.call("/grpc.health.v1.Health/Watch", [frame(self.health_request())])
        st = c.streams[sid]
        self.assertTrue(c.wait(lambda: len(st.data) > 0, 5))
        c.conn.reset_stream(sid, error_code=8)  # CANCEL
        c.flush()
        # the server goes on serving on the same connection
        st2 = c.result(c.call("/grpc.health.v1.Health/Check", [frame(self.health_request())]))
        self.assertEqual(st2.grpc_status(), 0)
        watch = self.health.Watch(health_pb2.HealthCheckRequest(), timeout=10)
        self.assertEqual(next(watch).status, SERVING)
        watch.cancel()
        self.assertEqual(self.check().status, SERVING)
        # a connection dropped with calls open
        c2 = self.h2()
        c2.call("/grpc.health.v1.Health/Watch", [frame(self.health_request())])
        c2.start("/grpc.health.v1.Health/Check")
        c2.pump(0.3)
        c2.close()
        self.assertEqual(self.check().status, SERVING)

    def test_rapid_reset_is_refused(self):
        """CVE-2023-44487: streams opened and reset at once, thousands of them, cost the client
        nothing and the server a call each. libnghttp2 1.52.0-1+deb12u1 and later limit the rate
        of resets (a burst of 1000, then 33 a second): past it the connection is ended with a
        GOAWAY, and the server goes on serving others."""
        c = self.h2()
        body = frame(self.health_request())
        sent = 0
        for i in range(5000):
            if c.closed or c.goaways:
                break
            sid = c.conn.get_next_available_stream_id()
            c.conn.send_headers(sid, [(":method", "POST"), (":scheme", "http"),
                                      (":path", "/grpc.health.v1.Health/Check"),
                                      (":authority", "probity.test"), ("te", "trailers"),
                                      ("content-type", "application/grpc")])
            c.conn.send_data(sid, body, end_stream=True)
            c.conn.reset_stream(sid, error_code=8)  # CANCEL
            sent += 1
            if i % 50 == 49:
                c.flush()
                c.pump(0)
        c.flush()
        c.wait(lambda: bool(c.goaways), 10)
        self.assertTrue(c.goaways, f"no GOAWAY after {sent} streams reset at once")
        # nghttp2 ends the session as an internal error; before the burst was used up, not long after
        self.assertEqual(c.goaways[0][1], 2)
        self.assertLess(sent, 2000)
        self.assertEqual(self.check().status, SERVING)

    def test_malformed_frame_is_a_connection_error(self):
        s = socket.create_connection(("127.0.0.1", self.server.grpc_port), timeout=10)
        self.addCleanup(s.close)
        settings = struct.pack(">I", 0)[1:] + b"\x04\x00" + struct.pack(">I", 0)
        s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + settings + b"\xff" * 64)
        got = b""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            got += chunk
        types = []
        while len(got) >= 9:
            n = int.from_bytes(got[:3], "big")
            types.append(got[3])
            got = got[9 + n:]
        self.assertIn(0x7, types, "no GOAWAY before the close")
        # a bad preface: closed too
        s2 = socket.create_connection(("127.0.0.1", self.server.grpc_port), timeout=10)
        self.addCleanup(s2.close)
        s2.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        s2.settimeout(10)
        while True:
            try:
                if not s2.recv(65536):
                    break
            except (ConnectionResetError, socket.timeout):
                break
        self.assertEqual(self.check().status, SERVING)

    def test_200_concurrent_streams_on_one_connection(self):
        c = self.h2()
        body = frame(self.health_request())
        sids = [c.start("/grpc.health.v1.Health/Check") for _ in range(200)]
        for sid in sids:
            c.conn.send_data(sid, body, end_stream=True)
        c.flush()  # 200 requests in flight at once
        self.assertTrue(c.wait(lambda: all(c.streams[s].done for s in sids), 30),
                        sum(c.streams[s].done for s in sids))
        for sid in sids:
            st = c.streams[sid]
            self.assertEqual(st.grpc_status(), 0, (sid, st.headers, st.trailers, st.reset))
            self.assertEqual(health_pb2.HealthCheckResponse.FromString(deframe(st.data)[0]).status,
                             SERVING)
        # grpcio: one channel is one connection
        futures = [self.health.Check.future(health_pb2.HealthCheckRequest(), timeout=30)
                   for _ in range(200)]
        self.assertEqual({f.result().status for f in futures}, {SERVING})

    # -- shutdown, TLS, configuration -------------------------------------------

    def test_goaway_on_sigterm(self):
        srv = Server(self.db.url).start()
        try:
            c = H2Client(srv.grpc_port)
            self.addCleanup(c.close)
            watch = c.call("/grpc.health.v1.Health/Watch", [frame(self.health_request())])
            self.assertTrue(c.wait(lambda: len(c.streams[watch].data) > 0, 10))
            pending = c.start("/grpc.health.v1.Health/Check")  # its request not complete yet
            c.pump(0.2)
            srv.send_signal(signal.SIGTERM)
            raw = RawAfterGoaway(c)
            self.assertTrue(raw.read(lambda: len(raw.goaways) >= 1, 5), "no GOAWAY after SIGTERM")
            self.assertEqual(raw.goaways[0], (2 ** 31 - 1, 0), "first the shutdown notice")
            # the call begun before the GOAWAY is still served
            raw.send_data(pending, frame(self.health_request()), end_stream=True)
            self.assertTrue(raw.read(lambda: pending in raw.ended, 5), raw.headers)
            self.assertEqual(raw.status(pending), 0)
            self.assertEqual(health_pb2.HealthCheckResponse.FromString(
                deframe(raw.data[pending])[0]).status, SERVING)
            self.assertTrue(raw.read(lambda: len(raw.goaways) >= 2, 5), raw.goaways)
            self.assertEqual(raw.goaways[1], (pending, 0), "then the last stream processed")
            # a Watch does not hold the shutdown: it ends UNAVAILABLE
            self.assertTrue(raw.read(lambda: watch in raw.ended, 5), raw.headers)
            self.assertEqual(raw.status(watch), grpc.StatusCode.UNAVAILABLE.value[0])
            self.assertTrue(raw.read(lambda: raw.eof, 5), "the connection stays open")
            t0 = time.monotonic()
            problems = stop_and_check(srv, sig=None)
            self.assertEqual(problems, [])
            self.assertLess(time.monotonic() - t0, 5)
        finally:
            srv.stop(signal.SIGKILL, 5)

    def test_tls_with_alpn_h2(self):
        d = tempfile.mkdtemp(prefix="probity_g2_tls_")
        self.addCleanup(shutil.rmtree, d, True)
        cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                        "-keyout", key, "-out", cert], check=True, capture_output=True, timeout=60)
        srv = Server(self.db.url, {"PROBITY_GRPC_TLS_CERT": cert, "PROBITY_GRPC_TLS_KEY": key}).start()
        try:
            with open(cert, "rb") as f:
                creds = grpc.ssl_channel_credentials(root_certificates=f.read())
            with grpc.secure_channel(srv.grpc_addr, creds,
                                     options=[("grpc.ssl_target_name_override", "localhost")]) as ch:
                stub = health_pb2_grpc.HealthStub(ch)
                self.assertEqual(stub.Check(health_pb2.HealthCheckRequest(), timeout=10).status, SERVING)
            # cleartext to a TLS port gets nowhere
            with grpc.insecure_channel(srv.grpc_addr) as ch:
                with self.assertRaises(grpc.RpcError) as cm:
                    health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=3)
                self.assertIn(cm.exception.code(), (grpc.StatusCode.UNAVAILABLE,
                                                    grpc.StatusCode.DEADLINE_EXCEEDED))
            self.assertEqual(stop_and_check(srv), [])
        finally:
            srv.stop(signal.SIGKILL, 5)
        # a certificate without its key is refused at start, in one line
        bad = Server(self.db.url, {"PROBITY_GRPC_TLS_CERT": cert})
        with self.assertRaises(RuntimeError) as cm:
            bad.start(timeout=10)
        self.assertIn("PROBITY_GRPC_TLS_KEY", str(cm.exception))
        bad = Server(self.db.url, {"PROBITY_GRPC_TLS_CERT": cert, "PROBITY_GRPC_TLS_KEY": cert})
        with self.assertRaises(RuntimeError) as cm:
            bad.start(timeout=10)
        self.assertIn("private key", str(cm.exception))

    def test_idle_connection_gets_goaway(self):
        srv = Server(self.db.url, {"PROBITY_GRPC_IDLE_TIMEOUT": "1"}).start()
        try:
            c = H2Client(srv.grpc_port)
            self.addCleanup(c.close)
            st = c.result(c.call("/grpc.health.v1.Health/Check", [frame(self.health_request())]))
            self.assertEqual(st.grpc_status(), 0)
            t0 = time.monotonic()
            self.assertTrue(c.wait(lambda: c.goaways, 5), "no GOAWAY on an idle connection")
            self.assertEqual(c.goaways[0][1], 0, "NO_ERROR")
            self.assertTrue(c.wait(lambda: c.closed, 5))
            self.assertGreater(time.monotonic() - t0, 0.5)
            # a connection with a call open is not idle
            c2 = H2Client(srv.grpc_port)
            self.addCleanup(c2.close)
            w = c2.call("/grpc.health.v1.Health/Watch", [frame(self.health_request())])
            c2.wait(lambda: False, 2.5)
            self.assertEqual(c2.goaways, [])
            self.assertFalse(c2.streams[w].done)
            self.assertEqual(stop_and_check(srv), [])
        finally:
            srv.stop(signal.SIGKILL, 5)

    def test_grpc_off(self):
        srv = Server(self.db.url, {"PROBITY_GRPC_ADDR": ""}).start()
        try:
            with self.assertRaises(OSError):
                socket.create_connection(("127.0.0.1", srv.grpc_port), timeout=2).close()
            self.assertEqual(srv.request("GET", "/healthz").status, 200)
            self.assertNotIn("grpc_listening", srv.stderr_text())
            self.assertEqual(stop_and_check(srv), [])
        finally:
            srv.stop(signal.SIGKILL, 5)


if __name__ == "__main__":
    unittest.main()
