"""Fake servers on 127.0.0.1 for the notification channels' tests: an SMTP server that
stores what it receives and can be told to refuse or fail (the standard library's
socketserver; nothing leaves the machine)."""

from __future__ import annotations

import email
import http.server
import json
import socketserver
import threading
from email.message import Message


class _SMTPHandler(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())

    def handle(self) -> None:
        server: FakeSMTP = self.server  # type: ignore[assignment]
        self.reply("220 fake.smtp ESMTP")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode("utf-8", "replace").strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.reply("250 fake.smtp")
            elif command.startswith("MAIL FROM"):
                self.reply("250 OK")
            elif command.startswith("RCPT TO"):
                self.reply("550 no such mailbox" if server.refuse_recipients else "250 OK")
            elif command == "DATA":
                self.reply("354 end with <CRLF>.<CRLF>")
                data = b""
                while (chunk := self.rfile.readline()) and chunk != b".\r\n":
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                if server.failures > 0:
                    server.failures -= 1
                    self.reply("451 try again later")
                else:
                    server.received.append(email.message_from_bytes(data))
                    self.reply("250 OK queued")
            elif command in ("RSET", "NOOP"):
                self.reply("250 OK")
            elif command == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


class _Serving:
    """``with server:`` serves in a thread until the block ends."""

    def __enter__(self):
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
        self.server_close()


class FakeSMTP(_Serving, socketserver.ThreadingTCPServer):
    """``with FakeSMTP() as smtp``: listening on ``smtp.port``; ``received`` holds the
    messages; ``failures`` answers the next so many messages with 451 (try later);
    ``refuse_recipients`` answers every recipient with 550."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _SMTPHandler)
        self.received: list[Message] = []
        self.failures = 0
        self.refuse_recipients = False
        self.port = self.server_address[1]


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
