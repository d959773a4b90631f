"""GitLab CI read into the CI vocabulary (checker/collectors/ci/gitlab.py): `.gitlab-ci.yml`
with its local includes, hidden jobs and `extends:`, `!reference` tags, `default:`, stages,
environments, manual jobs, rules, runners and images; and the bad input the issue lists
(anchors and merge keys, includes that include themselves or each other, missing files,
paths out of the tree, cycles), each a correct parse or one error with file and line."""
from __future__ import annotations

import textwrap
from pathlib import Path

from conftest import collect_graph, errors_for, git, make_repo, node_attrs, node_ids, out_edges, write_files

from checker.safeyaml import TaggedList, YamlError, load_yaml

# Shapes from GitLab's "CI/CD YAML syntax reference".
ROOT = """\
include:
  - local: ci/templates.yml
  - project: my-group/ci-templates
    ref: main
    file: /templates/scan.yml
  - project: my-group/ci-templates
    ref: 3f1c6e0b9a7d4c2e8f5a1b3d6c9e0f2a4b7d8c1e
    file: [/a.yml, /b.yml]
  - template: Jobs/SAST.gitlab-ci.yml
  - component: $CI_SERVER_FQDN/my-org/security/secret-detection@~latest
  - remote: https://gitlab.example.com/ci/common.yml

stages: [build, train, deploy]

workflow:
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
    - if: $CI_PIPELINE_SOURCE == "schedule"

default:
  image: python:3.11-slim
  tags: [gpu, linux]

train:
  stage: train
  extends: .azure
  script:
    - !reference [.setup, script]
    - az ml job create -f jobs/train.yml -w $WORKSPACE
    - |
      echo registering
      az ml model create --name churn --path model
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH

deploy-prod:
  stage: deploy
  image: mcr.microsoft.com/azure-cli@sha256:9f2c4e1d7b3a5c6e8f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6
  environment:
    name: production
    url: https://ml.contoso.example
    action: start
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
      when: manual
    - when: never
  inherit:
    default: [image]
  needs: [train]
  script: az ml online-deployment create -f deploy/deployment.yml

review:
  stage: deploy
  environment: review/$CI_COMMIT_REF_SLUG
  tags: [saas-linux-medium-amd64]
  needs: []
  script: [echo review]

downstream:
  stage: deploy
  trigger:
    include: ci/child.yml
"""

TEMPLATES = """\
.setup:
  script:
    - pip install -r requirements.txt

.azure:
  before_script:
    - az login --identity
  services:
    - name: postgres:16
      alias: db

build:
  stage: build
  script: make wheel
"""


def pid(path: str, tree: str = "fs:.") -> str:
    return f"pipeline:ci:{tree}/{path}"


def jid(job: str, path: str = ".gitlab-ci.yml", tree: str = "fs:.") -> str:
    return f"job:ci:{tree}/{path}#{job}"


def sid(job: str, index: int, path: str = ".gitlab-ci.yml", tree: str = "fs:.") -> str:
    return f"step:ci:{tree}/{path}#{job}/{index}"


def collect(root: Path, files: dict[str, str]):
    write_files(root, {name: textwrap.dedent(text) for name, text in files.items()})
    return collect_graph(root)


def own_errors(graph) -> list:
    return [e for e in graph.errors if e.collector == "gitlab_ci"]


def test_reference_tags_load_as_tagged_lists_and_other_tags_stay_errors():
    doc = load_yaml("a: !reference [.setup, script]\n", "x.yml", list_tags=("!reference",))
    assert isinstance(doc["a"], TaggedList) and doc["a"].tag == "!reference" and doc["a"] == [".setup", "script"]
    for text, reason in (("a: !reference .setup\n", "a !reference tag takes a list"),
                         ("a: !secret [x]\n", "an unknown tag")):
        try:
            load_yaml(text, "x.yml", list_tags=("!reference",))
        except YamlError as exc:
            assert (exc.reason, exc.line) == (reason, 1)
        else:
            raise AssertionError(text)


