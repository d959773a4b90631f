"""Reading a regular file and nothing else (checker/regular_file.py), on real files, a real
FIFO, real symlinks and the kernel's /proc files (whose size says 0 while they hold text:
a file that grows between the size check and the read)."""
from __future__ import annotations

import os
import threading

import pytest

from checker.regular_file import open_regular_file, read_regular_file


def test_reads_the_whole_file_at_or_under_the_limit(tmp_path):
    for size in (0, 1, 4095, 4096, 70_000):
        path = tmp_path / f"f{size}"
        data = os.urandom(size)
        path.write_bytes(data)
        assert read_regular_file(path, 70_000) == data
        assert read_regular_file(str(path), max(size, 1)) == data      # exactly at the limit
    with open_regular_file(tmp_path / "f4096") as fh:
        assert fh.read() == (tmp_path / "f4096").read_bytes()
        fh.seek(0)
        assert len(fh.read(10)) == 10


def test_refuses_what_is_not_a_regular_file(tmp_path):
    fifo = tmp_path / "pipe.yml"
    os.mkfifo(fifo)
    (tmp_path / "folder").mkdir()
    (tmp_path / "real.yml").write_text("a: 1\n")
    (tmp_path / "link.yml").symlink_to("real.yml")
    done = threading.Event()

    def read_fifo():        # no writer ever opens it: a blocking open would hang here
        with pytest.raises(OSError, match=r"not a regular file \(named pipe\); not read"):
            read_regular_file(fifo, 100)
        with pytest.raises(OSError, match=r"not a regular file \(named pipe\)"):
            open_regular_file(fifo)
        done.set()
    threading.Thread(target=read_fifo, daemon=True).start()
    assert done.wait(10), "opening a FIFO hung"
    with pytest.raises(OSError, match=r"not a regular file \(directory\)"):
        read_regular_file(tmp_path / "folder", 100)
    with pytest.raises(OSError) as exc:                        # a final symlink is not followed
        read_regular_file(tmp_path / "link.yml", 100)
    assert "not a regular file" not in str(exc.value)          # refused by the open itself (ELOOP)
    with pytest.raises(FileNotFoundError):
        read_regular_file(tmp_path / "absent.yml", 100)


def test_no_descriptor_is_left_open(tmp_path):
    (tmp_path / "a.yml").write_bytes(b"x" * 100)
    os.mkfifo(tmp_path / "pipe")
    before = set(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None
    if before is None:
        pytest.skip("no /proc/self/fd to count descriptors")
    for _ in range(50):
        read_regular_file(tmp_path / "a.yml", 1000)
        for bad, limit in ((tmp_path / "a.yml", 10), (tmp_path / "pipe", 10), (tmp_path, 10)):
            with pytest.raises(OSError):
                read_regular_file(bad, limit)
    assert set(os.listdir("/proc/self/fd")) == before


def test_over_the_limit_is_an_error_never_a_truncated_read(tmp_path):
    path = tmp_path / "big.json"
    path.write_bytes(b"{" * 5000)
    with pytest.raises(OSError, match="grew over the 4999-byte parse limit"):
        read_regular_file(path, 4999)


@pytest.mark.skipif(not os.path.isfile("/proc/self/status"), reason="needs Linux /proc")
def test_a_file_larger_than_its_size_said_is_read_to_its_end_or_refused():
    """/proc files report size 0 and hold text: read whole within the limit (the growth
    path), refused over it."""
    data = read_regular_file("/proc/self/status", 1 << 20)
    assert data.startswith(b"Name:") and b"\nPid:" in data and data.endswith(b"\n")
    with pytest.raises(OSError, match="grew over the 16-byte parse limit while reading"):
        read_regular_file("/proc/self/status", 16)
