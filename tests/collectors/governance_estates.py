"""Real estates for the governance collector, its tests and the fixtures of MLC-GOV-001,
MLC-GOV-002 and MLC-LIN-004: bare git repositories built with git itself (fixed identity
and dates, so their shas are the same on every machine), and platform exports in the JSON
shapes of GitHub's and Azure DevOps' REST documentation.

`python tests/collectors/governance_estates.py` rewrites the git repositories and exports
under the rules' fixture folders (the committed fixtures are its output)."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from checker.collectors.git import git_env  # noqa: E402
from checker.ruletest import FIXTURE_GIT_ENV  # noqa: E402

GITHUB_REMOTE = "https://github.com/contoso/churn.git"
AZURE_REMOTE = "https://contoso@dev.azure.com/contoso/ml-platform/_git/churn"
AZURE_REPO_ID = "3f2ab1c4-5d6e-4f70-8192-a3b4c5d6e7f8"
AZURE_PROJECT_ID = "9e8d7c6b-5a49-4382-9171-605f4e3d2c1b"
MLPROJECT = "name: churn\nentry_points:\n  main:\n    command: python train.py\n"
TRAIN_PY = "import mlflow\n\nmlflow.autolog()\n"


def git(cwd: Path, *args: str, date: str | None = None) -> str:
    env = {**git_env(), **FIXTURE_GIT_ENV}
    if date:
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    return subprocess.run(["git", "-c", "core.hooksPath=/dev/null", "-c", "init.defaultBranch=main", *args],
                          cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout.strip()


def commit(work: Path, files: dict[str, str], message: str, date: str) -> str:
    for path, text in files.items():
        (work / path).parent.mkdir(parents=True, exist_ok=True)
        (work / path).write_text(text, encoding="utf-8")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", message, date=date)
    return git(work, "rev-parse", "HEAD")


def bare_repo(dest: Path, remote: str | None, files: dict[str, str] | None = None,
              feature: dict[str, str] | None = None, merged: bool = False) -> dict[str, str]:
    """A bare repository at `dest` (origin: `remote`): `files` committed on main; with
    `feature`, a commit on branch feature/retrain (merged into main when `merged`).
    The shas by name: main, feature."""
    shas: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="mlcheck-gov-") as tmp:
        work = Path(tmp) / "work"
        work.mkdir()
        git(work, "init", "-q", "-b", "main")
        shas["main"] = commit(work, files or {"MLproject": MLPROJECT}, "churn model", "2026-01-01T00:00:00Z")
        if feature is not None:
            git(work, "checkout", "-q", "-b", "feature/retrain")
            shas["feature"] = commit(work, feature, "retrain with new features", "2026-01-02T00:00:00Z")
            git(work, "checkout", "-q", "main")
            if merged:
                git(work, "merge", "-q", "--no-ff", "-m", "Merge feature/retrain", "feature/retrain",
                    date="2026-01-03T00:00:00Z")
                shas["main"] = git(work, "rev-parse", "HEAD")
        if dest.exists():
            shutil.rmtree(dest)
        git(Path(tmp), "clone", "-q", "--bare", "--no-hardlinks", str(work), str(dest))
    if remote:
        git(dest, "config", "remote.origin.url", remote)
    else:
        git(dest, "remote", "remove", "origin")
    # One pack, loose refs (git keeps no empty folder: refs/heads must hold a file), and
    # nothing a repository does not need.
    git(dest, "-c", "repack.writeBitmaps=false", "repack", "-a", "-d", "-q")
    for line in git(dest, "for-each-ref", "--format=%(objectname) %(refname)").splitlines():
        sha, name = line.split(" ", 1)
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        (dest / name).write_text(sha + "\n", encoding="utf-8")
    for junk in ("hooks", "description", "info", "logs", "FETCH_HEAD", "packed-refs",
                 "objects/info/commit-graph"):
        path = dest / junk
        shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
    return shas


# -- exports, in the shapes of the platforms' REST documentation --------------------------------

def github_protection(owner_repo: str = "contoso/churn", branch: str = "main", approvals: int = 1,
                      enforce_admins: bool = True, reviews: bool = True) -> dict:
    base = f"https://api.github.com/repos/{owner_repo}/branches/{branch}/protection"
    doc = {
        "url": base,
        "required_status_checks": {"url": f"{base}/required_status_checks", "strict": True,
                                   "contexts": ["train-and-test"], "checks": [{"context": "train-and-test", "app_id": None}]},
        "enforce_admins": {"url": f"{base}/enforce_admins", "enabled": enforce_admins},
        "required_linear_history": {"enabled": False},
        "allow_force_pushes": {"enabled": False},
        "allow_deletions": {"enabled": False},
        "required_conversation_resolution": {"enabled": True},
    }
    if reviews:
        doc["required_pull_request_reviews"] = {
            "url": f"{base}/required_pull_request_reviews", "dismiss_stale_reviews": True,
            "require_code_owner_reviews": True, "required_approving_review_count": approvals,
            "require_last_push_approval": False}
    return doc


def github_ruleset(owner_repo: str = "contoso/churn", approvals: int = 1, bypass: bool = False,
                   include: tuple[str, ...] = ("~DEFAULT_BRANCH",)) -> dict:
    return {
        "id": 4201, "name": "protect-default", "target": "branch", "source_type": "Repository",
        "source": owner_repo, "enforcement": "active",
        "bypass_actors": [{"actor_id": 5, "actor_type": "RepositoryRole", "bypass_mode": "always"}] if bypass else [],
        "conditions": {"ref_name": {"include": list(include), "exclude": []}},
        "rules": [{"type": "deletion"}, {"type": "non_fast_forward"},
                  {"type": "pull_request", "parameters": {
                      "dismiss_stale_reviews_on_push": True, "require_code_owner_review": False,
                      "require_last_push_approval": False, "required_approving_review_count": approvals,
                      "required_review_thread_resolution": False}}],
        "node_id": "RRS_lACkVXNlcgQB", "current_user_can_bypass": "never",
        "_links": {"self": {"href": f"https://api.github.com/repos/{owner_repo}/rulesets/4201"},
                   "html": {"href": f"https://github.com/{owner_repo}/rules/4201"}},
        "created_at": "2026-01-01T00:00:00.000Z", "updated_at": "2026-01-01T00:00:00.000Z",
    }


def azure_policy(policy_id: int, type_id: str, display: str, settings: dict, blocking: bool = True,
                 enabled: bool = True) -> dict:
    return {
        "createdBy": {"displayName": "Platform Admin", "id": "0f1e2d3c-4b5a-4968-8776-655443322110",
                      "uniqueName": "admin@contoso.com"},
        "createdDate": "2026-01-01T00:00:00.0000000Z", "id": policy_id, "isBlocking": blocking,
        "isDeleted": False, "isEnabled": enabled, "isEnterpriseManaged": False, "revision": 1,
        "settings": settings,
        "type": {"displayName": display, "id": type_id,
                 "url": f"https://dev.azure.com/contoso/{AZURE_PROJECT_ID}/_apis/policy/types/{type_id}"},
        "url": f"https://dev.azure.com/contoso/{AZURE_PROJECT_ID}/_apis/policy/configurations/{policy_id}",
    }


def azure_policies(approvers: int = 2, creator_vote_counts: bool = False, blocking: bool = True) -> list[dict]:
    """`az repos policy list --repository-id … -o json`: a reviewers policy and a build policy."""
    scope = [{"matchKind": "Exact", "refName": "refs/heads/main", "repositoryId": AZURE_REPO_ID}]
    return [
        azure_policy(11, "fa4e907d-c16b-4a4c-9dfa-4906e5d171dd", "Minimum number of reviewers",
                     {"allowDownvotes": False, "blockLastPusherVote": False,
                      "creatorVoteCounts": creator_vote_counts, "minimumApproverCount": approvers,
                      "requireVoteOnLastIteration": False, "resetOnSourcePush": True,
                      "resetRejectionsOnSourcePush": False, "scope": scope}, blocking=blocking),
        azure_policy(12, "0609b952-1397-4640-95ec-e00a01b2c241", "Build",
                     {"buildDefinitionId": 7, "displayName": "train-and-test", "manualQueueOnly": False,
                      "queueOnSourceUpdateOnly": True, "validDuration": 720.0, "scope": scope}),
    ]


def azure_repositories() -> list[dict]:
    """`az repos list -o json`: maps the policies' repositoryId to the repository."""
    return [{
        "defaultBranch": "refs/heads/main", "id": AZURE_REPO_ID, "isDisabled": False, "isFork": None,
        "name": "churn", "parentRepository": None,
        "project": {"abbreviation": None, "defaultTeamImageUrl": None, "description": None,
                    "id": AZURE_PROJECT_ID, "lastUpdateTime": "2026-01-01T00:00:00.000Z", "name": "ml-platform",
                    "revision": 11, "state": "wellFormed",
                    "url": f"https://dev.azure.com/contoso/_apis/projects/{AZURE_PROJECT_ID}", "visibility": "private"},
        "remoteUrl": AZURE_REMOTE, "size": 734003,
        "sshUrl": "git@ssh.dev.azure.com:v3/contoso/ml-platform/churn",
        "url": f"https://dev.azure.com/contoso/{AZURE_PROJECT_ID}/_apis/git/repositories/{AZURE_REPO_ID}",
        "validRemoteUrls": None, "webUrl": "https://dev.azure.com/contoso/ml-platform/_git/churn",
    }]


