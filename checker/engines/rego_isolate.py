"""Run Rego evaluations in forked child processes (one per core, taking task after task),
each task with its own deadline and a bounded answer.

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
            workers: int, shares: dict[str, int] | None = None,
            on_answer: Callable[[str, bytes | TaskFailed], None] | None = None) -> dict[str, bytes | TaskFailed]:
    """Each task's answer (bytes), or the TaskFailed saying why there is none. A task
    doing the work of n (`shares[key]`, default 1) gets n times the time and the bytes.
    `on_answer(key, answer)` is told each answer as it comes, while the other tasks still
    run (what the caller does with an answer then overlaps their work)."""
    shares = shares or {}
    if not can_fork():
        answers = {}
        for key, task in tasks.items():
            answers[key] = _run_here(task, max_bytes * shares.get(key, 1))
            if on_answer:
                on_answer(key, answers[key])
        return answers
    _load_libc()
    return _Pool(timeout, max_bytes, max(1, workers), shares, on_answer).run(tasks)


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


# A worker child takes tasks one at a time: the parent writes a task's index on the child's
# command pipe, the child answers one frame (8-byte length, then OK/ERROR + body). Forking
# a child per task cost ~15 ms each at a 100 MB parent (page tables, copy-on-write faults,
# exit), more than most rules' own work; a child per core pays it once. Each task still has
# its own deadline and byte bound; a child that fails a task (an engine error may leave the
# engine in any state), dies or is stopped is replaced by a fresh fork for the tasks left.
COMMAND_FD = RESULT_FD + 1
_LENGTH = 8
_NO_MORE = (-1).to_bytes(4, "little", signed=True)


@dataclass
class _Child:
    pid: int
    fd: int                     # answers, from the child
    commands: int               # task indices, to the child
    key: str | None = None      # the task it is on
    deadline: float = 0.0
    timeout: float = 0.0
    max_bytes: int = 0
    buffer: bytearray = field(default_factory=bytearray)


class _Pool:
    def __init__(self, timeout: float, max_bytes: int, workers: int, shares: dict[str, int],
                 on_answer: Callable[[str, bytes | TaskFailed], None] | None = None) -> None:
        self.timeout, self.max_bytes, self.workers, self.shares = timeout, max_bytes, workers, shares
        self.on_answer = on_answer
        self.selector = selectors.DefaultSelector()
        self.running: dict[int, _Child] = {}
        self.results: dict[str, bytes | TaskFailed] = {}
        self.told: list[str] = []       # answers settled, not yet handed to on_answer

    def run(self, tasks: dict[str, Callable[[], bytes]]) -> dict[str, bytes | TaskFailed]:
        self.tasks = list(tasks.items())
        self.pending = list(range(len(self.tasks)))
        try:
            while self.pending or self.running:
                while self.pending and len(self.running) < self.workers:
                    self._give(self._fork())
                self._wait()
                self._tell()
        finally:
            for child in list(self.running.values()):     # interrupted: leave no child behind
                self._stop(child, TaskFailed("interrupted"))
            self.selector.close()
        return {key: self.results[key] for key in tasks}

    def _settle(self, key: str, answer: bytes | TaskFailed) -> None:
        self.results[key] = answer
        self.told.append(key)

    def _tell(self) -> None:
        """on_answer for the answers settled, once every child that can work has its next
        task (the caller's work on an answer must not keep a core idle)."""
        while self.told:
            key = self.told.pop(0)
            if self.on_answer:
                self.on_answer(key, self.results[key])

    def _fork(self) -> _Child:
        read_fd, write_fd = os.pipe()
        command_read, command_write = os.pipe()
        pid = os.fork()
        if pid == 0:                                            # the child never returns
            os.close(read_fd)
            os.close(command_write)
            _child_main([task for _, task in self.tasks], write_fd, command_read,
                        [self.max_bytes * self.shares.get(key, 1) for key, _ in self.tasks])
        os.close(write_fd)
        os.close(command_read)
        child = _Child(pid, read_fd, command_write)
        self.running[read_fd] = child
        self.selector.register(read_fd, selectors.EVENT_READ, child)
        return child

    def _give(self, child: _Child) -> None:
        """The child's next task, or word that there is none (it then exits)."""
        if not self.pending:
            child.key = None
            _write_all(child.commands, _NO_MORE)
            return
        index = self.pending.pop(0)
        key = self.tasks[index][0]
        share = self.shares.get(key, 1)
        child.key, child.timeout, child.max_bytes = key, self.timeout * share, self.max_bytes * share
        child.deadline = time.monotonic() + child.timeout
        try:
            _write_all(child.commands, index.to_bytes(4, "little", signed=True))
        except OSError:          # it died between tasks: its EOF names no task, the task is given again
            self.pending.insert(0, index)
            child.key = None

    def _wait(self) -> None:
        busy = [c.deadline for c in self.running.values() if c.key is not None]
        wait = max(0.0, min(busy) - time.monotonic()) if busy else None
        for key, _ in self.selector.select(wait):
            self._read(key.data)
        now = time.monotonic()
        for child in [c for c in self.running.values() if c.key is not None and c.deadline <= now]:
            self._stop(child, TaskFailed(f"did not finish within {child.timeout:g} s "
                                         "(params.rego_timeout); its engine process was stopped"))

    def _read(self, child: _Child) -> None:
        chunk = os.read(child.fd, 1 << 20)
        if not chunk:
            self._ended(child)
            return
        child.buffer += chunk
        if len(child.buffer) > _LENGTH + child.max_bytes + 1:
            self._stop(child, TaskFailed(too_big(len(child.buffer) - _LENGTH - 1, child.max_bytes,
                                                 at_least=True)))
            return
        if len(child.buffer) < _LENGTH:
            return
        size = int.from_bytes(child.buffer[:_LENGTH], "little")
        if len(child.buffer) < _LENGTH + size:
            return
        message = bytes(child.buffer[_LENGTH:_LENGTH + size])
        del child.buffer[:_LENGTH + size]
        if message[:1] == OK:
            self._settle(child.key, message[1:])
            self._give(child)
        else:                    # the child exits after a failed task: its EOF ends it
            self._settle(child.key, TaskFailed(message[1:].decode("utf-8", "replace")))
            child.key = None

    def _ended(self, child: _Child) -> None:
        self._close(child)
        _, status = os.waitpid(child.pid, 0)
        if child.key is None:
            return
        if os.WIFSIGNALED(status):
            self._settle(child.key, TaskFailed(
                f"its engine process died ({_signal_name(os.WTERMSIG(status))}) without an answer"))
        else:
            self._settle(child.key, TaskFailed(
                f"its engine process exited with status {os.WEXITSTATUS(status)} without an answer"))

    def _stop(self, child: _Child, reason: TaskFailed) -> None:
        self._close(child)
        try:
            os.kill(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(child.pid, 0)
        if child.key is not None:
            self._settle(child.key, reason)

    def _close(self, child: _Child) -> None:
        self.selector.unregister(child.fd)
        os.close(child.fd)
        os.close(child.commands)
        del self.running[child.fd]


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _child_main(tasks: list[Callable[[], bytes]], write_fd: int, command_fd: int,
                max_bytes: list[int]) -> None:
    """In the forked child: sandbox, then run the tasks the parent names one at a time,
    answering each with a frame; exit when told there are no more, or after a failed task."""
    status = 0
    # A cyclic collection would walk (and so copy, page by page) the parent's whole heap,
    # which the child shares copy-on-write (1.2 GB at 200k nodes).
    gc.disable()
    try:
        _sandbox(write_fd, command_fd)
        while True:
            index = _read_index()
            if index < 0:
                break
            message = _answer(tasks[index], max_bytes[index])
            _write_all(RESULT_FD, len(message).to_bytes(_LENGTH, "little") + message)
            if message[:1] != OK:
                break
    except BaseException:  # noqa: BLE001 - nothing may escape into the parent's code
        status = 70
    finally:
        os._exit(status)   # no atexit handlers, no flushing the parent's buffers twice


def _read_index() -> int:
    data = b""
    while len(data) < 4:
        chunk = os.read(COMMAND_FD, 4 - len(data))
        if not chunk:
            return -1                   # the parent is gone or done
        data += chunk
    return int.from_bytes(data, "little", signed=True)


def _answer(task: Callable[[], bytes], max_bytes: int) -> bytes:
    try:
        answer = task()
        return ERROR + too_big(len(answer), max_bytes).encode() if len(answer) > max_bytes else OK + answer
    except BaseException as exc:  # noqa: BLE001 - sent to the parent (a Rust panic is a BaseException)
        return ERROR + describe_error(exc).encode("utf-8", "replace")


def _sandbox(write_fd: int, command_fd: int) -> None:
    """No environment, no new file or socket, native stdout onto stderr."""
    import fcntl
    import resource
    os.dup2(2, 1)               # engines print (Rego print()) on fd 1: keep reports on stdout clean
    # Both pipes onto their fixed numbers, through descriptors above them, so that moving one
    # cannot close the other.
    write_fd, command_fd = (fcntl.fcntl(fd, fcntl.F_DUPFD, COMMAND_FD + 1) for fd in (write_fd, command_fd))
    os.dup2(write_fd, RESULT_FD)
    os.dup2(command_fd, COMMAND_FD)
    os.closerange(COMMAND_FD + 1, _fd_ceiling())
    os.environ.clear()          # what Python set; native code may have set more (ncurses: LINES)
    if _LIBC is not None:
        _LIBC.clearenv()
        # clearenv() leaves environ NULL, which rego-cpp walks into (SIGSEGV): make it an
        # empty list instead.
        os.putenv("MLCHECK_SANDBOX", "")
        os.unsetenv("MLCHECK_SANDBOX")
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (COMMAND_FD + 1, hard))


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
