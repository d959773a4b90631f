"""Run Rego evaluations in forked child processes, each with a deadline and a bounded answer.

Why a child: the embedded engines are native code that holds the GIL while it evaluates,
so no thread can stop a rule that loops or grows without end; a child can be killed. A
child is also a sandbox for rules from shared repositories: it gets no environment
variables (OPA's opa.runtime().env) and cannot open a file or socket (RLIMIT_NOFILE is set
to the descriptors it already holds), whatever builtins an engine offers.

Where os.fork does not exist (Windows), tasks run in this process one after the other:
the answer size is still bounded, but a rule's time is not, and only the engine's own
builtins keep it from the environment and the network.
"""
from __future__ import annotations

import gc
import os
import selectors
import signal
import time
from dataclasses import dataclass, field
from typing import Callable

OK, ERROR = b"V", b"E"      # first byte of a child's answer
RESULT_FD = 3               # the child's end of the answer pipe, moved here


class TaskFailed(Exception):
    """The task could not give an answer: the reason, for the user."""


def can_fork() -> bool:
    return hasattr(os, "fork")


def run_all(tasks: dict[str, Callable[[], bytes]], timeout: float, max_bytes: int,
            workers: int, shares: dict[str, int] | None = None) -> dict[str, bytes | TaskFailed]:
    """Each task's answer (bytes), or the TaskFailed saying why there is none. A task
    doing the work of n (`shares[key]`, default 1) gets n times the time and the bytes."""
    shares = shares or {}
    if not can_fork():
        return {key: _run_here(task, max_bytes * shares.get(key, 1)) for key, task in tasks.items()}
    _load_libc()
    return _Pool(timeout, max_bytes, max(1, workers), shares).run(tasks)


def _run_here(task: Callable[[], bytes], max_bytes: int) -> bytes | TaskFailed:
    try:
        answer = task()
    except TaskFailed as exc:
        return exc
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - an engine error (a Rust panic is a BaseException) fails the task
        return TaskFailed(describe_error(exc))
    return TaskFailed(too_big(len(answer), max_bytes)) if len(answer) > max_bytes else answer


@dataclass
class _Child:
    key: str
    pid: int
    fd: int
    deadline: float
    timeout: float
    max_bytes: int
    chunks: list[bytes] = field(default_factory=list)
    size: int = 0


