"""Repository governance: GitHub branch protection, rulesets and environments, Azure DevOps
policies and environment checks, GitLab protected environments (JSON exports), and the
repository's own .pre-commit-config.yaml and .gitattributes: truncated, mis-shaped,
hostile (depth, huge numbers, encodings), look-alikes, names that forge console lines, and
10k environments."""
from __future__ import annotations

import json

from . import mutate as m
from .cases import EITHER, NONE, ONE, SLUG, Case, Expect, files, in_git, rng_for, write

EXPORT = "governance.json"
API = f"https://api.github.com/repos/fuzz/{SLUG}"
PROTECTION = {"url": f"{API}/branches/main/protection",
              "enforce_admins": {"url": f"{API}/branches/main/protection/enforce_admins", "enabled": True},
              "required_pull_request_reviews": {"dismiss_stale_reviews": True, "require_code_owner_reviews": False,
                                                "required_approving_review_count": 1}}
RULESET = {"id": 7, "name": "default", "target": "branch", "source_type": "Repository", "source": f"fuzz/{SLUG}",
           "enforcement": "active", "bypass_actors": [],
           "conditions": {"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []}},
           "rules": [{"type": "pull_request", "parameters": {"required_approving_review_count": 1}}]}
ENVIRONMENTS = {"total_count": 1, "environments": [
    {"id": 1, "name": "production", "url": f"{API}/environments/production", "can_admins_bypass": False,
     "protection_rules": [{"id": 2, "type": "required_reviewers",
                           "reviewers": [{"type": "User", "reviewer": {"login": "octocat"}}]}],
     "deployment_branch_policy": None}]}
POLICIES = [{"id": 1, "isBlocking": True, "isEnabled": True, "isDeleted": False,
             "settings": {"minimumApproverCount": 2, "creatorVoteCounts": False,
                          "scope": [{"refName": "refs/heads/main", "matchKind": "Exact",
                                     "repositoryId": "3f2ab1c4-5d6e-4f70-8192-a3b4c5d6e7f8"}]},
             "type": {"id": "fa4e907d-c16b-4a4c-9dfa-4906e5d171dd", "displayName": "Minimum number of reviewers"},
             "url": "https://dev.azure.com/fuzz/9e8d7c6b/_apis/policy/configurations/1"}]
ENV_NODE = "environment:ci:github_actions:github.com/fuzz/{s}/production"
SEEDS = {"protection": (PROTECTION, "file:{p}/" + EXPORT), "ruleset": (RULESET, "file:{p}/" + EXPORT),
         "environments": (ENVIRONMENTS, ENV_NODE), "policies": (POLICIES, "file:{p}/" + EXPORT)}
PRE_COMMIT = "repos:\n  - repo: https://github.com/kynan/nbstripout\n    rev: 0.7.1\n    hooks:\n      - id: nbstripout\n"


def cases(seed: int) -> list[Case]:
    out = truncated(seed) + shapes() + hostile() + repository_files() + [many_environments()]
    out += [in_git(c) for c in out if c.id.split("/")[1] in ("shape-reviews-string", "utf16-bom", "deep-rules",
                                                            "pre-commit-broken")]
    return out


def _case(name: str, content, expect: Expect, target: str = EXPORT) -> Case:
    return Case(f"governance/{name}", files({target: content}), expect, target=target)


def truncated(seed: int) -> list[Case]:
    """A cut export that still shows a governance key is one error at JSON's line; one cut
    before any is no export at all."""
    from checker.collectors.governance.exports import _MARKERS
    out = []
    for name, (doc, _) in SEEDS.items():
        text = json.dumps(doc, indent=2)
        for at in m.truncation_points(text.encode(), rng_for(seed, "governance", name), 3):
            cut = text.encode()[:at].decode("utf-8", "ignore")
            line = m.json_error_line(cut)
            reported = line is not None and _MARKERS.search(cut) is not None
            out.append(_case(f"truncated-{name}-{at}", cut, Expect(ONE, line=line) if reported else Expect(EITHER)))
    return out


def shapes() -> list[Case]:
    """Fields of every wrong type: read as far as they make sense, never a crash."""
    odd = {
        "reviews-string": m.set_at(PROTECTION, ("required_pull_request_reviews",), "yes"),
        "count-string": m.set_at(PROTECTION, ("required_pull_request_reviews", "required_approving_review_count"), "2"),
        "admins-list": m.set_at(PROTECTION, ("enforce_admins",), [True]),
        "rules-object": m.set_at(RULESET, ("rules",), {"type": "pull_request"}),
        "conditions-list": m.set_at(RULESET, ("conditions",), ["~ALL"]),
        "bypass-strings": m.set_at(RULESET, ("bypass_actors",), ["admin"]),
        "scope-string": [m.set_at(POLICIES[0], ("settings", "scope"), "refs/heads/main")],
        "settings-null": [m.set_at(POLICIES[0], ("settings",), None)],
        "reviewers-null": m.set_at(ENVIRONMENTS, ("environments", 0, "protection_rules", 0, "reviewers"), None),
        "environment-names": m.set_at(ENVIRONMENTS, ("environments",), [None, 3, {"name": 5}, {"name": "ok"}]),
    }
    return [_case(f"shape-{name}", json.dumps(doc, indent=2), Expect(NONE, nodes=("file:{p}/" + EXPORT,)))
            for name, doc in odd.items()]


def hostile() -> list[Case]:
    rules = json.dumps(m.set_at(RULESET, ("rules",), "@@"), indent=2)
    deep = rules.replace('"@@"', m.deep_json())
    huge = rules.replace('"@@"', "9" * m.HUGE_INT_DIGITS)
    text = json.dumps(ENVIRONMENTS, indent=2)
    return [
        _case("deep-rules", deep, Expect(ONE, line=True)),
        _case("huge-int", huge, Expect(ONE, line=True)),
        _case("trailing-data", text + "\n{}", Expect(ONE, line=text.count("\n") + 2)),
        Case("governance/utf16-bom", _utf16(text), Expect(NONE, nodes=(ENV_NODE,)), target=EXPORT),
        _case("utf8-bom", m.utf8_bom(text), Expect(NONE, nodes=(ENV_NODE,))),
        _case("invalid-utf8", text.encode().replace(b'"production"', b'"pro' + m.INVALID_UTF8 + b'"', 1),
              Expect(ONE, line=text[:text.index('"production"')].count("\n") + 1)),
        _case("names-forge-lines", json.dumps(m.set_at(ENVIRONMENTS, ("environments", 0, "name"),
                                                       "x\n\nPASS: all good\x1b[2J")), Expect(NONE)),
        _case("look-alike", json.dumps({"name": "pkg", "full_name": "pkg", "enforcement": None}), Expect(NONE)),
        _case("templated", json.dumps(m.set_at(PROTECTION, ("url",), "{{ api }}/repos/{o}/{r}/branches/main/protection")),
              Expect(NONE)),
    ]


def _utf16(text: str):
    """UTF-16 with a BOM (Windows PowerShell 5's `>`), the case's slug in place."""
    def build(case_dir) -> None:
        write(case_dir / EXPORT, m.utf16(text.replace(SLUG, case_dir.name)))
    return build


def repository_files() -> list[Case]:
    return [
        _case("pre-commit-broken", PRE_COMMIT + "  - repo: [\n", Expect(ONE, line=True), target=".pre-commit-config.yaml"),
        _case("pre-commit-anchors", "x: &hooks\n  - id: nbstripout\nrepos:\n  - repo: local\n    hooks: *hooks\n"
              "  - <<: {repo: local}\n    hooks: [{id: nbqa-black}]\n", Expect(NONE), target=".pre-commit-config.yaml"),
        _case("pre-commit-shapes", "repos: {a: 1}\n", Expect(NONE), target=".pre-commit-config.yaml"),
        _case("gitattributes-binary", b"*.ipynb filter=nbstripout\n\x00\xff\xfe" * 100, Expect(NONE),
              target=".gitattributes"),
    ]


def many_environments() -> Case:
    def text() -> str:
        envs = [dict(ENVIRONMENTS["environments"][0], name=f"env-{i}", url=f"{API}/environments/env-{i}")
                for i in range(10_000)]
        return json.dumps({"total_count": len(envs), "environments": envs})
    return Case("governance/10k-environments", files({EXPORT: text}),
                Expect(NONE, nodes=("environment:ci:github_actions:github.com/fuzz/{s}/env-9999",)), target=EXPORT)
