"""`--executor`: where the sources are collected, one task per source.

- none: in this process, one after the other (what `--cache` and `collect` use alone);
- `local:N`: a dask.distributed LocalCluster of N worker processes on this machine;
- `dask://host:port` (or tcp://): an existing Dask scheduler. Workers need only mlcheck
  (`pip install 'mlcheck-estate[dask]'`) and must reach the sources themselves (shared paths, URLs).

A worker that dies has its task run again on another (the scheduler does this up to
`distributed.scheduler.allowed-failures` times, 3 by default); a task that still cannot
finish is a collection error of its source, as a crashed collector is in a single-process
scan. Results come back in the order of the sources, each as soon as it is merged, so this
process holds the merged graph and one shard at a time, never all of them.
"""
from __future__ import annotations

import contextlib
import logging
import re
from typing import Iterator

from ..collectors import Source
from .shards import Shard, collect_source, failed_shard


class ExecutorError(ValueError):
    """A bad --executor value, or the cluster cannot be reached (a usage error, exit 2)."""


def parse_executor(spec: str) -> tuple[str, str | int]:
    """'local:N' → ('local', N); 'dask://host:port' or 'tcp://host:port' → ('dask', 'tcp://host:port')."""
    local = re.fullmatch(r"local:(\d+)", spec.strip())
    if local:
        n = int(local.group(1))
        if not 1 <= n <= 512:
            raise ExecutorError(f"--executor {spec!r}: local:N takes 1 to 512 workers")
        return "local", n
    remote = re.fullmatch(r"(?:dask|tcp)://([^/\s:]+|\[[0-9a-fA-F:]+\]):(\d{1,5})/?", spec.strip())
    if remote:
        return "dask", f"tcp://{remote.group(1)}:{remote.group(2)}"
    raise ExecutorError(f"--executor {spec!r}: expected local:N or dask://host:port")


def in_process(sources: list[Source], positions: list[int], params: dict,
               max_parse_bytes: int | None, exclude: tuple[str, ...] = ()) -> Iterator[Shard]:
    for source, position in zip(sources, positions):
        yield collect_source(source, params, max_parse_bytes, position, exclude)


@contextlib.contextmanager
def dask_client(spec: str):
    """A Client for the --executor value: its own LocalCluster (closed on exit), or the
    scheduler named."""
    kind, where = parse_executor(spec)
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ExecutorError(f"--executor {spec}: Dask is not installed: pip install 'mlcheck-estate[dask]'") from None
    with contextlib.ExitStack() as stack:
        if kind == "local":
            # Processes, one thread each: collectors are CPU-bound Python (the GIL) and start
            # git processes. No memory limit: Dask's would pause a worker holding a big shard.
            cluster = stack.enter_context(LocalCluster(
                n_workers=where, threads_per_worker=1, processes=True, memory_limit=0,
                dashboard_address=None, silence_logs=logging.ERROR))
            client = stack.enter_context(Client(cluster))
        else:
            try:
                client = stack.enter_context(Client(where, timeout="20s"))
            except (OSError, TimeoutError) as exc:
                raise ExecutorError(f"--executor {spec}: cannot reach the Dask scheduler: {exc}") from exc
        yield client


def on_dask(client, sources: list[Source], positions: list[int], params: dict,
            max_parse_bytes: int | None, exclude: tuple[str, ...] = ()) -> Iterator[Shard]:
    """One task per source; shards yielded in source order, each released once taken."""
    if not sources:
        return
    futures = client.map(_task, sources, positions, params=params, max_parse_bytes=max_parse_bytes, exclude=exclude,
                         pure=False)     # unique keys: scans sharing a scheduler never meet
    try:
        for source, position, future in zip(sources, positions, futures):
            try:
                shard = future.result()
            except Exception as exc:  # noqa: BLE001 - KilledWorker and the like: this source only
                shard = failed_shard(source, f"collection on the cluster failed: {type(exc).__name__}: {exc}",
                                     position)
            future.release()
            yield shard
    finally:
        for future in futures:
            future.release()


def _task(source: Source, position: int, params: dict, max_parse_bytes: int | None,
          exclude: tuple[str, ...] = ()) -> Shard:
    return collect_source(source, params, max_parse_bytes, position, exclude)