class _Pool:
    def __init__(self, timeout: float, max_bytes: int, workers: int, shares: dict[str, int]) -> None:
        self.timeout, self.max_bytes, self.workers, self.shares = timeout, max_bytes, workers, shares
        self.selector = selectors.DefaultSelector()
        self.running: dict[int, _Child] = {}
        self.results: dict[str, bytes | TaskFailed] = {}

    def run(self, tasks: dict[str, Callable[[], bytes]]) -> dict[str, bytes | TaskFailed]:
        pending = list(tasks.items())
        try:
            while pending or self.running:
                while pending and len(self.running) < self.workers:
                    self._start(*pending.pop(0))
                self._wait()
        finally:
            for child in list(self.running.values()):     # interrupted: leave no child behind
                self._stop(child, TaskFailed("interrupted"))
            self.selector.close()
        return {key: self.results[key] for key in tasks}

    def _start(self, key: str, task: Callable[[], bytes]) -> None:
        share = self.shares.get(key, 1)
        timeout, max_bytes = self.timeout * share, self.max_bytes * share
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:                                            # the child never returns
            os.close(read_fd)
            _child_main(task, write_fd, max_bytes)
        os.close(write_fd)
        child = _Child(key, pid, read_fd, time.monotonic() + timeout, timeout, max_bytes)
        self.running[read_fd] = child
        self.selector.register(read_fd, selectors.EVENT_READ, child)

    def _wait(self) -> None:
        nearest = min(c.deadline for c in self.running.values())
        for key, _ in self.selector.select(max(0.0, nearest - time.monotonic())):
            self._read(key.data)
        now = time.monotonic()
        for child in [c for c in self.running.values() if c.deadline <= now]:
            self._stop(child, TaskFailed(f"did not finish within {child.timeout:g} s "
                                         "(params.rego_timeout); its engine process was stopped"))

    def _read(self, child: _Child) -> None:
        chunk = os.read(child.fd, 1 << 20)
        if not chunk:
            self._finish(child)
            return
        child.chunks.append(chunk)
        child.size += len(chunk)
        if child.size > child.max_bytes + 1:
            self._stop(child, TaskFailed(too_big(child.size - 1, child.max_bytes, at_least=True)))

    def _finish(self, child: _Child) -> None:
        self._close(child)
        _, status = os.waitpid(child.pid, 0)
        answer = b"".join(child.chunks)
        if answer[:1] == OK and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
            self.results[child.key] = answer[1:]
        elif answer[:1] == ERROR:
            self.results[child.key] = TaskFailed(answer[1:].decode("utf-8", "replace"))
        elif os.WIFSIGNALED(status):
            self.results[child.key] = TaskFailed(
                f"its engine process died ({_signal_name(os.WTERMSIG(status))}) without an answer")
        else:
            self.results[child.key] = TaskFailed(
                f"its engine process exited with status {os.WEXITSTATUS(status)} without an answer")

    def _stop(self, child: _Child, reason: TaskFailed) -> None:
        self._close(child)
        try:
            os.kill(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(child.pid, 0)
        self.results[child.key] = reason

    def _close(self, child: _Child) -> None:
        self.selector.unregister(child.fd)
        os.close(child.fd)
        del self.running[child.fd]


def _child_main(task: Callable[[], bytes], write_fd: int, max_bytes: int) -> None:
    """In the forked child: sandbox, run, send `OK + answer` or `ERROR + reason`, exit."""
    status = 0
    # The child lives for one task: a cyclic collection would walk (and so copy, page by
    # page) the parent's whole heap, which it shares copy-on-write (1.2 GB at 200k nodes).
    gc.disable()
    try:
        _sandbox(write_fd)
        try:
            answer = task()
            message = ERROR + too_big(len(answer), max_bytes).encode() if len(answer) > max_bytes else OK + answer
        except BaseException as exc:  # noqa: BLE001 - sent to the parent (a Rust panic is a BaseException)
            message = ERROR + describe_error(exc).encode("utf-8", "replace")
        view = memoryview(message)
        while view:
            view = view[os.write(RESULT_FD, view):]
    except BaseException:  # noqa: BLE001 - nothing may escape into the parent's code
        status = 70
    finally:
        os._exit(status)   # no atexit handlers, no flushing the parent's buffers twice


def _sandbox(write_fd: int) -> None:
    """No environment, no new file or socket, native stdout onto stderr."""
    import resource
    os.dup2(2, 1)               # engines print (Rego print()) on fd 1: keep reports on stdout clean
    if write_fd != RESULT_FD:
        os.dup2(write_fd, RESULT_FD)
        os.close(write_fd)
    os.closerange(RESULT_FD + 1, _fd_ceiling())
    os.environ.clear()          # what Python set; native code may have set more (ncurses: LINES)
    if _LIBC is not None:
        _LIBC.clearenv()
        # clearenv() leaves environ NULL, which rego-cpp walks into (SIGSEGV): make it an
        # empty list instead.
        os.putenv("MLCHECK_SANDBOX", "")
        os.unsetenv("MLCHECK_SANDBOX")
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (RESULT_FD + 1, hard))


_LIBC = None


def _load_libc() -> None:
    """libc, loaded before forking: a sandboxed child can open no library."""
    global _LIBC
    if _LIBC is None:
        import ctypes
        try:
            _LIBC = ctypes.CDLL(None)
            _LIBC.clearenv        # noqa: B018 - resolve the symbol now (musl, glibc: both have it)
        except (OSError, AttributeError):
            _LIBC = None


def _fd_ceiling() -> int:
    try:
        return os.sysconf("SC_OPEN_MAX")
    except (ValueError, OSError):
        return 65536


def describe_error(exc: BaseException) -> str:
    text = str(exc).split("Stack backtrace:")[0].strip()   # regorus appends one under RUST_BACKTRACE
    if type(exc).__name__ == "PanicException":
        return f"the engine panicked: {text}"
    return text or type(exc).__name__


def too_big(size: int, limit: int, at_least: bool = False) -> str:
    return (f"its answer is {'more than ' if at_least else ''}{size:,} bytes, over the "
            f"{limit:,}-byte bound (params.rego_max_result_bytes)")


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
