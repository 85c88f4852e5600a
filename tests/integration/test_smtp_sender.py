"""The SMTP sender (jobs/smtp.c, jobs/mailmsg.c) against a real SMTP server:
aiosmtpd started here, answering as each test tells it. The C code is driven
through tests/integration/smtp_send_tool.c, found through PROBITY_SMTP_TOOL.
Checks what the outbox relies on: what was delivered parses back to what was
sent; 451 is RETRY, 550 is FAILED; a connection lost after the final dot is
UNKNOWN (and the retry carries the same Message-ID); no server is RETRY; a
required STARTTLS is never skipped, and works against a server that has it."""

import email
import email.policy
import logging
import os
import socket
import ssl
import subprocess
import tempfile
import unittest

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

SUBJECT_MN = "Шилэн дансны мэдээлэл: 2026 оны 10 сар"
SUBJECT_KK = "Ашық бюджет: 2026 жылғы қазан айының есебі — еске салу"
SUBJECT_RU = "Напоминание: публикация отчётов за октябрь 2026 года до 15-го числа"
FROM = "Пробити систем <noreply@probity.example>"
TO = "finance@khan-uul.example.mn"
TEXT = ("Сайн байна уу?\n\nДараах мэдээлэл 2026-11-15-ны 23:59 цагаас өмнө нийтлэгдээгүй байна:\n"
        ".\n- Төсвийн гүйцэтгэл\n" + "урт мөр " * 200 + "\n")
HTML = "<p>Сайн байна уу?</p>\n<ul><li>Төсвийн гүйцэтгэл</li></ul>\n.\n"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login == b"probity"
          and auth_data.password == b"s3cret")
    return AuthResult(success=ok, handled=False)


def crlf(s):
    return s.replace("\r\n", "\n").replace("\n", "\r\n")


class DroppedAfterDot(ConnectionResetError):
    pass


class Sink:
    """Saves accepted messages to a folder; can answer 451 a number of times,
    refuse the recipient with 550, or drop the connection after the final dot
    without replying."""

    def __init__(self, folder):
        self.folder = folder
        self.reset()

    def reset(self):
        self.temp_failures = 0
        self.reject_rcpt = False
        self.drop_after_dot = False
        self.mail_commands = 0
        self.saved = []      # (path, envelope, over TLS)
        self.dropped = []    # raw bytes of messages received whose reply never went out

    async def handle_MAIL(self, server, session, envelope, address, options):
        self.mail_commands += 1
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):
        if self.reject_rcpt:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.temp_failures > 0:
            self.temp_failures -= 1
            return "451 4.3.0 try later"
        if self.drop_after_dot:
            # The whole message, final dot included, has arrived: vanish
            # before the reply, as a crashing or cut-off server would.
            self.dropped.append(envelope.original_content)
            server.transport.abort()
            raise DroppedAfterDot()
        path = os.path.join(self.folder, "%03d.eml" % len(self.saved))
        with open(path, "wb") as f:
            f.write(envelope.original_content)
        self.saved.append((path, envelope, session.ssl is not None))
        return "250 2.0.0 Ok: queued"


class SmtpSenderTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        # The failures these tests cause on purpose (a refused handshake, a
        # dropped connection) would print aiosmtpd's tracebacks.
        logging.getLogger("mail.log").setLevel(logging.CRITICAL)
        cls.tool = os.environ.get("PROBITY_SMTP_TOOL")
        if not cls.tool or not os.access(cls.tool, os.X_OK):
            raise RuntimeError("PROBITY_SMTP_TOOL must name the built smtp_send_tool")
        cls.tmp = tempfile.TemporaryDirectory()
        cls.cert = os.path.join(cls.tmp.name, "cert.pem")
        key = os.path.join(cls.tmp.name, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", key, "-out", cls.cert],
                       check=True, capture_output=True)
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(cls.cert, key)
        cls.sink = Sink(cls.tmp.name)
        cls.plain = cls.start(Controller(cls.sink, hostname="127.0.0.1", port=free_port()))
        # The production shape: STARTTLS, then AUTH, both required.
        cls.tls = cls.start(Controller(cls.sink, hostname="127.0.0.1", port=free_port(),
                                       tls_context=tls, require_starttls=True,
                                       authenticator=authenticate, auth_required=True))

    @classmethod
    def start(cls, controller):
        controller.start()
        cls.addClassCleanup(controller.stop)
        return controller

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def setUp(self):
        self.sink.reset()

    def send(self, port=None, subject=SUBJECT_MN, msgid="row-1@probity.example",
             starttls=False, ca_file=None, html=HTML, extra=()):
        """Runs the tool; returns (outcome, reply)."""
        args = [self.tool, "--url", "smtp://127.0.0.1:%d" % (port or self.plain.port),
                "--from", FROM, "--to", TO, "--subject", subject, "--text", TEXT,
                "--message-id", msgid, "--timeout", "5"]
        if html is not None:
            args += ["--html", html]
        if starttls:
            args.append("--starttls")
        if ca_file:
            args += ["--ca-file", ca_file]
        r = subprocess.run(args + list(extra), capture_output=True, text=True, timeout=30)
        self.assertIn(r.returncode, (0, 2), r.stderr)
        self.assertEqual(r.stderr, "", "sanitizer or libcurl noise")
        outcome, _, reply = r.stdout.rstrip("\n").partition("\t")
        return outcome, reply

    def assert_wire_format(self, raw):
        lines = raw.split(b"\r\n")
        self.assertEqual(lines[-1], b"", "message must end with CRLF")
        for line in lines:
            self.assertNotIn(b"\n", line, "bare LF")
            self.assertNotIn(b"\r", line, "bare CR")
            self.assertLessEqual(len(line), 998)
            self.assertNotEqual(line, b".")

    def test_delivered_message_parses_back(self):
        for subject in (SUBJECT_MN, SUBJECT_KK, SUBJECT_RU, "Monthly report 2026-10"):
            with self.subTest(subject=subject):
                self.sink.reset()
                outcome, reply = self.send(subject=subject)
                self.assertEqual((outcome, reply), ("SENT", "250 2.0.0 Ok: queued"))
                self.assertEqual(len(self.sink.saved), 1)
                path, envelope, _ = self.sink.saved[0]
                self.assertEqual(envelope.mail_from, "noreply@probity.example")
                self.assertEqual(envelope.rcpt_tos, [TO])
                with open(path, "rb") as f:
                    raw = f.read()
                self.assert_wire_format(raw)
                msg = email.message_from_bytes(raw, policy=email.policy.default)
                self.assertEqual(msg["Subject"], subject)
                self.assertEqual(msg["From"].addresses[0].display_name, "Пробити систем")
                self.assertEqual(msg["From"].addresses[0].addr_spec, "noreply@probity.example")
                self.assertEqual(msg["To"].addresses[0].addr_spec, TO)
                self.assertEqual(msg["Message-ID"], "<row-1@probity.example>")
                self.assertEqual(msg["MIME-Version"], "1.0")
                self.assertEqual(msg["Date"].datetime.utcoffset().total_seconds(), 0)
                self.assertEqual(msg.get_content_type(), "multipart/alternative")
                parts = list(msg.iter_parts())
                self.assertEqual([p.get_content_type() for p in parts],
                                 ["text/plain", "text/html"])
                self.assertEqual(parts[0].get_content(), crlf(TEXT))
                self.assertEqual(parts[1].get_content(), crlf(HTML))
                self.assertEqual(msg.defects, [])

    def test_text_only(self):
        self.assertEqual(self.send(html=None)[0], "SENT")
        with open(self.sink.saved[0][0], "rb") as f:
            msg = email.message_from_bytes(f.read(), policy=email.policy.default)
        self.assertEqual(msg.get_content_type(), "text/plain")
        self.assertEqual(msg.get_content(), crlf(TEXT))

    def test_451_twice_then_250(self):
        self.sink.temp_failures = 2
        for _ in range(2):
            outcome, reply = self.send()
            self.assertEqual(outcome, "RETRY")
            self.assertEqual(reply, "451 4.3.0 try later")
        self.assertEqual(self.sink.saved, [])
        self.assertEqual(self.send()[0], "SENT")
        self.assertEqual(len(self.sink.saved), 1)

    def test_550_is_failed(self):
        self.sink.reject_rcpt = True
        self.assertEqual(self.send(), ("FAILED", "550 5.1.1 no such user"))
        self.assertEqual(self.sink.saved, [])

    def test_dropped_after_final_dot_is_unknown(self):
        self.sink.drop_after_dot = True
        outcome, reply = self.send(msgid="row-7@probity.example")
        self.assertEqual(outcome, "UNKNOWN", reply)
        self.assertIn("possibly delivered", reply)
        self.assertEqual(len(self.sink.dropped), 1, "the server did get the whole message")
        # The outbox retries the same row: the same Message-ID, the same bytes,
        # so the receiver (or a person) can tell the two copies are one mail.
        self.sink.drop_after_dot = False
        self.assertEqual(self.send(msgid="row-7@probity.example")[0], "SENT")
        with open(self.sink.saved[0][0], "rb") as f:
            again = f.read()
        self.assertEqual(again, self.sink.dropped[0])
        first = email.message_from_bytes(self.sink.dropped[0], policy=email.policy.default)
        self.assertEqual(first["Message-ID"], "<row-7@probity.example>")

    def test_nothing_listening_is_retry(self):
        outcome, reply = self.send(port=free_port())
        self.assertEqual(outcome, "RETRY")
        self.assertIn("connect", reply.lower())

    def test_required_starttls_not_offered_sends_nothing(self):
        outcome, reply = self.send(starttls=True, ca_file=self.cert)
        self.assertEqual(outcome, "RETRY")
        self.assertIn("STARTTLS", reply)
        self.assertEqual(self.sink.mail_commands, 0, "not even MAIL FROM in clear")
        self.assertEqual(self.sink.saved, [])

    def test_starttls_delivers_over_tls(self):
        outcome, reply = self.send(port=self.tls.port, starttls=True, ca_file=self.cert,
                                   extra=("--user", "probity", "--password", "s3cret"))
        self.assertEqual((outcome, reply), ("SENT", "250 2.0.0 Ok: queued"))
        self.assertEqual(len(self.sink.saved), 1)
        self.assertTrue(self.sink.saved[0][2], "the session was not over TLS")

    def test_login_denied_is_retry(self):
        # Wrong credentials fail every message alike: the operator's to fix,
        # so the mail waits (RETRY) instead of failing for good.
        outcome, reply = self.send(port=self.tls.port, starttls=True, ca_file=self.cert,
                                   extra=("--user", "probity", "--password", "wrong"))
        self.assertEqual(outcome, "RETRY")
        self.assertTrue(reply.startswith("535"), reply)
        self.assertEqual(self.sink.saved, [])

    def test_server_demanding_tls_is_retry(self):
        # Configured without STARTTLS against a server that requires it: the
        # server's 530 is about the configuration, not this message.
        outcome, reply = self.send(port=self.tls.port)
        self.assertEqual(outcome, "RETRY")
        self.assertTrue(reply.startswith("530"), reply)
        self.assertEqual(self.sink.saved, [])

    def test_starttls_untrusted_certificate_sends_nothing(self):
        # Without the test CA the self-signed certificate must not be accepted.
        outcome, _ = self.send(port=self.tls.port, starttls=True)
        self.assertEqual(outcome, "RETRY")
        self.assertEqual(self.sink.mail_commands, 0)
        self.assertEqual(self.sink.saved, [])

    def test_header_injection_refused_before_sending(self):
        outcome, reply = self.send(subject="Hello\r\nBcc: victim@example.com")
        self.assertEqual(outcome, "INVALID")
        self.assertIn("header injection", reply)
        self.assertEqual(self.sink.mail_commands, 0)


if __name__ == "__main__":
    unittest.main()