def test_pipeline_with_includes_templates_references_and_defaults(tmp_path):
    g = collect(tmp_path, {".gitlab-ci.yml": ROOT, "ci/templates.yml": TEMPLATES, "ci/child.yml": "x:\n  script: [a]\n"})
    assert own_errors(g) == []
    root = node_attrs(g, pid(".gitlab-ci.yml"))
    assert (root["system"], root["role"]) == ("gitlab_ci", "pipeline")
    assert root["triggers"] == ["merge_request_event", "schedule"]
    kinds = [(i["type"], i.get("uses", {}).get("kind"), i["line"]) for i in root["includes"]]
    assert kinds == [("local", None, 2), ("project", "branch", 3), ("project", "sha", 6), ("template", "template", 9),
                     ("component", "branch", 10), ("remote", "unknown", 11)]
    assert node_attrs(g, pid("ci/templates.yml"))["role"] == "include"
    assert out_edges(g, pid(".gitlab-ci.yml"), "contains") == {jid(j) for j in
                                                               ("build", "train", "deploy-prod", "review", "downstream")}

    train = node_attrs(g, jid("train"))
    assert train["stage"] == "train" and train["needs"] == ["build"] and train["needs_from_stage"] is True
    assert train["runner"] == {"hosting": "self_hosted", "labels": ["gpu", "linux"], "pool": None,
                               "image": "python:3.11-slim", "raw": "gpu, linux"}
    assert train["container"] == {"image": "python:3.11-slim", "digest": False, "expression": False, "line": 21}   # from default:
    assert train["services"] == [{"name": "db", "image": "postgres:16", "digest": False, "expression": False, "line": 9}]
    assert {p["purpose"] for p in train["purposes"]} == {"train", "register"}
    assert out_edges(g, jid("train"), "needs") == {jid("build")}
    assert node_attrs(g, jid("build"))["defined_in"] == "ci/templates.yml"

    before, script = node_attrs(g, sid("train", 0)), node_attrs(g, sid("train", 1))
    assert (before["name"], before["run"], before["defined_in"]) == ("before_script", "az login --identity",
                                                                    "ci/templates.yml")
    assert script["run"].splitlines() == ["pip install -r requirements.txt",
                                          "az ml job create -f jobs/train.yml -w $WORKSPACE",
                                          "echo registering", "az ml model create --name churn --path model"]
    assert script["run_line"] == 3 and script["defined_in"] == "ci/templates.yml"   # the !reference's command
    assert [(a["action"], a["line"], a.get("defined_in")) for a in script["ml_actions"]] == [
        ("job_submit", 29, None), ("model_register", 32, None)]


def test_environments_manual_rules_runners_and_triggers(tmp_path):
    g = collect(tmp_path, {".gitlab-ci.yml": ROOT, "ci/templates.yml": TEMPLATES, "ci/child.yml": "x:\n  script: [a]\n"})
    deploy = node_attrs(g, jid("deploy-prod"))
    assert deploy["environment"] == {"name": "production", "raw": "production", "line": 39,
                                     "url": "https://ml.contoso.example", "action": "start"}
    assert deploy["manual"] is True                            # every rule that starts it is manual
    assert deploy["container"]["digest"] is True and deploy["needs"] == ["train"]
    assert deploy["runner"]["hosting"] == "unknown" and deploy["runner"]["labels"] == []   # tags not inherited
    assert [r.get("when") for r in deploy["rules"]] == ["manual", "never"]
    assert node_attrs(g, sid("deploy-prod", 0))["ml_actions"][0]["file"] == "deploy/deployment.yml"
    review = node_attrs(g, jid("review"))
    assert review["environment"]["name"] is None and review["environment"]["raw"] == "review/$CI_COMMIT_REF_SLUG"
    assert review["runner"]["hosting"] == "hosted" and review["needs"] == []
    assert node_attrs(g, jid("train"))["manual"] is False
    assert node_attrs(g, jid("downstream"))["uses"] == {"ref": "ci/child.yml", "target": "ci/child.yml",
                                                        "version": None, "kind": "local", "path": "ci/child.yml"}


def test_untagged_jobs_run_on_gitlab_com_hosted_runners_when_the_remote_says_so(tmp_path):
    files = {".gitlab-ci.yml": "test:\n  script: [pytest]\n"}
    repo = make_repo(tmp_path / "hosted", files)
    git(repo, "remote", "add", "origin", "git@gitlab.com:contoso/churn.git")
    other = make_repo(tmp_path / "selfmanaged", files)
    git(other, "remote", "add", "origin", "https://gitlab.contoso.example/ml/churn.git")
    g = collect_graph(repo, other)
    runners = {nid: attrs["attrs"]["runner"] for nid, attrs in g.nodes("job") if attrs["attrs"].get("system")}
    assert sorted((r["hosting"], r["pool"]) for r in runners.values()) == [("hosted", "saas-linux"), ("unknown", None)]


