"""Reading a regular file and nothing else: never a pipe, socket, device or folder, never
through a final symlink, bounded. Both scanned data (the collectors) and mlcheck's own
inputs are read this way."""
from __future__ import annotations

import os
import stat
from typing import BinaryIO


def open_regular_file(path) -> BinaryIO:
    """Open a regular file for reading without following a final symlink (the caller
    closes it). O_NONBLOCK: opening a FIFO planted in a scanned tree must not hang the scan."""
    fd, _ = _open_regular(path)
    return os.fdopen(fd, "rb")


def read_regular_file(path, limit: int) -> bytes:
    """Read a regular file without following a final symlink, at most `limit` bytes."""
    # One open and one fstat, on the descriptor itself (no file object: it cost more than
    # the read for the small files most collectors read).
    fd, size = _open_regular(path)
    try:
        # Ask for what the file holds (plus one byte to see growth), never for `limit`:
        # a read of n bytes allocates n bytes up front.
        data = _read_up_to(fd, min(size, limit) + 1)
        if size < len(data) <= limit:          # it grew while we read: finish, still bounded
            data += _read_up_to(fd, limit + 1 - len(data))
    finally:
        os.close(fd)
    if len(data) > limit:
        raise OSError(f"file grew over the {limit}-byte parse limit while reading")
    return data


def _open_regular(path) -> tuple[int, int]:
    """A descriptor open on the regular file at `path`, and its size; OSError otherwise."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    try:
        st = os.fstat(fd)
    except OSError:
        os.close(fd)
        raise
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise OSError(f"not a regular file ({_file_type(st.st_mode)}); not read")
    return fd, st.st_size


def _read_up_to(fd: int, n: int) -> bytes:
    """Up to `n` bytes, fewer only at the end of the file (os.read may return less)."""
    chunks = []
    while n > 0:
        chunk = os.read(fd, n)
        if not chunk:
            break
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _file_type(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "named pipe"), (stat.S_ISSOCK, "socket"),
                       (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device"),
                       (stat.S_ISDIR, "directory")):
        if test(mode):
            return name
    return "special file"
