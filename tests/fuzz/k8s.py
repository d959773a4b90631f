"""Kubernetes manifests in a repository: truncated multi-document files, objects of the
wrong shape, YAML hostility (recursive aliases, deep nesting, bad encodings), Helm
templates, 5,000 documents in one file, and YAML that only mentions apiVersion."""
from __future__ import annotations

from . import mutate as m
from .cases import EITHER, NONE, ONE, SLUG, Case, Expect, files, in_git, rng_for

MANIFEST = "deploy.yaml"
DEPLOYMENT = f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: srv-{SLUG}
  namespace: fuzz
spec:
  selector:
    matchLabels: {{app: srv}}
  template:
    metadata:
      labels: {{app: srv}}
    spec:
      containers:
        - name: mlflow
          image: ghcr.io/contoso/churn:1.0
          command: [mlflow, models, serve, -m, "models:/churn/1"]
"""
SERVICE = f"""\
apiVersion: v1
kind: Service
metadata:
  name: svc-{SLUG}
  namespace: fuzz
spec:
  type: LoadBalancer
  selector: {{app: srv}}
"""
GOOD = DEPLOYMENT + "---\n" + SERVICE
SRV = "resource:k8s:{p}/deploy.yaml#fuzz/Deployment/srv-{s}"
SVC = "resource:k8s:{p}/deploy.yaml#fuzz/Service/svc-{s}"
SERVICE_LINE = DEPLOYMENT.count("\n") + 2          # the Service's apiVersion, after "---"


def cases(seed: int) -> list[Case]:
    out = truncated(seed) + shapes() + hostile() + look_alikes() + seldon() + [many_documents()]
    out += [in_git(c) for c in out if c.id.split("/")[1] in ("shape-metadata-list", "helm-template")]
    return out


def _case(name: str, content, expect: Expect, **kw) -> Case:
    return Case(f"k8s/{name}", files({MANIFEST: content}), expect, target=MANIFEST, **kw)


def truncated(seed: int) -> list[Case]:
    """Cut anywhere: still YAML (fewer objects) or one error; never a crash."""
    return [_case(f"truncated-{at}", GOOD.encode()[:at], Expect(EITHER))
            for at in m.truncation_points(GOOD.encode(), rng_for(seed, "k8s", "good"), 4)]


def _with_service(service: str) -> str:
    return DEPLOYMENT + "---\n" + service


def shapes() -> list[Case]:
    """Objects that are YAML but break Kubernetes' shape: one error at their document, the
    other object collected; shapes a fact cannot read leave the fact unknown, no error."""
    bad_meta = SERVICE.replace(f"metadata:\n  name: svc-{SLUG}\n  namespace: fuzz\n", "metadata: [svc, fuzz]\n")
    no_name = SERVICE.replace(f"  name: svc-{SLUG}\n", "")
    return [
        _case("shape-metadata-list", _with_service(bad_meta), Expect(ONE, line=SERVICE_LINE, nodes=(SRV,))),
        _case("shape-no-name", _with_service(no_name), Expect(ONE, line=SERVICE_LINE, nodes=(SRV,))),
        _case("shape-containers-string", GOOD.replace("      containers:\n", "      containers: oops\n      x:\n"),
              Expect(NONE, nodes=(SRV, SVC))),
        _case("shape-spec-list", GOOD.replace("spec:\n  type: LoadBalancer\n  selector: {app: srv}\n",
                                              "spec: [LoadBalancer]\n"), Expect(NONE, nodes=(SRV, SVC))),
        _case("shape-image-number", GOOD.replace("image: ghcr.io/contoso/churn:1.0", "image: 42"),
              Expect(NONE, nodes=(SRV, SVC))),
        _case("shape-document-scalar", GOOD + "---\njust a string\n---\n- a\n- list\n", Expect(NONE, nodes=(SRV, SVC))),
    ]


def hostile() -> list[Case]:
    return [
        _case("recursive-alias", GOOD + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  "
              + m.recursive_alias().replace("\n", "\n  ") + "\n", Expect(ONE, line=True, nodes=(SRV, SVC))),
        _case("deep-flow", GOOD + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: "
              + m.deep_yaml_flow() + "\n", Expect(ONE, line=True, nodes=(SRV, SVC))),
        _case("invalid-utf8", GOOD.encode().replace(b"churn:1.0", b"churn" + m.INVALID_UTF8), Expect(ONE, line=15)),
        _case("utf8-bom", m.utf8_bom(GOOD), Expect(NONE, nodes=(SRV, SVC))),
        _case("crlf", GOOD.replace("\n", "\r\n"), Expect(NONE, nodes=(SRV, SVC))),
        _case("helm-template", GOOD.replace(f"name: svc-{SLUG}", "name: {{ include \"svc.name\" . }}"),
              Expect(NONE, nodes=(SRV.replace("resource:k8s:{p}/deploy.yaml#fuzz/Deployment/srv-{s}",
                                              "file:{p}/deploy.yaml has template"),))),
        _case("names-forge-lines", GOOD.replace(f"name: svc-{SLUG}", f"name: \"svc-{SLUG}\\n\\nPASS: fine\\e[2J\""),
              Expect(NONE, nodes=(SRV,))),
        _case("tags-and-merge-keys", GOOD + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: &m {name: c}\n"
              "other: {<<: *m, x: !!binary aGk=}\n", Expect(EITHER, nodes=(SRV, SVC))),
    ]


SELDON = f"""\
apiVersion: machinelearning.seldon.io/v1
kind: SeldonDeployment
metadata:
  name: sdep-{SLUG}
  namespace: fuzz
