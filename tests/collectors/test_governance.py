"""Repository governance: platform exports (GitHub branch protection, rulesets, environments;
Azure DevOps branch policies, repositories, environment checks; GitLab protected branches,
environments, projects) in the JSON shapes of their REST documentation, joined to real git
repositories by remote; and what a repository shows itself (CODEOWNERS, notebook tooling in
.gitattributes, .pre-commit-config.yaml, jupytext/nbdime configuration, .git/config)."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from conftest import collect_graph, errors_for, git, make_repo, node_attrs, notebook

from checker.collectors.governance import link_repository_governance
from checker.collectors.governance.keys import repository_key
from checker.findings import CANNOT_EVALUATE, OPEN
from checker.graph import EstateGraph
from checker.linkers import run_linkers
from checker.scan import ScanOptions, run_scan

from collectors import governance_estates as est

FIXTURES = Path(__file__).resolve().parents[2] / "rules"


def estate(tmp_path: Path, remote: str | None, exports: dict, files: dict | None = None) -> Path:
    """A work tree with `remote` as origin and an MLproject, beside a folder of exports."""
    repo = make_repo(tmp_path / "estate" / "churn", {"MLproject": est.MLPROJECT, **(files or {})})
    if remote:
        git(repo, "remote", "add", "origin", remote)
    for name, doc in exports.items():
        path = tmp_path / "estate" / "exports" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(doc if isinstance(doc, str) else json.dumps(doc, indent=2), encoding="utf-8")
    return tmp_path / "estate"


def linked(root: Path) -> EstateGraph:
    graph = collect_graph(root)
    run_linkers(graph)
    return graph


def repo_attrs(graph: EstateGraph) -> dict:
    return node_attrs(graph, "repo:git:churn")


def gov_001(root: Path) -> list:
    return [f for f in run_scan(ScanOptions(paths=[str(root)], only=["MLC-GOV-001"])).findings]


# -- keys ----------------------------------------------------------------------------------

@pytest.mark.parametrize("remote, key", [
    ("https://github.com/Contoso/Churn.git", "github.com/contoso/churn"),
    ("git@github.com:contoso/churn.git", "github.com/contoso/churn"),
    ("https://contoso@dev.azure.com/contoso/ml-platform/_git/churn", "dev.azure.com/contoso/ml-platform/_git/churn"),
    ("git@ssh.dev.azure.com:v3/contoso/ml-platform/churn", "dev.azure.com/contoso/ml-platform/_git/churn"),
    ("https://contoso.visualstudio.com/DefaultCollection/ml-platform/_git/churn",
     "dev.azure.com/contoso/ml-platform/_git/churn"),
    ("https://dev.azure.com/contoso/ML%20Platform/_git/churn", "dev.azure.com/contoso/ml platform/_git/churn"),
    ("github.com/contoso/churn", "github.com/contoso/churn"),     # the git collector's remote attr
])
def test_one_key_whatever_form_names_the_repository(remote, key):
    assert repository_key(remote) == key


# -- GitHub ----------------------------------------------------------------------------------

def test_branch_protection_joins_by_remote_and_records_the_review(tmp_path):
    root = estate(tmp_path, "git@github.com:Contoso/churn.git",
                  {"main-protection.json": est.github_protection(approvals=2, enforce_admins=False)})
    gov = repo_attrs(linked(root))["governance"]
    assert gov["default_branch"] == "main"
    review = gov["review"]
    assert (review["state"], review["required_approvals"], review["admins_bypass"], review["code_owner_review"],
            review["source"], review["file"]) == \
        ("required", 2, True, True, "github_branch_protection", "estate/exports/main-protection.json")
    text = (root / "exports" / "main-protection.json").read_text().splitlines()
    assert '"required_pull_request_reviews"' in text[review["line"] - 1]


def test_protection_without_pull_request_reviews_requires_none_and_is_flagged(tmp_path):
    root = estate(tmp_path, est.GITHUB_REMOTE, {"p.json": est.github_protection(reviews=False)})
    assert repo_attrs(linked(root))["governance"]["review"]["state"] == "not_required"
    [finding] = gov_001(root)
    assert finding.status == OPEN and "no rule requires a pull request review" in finding.message


def test_protection_of_another_branch_only_cannot_evaluate(tmp_path):
    root = estate(tmp_path, est.GITHUB_REMOTE, {"p.json": est.github_protection(branch="release")})
    assert repo_attrs(linked(root))["governance"]["review"]["state"] == "unknown"
    [finding] = gov_001(root)
    assert finding.status == CANNOT_EVALUATE and "none covers its default branch main" in finding.message


def test_rulesets_apply_by_ref_pattern_and_the_strictest_wins(tmp_path):
    loose = est.github_ruleset(approvals=0, include=("refs/heads/main",))
    strict = dict(est.github_ruleset(approvals=2, include=("refs/heads/ma*",)), id=4202, name="strict")
    other = dict(est.github_ruleset(approvals=3, include=("refs/heads/release/**",)), id=4203)
    disabled = dict(est.github_ruleset(approvals=5), enforcement="disabled", id=4204)
    root = estate(tmp_path, est.GITHUB_REMOTE, {"r1.json": loose, "r2.json": strict, "r3.json": other,
                                                "r4.json": disabled})
    review = repo_attrs(linked(root))["governance"]["review"]
    assert (review["state"], review["required_approvals"], review["ruleset"]) == ("required", 2, "strict")
    assert gov_001(root) == []


def test_ruleset_bypass_actors_are_a_bypass(tmp_path):
    root = estate(tmp_path, est.GITHUB_REMOTE, {"r.json": est.github_ruleset(bypass=True)})
    review = repo_attrs(linked(root))["governance"]["review"]
    assert review["admins_bypass"] is True and review["bypass_actors"] == ["RepositoryRole"]
    assert "bypass" in gov_001(root)[0].message


def test_organization_ruleset_applies_by_repository_name_pattern(tmp_path):
    org = dict(est.github_ruleset(approvals=1), source_type="Organization", source="contoso",
               conditions={"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []},
                           "repository_name": {"include": ["ch*"], "exclude": ["churn-sandbox"], "protected": False}})
    root = estate(tmp_path, est.GITHUB_REMOTE, {"org.json": org})
    assert repo_attrs(linked(root))["governance"]["review"]["required_approvals"] == 1


def test_ruleset_list_summaries_decide_nothing(tmp_path):
    summary = {k: v for k, v in est.github_ruleset().items() if k not in ("rules", "conditions", "bypass_actors")}
    root = estate(tmp_path, est.GITHUB_REMOTE, {"rulesets.json": [summary]})
    graph = linked(root)
    assert node_attrs(graph, "file:fs:./exports/rulesets.json")["governance_export"]["shape"] == "github_ruleset_summary"
    assert "governance" not in repo_attrs(graph)
    assert gov_001(root)[0].status == CANNOT_EVALUATE


def test_repository_export_states_the_default_branch(tmp_path):
    """A work tree checked out on a feature branch: the platform's default branch counts."""
    root = estate(tmp_path, est.GITHUB_REMOTE, {
        "repo.json": {"id": 1296269, "name": "churn", "full_name": "contoso/churn", "default_branch": "main",
                      "html_url": "https://github.com/contoso/churn", "private": True},
        "p.json": est.github_protection()})
    git(root / "churn", "checkout", "-q", "-b", "feature/x")
    gov = repo_attrs(linked(root))["governance"]
    assert gov["default_branch"] == "main" and gov["review"]["state"] == "required"


