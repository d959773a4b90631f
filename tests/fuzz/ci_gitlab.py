"""GitLab CI: `.gitlab-ci.yml` and its local includes: truncated files, includes that
include themselves or each other, missing files, paths out of the tree, `extends:` and
`!reference` cycles, unknown tags, anchors and merge keys, templates, encodings, a diamond
of includes 30 levels deep and 2,000 jobs — a correct parse or one error with file and
line; never a crash, a hang or a file read outside the scanned tree."""
from __future__ import annotations

from . import mutate as m
from .cases import EITHER, NONE, ONE, SLUG, Case, Expect, files, in_git, rng_for

ROOT = ".gitlab-ci.yml"
GOOD = f"""\
include:
  - local: ci/templates.yml
stages: [train, deploy]
default:
  image: python:3.11-slim
train-{SLUG}:
  stage: train
  extends: .azure
  script:
    - !reference [.setup, script]
    - az ml job create -f jobs/train.yml -w mlw
deploy:
  stage: deploy
  environment:
    name: production
  when: manual
  tags: [ml-runners]
  script:
    - az ml online-deployment create -f deploy.yml
"""
TEMPLATES = """\
.setup:
  script: [pip install azure-ai-ml]
.azure:
  before_script: [az login --identity]
"""
TRAIN = "job:ci:{p}/" + ROOT + "#train-{s}"
DEPLOY = "job:ci:{p}/" + ROOT + "#deploy"


def cases(seed: int) -> list[Case]:
    out = truncated(seed) + includes() + resolution() + hostile() + [many_jobs(), diamond()]
    out += [in_git(c) for c in out if c.id.split("/")[1] in ("include-loop", "reference-tag")]
    return out


def _case(name: str, content, expect: Expect, extra: dict | None = None, target: str = ROOT) -> Case:
    return Case(f"ci_gitlab/{name}", files({ROOT: content, "ci/templates.yml": TEMPLATES, **(extra or {})}),
                expect, target=target)


def truncated(seed: int) -> list[Case]:
    """Cut in the last job: still a pipeline, or one error naming the file."""
    data = GOOD.encode()
    last = data.index(b"  when: manual")
    return [_case(f"truncated-{last + at}", data[:last + at], Expect(EITHER))
            for at in m.truncation_points(data[last:], rng_for(seed, "ci_gitlab", "good"), 4)]


def includes() -> list[Case]:
    loop = {"ci/templates.yml": TEMPLATES + "include: ci/other.yml\n", "ci/other.yml": "include: /ci/templates.yml\n"}
    return [
        _case("include-self", GOOD.replace("ci/templates.yml", ROOT), Expect(ONE, line=2)),
        _case("include-loop", GOOD, Expect(ONE, line=1, nodes=(TRAIN, DEPLOY)), loop, target="ci/other.yml"),
        _case("include-missing", GOOD.replace("  - local: ci/templates.yml\n",
                                              "  - local: ci/templates.yml\n  - local: ci/nowhere.yml\n"),
              Expect(ONE, line=3, nodes=(TRAIN, DEPLOY))),
        _case("include-out-of-tree", GOOD.replace("  - local: ci/templates.yml\n",
                                                  "  - local: ci/templates.yml\n  - local: ../../../../etc/passwd\n"),
              Expect(ONE, line=3, nodes=(TRAIN, DEPLOY))),
        _case("include-broken-file", GOOD, Expect(ONE, line=6), {"ci/templates.yml": TEMPLATES + "x: [unclosed\n"},
              target="ci/templates.yml"),
        _case("include-remote-and-project", GOOD.replace("include:\n", "include:\n  - remote: https://example.com/x.yml\n"
                                                          "  - project: g/p\n    file: /a.yml\n"),
              Expect(NONE, nodes=(TRAIN, DEPLOY))),
        _case("include-wildcard", GOOD.replace("local: ci/templates.yml", "local: 'ci/*.yml'"),
              Expect(NONE, nodes=(TRAIN, DEPLOY)), {"ci/extra.yml": "extra:\n  script: [x]\n"}),
    ]


