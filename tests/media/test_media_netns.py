"""The network-namespace harness itself: isolated, reversible, and cleaned up."""

from __future__ import annotations

import os
import socket
import subprocess
import time

import pytest

from tests.media.netns_fixtures import netns_fixture  # noqa: F401  (fixture)
from tests.netns import NetNamespace, clean_stale, existing


def _netns_inode() -> int:
    return os.stat("/proc/thread-self/ns/net").st_ino


def test_inside_moves_the_thread_in_and_back(netns: NetNamespace) -> None:
    home = _netns_inode()
    with netns.inside():
        assert _netns_inode() == os.stat(netns.path).st_ino != home
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.bind((netns.address, 0))  # exists only inside
    assert _netns_inode() == home
    with (
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock,
        pytest.raises(OSError, match="assign"),
    ):
        sock.bind((netns.address, 0))
    assert netns.run_in(_netns_inode) != home


def test_the_two_ends_of_the_veth_reach_each_other(netns: NetNamespace) -> None:
    """What ICE needs: a packet sent out of v0 arrives at v1's address."""

    def exchange() -> bytes:
        with (
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as a,
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as b,
        ):
            a.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"v0")
            a.bind((netns.address, 0))
            b.bind((netns.peer_address, 0))
            b.settimeout(2)
            a.sendto(b"ping", b.getsockname())
            return b.recvfrom(16)[0]

    assert netns.run_in(exchange, timeout=10) == b"ping"


def test_a_dead_runs_namespace_and_its_processes_are_removed(
    netns: NetNamespace,
) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = NetNamespace(name=f"prachum-{dead.pid}-1")
    subprocess.run(["ip", "netns", "add", stale.name], check=True, timeout=10)
    leftover = subprocess.Popen(["ip", "netns", "exec", stale.name, "sleep", "60"])
    try:
        time.sleep(0.2)
        clean_stale()  # (a concurrent run's cleanup may get there first)
        assert stale.name not in existing()
        assert leftover.wait(timeout=10) != 0  # stopped by the cleanup
        assert netns.name in existing()  # a live run's namespace stays
    finally:
        if leftover.poll() is None:
            leftover.kill()
        if stale.name in existing():
            subprocess.run(["ip", "netns", "delete", stale.name], timeout=10)


def test_delete_removes_the_namespace_and_what_runs_in_it(netns: NetNamespace) -> None:
    ns = NetNamespace().create()
    sleeper = ns.popen(["sleep", "60"])
    assert ns.name in existing()
    ns.delete()
    assert ns.name not in existing()
    assert sleeper.wait(timeout=10) != 0
