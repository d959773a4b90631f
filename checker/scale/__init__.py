"""Scale-out: collection split into per-source shards, merged into one graph before the
linkers and rules run (issue 13).

- shards.py: one source collected on its own (the unit every path below shares), shard
  files, and the merge of shards into one graph (conflicts reported, never overwritten);
- share.py: `--shard i/n`, a stable share of the sources for CI matrix jobs;
- cache.py: `--cache DIR`, per-source shards kept by the state of their source;
- executor.py: `--executor local:N | dask://host:port`, one Dask task per source;
- pipeline.py: the three put together for `mlcheck scan` and `mlcheck collect`.

The single-process scan without these options does not come through here: it stays the
fast default (checker/scan.py).
"""