def test_anchors_merge_keys_hidden_jobs_and_extends_chains(tmp_path):
    g = collect(tmp_path, {".gitlab-ci.yml": """\
        .defaults: &defaults
          image: alpine:3.19
          tags: [docker]
          variables: {A: "1", B: "1"}
        .base:
          <<: *defaults
          script: [echo base]
          variables: {B: "2"}
        .middle:
          extends: .base
          environment: staging
        job:
          extends: [.middle]
          variables: {C: "3"}
        merge:
          <<: *defaults
          script: [echo merge]
        """})
    assert own_errors(g) == []
    assert node_ids(g, "job") >= {jid("job"), jid("merge")} and jid(".base") not in g
    job = node_attrs(g, jid("job"))
    assert job["environment"]["name"] == "staging" and job["container"]["image"] == "alpine:3.19"
    assert job["runner"]["hosting"] == "self_hosted"
    assert node_attrs(g, sid("job", 0))["run"] == "echo base"
    assert node_attrs(g, jid("merge"))["runner"]["labels"] == ["docker"]


def test_include_forms_wildcards_and_a_component_file_with_a_spec_header(tmp_path):
    g = collect(tmp_path, {
        ".gitlab-ci.yml": "include: '/ci/a.yml'\n",
        "ci/a.yml": "include:\n  - local: 'ci/jobs/*.yml'\n  - ci/spec.yml\na:\n  script: [a]\n",
        "ci/jobs/b.yml": "b:\n  script: [b]\n",
        "ci/jobs/c.yaml": "c:\n  script: [c]\n",                    # not matched by *.yml
        "ci/jobs/deep/d.yml": "d:\n  script: [d]\n",               # `*` stays in its folder
        "ci/spec.yml": "spec:\n  inputs:\n    stage: {default: test}\n---\nspecced:\n  script: [s]\n",
    })
    assert own_errors(g) == []
    assert {n.rpartition("#")[2] for n in node_ids(g, "job")} == {"a", "b", "specced"}
    assert node_attrs(g, sid("specced", 0))["run_line"] == 6
    assert node_ids(g, "pipeline") == {pid(".gitlab-ci.yml"), pid("ci/a.yml"), pid("ci/jobs/b.yml"), pid("ci/spec.yml")}


def test_includes_that_loop_are_missing_or_leave_the_tree_are_errors_with_lines(tmp_path):
    g = collect(tmp_path, {
        ".gitlab-ci.yml": "include:\n  - local: ci/a.yml\n  - local: ci/missing.yml\n  - local: ../../etc/x.yml\n"
                          "root:\n  script: [r]\n",
        "ci/a.yml": "include: ci/b.yml\na:\n  script: [a]\n",
        "ci/b.yml": "include:\n  - ci/a.yml\n  - .gitlab-ci.yml\nb:\n  script: [b]\n",
    })
    root = [(e.line, e.reason) for e in errors_for(g, "/.gitlab-ci.yml")]
    assert root == [(3, "include: ci/missing.yml is not in the scanned tree"),
                    (4, "include: ../../etc/x.yml leads out of the scanned tree")]
    loops = sorted((e.line, e.reason.split(" (")[0]) for e in errors_for(g, "ci/b.yml"))
    assert loops == [(2, "include: ci/a.yml includes itself"), (3, "include: .gitlab-ci.yml includes itself")]
    assert {n.rpartition("#")[2] for n in node_ids(g, "job")} == {"root", "a", "b"}     # the rest is collected


def test_extends_and_reference_problems(tmp_path):
    g = collect(tmp_path, {".gitlab-ci.yml": """\
        .a:
          extends: .b
          script: [a]
        .b:
          extends: .a
        loop:
          extends: .a
        unknown:
          extends: .nowhere
          script: [x]
        ref-missing:
          script:
            - !reference [.nowhere, script]
            - echo
        ref-self:
          script: !reference [ref-self, script]
        empty:
          stage: test
        """})
    reasons = sorted((e.line, e.reason) for e in own_errors(g))
    assert reasons == [
        (5, ".b.extends: loop → .a → .b → .a is a cycle"),        # once, where the loop closes
        (9, "unknown.extends: .nowhere is not a job or template of this pipeline"),
        (13, "!reference [.nowhere, script]: not found"),
        (16, "!reference [ref-self, script]: refers to itself or nests past 10 levels"),
        (17, "empty: a job needs `script` (or `trigger`)"),
    ]
    assert node_attrs(g, sid("ref-missing", 0))["run"] == "echo"