# -- Azure DevOps -----------------------------------------------------------------------------

def test_azure_policies_join_by_guid_through_the_repository_list(tmp_path):
    root = estate(tmp_path, "git@ssh.dev.azure.com:v3/contoso/ml-platform/churn",
                  {"policies.json": est.azure_policies(approvers=2), "repos.json": est.azure_repositories()})
    review = repo_attrs(linked(root))["governance"]["review"]
    assert (review["state"], review["required_approvals"], review["source"], review["policy"]) == \
        ("required", 2, "azure_devops_policy", "Minimum number of reviewers")
    assert review["line"] == 2


def test_azure_policies_without_the_repository_list_stay_unjoined(tmp_path):
    root = estate(tmp_path, est.AZURE_REMOTE, {"policies.json": est.azure_policies()})
    graph = linked(root)
    unresolved = node_attrs(graph, "file:fs:./exports/policies.json")["unresolved"]
    assert any(est.AZURE_REPO_ID in key and "az repos list" in v["reason"] for key, v in unresolved.items())
    missing = repo_attrs(graph)["governance_missing"]
    assert "could not be joined" in missing
    [finding] = gov_001(root)
    assert finding.status == CANNOT_EVALUATE and "could not be joined" in finding.message


@pytest.mark.parametrize("policies, flagged", [
    (est.azure_policies(approvers=1, creator_vote_counts=True), "the author's own vote"),
    (est.azure_policies(blocking=False), "no rule requires a pull request review"),
    ([est.azure_policies()[1]], "no rule requires a pull request review"),     # a build policy only
])
def test_azure_policies_that_let_changes_in_unreviewed(tmp_path, policies, flagged):
    root = estate(tmp_path, est.AZURE_REMOTE, {"p.json": policies, "r.json": est.azure_repositories()})
    [finding] = gov_001(root)
    assert finding.status == OPEN and flagged in finding.message