spec:
  predictors:
    - name: default
      graph:
        name: classifier
        implementation: MLFLOW_SERVER
        modelUri: models:/churn/1
        children: []
      componentSpecs:
        - spec:
            containers:
              - {{name: classifier, image: seldonio/mlflowserver:1.18.0}}
"""
SDEP = "resource:k8s:{p}/deploy.yaml#fuzz/SeldonDeployment/sdep-{s}"


def seldon() -> list[Case]:
    """SeldonDeployments of every wrong shape: the facts that cannot be read are unknown,
    the object and the rest of the file collected; a graph that holds itself (a recursive
    alias) is refused as YAML with its line."""
    with_sdep = GOOD + "---\n"
    return [
        _case("seldon-good", with_sdep + SELDON, Expect(NONE, nodes=(SRV, SVC, SDEP))),
        _case("seldon-predictors-mapping", with_sdep + SELDON.replace("  predictors:\n    - name: default\n",
                                                                      "  predictors:\n    default:\n"),
              Expect(EITHER, nodes=(SRV, SVC))),
        _case("seldon-odd-items", with_sdep + SELDON.replace("    - name: default\n",
                                                             "    - 7\n    - {graph: [1], componentSpecs: x}\n"
                                                             "    - name: default\n"),
              Expect(NONE, nodes=(SRV, SVC, SDEP))),
        _case("seldon-recursive-graph", with_sdep + SELDON.replace("      graph:\n", "      graph: &g\n").replace(
                  "        children: []\n", "        children: [*g]\n"), Expect(ONE, line=True, nodes=(SRV, SVC))),
        _case("seldon-deep-children", with_sdep + SELDON.replace("        children: []\n",
                                                                 "        children: " + "[{children: " * 400
                                                                 + "[]" + "}]" * 400 + "\n"),
              Expect(EITHER, nodes=(SRV, SVC))),
        _case("seldon-v2-model-shapes", with_sdep + "apiVersion: mlops.seldon.io/v1alpha1\nkind: Model\n"
              "metadata: {name: m}\nspec: {storageUri: [1, 2], requirements: sklearn, server: {x: 1}}\n",
              Expect(NONE, nodes=(SRV, SVC))),
    ]


def look_alikes() -> list[Case]:
    """YAML that mentions apiVersion and kind but holds no object to apply."""
    return [
        _case("kustomization", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
              "resources: [a.yaml]\n", Expect(NONE)),
        _case("chart", "apiVersion: v2\nname: serving\nkind: application\nversion: 1.0.0\n", Expect(NONE)),
        _case("prose", "# apiVersion: v1\n# kind: Service\nnotes: only comments mention it\n", Expect(NONE)),
    ]


def many_documents() -> Case:
    """5,000 ConfigMaps in one file, then the good objects: every one collected."""
    def content() -> str:
        maps = "".join(f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}}}\ndata: {{k: v}}\n---\n"
                       for i in range(5000))
        return maps + GOOD
    return _case("many-documents", content, Expect(NONE, nodes=(SRV, SVC)))
