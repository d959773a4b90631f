"""Azure Pipelines: truncated pipelines, anchors and merge keys, `on:` read as a boolean,
`${{ }}` everywhere, huge matrices, templates that include themselves, each other or
nothing, paths out of the tree, expansions past every bound, wrong shapes, encodings and
look-alikes — a correct parse or one collection error naming file and line; never a hang,
never a crash, never a file read outside the scanned tree."""
from __future__ import annotations

from . import mutate as m
from .cases import EITHER, NONE, ONE, SOME, SLUG, Case, Expect, files, in_git, rng_for

PIPELINE = "azure-pipelines.yml"
GOOD = f"""\
trigger: [main]
pool:
  name: agents-{SLUG}
variables:
  - group: ml-secrets
stages:
  - stage: Train
    jobs:
      - job: train
        steps:
          - template: templates/install.yml
            parameters: {{cli: ml}}
          - task: AzureCLI@2
            inputs:
              azureSubscription: arm-ml
              scriptType: bash
              scriptLocation: inlineScript
              inlineScript: az ml job create -f ml/train.yml
  - stage: Deploy
    jobs:
      - deployment: deploy
        environment: prod-{SLUG}
        strategy:
          runOnce:
            deploy:
              steps:
                - script: az ml online-deployment create -f ml/deploy.yml
"""
INSTALL = """\
parameters:
  - name: cli
    default: none
steps:
  - bash: az extension add -n ${{ parameters.cli }}
"""
PIPE = "pipeline:ci:{p}/azure-pipelines.yml"
TRAIN = "job:ci:{p}/azure-pipelines.yml#Train.train"
DEPLOY = "job:ci:{p}/azure-pipelines.yml#Deploy.deploy"
INSTALLED = "step:ci:{p}/azure-pipelines.yml#Train.train/0 has defined_in"


def cases(seed: int) -> list[Case]:
    out = truncated(seed) + hostile() + templates() + shapes() + look_alikes() + [huge_matrix(), each_past_the_bound()]
    out += [in_git(c) for c in out if c.id.split("/")[1] in ("good", "template-cycle", "template-missing")]
    return out


def _case(name: str, content, expect: Expect, target: str = PIPELINE, **extra) -> Case:
    return Case(f"ci_azure/{name}", files({PIPELINE: content, "templates/install.yml": INSTALL, **extra}),
                expect, target=target)


def truncated(seed: int) -> list[Case]:
    """Cut anywhere: still a pipeline (fewer stages) or one error; never a crash."""
    return [_case("good", GOOD, Expect(NONE, nodes=(PIPE, TRAIN, DEPLOY, INSTALLED)))] + [
        _case(f"truncated-{at}", GOOD.encode()[:at], Expect(EITHER))
        for at in m.truncation_points(GOOD.encode(), rng_for(seed, "ci_azure", "good"), 4)]


def hostile() -> list[Case]:
    anchors = GOOD.replace("pool:\n", "pool: &pool\n").replace(
        "      - job: train\n", "      - job: train\n        pool: *pool\n        <<: {timeoutInMinutes: 30, condition: always()}\n")
    return [
        _case("anchors-merge-keys", anchors, Expect(NONE, nodes=(PIPE, TRAIN))),
        _case("recursive-alias", GOOD + "extra: " + m.recursive_alias().replace("\n", "\n  ") + "\n",
              Expect(ONE, line=True)),
        _case("deep-flow", GOOD + "extra: " + m.deep_yaml_flow() + "\n", Expect(EITHER)),
        _case("invalid-utf8", GOOD.encode().replace(b"arm-ml", b"arm" + m.INVALID_UTF8), Expect(ONE)),
        _case("utf16-bom", m.utf16(GOOD), Expect(NONE, nodes=(PIPE, TRAIN))),
        _case("crlf", GOOD.replace("\n", "\r\n"), Expect(NONE, nodes=(PIPE, TRAIN, DEPLOY))),
        _case("expressions-everywhere", GOOD.replace("name: agents-", "name: ${{ variables.pool }}-").replace(
                  "environment: prod-", "environment: ${{ parameters.env }}-").replace(
                  "  - stage: Deploy\n", "  - ${{ if eq(variables['Build.Reason'], 'PullRequest') }}:\n"
                  "    - stage: Check\n      jobs: [{job: c, steps: [{script: '$(x) $[y] ${{ z }}'}]}]\n"
                  "  - stage: Deploy\n    dependsOn: ${{ parameters.after }}\n"),
              Expect(NONE, nodes=(PIPE, TRAIN, DEPLOY, "job:ci:{p}/azure-pipelines.yml#Check.c"))),
        _case("names-forge-lines", GOOD.replace("      - job: train\n",
                                                "      - job: train\n        displayName: \"x\\n\\nPASS: fine\\e[2J\"\n"),
              Expect(NONE, nodes=(TRAIN,))),
        _case("jinja-template", GOOD + "{% for s in stages %}\n  - stage: {{ s }}\n{% endfor %}\n",
              Expect(NONE, nodes=("file:{p}/azure-pipelines.yml has template",))),
    ]