def test_azure_devops_invoke_output_is_read_too(tmp_path):
    """`az devops invoke` / the REST API wrap the list: {"count": n, "value": [...]}."""
    policies = est.azure_policies(approvers=2)
    root = estate(tmp_path, est.AZURE_REMOTE, {"p.json": {"count": len(policies), "value": policies},
                                              "r.json": {"count": 1, "value": est.azure_repositories()}})
    assert repo_attrs(linked(root))["governance"]["review"]["required_approvals"] == 2


# -- environments -----------------------------------------------------------------------------

GITHUB_ENVIRONMENTS = {"total_count": 2, "environments": [
    {"id": 161088068, "node_id": "MDExOkVudmlyb25tZW50MTYxMDg4MDY4", "name": "production",
     "url": "https://api.github.com/repos/contoso/churn/environments/production",
     "html_url": "https://github.com/contoso/churn/deployments/activity_log?environments_filter=production",
     "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z", "can_admins_bypass": False,
     "protection_rules": [
         {"id": 3736, "node_id": "MDQ6R2F0ZTM3MzY=", "type": "wait_timer", "wait_timer": 30},
         {"id": 3755, "node_id": "MDQ6R2F0ZTM3NTU=", "type": "required_reviewers", "prevent_self_review": True,
          "reviewers": [{"type": "User", "reviewer": {"login": "octocat", "id": 1}},
                        {"type": "Team", "reviewer": {"id": 1, "slug": "ml-leads", "name": "ML leads"}}]},
         {"id": 3756, "node_id": "MDQ6R2F0ZTM3NTY=", "type": "branch_policy"}],
     "deployment_branch_policy": {"protected_branches": False, "custom_branch_policies": True}},
    {"id": 161088069, "node_id": "MDExOkVudmlyb25tZW50MTYxMDg4MDY5", "name": "staging",
     "url": "https://api.github.com/repos/contoso/churn/environments/staging",
     "html_url": "https://github.com/contoso/churn/deployments/activity_log?environments_filter=staging",
     "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z", "can_admins_bypass": True,
     "protection_rules": [], "deployment_branch_policy": None},
]}


def test_github_environments_become_environment_nodes(tmp_path):
    graph = linked(estate(tmp_path, est.GITHUB_REMOTE, {"environments.json": GITHUB_ENVIRONMENTS}))
    prod = node_attrs(graph, "environment:ci:github_actions:github.com/contoso/churn/production")
    assert (prod["system"], prod["repository"], prod["protected"]) == \
        ("github_actions", "github.com/contoso/churn", True)
    assert prod["protection"]["required_reviewers"] == ["User:octocat", "Team:ml-leads"]
    assert (prod["protection"]["reviewers_count"], prod["protection"]["wait_timer"]) == (2, 30)
    assert prod["protection"]["branch_policy"] == {"protected_branches": False, "custom_branch_policies": True}
    staging = node_attrs(graph, "environment:ci:github_actions:github.com/contoso/churn/staging")
    assert staging["protected"] is False and staging["protection"]["admins_bypass"] is True
    assert graph.node("environment:ci:github_actions:github.com/contoso/churn/production")["provenance"]["line"] == 4


