"""The run's one network decision, checked without a network (the resolver and socket faked)."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from helpers import config
from helpers.utils import reachability as network

HOST = "storage.googleapis.com"


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    """No forced offline, no inherited decision, no mirror or proxy; the cache restored after."""
    monkeypatch.setattr(config, "OFFLINE", False)
    monkeypatch.setattr(network, "_decision", None)
    for name in (network.NETWORK_ENV, "TFVIDEO_MIRROR", "https_proxy", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def listener():
    """A local port that accepts connections: what a reachable host looks like."""
    server = socket.create_server(("127.0.0.1", 0))
    yield server.getsockname()
    server.close()


def _resolve_to(address):
    def fake(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", address)]

    return fake


def test_reachable_host_is_online(monkeypatch, listener, capsys):
    seen = []
    fake = _resolve_to(listener)
    monkeypatch.setattr(socket, "getaddrinfo", lambda h, *a, **k: seen.append(h) or fake(h, *a))
    net = network.network()
    assert net.online and net.reason.startswith(f"{HOST} answered in ") and seen == [HOST]
    assert capsys.readouterr().out == f"network: {net}\n"  # printed once, when decided
    assert network.network() is net and capsys.readouterr().out == ""  # cached: no second probe
    assert seen == [HOST]


def test_dns_failure_is_offline_with_the_reason(monkeypatch):
    def fail(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    net = network.network(quiet=True)
    assert not net.online
    assert str(net) == f"offline: DNS lookup for {HOST} failed (Name or service not known)"


def test_dns_that_hangs_times_out(monkeypatch):
    release = threading.Event()
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: release.wait(5) and [])
    began = time.perf_counter()
    try:
        net = network.decide(timeout=0.3)
    finally:
        release.set()
    assert time.perf_counter() - began < 2.0
    assert str(net) == f"offline: DNS lookup for {HOST} timed out after 0.3 s"


def test_connection_that_hangs_times_out(monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", _resolve_to(("192.0.2.1", 443)))

    def hang(self, address):
        assert self.gettimeout() == 0.3  # the probe never waits unbounded
        raise TimeoutError("timed out")

    monkeypatch.setattr(socket.socket, "connect", hang)
    net = network.decide(timeout=0.3)
    assert str(net) == f"offline: no answer from {HOST}:443 within 0.3 s"


def test_refused_connection_is_offline(monkeypatch, listener):
    closed = socket.create_server(("127.0.0.1", 0))
    address = closed.getsockname()
    closed.close()  # nothing listens there now
    monkeypatch.setattr(socket, "getaddrinfo", _resolve_to(address))
    net = network.decide(timeout=1)
    assert not net.online and net.reason.startswith(f"cannot connect to {HOST}:443 (")


def test_forced_offline_and_inherited_decisions_skip_the_probe(monkeypatch):
    def no_probe(*args, **kwargs):
        raise AssertionError("the network was probed")

    monkeypatch.setattr(socket, "getaddrinfo", no_probe)
    monkeypatch.setattr(config, "OFFLINE", True)
    monkeypatch.setattr(config, "OFFLINE_REASON", "TFVIDEO_OFFLINE is set")
    assert str(network.decide()) == "offline: TFVIDEO_OFFLINE is set"
    monkeypatch.setattr(config, "OFFLINE", False)
    monkeypatch.setenv(network.NETWORK_ENV, "offline: DNS lookup for x failed")
    assert network.decide() == network.Network(False, "DNS lookup for x failed")
    monkeypatch.setenv(network.NETWORK_ENV, "online: x answered in 3 ms")
    assert network.decide().online
    monkeypatch.setenv(network.NETWORK_ENV, "garbage")  # not a decision: probe
    with pytest.raises(AssertionError, match="probed"):
        network.decide()


def test_a_mirror_is_the_network(monkeypatch, listener):
    host, port = listener
    monkeypatch.setenv("TFVIDEO_MIRROR", f"http://{host}:{port}")
    net = network.decide()
    assert net.online and net.reason.startswith(f"mirror {host}:{port} answered")
    monkeypatch.setenv("TFVIDEO_MIRROR", "http://127.0.0.1:9")  # discard port: nothing listens
    net = network.decide(timeout=1)
    assert not net.online and net.reason.startswith("mirror http://127.0.0.1:9: cannot connect")


def test_describe_names_the_decision_source(monkeypatch):
    assert "network=checked at first download" in config.describe()
    monkeypatch.setenv(network.NETWORK_ENV, "offline: DNS lookup for x failed")
    assert "network=offline: DNS lookup for x failed (checked once" in config.describe()
    monkeypatch.setattr(config, "OFFLINE", True)
    monkeypatch.setattr(config, "OFFLINE_REASON", "CI is set")
    assert "network=offline (CI is set)" in config.describe()
