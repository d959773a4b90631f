"""Collection by shards for `mlcheck scan` and `mlcheck collect`: sources from the cache
where their state is unchanged, the rest collected (in process or on Dask), every shard
merged in source order, the cache refreshed."""
from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from ..collectors import Source
from .cache import Cache
from .executor import dask_client, in_process, on_dask
from .share import parse_shard, pick_share
from .shards import Shard, collect_source, finish_merged, merge, open_readers


@dataclass
class Collected:
    shard: Shard                                           # the merged graph, with its segments
    collected: list[str] = field(default_factory=list)     # displays of the sources collected
    cached: list[str] = field(default_factory=list)        # … and of those taken from the cache

    @property
    def graph(self):
        return self.shard.graph

    def readers(self) -> dict:
        """The linkers' repository readers (opening one that fails is a collection error)."""
        return open_readers(self.shard.graph, self.shard.readers)

    def summary(self) -> str:
        return f"{len(self.collected)} source(s) collected, {len(self.cached)} unchanged from the cache"


def collect_share(paths: list[str], specs: list[str], params: dict, max_parse_bytes: int | None,
                  shard: str | None = None, executor: str | None = None,
                  cache_dir: Path | None = None, exclude: tuple[str, ...] = ()) -> Collected:
    """`mlcheck collect`: the sources under paths and specs, or share `i/n` of them."""
    from ..collectors import load_registry
    from ..collection import resolve_sources
    registry = load_registry()
    sources = resolve_sources(paths, specs, registry)
    positions = pick_share(sources, *parse_shard(shard)) if shard else list(range(len(sources)))
    return collect_shards([sources[i] for i in positions], registry, params, max_parse_bytes,
                          executor, cache_dir, positions, exclude, finish=False)


def collect_shards(sources: list[Source], registry: dict[str, type], params: dict,
                   max_parse_bytes: int | None, executor: str | None = None,
                   cache_dir: Path | None = None, positions: list[int] | None = None,
                   exclude: tuple[str, ...] = (), keys: list[str | None] | None = None,
                   finish: bool = True) -> Collected:
    """`positions`: each source's place among all the sources resolved (--shard keeps a
    share of them); by default their order here. `keys`: the sources' cache keys when the
    caller read them already (the replay did). `finish`: the parsers' scan-wide finish
    run over the merged sources (a scan); False for a shard that is saved (`collect`)."""
    positions = positions if positions is not None else list(range(len(sources)))
    exclude = tuple(exclude)
    cache = Cache(cache_dir, registry, params, max_parse_bytes, exclude) if cache_dir else None
    if keys is None:
        keys = [cache.key(s) if cache else None for s in sources]
    hits = {i: path for i, s in enumerate(sources) if cache and (path := cache.lookup(s, keys[i]))}
    result = Collected(Shard(None))
    todo = [i for i in range(len(sources)) if i not in hits]
    with _runner(executor) as run:
        fresh = run([sources[i] for i in todo], [positions[i] for i in todo], params, max_parse_bytes, exclude)
        result.shard = merge(_in_order(sources, positions, hits, fresh, cache, keys, result,
                                       params, max_parse_bytes, exclude))
    if finish:
        finish_merged(result.shard, params)
    return result


def _in_order(sources, positions, hits, fresh: Iterator[Shard], cache, keys, result, params,
              max_parse_bytes, exclude=()) -> Iterator[Shard]:
    """Shards in source order, each loaded (cache) or received (runner) only when merged."""
    for i, source in enumerate(sources):
        shard = cache.load(hits[i]) if i in hits else None
        if shard is not None:
            for segment in shard.segments:      # kept under the position it had then
                segment["position"] = positions[i]
            result.cached.append(source.display)
            yield shard
            continue
        # Not cached, or its entry was damaged since the lookup: collected here and now.
        shard = next(fresh) if i not in hits else collect_source(source, params, max_parse_bytes, positions[i], exclude)
        result.collected.append(source.display)
        if cache:
            cache.put(source, keys[i], shard)
        yield shard


@contextlib.contextmanager
def _runner(executor: str | None):
    if not executor:
        yield in_process
        return
    with dask_client(executor) as client:
        yield lambda sources, positions, params, mpb, exclude=(): on_dask(client, sources, positions, params, mpb, exclude)