AZURE_CHECKS = {"count": 2, "value": [
    {"settings": {"approvers": [{"displayName": "ML Leads", "id": "6a3b0b2c-0e35-4cdb-9d6a-d3c1b8e9f0a1"}],
                  "executionOrder": "anyOrder", "minRequiredApprovers": 0, "instructions": "Check the model card",
                  "blockedApprovers": [], "requesterCannotBeApprover": True},
     "timeout": 43200, "type": {"id": "8C6F20A7-A545-4486-9777-F762FAFE0D4D", "name": "Approval"},
     "resource": {"type": "environment", "id": "4", "name": "production"}, "id": 21, "version": 1,
     "url": f"https://dev.azure.com/contoso/{est.AZURE_PROJECT_ID}/_apis/pipelines/checks/configurations/21"},
    {"settings": {"definitionRef": {"id": "fe1de3ee-a436-41b4-bb20-f6eb4cb879a7", "name": "evaluatebranchProtection"}},
     "timeout": 1440, "type": {"id": "fe1de3ee-a436-41b4-bb20-f6eb4cb879a7", "name": "Task Check"},
     "resource": {"type": "environment", "id": "5", "name": "staging"}, "id": 22, "version": 1,
     "url": f"https://dev.azure.com/contoso/{est.AZURE_PROJECT_ID}/_apis/pipelines/checks/configurations/22"},
]}


def test_azure_environment_checks_become_environment_nodes(tmp_path):
    graph = linked(estate(tmp_path, est.AZURE_REMOTE, {"checks.json": AZURE_CHECKS}))
    envs = {nid: a for nid, a in ((n, d["attrs"]) for n, d in graph.nodes("environment"))}
    prod = envs[f"environment:ci:azure_pipelines:dev.azure.com/contoso/{est.AZURE_PROJECT_ID}/production"]
    assert prod["protected"] is True and prod["protection"]["required_reviewers"] == ["ML Leads"]
    assert prod["protection"]["checks"] == ["Approval"]
    staging = envs[f"environment:ci:azure_pipelines:dev.azure.com/contoso/{est.AZURE_PROJECT_ID}/staging"]
    assert staging["protected"] is False and staging["protection"]["checks"] == ["Task Check"]


GITLAB_PROJECT = {"id": 42, "path_with_namespace": "contoso/churn", "default_branch": "main",
                  "web_url": "https://gitlab.com/contoso/churn", "name": "churn"}
GITLAB_ENVIRONMENTS = [{"name": "production", "deploy_access_levels": [
    {"id": 12, "access_level": 40, "access_level_description": "Maintainers", "user_id": None, "group_id": None,
     "group_inheritance_type": 0}], "required_approval_count": 0,
    "approval_rules": [{"id": 38, "user_id": None, "group_id": 7, "access_level": None,
                        "access_level_description": "qa-group", "required_approvals": 2, "group_inheritance_type": 0}]}]
GITLAB_BRANCHES = [{"id": 1, "name": "main", "push_access_levels": [
    {"id": 1, "access_level": 40, "access_level_description": "Maintainers"}],
    "merge_access_levels": [{"id": 1, "access_level": 40, "access_level_description": "Maintainers"}],
    "allow_force_push": False, "code_owner_approval_required": False}]


def test_gitlab_lists_join_the_project_described_in_their_folder(tmp_path):
    graph = linked(estate(tmp_path, "git@gitlab.com:contoso/churn.git", {
        "project.json": GITLAB_PROJECT, "protected_environments.json": GITLAB_ENVIRONMENTS,
        "protected_branches.json": GITLAB_BRANCHES}))
    env = node_attrs(graph, "environment:ci:gitlab_ci:gitlab.com/contoso/churn/production")
    assert env["protected"] is True and env["protection"]["reviewers_count"] == 2
    assert env["protection"]["deployers"] == ["Maintainers"]
    # A protected branch says who merges, not that a merge request is reviewed.
    assert repo_attrs(graph)["governance"]["review"]["state"] == "unknown"


def test_gitlab_lists_without_a_project_are_recorded_unjoined(tmp_path):
    graph = linked(estate(tmp_path, None, {"protected_environments.json": GITLAB_ENVIRONMENTS}))
    [(nid, data)] = list(graph.nodes("environment"))
    assert data["attrs"]["repository"] is None and "unjoined" in nid
    assert "no export of exactly one repository" in str(node_attrs(graph, "file:fs:./exports/protected_environments.json")["unresolved"])


# -- bad input ----------------------------------------------------------------------------------

