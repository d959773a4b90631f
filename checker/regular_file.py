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
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    fh = os.fdopen(fd, "rb")
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        fh.close()
        raise OSError(f"not a regular file ({_file_type(mode)}); not read")
    return fh


def read_regular_file(path, limit: int) -> bytes:
    """Read a regular file without following a final symlink, at most `limit` bytes."""
    with open_regular_file(path) as fh:
        fd = fh.fileno()
        # Ask for what the file holds (plus one byte to see growth), never for `limit`:
        # read(n) allocates n bytes up front.
        size = os.fstat(fd).st_size
        data = fh.read(min(size, limit) + 1)
        if size < len(data) <= limit:          # it grew while we read: finish, still bounded
            data += fh.read(limit + 1 - len(data))
    if len(data) > limit:
        raise OSError(f"file grew over the {limit}-byte parse limit while reading")
    return data


def _file_type(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "named pipe"), (stat.S_ISSOCK, "socket"),
                       (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device"),
                       (stat.S_ISDIR, "directory")):
        if test(mode):
            return name
    return "special file"