def test_what_an_unreadable_include_may_define_is_unresolved_not_an_error(tmp_path):
    g = collect(tmp_path, {".gitlab-ci.yml": """\
        include:
          - project: my-group/templates
            file: /deploy.yml
        deploy:
          extends: .deploy-template
          script:
            - !reference [.login, script]
            - az ml online-deployment create -f d.yml
        """})
    assert own_errors(g) == []
    deploy = node_attrs(g, jid("deploy"))
    assert deploy["unresolved"]["extends"] == [".deploy-template"]
    assert node_attrs(g, pid(".gitlab-ci.yml"))["includes"][0]["uses"]["kind"] == "branch"   # no ref: default branch


def test_bad_files_are_one_error_each_and_others_are_collected(tmp_path):
    good = "ok:\n  script: [make]\n"
    g = collect(tmp_path, {
        "a/.gitlab-ci.yml": "ok:\n  script: [make\n",
        "b/.gitlab-ci.yml": "- just\n- a list\n",
        "c/.gitlab-ci.yml": good + "bad: [1, 2]\nworse:\n  script: {a: 1}\n  needs: [3]\n",
        "d/.gitlab-ci.yml": good + "x: &a [*a]\n",
        "e/.gitlab-ci.yml": good + "deep:\n  script: " + "[" * 300 + "]" * 300 + "\n",
        "f/.gitlab-ci.yml": "ok:\n  script: {{ cookiecutter.cmd }}: x\n",
    })
    lines = {p: sorted(e.line for e in errors_for(g, f"{p}/.gitlab-ci.yml")) for p in "abcdef"}
    assert lines == {"a": [3], "b": [1], "c": [3, 5, 6], "d": [3], "e": [4], "f": []}
    assert jid("ok", "c/.gitlab-ci.yml") in g
    assert node_attrs(g, "file:fs:./f/.gitlab-ci.yml")["template"] is True


def test_a_project_kept_in_a_subfolder_includes_from_its_own_root(tmp_path):
    g = collect(tmp_path, {
        "svc/.gitlab-ci.yml": "include: /ci/jobs.yml\n",
        "svc/ci/jobs.yml": "t:\n  script: [pytest]\n",
        "ci/jobs.yml": "wrong:\n  script: [no]\n",
    })
    assert own_errors(g) == []
    assert {n for n in node_ids(g, "job") if "#" in n} == {jid("t", "svc/.gitlab-ci.yml")}


def test_a_job_naming_a_deployment_deploys_when_it_starts_an_environment(tmp_path):
    g = collect(tmp_path, {".gitlab-ci.yml": """\
        stages: [build, qa]   # stage names say nothing here: the job names are read
        test-deployment:
          stage: qa
          script: ./smoke.sh
          environment:
            name: staging
        prepare-for-deployment:
          stage: qa
          script: ./render.sh
          environment:
            name: production
            action: prepare
        package:
          stage: build
          script: zip -r bundle.zip app
          artifacts:
            paths: [bundle.zip]
          variables:
            NOTE: built for deployment
        """})
    purposes = {job: [(p["purpose"], p["reason"]) for p in node_attrs(g, jid(job))["purposes"]]
                for job in ("test-deployment", "prepare-for-deployment", "package")}
    assert purposes == {
        "test-deployment": [("test", "named 'test-deployment'"), ("deploy", "named 'test-deployment'")],
        "prepare-for-deployment": [],       # `action: prepare` deploys nothing
        "package": [],
    }


def test_a_set_plus_e_holds_from_before_script_into_the_script_not_after_script(tmp_path):
    # GitLab runs before_script and script in one shell, after_script in another.
    write_files(tmp_path, {".gitlab-ci.yml": textwrap.dedent("""\
        deploy:
          before_script:
            - set +e
          script:
            - pytest tests/
            - az ml online-deployment create -f deploy.yml
          after_script:
            - pytest smoke/
        """)})
    g = collect_graph(tmp_path)
    _, script, after = (node_attrs(g, f"step:ci:fs:./.gitlab-ci.yml#deploy/{i}") for i in range(3))
    assert [a.get("failure_ignored") for a in script["ml_actions"]] == [True, True]
    assert [a.get("failure_ignored") for a in after["ml_actions"]] == [None]
    assert "gated_in_job" not in node_attrs(g, "job:ci:fs:./.gitlab-ci.yml#deploy")