def test_broken_export_is_a_collection_error_with_its_line_and_the_rest_is_read(tmp_path):
    broken = json.dumps(est.github_protection(), indent=2)[:-40]
    root = estate(tmp_path, est.GITHUB_REMOTE, {"broken.json": broken, "r.json": est.github_ruleset()})
    graph = linked(root)
    [error] = errors_for(graph, "exports/broken.json")
    assert error.collector == "governance_exports" and "invalid JSON" in error.reason and error.line
    assert repo_attrs(graph)["governance"]["review"]["source"] == "github_ruleset"


@pytest.mark.parametrize("doc", [
    {"name": "left-pad", "full_name": "left-pad", "version": "1.0.0"},           # package.json-like
    {"url": "https://api.github.com/repos/o/r/branches/main/protection", "message": "Branch not protected"},
    [{"isBlocking": "yes", "settings": [], "type": None}],
    {"environments": [None, 3, {"name": None}, {"name": "x", "protection_rules": "none"}]},
    {"value": [{"resource": {"type": "environment"}, "type": "Approval", "settings": None}]},
    {"source_type": "Repository", "source": None, "enforcement": "active", "rules": None, "conditions": None},
    [{"merge_access_levels": None, "name": 3}, {"deploy_access_levels": "x", "name": "prod", "approval_rules": [None]}],
])
def test_odd_json_never_crashes(tmp_path, doc):
    graph = linked(estate(tmp_path, est.GITHUB_REMOTE, {"odd.json": doc}))
    assert [e for e in graph.errors if "crash" in e.reason] == []


def test_windows_powershell_utf16_export_is_read(tmp_path):
    root = estate(tmp_path, est.GITHUB_REMOTE, {})
    path = root / "exports" / "p.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("\ufeff".encode("utf-16-le") + json.dumps(est.github_protection()).encode("utf-16-le"))
    assert repo_attrs(linked(root))["governance"]["review"]["state"] == "required"


# -- what the repository shows -----------------------------------------------------------------

def test_codeowners_and_notebook_tooling_are_recorded(tmp_path):
    repo = make_repo(tmp_path / "churn", {
        ".github/CODEOWNERS": "# owners\n* @contoso/ml-team\n/models/ @contoso/ml-leads\n",
        "src/CODEOWNERS": "* @nobody\n",          # not a place GitHub reads
        ".gitattributes": "*.csv filter=lfs diff=lfs merge=lfs -text\n*.ipynb diff=jupyternotebook merge=jupyternotebook\n",
        ".pre-commit-config.yaml": "repos:\n  - repo: https://github.com/nbQA-dev/nbQA\n    rev: 1.8.5\n    hooks:\n"
                                  "      - id: nbqa-ruff\n  - repo: https://github.com/mwouts/jupytext\n    rev: v1.16.1\n"
                                  "    hooks:\n      - id: jupytext\n        args: [--sync]\n",
        "pyproject.toml": "[project]\nname = 'churn'\n\n[tool.jupytext]\nformats = 'ipynb,py:percent'\n",
        "notebooks/explore.ipynb": notebook()})
    attrs = node_attrs(collect_graph(repo), "repo:git:.")
    assert attrs["codeowners"] == {"file": ".github/CODEOWNERS", "entries": 2}
    assert [(t["tool"], t["file"], t["line"]) for t in attrs["notebook_tooling"]] == [
        ("jupytext", ".pre-commit-config.yaml", 9), ("jupytext", "pyproject.toml", 4),
        ("nbdime", ".gitattributes", 2), ("nbqa", ".pre-commit-config.yaml", 5)]


def test_a_repository_without_tooling_records_an_empty_list(tmp_path):
    repo = make_repo(tmp_path / "churn", {"notebooks/explore.ipynb": notebook()})
    assert node_attrs(collect_graph(repo), "repo:git:.")["notebook_tooling"] == []


def test_nbstripout_installed_in_git_config_counts_and_is_no_partial_clone(tmp_path):
    """`nbstripout --install` writes the filter to .git/config (and .git/info/attributes)."""
    repo = make_repo(tmp_path / "churn", {"notebooks/explore.ipynb": notebook()})
    git(repo, "config", "filter.nbstripout.clean", "'/usr/bin/python3' -m nbstripout")
    git(repo, "config", "filter.nbstripout.smudge", "cat")
    graph = collect_graph(repo)
    attrs = node_attrs(graph, "repo:git:.")
    assert attrs["git_notebook_filters"] == ["nbstripout"]
    assert attrs["notebook_tooling"] == [{"tool": "nbstripout", "file": ".git/config", "line": None}]
    assert "file:git:./notebooks/explore.ipynb" in graph and graph.errors == []


