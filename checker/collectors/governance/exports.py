"""Platform exports of repository governance, read from JSON files whatever they are called
(`gh api …`, `az repos policy list -o json`, `az devops invoke`, GitLab's REST API):

- GitHub branch protection (`repos/{o}/{r}/branches/{b}/protection`), rulesets
  (`repos/{o}/{r}/rulesets/{id}`, and organization rulesets; the `…/rulesets` list holds
  summaries without rules: recorded, it decides nothing), the repository itself
  (`repos/{o}/{r}`: its default branch) and environments (`repos/{o}/{r}/environments`);
- Azure DevOps branch policies (`az repos policy list`), repositories (`az repos list` /
  `show`: GUID → name), environment check configurations (Approval checks);
- GitLab protected branches, protected environments and the project (`projects/:id`).

Each export becomes facts on its file node (`governance_export`: rules by repository and
branch, the repositories it describes) and, for environments, `environment:ci:…` nodes.
Repositories an export names only by id (Azure DevOps GUIDs) or not at all (GitLab lists)
are joined here, folder by folder, from a repository description in the same folder; the
linker joins the rules to repo nodes by remote (link.py).
"""
from __future__ import annotations

import codecs
import fnmatch
import json
import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from .. import CollectContext, FileParser, FileRef
from ..exports.common import Item, Lines, as_text, top_level
from .keys import azure_organization, github_api_target, repository_key

EXPORT_ATTR = "governance_export"
# Cheap markers on the text before any JSON is decoded: most JSON in a tree is none of these.
_MARKERS = re.compile(r'"(?:required_pull_request_reviews|enforce_admins|source_type|enforcement|'
                      r'protection_rules|deployment_branch_policy|minimumApproverCount|isBlocking|'
                      r'remoteUrl|minRequiredApprovers|merge_access_levels|deploy_access_levels|'
                      r'path_with_namespace|full_name)"\s*:')
AZURE_MIN_REVIEWERS = "fa4e907d-c16b-4a4c-9dfa-4906e5d171dd"
AZURE_REQUIRED_REVIEWERS = "fd2167ab-b0be-447a-8ec8-39368250530e"
AZURE_APPROVAL_CHECK = "8c6f20a7-a545-4486-9777-f762fafe0d4d"
# GitHub's built-in repository role ids (rulesets' bypass actors): 5 is admin.
GITHUB_ADMIN_ROLE = 5
MAX_REVIEWERS = 50
HEAD_BYTES = 256 * 1024


@dataclass
class Export:
    """What one file says, before its folder's repository descriptions join it."""
    ref: FileRef
    shape: str
    rules: list[dict] = field(default_factory=list)
    describes: list[dict] = field(default_factory=list)
    environments: list[dict] = field(default_factory=list)
    unresolved: list[tuple[str, str]] = field(default_factory=list)   # (id, reason)


class GovernanceExportsParser(FileParser):
    name = "governance_exports"
    patterns = ("*.json",)

    def __init__(self) -> None:
        self._pending: dict[str, list[Export]] = {}     # tree → its exports

    def parse(self, ref: FileRef, data: bytes, ctx: CollectContext) -> None:
        if not _looks_like_export(data):
            return
        try:
            text = as_text(data)
        except UnicodeDecodeError as exc:
            ctx.graph.error(self.name, ref.display, f"not UTF-8 or UTF-16 text: {exc.reason}",
                            data[:exc.start].count(b"\n") + 1)
            return
        try:
            doc, lists = top_level(text, ("value", "environments"))
        except json.JSONDecodeError as exc:
            ctx.graph.error(self.name, ref.display, f"invalid JSON: {exc.msg}", exc.lineno)
            return
        export = read_export(ref, doc, lists, Lines(text))
        if export is not None:
            self._pending.setdefault(ref.tree, []).append(export)

    def finish(self, tree: str, ctx: CollectContext) -> None:
        exports = self._pending.pop(tree, [])
        by_folder: dict[str, list[Export]] = {}
        for export in exports:
            by_folder.setdefault(posixpath.dirname(export.ref.path), []).append(export)
        for folder in by_folder.values():
            join_folder(folder)
            for export in folder:
                record(export, ctx, self.name)


