"""Fake servers on 127.0.0.1 for the notification channels' tests: an SMTP server
(aiosmtpd) that stores what it receives and can be told to refuse or fail, and an HTTP server
for the SMS gateway and the group robots (the standard library's); nothing leaves the
machine."""

from __future__ import annotations

import email
import http.server
import json
import logging
import socket
import threading
from contextlib import contextmanager
from email.message import Message

from aiosmtpd.controller import Controller
from django.test import override_settings


class _Serving:
    """``with server:`` serves in a thread until the block ends."""

    def __enter__(self):
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
        self.server_close()


class _SMTPHandler:
    """aiosmtpd's handler: refuses recipients or fails messages when told to."""

    def __init__(self, fake: FakeSMTP):
        self.fake = fake

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.fake.refuse_recipients:
            return "550 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's names
        if self.fake.failures > 0:
            self.fake.failures -= 1
            return "451 try again later"
        self.fake.received.append(email.message_from_bytes(envelope.original_content))
        return "250 OK queued"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class FakeSMTP:
    """``with FakeSMTP() as smtp``: an aiosmtpd server on 127.0.0.1:``smtp.port``;
    ``received`` holds the messages; ``failures`` answers the next so many messages with 451
    (try later); ``refuse_recipients`` answers every recipient with 550."""

    def __init__(self):
        self.received: list[Message] = []
        self.failures = 0
        self.refuse_recipients = False
        self.port = _free_port()
        self.controller = Controller(_SMTPHandler(self), hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> FakeSMTP:
        # aiosmtpd logs each command (addresses included) at INFO: the fake server's log, not
        # ours, which the tests hold to logging no address.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


class _GatewayHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - the standard library's name
        server: FakeGateway = self.server  # type: ignore[assignment]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        server.requests.append(
            {"path": self.path, "headers": dict(self.headers), "json": json.loads(body or b"{}")}
        )
        status, reply = server.replies.pop(0) if server.replies else server.default
        data = json.dumps(reply).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:  # quiet
        pass


class FakeGateway(_Serving, http.server.ThreadingHTTPServer):
    """An HTTP service on 127.0.0.1 (an SMS gateway, a group robot): ``requests`` holds what
    it received (path, headers, JSON body); ``replies`` the (status, JSON) answers to give
    next, then ``default`` (200 {"code": "OK"}, an SMS gateway's)."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _GatewayHandler)
        self.requests: list[dict] = []
        self.replies: list[tuple[int, dict]] = []
        self.default: tuple[int, dict] = (200, {"code": "OK"})
        self.url = f"http://127.0.0.1:{self.server_address[1]}/sms/send"


@contextmanager
def fake_robots(**settings):
    """WeCom and DingTalk on a FakeGateway on 127.0.0.1, answering "sent" by default
    (``errcode`` 0); ``settings`` override others for the block."""
    with FakeGateway() as server:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        with override_settings(
            FUGONG_WECOM_ROBOT_URL=f"{base}/cgi-bin/webhook/send",
            FUGONG_DINGTALK_ROBOT_URL=f"{base}/robot/send",
            **settings,
        ):
            server.default = (200, {"errcode": 0, "errmsg": "ok"})  # the robots' "sent"
            yield server