def test_broken_pre_commit_config_is_a_collection_error(tmp_path):
    repo = make_repo(tmp_path / "churn", {".pre-commit-config.yaml": "repos:\n  - repo: x\n    hooks: [\n"})
    graph = collect_graph(repo)
    [error] = [e for e in graph.errors if e.collector == "repository_governance"]
    assert error.source.endswith(".pre-commit-config.yaml") and error.line


# -- what a repository does with models -------------------------------------------------------------

def test_ci_jobs_that_train_or_deploy_make_a_repository_an_ml_repository():
    """The CI collectors (another part of issue 10) write these nodes; the shapes follow the
    pipelines vocabulary."""
    from checker.graph import Provenance
    graph = EstateGraph()
    prov = Provenance("test", "x")
    repo = graph.add_node("repo", "git:app", {"vcs": "git", "path": "app", "remote": "github.com/contoso/app"}, prov)
    wf = graph.add_node("file", "git:app/.github/workflows/ml.yml", {"path": ".github/workflows/ml.yml"}, prov)
    graph.add_edge(repo, wf, "contains")
    pipeline = graph.add_node("pipeline", "ci:git:app/.github/workflows/ml.yml", {"system": "github_actions"}, prov)
    graph.add_edge(pipeline, wf, "defined_in")
    for key, purposes in (("train", [{"purpose": "train", "reason": "az ml job create"}]),
                          ("lint", [{"purpose": "test", "reason": "pytest"}])):
        job = graph.add_node("job", f"ci:git:app/.github/workflows/ml.yml#{key}",
                             {"system": "github_actions", "purposes": purposes}, prov)
        graph.add_edge(pipeline, job, "contains")
    link_repository_governance(graph)
    assert graph.node(repo)["attrs"]["ml_activity"] == [
        {"what": "CI job that does train", "node": "job:ci:git:app/.github/workflows/ml.yml#train"}]


def test_a_repository_without_ml_activity_is_not_judged(tmp_path):
    repo = make_repo(tmp_path / "estate" / "docs", {"README.md": "docs\n"})
    git(repo, "remote", "add", "origin", est.GITHUB_REMOTE)
    result = run_scan(ScanOptions(paths=[str(tmp_path / "estate")], only=["MLC-GOV-001"]))
    assert result.findings == [] and result.results["MLC-GOV-001"].applicable == 0


# -- the fixtures are what the builder makes ------------------------------------------------------