def write_json(path: Path, doc) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


def gov_001_fixtures(rule_dir: Path) -> None:
    cases = {
        "flag-github": (GITHUB_REMOTE, {"protection.json": github_protection(enforce_admins=False)}),
        "pass-github": (GITHUB_REMOTE, {"protection.json": github_protection()}),
        "flag-ruleset": (GITHUB_REMOTE, {"ruleset.json": github_ruleset(approvals=0)}),
        "pass-ruleset": (GITHUB_REMOTE, {"ruleset.json": github_ruleset(approvals=1)}),
        "flag-azure-devops": (AZURE_REMOTE, {"policies.json": azure_policies(approvers=1, creator_vote_counts=True),
                                             "repositories.json": azure_repositories()}),
        "pass-azure-devops": (AZURE_REMOTE, {"policies.json": azure_policies(approvers=2),
                                             "repositories.json": azure_repositories()}),
        "pass-no-export": (GITHUB_REMOTE, {}),
    }
    for case, (remote, exports) in cases.items():
        estate = rule_dir / case / "estate"
        if estate.exists():
            shutil.rmtree(estate)
        bare_repo(estate / "churn.git", remote)
        for name, doc in exports.items():
            write_json(estate / "exports" / name, doc)
        if not exports:
            (estate / "exports").mkdir(parents=True, exist_ok=True)
            (estate / "exports" / "README.md").write_text("Branch protection not exported yet.\n", encoding="utf-8")




