"""Sign-in test helpers: a real SMTP server in-process (aiosmtpd), the outbox sender pointed at
it, and the GraphQL documents of the sign-in mutations."""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller

from resolvers.mail import MailSender, SmtpTarget, SmtpTransport

ADD_USER = """
mutation($input: AddUserInput!) {
  addUser(input: $input) {
    user { id email invitation { status sentAt expiresAt } }
    userErrors { field code message }
  }
}
"""
ACCEPT = """
mutation($token: String!, $password: String!) {
  acceptInvitation(input: {token: $token, password: $password}) {
    token user { email } userErrors { field code message }
  }
}
"""
RESEND = """
mutation($userId: ID!) {
  resendInvitation(input: {userId: $userId}) {
    invitation { status sentAt expiresAt } userErrors { field code message }
  }
}
"""
REVOKE = """
mutation($userId: ID!) {
  revokeInvitation(input: {userId: $userId}) {
    invitation { status } userErrors { field code message }
  }
}
"""
LOGIN = """
mutation($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) { token userErrors { code } }
}
"""
VIEWER = "{ viewer { email } }"
NEW_PASSWORD = "plum-tractor-lagoon-42"


@dataclass
class Inbox:
    """What the in-process SMTP server received."""

    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.original_content))
        return "250 Message accepted for delivery"

    def tokens(self, path: str) -> list[str]:
        found = []
        for message in self.messages:
            body = bytes(message.get_payload(decode=True)).decode()
            found += re.findall(rf"/{path}\?token=([A-Za-z0-9_\-]+)", body)
        return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class SmtpServer:
    inbox: Inbox
    port: int

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def sender(self, services: Any) -> MailSender:
        transport = SmtpTransport(SmtpTarget.parse(self.url))
        return MailSender(services.sessionmaker, services.clock, transport, "crm@test.example")


def start_smtp() -> tuple[Controller, SmtpServer]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, SmtpServer(inbox, port)
