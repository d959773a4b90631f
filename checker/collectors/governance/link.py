"""The governance linker: the exports' review rules joined to repo nodes by remote, and what
each repository does with models (the repositories MLC-GOV-001 is about).

On a repo node it sets:
- `governance` (vocabulary): the default branch and the review its changes need, from the
  strongest rule of the exports covering that branch; absent when no export names the
  repository, and then `governance_missing` says why (no remote, no export, an export that
  names repositories only by id);
- `ml_activity`: up to MAX_ACTIVITY facts that the repository trains or deploys models
  (Azure ML job and deployment specs, DVC stages, an MLproject, notebooks with training
  calls, MLflow runs built from its commits, CI jobs whose purposes are train or deploy),
  each {what, node}.
"""
from __future__ import annotations

import fnmatch
from collections import defaultdict

from ...graph import EstateGraph
from .exports import EXPORT_ATTR, branch_applies
from .keys import repository_key

MAX_ACTIVITY = 10
ML_PURPOSES = {"train", "deploy"}


def link_repository_governance(graph: EstateGraph) -> None:
    exports = [(fid, f["attrs"][EXPORT_ATTR], f.get("provenance", {}).get("source", f["attrs"].get("path")))
               for fid, f in graph.nodes("file") if isinstance(f["attrs"].get(EXPORT_ATTR), dict)]
    unjoined = sum(1 for fid, _, _ in exports if graph.g.nodes[fid]["attrs"].get("unresolved"))
    for rid, repo in graph.nodes("repo"):
        attrs = repo["attrs"]
        if attrs.get("vcs") != "git":          # a plain folder is no hosted repository
            continue
        key = repository_key(attrs.get("remote"))
        found = _governance(key, attrs.get("default_branch"), exports) if key else None
        if found:
            graph.update_attrs(rid, governance=found)
        else:
            graph.update_attrs(rid, governance_missing=_missing(key, exports, unjoined))
    _ml_activity(graph)


def _missing(key: str | None, exports: list, unjoined: int) -> str:
    if key is None:
        return "the repository has no remote (origin) to join a platform export to"
    why = f"no governance export names {key}"
    if not exports:
        why += " (none was collected: export branch protection, rulesets or branch policies into a folder given with --source)"
    if unjoined:
        why += f"; {unjoined} export(s) name repositories that could not be joined (by id only)"
    return why


def _mentions(rule: dict, key: str) -> bool:
    return any(fnmatch.fnmatchcase(key, g) for g in rule.get("repositories") or []) and \
        not any(fnmatch.fnmatchcase(key, g) for g in rule.get("exclude_repositories") or [])


def _governance(key: str, local_default: str | None, exports: list) -> dict | None:
    mine = [(rule, export, shown) for _, export, shown in exports
            for rule in export.get("rules") or [] if _mentions(rule, key)]
    described = [d for _, export, _ in exports for d in export.get("describes") or [] if d.get("repository") == key]
    if not mine:
        return None
    default = next((d["default_branch"] for d in described if d.get("default_branch")), None) or local_default
    applying = [(rule, shown) for rule, _, shown in mine if default and branch_applies(rule["branch"], default, default)]
    reviews = [dict(rule["review"], file=shown) for rule, shown in applying if rule.get("review")]
    if reviews:
        review = max(reviews, key=_strength)
    elif any(rule.get("covers") for rule, _, _ in mine):   # a policy list names every policy of the repository
        rule, shown = next((r, s) for r, _, s in mine if r.get("covers"))
        review = {"state": "not_required", "required_approvals": 0, "admins_bypass": None,
                  "code_owner_review": None, "source": "azure_devops_policy", "file": shown,
                  "line": rule.get("line")}
    else:
        review = {"state": "unknown", "required_approvals": None, "admins_bypass": None,
                  "code_owner_review": None, "source": mine[0][0]["review"]["source"] if mine[0][0].get("review") else None,
                  "file": mine[0][2], "line": None,
                  "reason": f"the exports name {key} but none covers its default branch {default or '(unknown)'}"}
    return {"default_branch": default, "review": review,
            "sources": sorted({shown for _, _, shown in mine})}


def _strength(review: dict) -> tuple:
    """Which of several rules on one branch governs it: GitHub and Azure DevOps apply them
    all, so the strictest one is what a change must pass."""
    required = review.get("state") == "required"
    approvals = review.get("required_approvals") or 0
    if review.get("creator_vote_counts") is True:
        approvals -= 1                  # the author's own approval counts towards the minimum
    bypass = review.get("admins_bypass")
    return (required and approvals > 0, bypass is False, bypass is None, approvals, required,
            review.get("state") != "unknown")


def _ml_activity(graph: EstateGraph) -> None:
    repo_of_file: dict[str, str] = {}
    for rid, _ in graph.nodes("repo"):
        for dst in graph.out_edges(rid, "contains"):
            repo_of_file[dst] = rid
    found: dict[str, list[dict]] = defaultdict(list)

    def note(repo: str | None, what: str, node: str) -> None:
        if repo and len(found[repo]) < MAX_ACTIVITY:
            found[repo].append({"what": what, "node": node})

    # In id order: the first MAX_ACTIVITY kept must not depend on the order sources were
    # collected in (`scan a b` and `scan b a`, merged shards).
    for kind in ("job", "deployment"):
        for nid, node in sorted(graph.nodes(kind), key=lambda item: item[0]):
            attrs = node["attrs"]
            what = _activity(kind, attrs)
            if what:
                for file in _defining_files(graph, nid):
                    note(repo_of_file.get(file), what, nid)
    for fid, f in sorted(graph.nodes("file"), key=lambda item: item[0]):
        if f["attrs"].get("name") == "MLproject":
            note(repo_of_file.get(fid), "MLproject", fid)
        elif f["attrs"].get("ml_training_code"):
            note(repo_of_file.get(fid), f"notebook with training code ({f['attrs']['ml_training_code']})", fid)
    for nid in sorted(nid for nid, _ in graph.nodes("run")):
        for commit in sorted(graph.out_edges(nid, "built_from")):
            note(repo_of_file.get(commit), "MLflow run built from its commit", nid)
    for rid, facts in found.items():
        graph.update_attrs(rid, ml_activity=facts)


def _activity(kind: str, attrs: dict) -> str | None:
    if attrs.get("system"):             # a CI job (pipelines vocabulary)
        purposes = {p.get("purpose") for p in attrs.get("purposes") or [] if isinstance(p, dict)}
        hit = sorted(purposes & ML_PURPOSES)
        return f"CI job that does {'/'.join(hit)}" if hit else None
    store = attrs.get("store")
    if store == "azureml":
        return f"Azure ML {kind} spec"
    if store == "dvc" and kind == "job":
        return "DVC stage"
    return None


def _defining_files(graph: EstateGraph, nid: str) -> list[str]:
    files = list(graph.out_edges(nid, "defined_in"))
    if not files:                       # a CI job: its pipeline is defined in the file
        for pipeline in graph.in_edges(nid, "contains"):
            files += graph.out_edges(pipeline, "defined_in")
    return files