def _looks_like_export(data: bytes) -> bool:
    """A governance key in the file's head: every export shows one in its first object
    (the shapes are told by the first item of a list), so a 20 MB Terraform plan costs
    a look at HEAD_BYTES, not a decode and a search of all of it."""
    head = data[:HEAD_BYTES]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = head[:len(head) // 2 * 2].decode("utf-16", "replace")
    else:
        text = head.decode("utf-8", "replace")
    return _MARKERS.search(text) is not None


# -- reading one file -------------------------------------------------------------------

def read_export(ref: FileRef, doc: Any, lists: dict[str, list[Item]], lines: Lines) -> Export | None:
    """The export one document is, or None when it is no governance export."""
    if isinstance(doc, dict) and isinstance(doc.get("value"), list):      # az devops invoke, REST
        items, doc_is_list = lists.get("value") or [], True
    elif isinstance(doc, list):
        items, doc_is_list = lists.get("") or [], True
    else:
        items, doc_is_list = [], False
    if doc_is_list:
        dicts = [i for i in items if isinstance(i.value, dict)]
        if not dicts:
            return None
        first = dicts[0].value
        for shape, test, reader in _LIST_SHAPES:
            if test(first):
                export = Export(ref, shape)
                for item in dicts:
                    if test(item.value):
                        reader(export, item.value, lines.at(item.offset))
                return export
        return None
    if not isinstance(doc, dict):
        return None
    for shape, test, reader in _OBJECT_SHAPES:
        if test(doc):
            export = Export(ref, shape)
            reader(export, doc, lists, lines)
            return export
    return None


def _review(state: str, approvals: Any, bypass: Any, code_owners: Any, source: str, line: int,
            **extra: Any) -> dict:
    return {"state": state, "required_approvals": approvals if isinstance(approvals, int) else None,
            "admins_bypass": bypass if isinstance(bypass, bool) else None,
            "code_owner_review": code_owners if isinstance(code_owners, bool) else None,
            "source": source, "line": line, **extra}


def _enabled(value: Any) -> bool | None:
    """GitHub's `{"enabled": bool}` settings (and a bare bool)."""
    if isinstance(value, dict):
        value = value.get("enabled")
    return value if isinstance(value, bool) else None


# GitHub ---------------------------------------------------------------------------------

def _is_github_protection(doc: dict) -> bool:
    target = github_api_target(str(doc.get("url", "")))
    return bool(target and target[1].startswith("branches/") and target[1].endswith("/protection"))


def _github_protection(export: Export, doc: dict, lists, lines: Lines) -> None:
    key, rest = github_api_target(doc["url"])
    branch = rest[len("branches/"):-len("/protection")]
    reviews = doc.get("required_pull_request_reviews")
    admins_enforced = _enabled(doc.get("enforce_admins"))
    line = _line_of(lines, '"required_pull_request_reviews"')
    if isinstance(reviews, dict):
        allowances = reviews.get("bypass_pull_request_allowances")
        someone_bypasses = isinstance(allowances, dict) and any(allowances.get(k) for k in ("users", "teams", "apps"))
        review = _review("required", reviews.get("required_approving_review_count", 0),
                         None if admins_enforced is None else (not admins_enforced) or someone_bypasses,
                         reviews.get("require_code_owner_reviews"), "github_branch_protection", line,
                         bypass_allowances=bool(someone_bypasses))
    else:
        review = _review("not_required", 0, None if admins_enforced is None else not admins_enforced,
                         False, "github_branch_protection", 1)
    export.rules.append({"repositories": [key], "branch": {"match": "exact", "value": branch},
                         "review": review})


def _is_github_ruleset(doc: dict) -> bool:
    return "enforcement" in doc and "source_type" in doc and "source" in doc


def _github_ruleset(export: Export, doc: dict, lists, lines: Lines, line: int = 1) -> None:
    if doc.get("target", "branch") != "branch" or doc.get("enforcement") != "active":
        return                          # tag / push rulesets; disabled or "evaluate" (report only)
    if "rules" not in doc or "conditions" not in doc:
        export.shape = "github_ruleset_summary"     # the list endpoint: no rules, decides nothing
        return
    host = "github.com"
    links = doc.get("_links") if isinstance(doc.get("_links"), dict) else {}
    self_link = links.get("self") if isinstance(links.get("self"), dict) else {}
    target = github_api_target(str(self_link.get("href", "")))
    if target:
        host = target[0].split("/")[0]
    source = str(doc.get("source", "")).lower()
    conditions = doc.get("conditions") if isinstance(doc.get("conditions"), dict) else {}
    if doc.get("source_type") == "Organization":
        names = conditions.get("repository_name") if isinstance(conditions.get("repository_name"), dict) else {}
        repos = [f"{host}/{source}/{_ref_glob(p, '')}" for p in _strings(names.get("include"))]
        exclude_repos = [f"{host}/{source}/{_ref_glob(p, '')}" for p in _strings(names.get("exclude"))]
    else:
        repos, exclude_repos = [f"{host}/{source}"], []
    refs = conditions.get("ref_name") if isinstance(conditions.get("ref_name"), dict) else {}
    pull = next((r for r in doc.get("rules") or [] if isinstance(r, dict) and r.get("type") == "pull_request"), None)
    bypass = [a for a in doc.get("bypass_actors") or [] if isinstance(a, dict) and a.get("bypass_mode") == "always"]
    if pull is not None:
        params = pull.get("parameters") if isinstance(pull.get("parameters"), dict) else {}
        review = _review("required", params.get("required_approving_review_count", 0), bool(bypass),
                         params.get("require_code_owner_review"), "github_ruleset",
                         _line_of(lines, '"pull_request"', line), ruleset=doc.get("name"),
                         bypass_actors=sorted({str(a.get("actor_type")) for a in bypass}))
    else:
        review = _review("not_required", 0, None, False, "github_ruleset", line, ruleset=doc.get("name"))
    export.rules.append({"repositories": repos, "exclude_repositories": exclude_repos,
                         "branch": {"match": "glob", "value": [_ref_glob(p, "refs/heads/") for p in _strings(refs.get("include"))],
                                    "exclude": [_ref_glob(p, "refs/heads/") for p in _strings(refs.get("exclude"))]},
                         "review": review})


def _ref_glob(pattern: str, prefix: str) -> str:
    """A ruleset's fnmatch pattern for branch names (`refs/heads/` dropped); `~DEFAULT_BRANCH`
    and `~ALL` kept as they are."""
    if pattern.startswith("~"):
        return pattern.upper()
    return pattern.removeprefix(prefix).replace("**", "*")


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _is_github_repository(doc: dict) -> bool:
    return isinstance(doc.get("full_name"), str) and "default_branch" in doc and "html_url" in doc


def _github_repository(export: Export, doc: dict, lists, lines: Lines) -> None:
    export.describes.append({"repository": repository_key(doc["html_url"]), "id": str(doc.get("id", "")),
                             "default_branch": doc.get("default_branch")})


def _is_github_environments(doc: dict) -> bool:
    return isinstance(doc.get("environments"), list)


def _github_environments(export: Export, doc: dict, lists, lines: Lines) -> None:
    for item in lists.get("environments") or []:
        env = item.value
        if not isinstance(env, dict) or not isinstance(env.get("name"), str):
            continue
        target = github_api_target(str(env.get("url", "")))
        rules = [r for r in env.get("protection_rules") or [] if isinstance(r, dict)]
        reviewers = [_reviewer(r) for rule in rules if rule.get("type") == "required_reviewers"
                     for r in rule.get("reviewers") or [] if isinstance(r, dict)]
        wait = next((r.get("wait_timer") for r in rules if r.get("type") == "wait_timer"), None)
        policy = env.get("deployment_branch_policy")
        protection = {"required_reviewers": reviewers[:MAX_REVIEWERS], "reviewers_count": len(reviewers),
                      "wait_timer": wait if isinstance(wait, int) else None,
                      "branch_policy": policy if isinstance(policy, dict) else None,
                      "checks": sorted({str(r.get("type")) for r in rules}),
                      "admins_bypass": env.get("can_admins_bypass") if isinstance(env.get("can_admins_bypass"), bool) else None}
        export.environments.append({"system": "github_actions", "name": env["name"],
                                    "repository": target[0] if target else None,
                                    "protection": protection, "protected": bool(reviewers),
                                    "line": lines.at(item.offset)})


def _reviewer(entry: dict) -> str:
    who = entry.get("reviewer") if isinstance(entry.get("reviewer"), dict) else {}
    name = who.get("login") or who.get("slug") or who.get("name") or who.get("id")
    return f"{entry.get('type', '?')}:{name}"


# Azure DevOps --------------------------------------------------------------------------

def _type_of(doc: dict) -> tuple[str, str]:
    kind = doc.get("type") if isinstance(doc.get("type"), dict) else {}
    return str(kind.get("id", "")).lower(), str(kind.get("displayName") or kind.get("name") or "")


def _is_azure_policy(doc: dict) -> bool:
    return "isBlocking" in doc and isinstance(doc.get("settings"), dict) and isinstance(doc.get("type"), dict)


def _azure_policy(export: Export, doc: dict, line: int) -> None:
    type_id, display = _type_of(doc)
    settings = doc["settings"]
    scopes = [s for s in settings.get("scope") or [] if isinstance(s, dict)] or [{}]
    org = azure_organization(str(doc.get("url", "")))
    for scope in scopes:
        repo_id = str(scope.get("repositoryId") or "").lower() or None
        target = {"repository_id": repo_id, "organization": org[0] if org else None,
                  "project_id": org[1] if org else None}
        reviewers = type_id in (AZURE_MIN_REVIEWERS, AZURE_REQUIRED_REVIEWERS) or \
            display in ("Minimum number of reviewers", "Required reviewers")
        if not reviewers:
            # The list holds every policy of the repositories it names: one that is not
            # about reviewers still says the export covers its repository.
            export.rules.append({"repositories": [], "target": target, "branch": _azure_branch(scope),
                                 "review": None, "covers": True, "line": line})
            continue
        active = doc.get("isEnabled") is True and doc.get("isDeleted") is not True
        blocking = doc.get("isBlocking") is True
        count = settings.get("minimumApproverCount", 1)
        creator = settings.get("creatorVoteCounts")
        state = "required" if active and blocking else "not_required"
        review = _review(state, count if state == "required" else 0, None, None, "azure_devops_policy", line,
                         policy=display or type_id, enabled=doc.get("isEnabled"), blocking=blocking,
                         creator_vote_counts=creator if isinstance(creator, bool) else None)
        export.rules.append({"repositories": [], "target": target, "branch": _azure_branch(scope),
                             "review": review, "covers": True, "line": line})


def _azure_branch(scope: dict) -> dict:
    ref, kind = scope.get("refName"), str(scope.get("matchKind") or "exact").lower()
    if kind == "defaultbranch":
        return {"match": "glob", "value": ["~DEFAULT_BRANCH"], "exclude": []}
    if not isinstance(ref, str):
        return {"match": "glob", "value": ["~ALL"], "exclude": []}
    name = ref.removeprefix("refs/heads/")
    return {"match": "glob", "value": [_fnmatch_escape(name) + ("*" if kind == "prefix" else "")], "exclude": []}


def _fnmatch_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


def _is_azure_repository(doc: dict) -> bool:
    return isinstance(doc.get("remoteUrl"), str) and "_git/" in doc["remoteUrl"] and "id" in doc


def _azure_repository(export: Export, doc: dict, line: int) -> None:
    project = doc.get("project") if isinstance(doc.get("project"), dict) else {}
    default = doc.get("defaultBranch")
    export.describes.append({"repository": repository_key(doc["remoteUrl"]), "id": str(doc["id"]).lower(),
                             "project_id": str(project.get("id", "")).lower() or None,
                             "default_branch": default.removeprefix("refs/heads/") if isinstance(default, str) else None})


def _azure_project(key: str) -> str | None:
    """The project of a `dev.azure.com/org/project/_git/repo` key."""
    parts = key.split("/")
    return parts[2] if len(parts) == 5 and parts[0] == "dev.azure.com" else None


def _is_azure_check(doc: dict) -> bool:
    resource = doc.get("resource")
    return isinstance(resource, dict) and resource.get("type") == "environment" and isinstance(doc.get("type"), dict)


def _azure_check(export: Export, doc: dict, line: int) -> None:
    type_id, display = _type_of(doc)
    resource = doc["resource"]
    settings = doc.get("settings") if isinstance(doc.get("settings"), dict) else {}
    approval = type_id == AZURE_APPROVAL_CHECK or display == "Approval"
    approvers = [str(a.get("displayName") or a.get("uniqueName") or a.get("id"))
                 for a in settings.get("approvers") or [] if isinstance(a, dict)] if approval else []
    org = azure_organization(str(doc.get("url", "")))
    name = str(resource.get("name") or resource.get("id"))
    existing = next((e for e in export.environments if e["name"] == name), None)
    if existing is None:
        existing = {"system": "azure_pipelines", "name": name, "repository": None,
                    "project": f"dev.azure.com/{org[0]}/{org[1]}" if org else None,
                    "protection": {"required_reviewers": [], "reviewers_count": 0, "wait_timer": None,
                                   "branch_policy": None, "checks": []},
                    "protected": False, "line": line}
        export.environments.append(existing)
    protection = existing["protection"]
    protection["checks"] = sorted({*protection["checks"], display or type_id})
    if approvers:
        protection["required_reviewers"] = (protection["required_reviewers"] + approvers)[:MAX_REVIEWERS]
        protection["reviewers_count"] += len(approvers)
        existing["protected"] = True


# GitLab ---------------------------------------------------------------------------------

def _is_gitlab_branch(doc: dict) -> bool:
    return "merge_access_levels" in doc and isinstance(doc.get("name"), str)


def _gitlab_branch(export: Export, doc: dict, line: int) -> None:
    # A protected branch decides who may push and merge, not whether a merge request is
    # reviewed (merge request approval rules do): it records no review of its own.
    export.rules.append({"repositories": [], "branch": {"match": "glob", "value": [doc["name"]], "exclude": []},
                         "review": _review("unknown", None, doc.get("allow_force_push"),
                                           doc.get("code_owner_approval_required"),
                                           "gitlab_protected_branch", line)})


def _is_gitlab_environment(doc: dict) -> bool:
    return "deploy_access_levels" in doc and isinstance(doc.get("name"), str)


def _gitlab_environment(export: Export, doc: dict, line: int) -> None:
    rules = [r for r in doc.get("approval_rules") or [] if isinstance(r, dict)]
    approvers = [str(r.get("access_level_description") or r.get("user_id") or r.get("group_id")) for r in rules]
    required = doc.get("required_approval_count")
    count = sum(r.get("required_approvals", 0) for r in rules if isinstance(r.get("required_approvals"), int))
    count = max(count, required if isinstance(required, int) else 0)
    deployers = [str(a.get("access_level_description") or a.get("user_id") or a.get("group_id"))
                 for a in doc.get("deploy_access_levels") or [] if isinstance(a, dict)]
    export.environments.append({"system": "gitlab_ci", "name": doc["name"], "repository": None,
                                "protection": {"required_reviewers": approvers[:MAX_REVIEWERS],
                                               "reviewers_count": count, "wait_timer": None,
                                               "branch_policy": None, "checks": ["protected_environment"],
                                               "deployers": deployers[:MAX_REVIEWERS]},
                                "protected": True, "line": line})


def _is_gitlab_project(doc: dict) -> bool:
    return isinstance(doc.get("path_with_namespace"), str) and isinstance(doc.get("web_url"), str)


def _gitlab_project(export: Export, doc: dict, lists, lines: Lines) -> None:
    export.describes.append({"repository": repository_key(doc["web_url"]), "id": str(doc.get("id", "")),
                             "default_branch": doc.get("default_branch")})


def _line_of(lines: Lines | None, needle: str, default: int = 1) -> int:
    """The line of the first `needle` in the file (a list's item: its own line)."""
    if lines is None:
        return default
    at = lines.text.find(needle)
    return lines.at(at) if at >= 0 else 1


_LIST_SHAPES = (
    ("azure_devops_policies", _is_azure_policy, _azure_policy),
    ("azure_devops_repositories", _is_azure_repository, _azure_repository),
    ("azure_devops_checks", _is_azure_check, _azure_check),
    ("gitlab_protected_branches", _is_gitlab_branch, _gitlab_branch),
    ("gitlab_protected_environments", _is_gitlab_environment, _gitlab_environment),
    ("github_rulesets", _is_github_ruleset, lambda e, d, line: _github_ruleset(e, d, None, None, line)),
)
_OBJECT_SHAPES = (
    ("github_branch_protection", _is_github_protection, _github_protection),
    ("github_ruleset", _is_github_ruleset, _github_ruleset),
    ("github_environments", _is_github_environments, _github_environments),
    ("github_repository", _is_github_repository, _github_repository),
    ("gitlab_project", _is_gitlab_project, _gitlab_project),
    ("azure_devops_repositories", _is_azure_repository, lambda e, d, lists, lines: _azure_repository(e, d, 1)),
)


# -- joining a folder and recording -------------------------------------------------------

def join_folder(exports: list[Export]) -> None:
    """Name the repositories exports know only by id (or not at all) from the repository
    descriptions of the same folder: an Azure DevOps GUID from `az repos list`; a GitLab
    list, or an Azure DevOps project-wide policy, from the one repository described there."""
    described = [d for e in exports for d in e.describes if d.get("repository")]
    by_id = {d["id"]: d["repository"] for d in described if d.get("id")}
    lone = described[0]["repository"] if len({d["repository"] for d in described}) == 1 else None
    for export in exports:
        for rule in export.rules:
            if rule["repositories"]:
                continue
            target = rule.get("target") or {}
            repo_id = target.get("repository_id")
            if repo_id:
                if repo_id in by_id:
                    rule["repositories"] = [by_id[repo_id]]
                else:
                    export.unresolved.append((repo_id, f"names the repository only by id {repo_id}; no "
                                              "`az repos list` / `az repos show` export in the same folder names it"))
            elif target.get("project_id"):         # the URL names the project by id or by name
                projects = {d["repository"].rsplit("/_git/", 1)[0] for d in described
                            if target["project_id"] in (d.get("project_id"), _azure_project(d["repository"]))}
                if len(projects) == 1:
                    rule["repositories"] = [_fnmatch_escape(projects.pop()) + "/_git/*"]
                else:
                    export.unresolved.append((target["project_id"], "a project-wide policy; no repository "
                                              "export in the same folder names the project"))
            elif lone:
                rule["repositories"] = [_fnmatch_escape(lone)]
            else:
                export.unresolved.append(("", "names no repository, and the same folder holds no export of "
                                          "exactly one repository (GitLab `projects/:id`) to join it to"))
        for env in export.environments:
            if env["repository"] is not None or env["system"] == "azure_pipelines":
                continue        # Azure DevOps environments belong to a project, which the URL names
            if lone:
                env["repository"] = lone
            else:
                export.unresolved.append(("", "names no repository, and the same folder holds no export of "
                                          "exactly one repository (GitLab `projects/:id`) to join it to"))


def record(export: Export, ctx: CollectContext, collector: str) -> None:
    graph = ctx.graph
    rules = [{k: v for k, v in r.items() if k != "target"} for r in export.rules]
    graph.update_attrs(export.ref.node, **{EXPORT_ATTR: {
        "shape": export.shape, "rules": rules,
        "describes": [d for d in export.describes if d.get("repository")]}})
    seen = set()
    for repo_id, reason in export.unresolved:
        if (repo_id, reason) not in seen:
            seen.add((repo_id, reason))
            graph.note_unresolved(export.ref.node, f"repository{'' if not repo_id else ' ' + repo_id}", repo_id, reason)
    for env in export.environments:
        owner = env["repository"] or env.get("project") or f"(unjoined: {export.ref.display})"
        attrs = {"system": env["system"], "name": env["name"], "repository": env["repository"],
                 "protection": env["protection"], "protected": env["protected"],
                 **({"project": env["project"]} if env.get("project") else {})}
        nid = graph.add_node("environment", f"ci:{env['system']}:{owner}/{env['name']}", attrs,
                             ctx.provenance(collector, export.ref.display, env["line"]))
        graph.add_edge(nid, export.ref.node, "defined_in")


def branch_applies(branch: dict, name: str, default: str | None) -> bool:
    """Whether a rule's branch condition covers branch `name` (`default`: the repository's
    default branch, for `~DEFAULT_BRANCH`)."""
    def hit(pattern: str) -> bool:
        if pattern == "~ALL":
            return True
        if pattern == "~DEFAULT_BRANCH":
            return default is not None and name == default
        return fnmatch.fnmatchcase(name, pattern)
    if branch.get("match") == "exact":
        return branch.get("value") == name
    return any(hit(p) for p in branch.get("value") or []) and not any(hit(p) for p in branch.get("exclude") or [])
