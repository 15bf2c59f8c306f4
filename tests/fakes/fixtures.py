"""Pytest fixtures for the fakes. Import them from a conftest: `from tests.fakes.fixtures import *`."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.fakes.openai_server import FakeOpenAIServer

__all__ = ["fake_openai_server", "fake_openai_server_factory"]


@pytest.fixture
def fake_openai_server_factory() -> Iterator[Callable[..., FakeOpenAIServer]]:
    """Start fake OpenAI-compatible servers with any options; all are stopped after the test."""
    started: list[FakeOpenAIServer] = []

    def make(**options: Any) -> FakeOpenAIServer:
        server = FakeOpenAIServer(**options).start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def fake_openai_server(fake_openai_server_factory: Callable[..., FakeOpenAIServer]) -> FakeOpenAIServer:
    """A fault-free fake server that honours `n`, no latency."""
    return fake_openai_server_factory()