def templates() -> list[Case]:
    """Template references that lead nowhere, in circles, out of the tree or past the bounds:
    one error at the reference, the rest of the pipeline still read."""
    def include(path: str) -> str:
        return GOOD.replace("templates/install.yml", path)
    doubling = {f"t/t{i}.yml": f"steps:\n  - template: t{i + 1}.yml\n  - template: t{i + 1}.yml\n" for i in range(24)}
    doubling["t/t24.yml"] = "steps:\n  - script: echo leaf\n"
    return [
        _case("template-missing", include("templates/missing.yml"), Expect(ONE, line=11, nodes=(PIPE, DEPLOY))),
        _case("template-escapes-tree", include("../../../../../../etc/passwd.yml"), Expect(ONE, line=11, nodes=(DEPLOY,))),
        _case("template-self", GOOD, Expect(ONE, line=5, nodes=(PIPE, DEPLOY)), target="templates/install.yml",
              **{"templates/install.yml": INSTALL.replace("steps:\n", "steps:\n  - template: install.yml\n")}),
        _case("template-cycle", include("templates/a.yml"), Expect(ONE, line=2, nodes=(PIPE, DEPLOY)),
              target="templates/b.yml", **{"templates/a.yml": "steps:\n  - template: b.yml\n",
                                           "templates/b.yml": "steps:\n  - template: a.yml\n"}),
        _case("template-not-azure", include("templates/notes.yml"), Expect(ONE, line=11, nodes=(PIPE,)),
              **{"templates/notes.yml": "title: just notes\n"}),
        _case("template-number", GOOD.replace("- template: templates/install.yml", "- template: 42"),
              Expect(NONE, nodes=(PIPE, TRAIN))),
        _case("template-doubling", include("t/t0.yml"), Expect(SOME, nodes=(PIPE, DEPLOY)), **doubling),
    ]


def shapes() -> list[Case]:
    """Values of the wrong type: the fact is not read, the rest of the pipeline is."""
    return [
        _case("pool-list", GOOD.replace(f"pool:\n  name: agents-{SLUG}\n", "pool: [1, 2]\n"), Expect(NONE, nodes=(TRAIN,))),
        _case("steps-number", GOOD.replace("        steps:\n          - template", "        steps: 5\n        x:\n          - template"),
              Expect(NONE, nodes=(PIPE, DEPLOY))),
        _case("odd-items", GOOD.replace("    jobs:\n      - job: train\n", "    jobs:\n      - 7\n      - [x]\n      - job: train\n"),
              Expect(NONE, nodes=(TRAIN,))),
        _case("environment-list", GOOD.replace(f"environment: prod-{SLUG}", "environment: [a, b]"), Expect(NONE, nodes=(DEPLOY,))),
        _case("depends-on-mapping", GOOD.replace("  - stage: Deploy\n", "  - stage: Deploy\n    dependsOn: {a: 1}\n"),
              Expect(NONE, nodes=(DEPLOY,))),
        _case("resources-shapes", "resources:\n  repositories: 5\n  containers: {a: 1}\n  pipelines: x\n" + GOOD,
              Expect(NONE, nodes=(TRAIN, DEPLOY))),
        _case("parameters-string", GOOD, Expect(NONE, nodes=(TRAIN,)),
              **{"templates/install.yml": "parameters: oops\nsteps:\n  - bash: echo ${{ parameters.cli }}\n"}),
        _case("strategy-on-true", GOOD + "            on: {failure: 1, success: {steps: 2}}\n",
              Expect(NONE, nodes=(DEPLOY,))),
    ]


def look_alikes() -> list[Case]:
    """Other systems' YAML with the same top-level words: not Azure, no error."""
    return [
        Case("ci_azure/github-on-boolean", files({"ci.yml": "on: [push]\njobs:\n  b:\n    runs-on: ubuntu-latest\n"
                                                            "    steps:\n      - run: make\n"}), Expect(NONE), target="ci.yml"),
        Case("ci_azure/gitlab-stages", files({"ci.yml": "stages: [build]\nbuild:\n  script: [make]\n"}),
             Expect(NONE), target="ci.yml"),
        Case("ci_azure/azureml-pipeline-job", files({"pipeline.yml": "$schema: https://azuremlschemas.azureedge.net/latest/"
                                                                      "pipelineJob.schema.json\ntype: pipeline\njobs:\n"
                                                                      "  train: {type: command, command: echo}\n"}),
             Expect(NONE), target="pipeline.yml"),
        Case("ci_azure/variables-only", files({"vars.yml": "variables:\n  a: 1\n"}), Expect(NONE), target="vars.yml"),
    ]


def huge_matrix() -> Case:
    """A job with a 10,000-entry matrix: collected, no error."""
    def content() -> str:
        entries = "".join(f"          py{i}: {{python: '3.{i}'}}\n" for i in range(10_000))
        return ("jobs:\n  - job: test\n    strategy:\n      matrix:\n" + entries.replace("          ", "        ")
                + "    steps:\n      - script: pytest\n")
    return _case("huge-matrix", content, Expect(NONE, nodes=("job:ci:{p}/azure-pipelines.yml#test",)))


def each_past_the_bound() -> Case:
    """`each` inside `each` over long literal lists: the expansion stops at its bound with
    one error, never runs away."""
    items = "[" + ", ".join(str(i) for i in range(1000)) + "]"
    text = (f"parameters:\n  - name: a\n    default: {items}\nsteps:\n"
            "  - ${{ each x in parameters.a }}:\n    - ${{ each y in parameters.a }}:\n"
            "      - script: echo ${{ x }} ${{ y }}\n")
    return _case("each-past-the-bound", text, Expect(ONE, line=True))