def test_fixture_repositories_are_reproducible(tmp_path):
    shas = est.bare_repo(tmp_path / "churn.git", est.GITHUB_REMOTE, {"MLproject": est.MLPROJECT, "train.py": est.TRAIN_PY},
                         feature={"train.py": est.TRAIN_PY + "# new features\n"})
    fixture = FIXTURES / "lineage" / "MLC-LIN-004" / "flag" / "estate" / "churn.git"
    for branch, sha in (("main", shas["main"]), ("feature/retrain", shas["feature"])):
        assert (fixture / "refs" / "heads" / branch).read_text().strip() == sha
    shas = est.bare_repo(tmp_path / "gov.git", est.GITHUB_REMOTE)
    fixture = FIXTURES / "governance" / "MLC-GOV-001" / "flag-github" / "estate" / "churn.git"
    assert (fixture / "refs" / "heads" / "main").read_text().strip() == shas["main"]
    out = subprocess.run(["git", "--git-dir", str(fixture), "config", "remote.origin.url"],
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out == est.GITHUB_REMOTE


def test_a_notebook_that_trains_makes_a_repository_an_ml_repository(tmp_path):
    nb = json.loads(notebook())
    nb["cells"][1]["source"] = ["from sklearn.linear_model import LogisticRegression\n",
                                "model = LogisticRegression().fit(X, y)\n"]
    repo = make_repo(tmp_path / "estate" / "churn", {"notebooks/train.ipynb": json.dumps(nb),
                                                      "notebooks/plot.ipynb": notebook()})
    git(repo, "remote", "add", "origin", est.GITHUB_REMOTE)
    graph = linked(tmp_path / "estate")
    assert repo_attrs(graph)["ml_activity"] == [
        {"what": "notebook with training code (.fit()", "node": "file:git:churn/notebooks/train.ipynb"}]
    assert "ml_training_code" not in node_attrs(graph, "file:git:churn/notebooks/plot.ipynb")


def test_a_project_wide_azure_policy_joins_through_the_project(tmp_path):
    policies = est.azure_policies(approvers=2)
    for policy in policies:
        policy["settings"]["scope"] = [{"matchKind": "DefaultBranch", "refName": None, "repositoryId": None}]
    root = estate(tmp_path, est.AZURE_REMOTE, {"p.json": policies, "r.json": est.azure_repositories()})
    review = repo_attrs(linked(root))["governance"]["review"]
    assert (review["state"], review["required_approvals"]) == ("required", 2)


def test_an_azure_policy_list_with_policies_on_other_branches_only_requires_no_review(tmp_path):
    policies = est.azure_policies(approvers=2)
    for policy in policies:
        policy["settings"]["scope"][0]["refName"] = "refs/heads/release"
    root = estate(tmp_path, est.AZURE_REMOTE, {"p.json": policies, "r.json": est.azure_repositories()})
    assert repo_attrs(linked(root))["governance"]["review"]["state"] == "not_required"
    assert gov_001(root)[0].status == OPEN


def test_detailed_rulesets_saved_as_one_list_are_read(tmp_path):
    """`for id in …; do gh api …/rulesets/$id; done | jq -s`: full rulesets in one array."""
    root = estate(tmp_path, est.GITHUB_REMOTE, {"rulesets.json": [est.github_ruleset(approvals=0),
                                                                 dict(est.github_ruleset(approvals=1), id=9)]})
    review = repo_attrs(linked(root))["governance"]["review"]
    assert review["required_approvals"] == 1 and review["line"] > 1


# -- MLC-LIN-004 on a developer's clone ---------------------------------------------------------

def test_a_clone_checked_out_on_the_feature_branch_is_judged_by_origin_head(tmp_path):
    """A work tree's HEAD is whatever branch is checked out: the clone's origin/HEAD (which the
    git collector lists on the commits it reaches) names the default branch instead."""
    import shutil
    fixture = FIXTURES / "lineage" / "MLC-LIN-004" / "flag" / "estate"
    shutil.copytree(fixture / "mlruns", tmp_path / "estate" / "mlruns")
    shutil.copytree(fixture / "churn.git", tmp_path / "origin.git")      # pushed to below: a copy
    git(tmp_path, "clone", "-q", str(tmp_path / "origin.git"), str(tmp_path / "estate" / "churn"))
    git(tmp_path / "estate" / "churn", "checkout", "-q", "feature/retrain")
    result = run_scan(ScanOptions(paths=[str(tmp_path / "estate")], only=["MLC-LIN-004"]))
    [finding] = [f for f in result.findings if f.status == OPEN]
    assert finding.node == "model_version:mlflow://mlruns/churn/1" and "origin/HEAD" in finding.message
    git(tmp_path / "estate" / "churn", "checkout", "-q", "main")
    git(tmp_path / "estate" / "churn", "merge", "-q", "--no-ff", "-m", "merge", "feature/retrain")
    git(tmp_path / "estate" / "churn", "push", "-q", "origin", "main")
    git(tmp_path / "estate" / "churn", "fetch", "-q", "origin")
    result = run_scan(ScanOptions(paths=[str(tmp_path / "estate")], only=["MLC-LIN-004"]))
    assert [f for f in result.findings if f.status == OPEN] == []


FRAGMENTS = [b".fit(", b"model.fit(X)", b"mlflow.", b"mlflow.start_run(", b"mlflow.sklearn.autolog(",
             b"mlflow.set_tracking_uri(", b"xmlflow.autolog(", b"Trainer(", b"MyTrainer(", b"trainer.train(",
             b"xgb.train(", b"lgb.train(", b"ml_client.jobs.create_or_update(", b" ", b"\\n", b'"', b"a", b"_", b"("]


@given(st.lists(st.sampled_from(FRAGMENTS), max_size=40))
def test_first_training_call_is_the_patterns_first_match(parts):
    """The literal-start search finds exactly what searching with the pattern finds."""
    from checker.collectors.governance.repository import _TRAINING, first_training_call
    data = b"".join(parts)
    expected, found = _TRAINING.search(data), first_training_call(data)
    assert (found and (found.start(), found.group())) == (expected and (expected.start(), expected.group()))
