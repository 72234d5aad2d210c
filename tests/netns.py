"""A private network namespace for media tests and benchmarks.

Janus never gathers ICE candidates on a loopback interface, and tests must never use
the machine's own interfaces. So a test run makes its own namespace: ``lo`` up, a
veth pair ``v0``/``v1`` with the private addresses 10.77.0.1 and 10.77.0.2 that exist
only inside it, IPv6 off. Janus, the bots, the web app and Chromium run inside;
nothing leaves it. Janus's ICE uses 10.77.0.1 (``v0``), the bots 10.77.0.2 (``v1``):
media really crosses the veth (``accept_local`` is on inside, see
:meth:`NetNamespace._tune`).

Three ways in:

* ``with ns.inside():`` moves the *current thread* into the namespace and back
  (``setns(2)`` is per thread). Sockets created meanwhile live in the namespace;
  sockets opened before keep working where they were made. Threads and subprocesses
  started inside inherit it.
* ``ns.run_in(fn, *args)`` runs ``fn`` in a fresh thread inside and returns its
  result (or raises its exception). ``ns.start_thread(fn)`` starts a daemon thread
  inside and returns it.
* ``ns.popen(argv)`` runs a program inside (``ip netns exec``; the program keeps the
  pid, so ``/proc/<pid>/stat`` is its own).

Inside, 127.0.0.1 is the namespace's own loopback: PostgreSQL and Redis on the host's
127.0.0.1 are not reachable there (PostgreSQL's Unix socket ``/var/run/postgresql``
is). Names are ``prachum-<pid>-<n>``; a namespace whose creating process is dead is
left over from a crashed run and is deleted (with whatever still runs in it) by the
next :meth:`NetNamespace.create`.

Needs root and iproute2's ``ip``; otherwise :class:`NetnsUnavailableError` says why.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import itertools
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

PREFIX = "prachum-"
NETNS_DIR = "/var/run/netns"
CLONE_NEWNET = 0x40000000
_NAME = re.compile(rf"^{re.escape(PREFIX)}(\d+)-(\d+)$")
_counter = itertools.count(1)
_libc: Any = None

#: Seconds spent creating and deleting namespaces in this process (for reports).
TIMINGS: dict[str, float] = {}


class NetnsUnavailableError(RuntimeError):
    """This machine or user cannot make network namespaces."""


def unavailable_reason() -> str | None:
    """Why namespaces cannot be made here, or None when they can."""
    if os.geteuid() != 0:
        return "network namespaces need root (the media tests run as root in CI)"
    if shutil.which("ip") is None:
        return "iproute2's `ip` is missing (apt-get install iproute2)"
    if not os.path.exists("/proc/thread-self/ns/net"):
        return "this kernel has no network namespaces (/proc/thread-self/ns/net)"
    return None


def _setns(fd: int) -> None:
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"setns: {os.strerror(errno)}")


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        ["ip", *args], capture_output=True, text=True, timeout=15, check=False
    )
    if check and result.returncode != 0:
        raise NetnsUnavailableError(
            f"`ip {' '.join(args)}` failed ({result.returncode}): "
            f"{result.stderr.strip()}"
        )
    return result


def _pid_alive(pid: int) -> bool:
    """Running (a zombie, exited but not yet reaped by its parent, is not)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rpartition(")")[2].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state != "Z"