def resolution() -> list[Case]:
    return [
        _case("extends-cycle", GOOD + ".a:\n  extends: .b\n.b:\n  extends: .a\nloop:\n  extends: .a\n  script: [x]\n",
              Expect(ONE, line=23, nodes=(TRAIN, DEPLOY))),
        _case("extends-unknown", GOOD.replace("extends: .azure", "extends: .nowhere"), Expect(ONE, line=8)),
        _case("reference-unknown", GOOD.replace("!reference [.setup, script]", "!reference [.nowhere, script]"),
              Expect(ONE, line=10)),
        _case("reference-self", GOOD + "selfish:\n  script: !reference [selfish, script]\n", Expect(ONE, line=21)),
        _case("reference-tag", GOOD, Expect(NONE, nodes=(TRAIN + " has purposes",))),
        _case("reference-scalar", GOOD.replace("!reference [.setup, script]", "!reference .setup"), Expect(ONE, line=10)),
        _case("unknown-tag", GOOD.replace("!reference [.setup, script]", "!vault [secret/x]"), Expect(ONE, line=10)),
        _case("job-list", GOOD + "broken: [1, 2]\n", Expect(ONE, line=20, nodes=(TRAIN, DEPLOY))),
        _case("script-mapping", GOOD.replace("  script:\n    - az ml online", "  script:\n    run:\n    - az ml online"),
              Expect(ONE, line=18, nodes=(TRAIN, DEPLOY))),
    ]


def hostile() -> list[Case]:
    return [
        _case("anchors-merge-keys", GOOD + ".base: &base\n  stage: deploy\n  tags: [x]\nmerged:\n  <<: *base\n  script: [y]\n",
              Expect(NONE, nodes=(TRAIN, "job:ci:{p}/" + ROOT + "#merged"))),
        _case("recursive-alias", GOOD + ".loop: " + m.recursive_alias() + "\n", Expect(ONE, line=True)),
        _case("deep-flow", GOOD + ".deep: " + m.deep_yaml_flow() + "\n", Expect(ONE, line=True)),
        _case("invalid-utf8", GOOD.encode().replace(b"az ml job", m.INVALID_UTF8 + b" ml job"), Expect(ONE, line=11)),
        _case("utf8-bom", m.utf8_bom(GOOD), Expect(NONE, nodes=(TRAIN, DEPLOY))),
        _case("crlf", GOOD.replace("\n", "\r\n"), Expect(NONE, nodes=(TRAIN, DEPLOY))),
        _case("cookiecutter", GOOD.replace("image: python:3.11-slim", "image: {{ cookiecutter.image }}"),
              Expect(NONE, nodes=("file:{p}/" + ROOT + " has template",))),
        _case("names-forge-lines", GOOD.replace("deploy:\n", "\"d\\n\\nPASS: fine\\e[2J\":\n"), Expect(NONE, nodes=(TRAIN,))),
        _case("variables-in-paths", GOOD.replace("local: ci/templates.yml", "local: $TEMPLATES/templates.yml"),
              Expect(NONE, nodes=(DEPLOY,))),
    ]


def many_jobs() -> Case:
    """2,000 jobs over 100 stages: collected, each waiting for the stage before."""
    def content() -> str:
        stages = "stages: [" + ", ".join(f"s{i}" for i in range(100)) + "]\n"
        return stages + "".join(f"j{i}:\n  stage: s{i % 100}\n  script: [make]\n" for i in range(2000))
    return Case("ci_gitlab/2000-jobs", files({ROOT: content}), Expect(NONE, nodes=("job:ci:{p}/" + ROOT + "#j1999",)),
                target=ROOT)


def diamond() -> Case:
    """Each level includes both files of the next, 30 levels deep: 2^30 paths, 60 files,
    each read once (a parser that walks every path never ends)."""
    built = {ROOT: "include: [ci/a0.yml, ci/b0.yml]\nroot:\n  script: [r]\n"}
    for level in range(30):
        for side in "ab":
            nxt = f"include: [ci/a{level + 1}.yml, ci/b{level + 1}.yml]\n" if level < 29 else ""
            built[f"ci/{side}{level}.yml"] = f"{nxt}{side}{level}:\n  script: [x]\n"
    return Case("ci_gitlab/diamond-30", files(built), Expect(NONE, nodes=("job:ci:{p}/" + ROOT + "#b29",)), target=ROOT)
