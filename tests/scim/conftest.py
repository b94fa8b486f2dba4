from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.auth.helpers import SmtpServer, start_smtp


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A real SMTP server on a free 127.0.0.1 port, for one test."""
    controller, server = start_smtp()
    try:
        yield server
    finally:
        controller.stop()