def _stop_pids(pids: list[int], timeout: float = 5.0) -> None:
    """SIGTERM, then SIGKILL after ``timeout``: the processes a run left inside."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(_pid_alive(p) for p in pids):
        time.sleep(0.05)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _pids_in(name: str) -> list[int]:
    result = _ip("netns", "pids", name, check=False)
    own = os.getpid()
    return [int(p) for p in result.stdout.split() if p.isdigit() and int(p) != own]


def existing() -> list[str]:
    """Names of the namespaces that exist now (``ip netns list``)."""
    result = _ip("netns", "list", check=False)
    return [line.split()[0] for line in result.stdout.splitlines() if line.strip()]


def clean_stale() -> list[str]:
    """Delete ``prachum-<pid>-<n>`` namespaces whose process is dead; their names."""
    removed = []
    for name in existing():
        match = _NAME.match(name)
        if match is None or _pid_alive(int(match.group(1))):
            continue
        _stop_pids(_pids_in(name))
        _ip("netns", "delete", name, check=False)
        removed.append(name)
    return removed


class NetNamespace:
    """One private network namespace with a veth pair (see the module docstring)."""

    #: Janus's ICE address (on ``v0``).
    address = "10.77.0.1"
    #: The other end (``v1``): where bots put their host candidates.
    peer_address = "10.77.0.2"
    interface = "v0"
    peer_interface = "v1"

    def __init__(self, name: str | None = None) -> None:
        self.name = name or f"{PREFIX}{os.getpid()}-{next(_counter)}"
        self.created = False

    @property
    def path(self) -> str:
        return os.path.join(NETNS_DIR, self.name)

    # -- life cycle -------------------------------------------------------------

    def create(self) -> NetNamespace:
        reason = unavailable_reason()
        if reason:
            raise NetnsUnavailableError(reason)
        started = time.monotonic()
        clean_stale()
        if self.name in existing():
            raise NetnsUnavailableError(f"network namespace {self.name} exists already")
        _ip("netns", "add", self.name)
        self.created = True
        atexit.register(self.delete)
        try:
            n = self.name
            _ip("-n", n, "link", "set", "lo", "up")
            _ip("-n", n, "link", "add", self.interface, "type", "veth", "peer", "name",
                self.peer_interface)  # fmt: skip
            _ip("-n", n, "addr", "add", f"{self.address}/24", "dev", self.interface)
            _ip("-n", n, "addr", "add", f"{self.peer_address}/24", "dev",
                self.peer_interface)  # fmt: skip
            _ip("-n", n, "link", "set", self.interface, "up")
            _ip("-n", n, "link", "set", self.peer_interface, "up")
            self._tune()
        except BaseException:
            self.delete()
            raise
        TIMINGS["netns create (s)"] = time.monotonic() - started
        return self

    def _tune(self) -> None:
        """IPv6 off; let the two ends of the veth talk to each other.

        Both addresses are local to the namespace, so a packet that Janus sends out
        of ``v0`` (it binds its ICE sockets to the interface) arrives on ``v1`` with
        a local source address: without ``accept_local`` (and with ``rp_filter``)
        the kernel drops it, ARP for 10.77.0.2 never resolves and ICE fails.
        """
        settings = {
            f"ipv6/conf/{key}/disable_ipv6": "1"
            for key in ("all", "default", "lo", self.interface, self.peer_interface)
        }
        for key in ("all", "default", self.interface, self.peer_interface):
            settings[f"ipv4/conf/{key}/accept_local"] = "1"
            settings[f"ipv4/conf/{key}/rp_filter"] = "0"

        def write() -> None:
            for name, value in settings.items():
                # /proc/sys/net shows the opening thread's namespace.
                path = f"/proc/sys/net/{name}"
                with contextlib.suppress(FileNotFoundError), open(path, "w") as f:
                    f.write(value)

        self.run_in(write)

    def delete(self) -> None:
        """Stop what still runs inside and delete the namespace (idempotent)."""
        if not self.created:
            return
        started = time.monotonic()
        self.created = False
        with contextlib.suppress(Exception):
            atexit.unregister(self.delete)
        _stop_pids(_pids_in(self.name))
        _ip("netns", "delete", self.name, check=False)
        TIMINGS["netns delete (s)"] = time.monotonic() - started

    def __enter__(self) -> NetNamespace:
        return self.create()

    def __exit__(self, *exc: object) -> None:
        self.delete()

    # -- getting in ---------------------------------------------------------------

    @contextlib.contextmanager
    def inside(self) -> Iterator[None]:
        """Run the current thread in the namespace for the ``with`` block."""
        if not self.created:
            raise RuntimeError(f"network namespace {self.name} is not created")
        home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        try:
            target = os.open(self.path, os.O_RDONLY)
            try:
                _setns(target)
            finally:
                os.close(target)
            try:
                yield
            finally:
                _setns(home)
        finally:
            os.close(home)

    def start_thread(
        self, fn: Callable[..., Any], *args: Any, name: str | None = None
    ) -> threading.Thread:
        """A daemon thread running ``fn(*args)`` inside (started)."""

        def target() -> None:
            with self.inside():
                fn(*args)

        thread = threading.Thread(target=target, name=name or f"netns-{fn!r}")
        thread.daemon = True
        thread.start()
        return thread

    def run_in(
        self, fn: Callable[..., T], *args: Any, timeout: float = 60.0, **kwargs: Any
    ) -> T:
        """``fn(*args, **kwargs)`` in a thread inside; its result or its exception."""
        outcome: dict[str, Any] = {}

        def target() -> None:
            try:
                with self.inside():
                    outcome["value"] = fn(*args, **kwargs)
            except BaseException as exc:  # handed to the caller
                outcome["error"] = exc

        thread = threading.Thread(target=target, name=f"netns-run-{self.name}")
        thread.daemon = True
        thread.start()
        thread.join(timeout)
        if thread.is_alive():
            raise TimeoutError(
                f"{fn!r} did not finish in {timeout} s inside {self.name}"
            )
        if "error" in outcome:
            raise outcome["error"]
        value: T = outcome["value"]
        return value

    def popen(self, argv: list[str], **kwargs: Any) -> subprocess.Popen[Any]:
        """Start ``argv`` inside (``ip netns exec``; same pid as the program)."""
        if not self.created:
            raise RuntimeError(f"network namespace {self.name} is not created")
        return subprocess.Popen(["ip", "netns", "exec", self.name, *argv], **kwargs)

    def proxy(self, obj: T, *, timeout: float = 60.0) -> T:
        """``obj`` whose method calls run inside (e.g. a JanusMediaServer)."""
        return InsideProxy(self, obj, timeout)  # type: ignore[return-value]


class InsideProxy:
    """Forwards attribute access to an object; calls run in a thread inside."""

    def __init__(self, ns: NetNamespace, obj: Any, timeout: float) -> None:
        self._ns = ns
        self._obj = obj
        self._timeout = timeout

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._obj, name)
        if not callable(value):
            return value

        def call(*args: Any, **kwargs: Any) -> Any:
            return self._ns.run_in(value, *args, timeout=self._timeout, **kwargs)

        return call