# -- MLC-LIN-004: production model versions and the branches of their commits ------------------

def mlflow_store(store: Path, versions: list[tuple[str | None, list[str], str | None]]) -> None:
    """A real MLflow file store at `store` (MLflow's own client writes it): per entry
    (git commit, aliases, stage) a run tagged with the commit as MLflow tags it, and a
    version of model churn registered from that run."""
    import os
    import warnings

    from mlflow import MlflowClient
    uri = store.resolve().as_uri()
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # stages are deprecated in MLflow 3, still recorded
        client = MlflowClient(tracking_uri=uri, registry_uri=uri)
        experiment = client.create_experiment("churn")
        client.create_registered_model("churn")
        for sha, aliases, stage in versions:
            tags = {"mlflow.source.type": "LOCAL"}
            if sha:
                tags["mlflow.source.git.commit"] = sha
            run = client.create_run(experiment, run_name=f"train-{(sha or 'nocommit')[:7]}", tags=tags)
            client.set_terminated(run.info.run_id)
            version = client.create_model_version("churn", f"{run.info.artifact_uri}/model", run_id=run.info.run_id)
            for alias in aliases:
                client.set_registered_model_alias("churn", alias, version.version)
            if stage:
                client.transition_model_version_stage("churn", version.version, stage)


def shallow_copy(repo: Path, dest: Path) -> None:
    """A shallow bare clone (depth 1 of every branch) of `repo`, as CI checkouts make them."""
    with tempfile.TemporaryDirectory(prefix="mlcheck-gov-") as tmp:
        git(Path(tmp), "clone", "-q", "--bare", "--depth", "1", "--no-single-branch", repo.resolve().as_uri(), str(dest))
    git(dest, "config", "remote.origin.url", GITHUB_REMOTE)
    for junk in ("hooks", "description", "info", "logs", "FETCH_HEAD", "objects/info/commit-graph"):
        path = dest / junk
        shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)


def lin_004_fixtures(rule_dir: Path) -> None:
    feature = {"train.py": TRAIN_PY + "# new features\n"}
    for case in ("flag", "pass", "pass-cannot-evaluate"):
        estate = rule_dir / case / "estate"
        if estate.exists():
            shutil.rmtree(estate)
        estate.mkdir(parents=True)
    # flag: v1 (alias production) from the unmerged feature commit; v2 (stage Production) from
    # main; v3 (alias staging) from the feature commit: not in production, not judged.
    shas = bare_repo(rule_dir / "flag/estate/churn.git", GITHUB_REMOTE, {"MLproject": MLPROJECT, "train.py": TRAIN_PY},
                     feature=feature)
    mlflow_store(rule_dir / "flag/estate/mlruns", [(shas["feature"], ["production"], None),
                                                  (shas["main"], [], "Production"),
                                                  (shas["feature"], ["staging"], None)])
    # pass: the same, merged into main.
    shas = bare_repo(rule_dir / "pass/estate/churn.git", GITHUB_REMOTE, {"MLproject": MLPROJECT, "train.py": TRAIN_PY},
                     feature=feature, merged=True)
    mlflow_store(rule_dir / "pass/estate/mlruns", [(shas["feature"], ["champion"], None),
                                                  (shas["main"], [], "Production")])
    # cannot evaluate: a shallow clone where the feature commit sits on no default-branch
    # history it holds (v1), a commit no repository holds (v2), no commit recorded (v3).
    with tempfile.TemporaryDirectory(prefix="mlcheck-gov-") as tmp:
        full = Path(tmp) / "full.git"
        shas = bare_repo(full, GITHUB_REMOTE, {"MLproject": MLPROJECT, "train.py": TRAIN_PY}, feature=feature)
        shallow_copy(full, rule_dir / "pass-cannot-evaluate/estate/churn.git")
    mlflow_store(rule_dir / "pass-cannot-evaluate/estate/mlruns", [(shas["feature"], ["production"], None),
                                                                  ("0123456789abcdef0123456789abcdef01234567", ["prod"], None),
                                                                  (None, ["champion"], None)])


if __name__ == "__main__":
    gov_001_fixtures(ROOT / "rules" / "governance" / "MLC-GOV-001")
    lin_004_fixtures(ROOT / "rules" / "lineage" / "MLC-LIN-004")
