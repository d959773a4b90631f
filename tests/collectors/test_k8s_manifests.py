"""Kubernetes manifests in a repository: multi-document YAML into k8s resources, the pod
facts the serving rules read, Services linked to the pods they select, and the mess real
repositories hold (Helm templates, kustomizations, charts, broken documents)."""
from __future__ import annotations

import textwrap
from pathlib import Path

from conftest import collect_graph, errors_for, node_attrs

from checker.cloud.links import link_service_selectors
from checker.collectors.k8s_manifests import documents

DEPLOYMENT = textwrap.dedent("""\
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: churn
      namespace: ml
    spec:
      selector:
        matchLabels: {app: churn}
      template:
        metadata:
          labels: {app: churn, tier: model}
        spec:
          securityContext: {runAsNonRoot: true}
          initContainers:
            - name: fetch
              image: busybox:1.36
          containers:
            - name: server
              image: ghcr.io/contoso/churn@sha256:9f2c4e1d7b3a5c6e8f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6
              command: [mlflow, models, serve, -m, "models:/churn@champion"]
    """)


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def rid(path: str, address: str) -> str:
    return f"resource:k8s:fs:./{path}#{address}"


def test_documents_keep_their_lines():
    text = "a: 1\n---\nb: 2\n--- # second\n\nc: 3\n"
    assert [(line, body.strip()) for line, body in documents(text)] == [(1, "a: 1"), (2, "b: 2"), (4, "c: 3")]


def test_deployment_facts_from_its_pod_template(tmp_path):
    write(tmp_path, "deploy/churn.yaml", DEPLOYMENT)
    attrs = node_attrs(collect_graph(tmp_path), rid("deploy/churn.yaml", "ml/Deployment/churn"))
    assert attrs["type"] == "k8s_workload" and attrs["model_server"] == "mlflow"
    assert attrs["privileged"] is False and attrs["host_network"] is False
    assert attrs["non_root_enforced"] is True                  # the pod's runAsNonRoot holds for both
    assert attrs["unpinned_images"] == ["busybox:1.36"]         # the init container, by tag
    assert attrs["pod_labels"] == {"app": "churn", "tier": "model"} and attrs["namespace"] == "ml"
    assert attrs["scope"] == "fs:./deploy"


def test_container_run_as_user_zero_overrides_the_pods_run_as_non_root(tmp_path):
    write(tmp_path, "pod.yaml", """\
        apiVersion: v1
        kind: Pod
        metadata: {name: debug}
        spec:
          securityContext: {runAsNonRoot: true}
          containers:
            - {name: t, image: pytorch/torchserve:0.11.0-cpu, securityContext: {runAsUser: 0}}
        """)
    attrs = node_attrs(collect_graph(tmp_path), rid("pod.yaml", "_/Pod/debug"))
    assert attrs["non_root_enforced"] is False and attrs["model_server"] == "torchserve"
    assert attrs["namespace"] == ""              # applied to whatever namespace kubectl is given


def test_service_type_default_and_selector_link(tmp_path):
    write(tmp_path, "k/all.yaml", DEPLOYMENT + textwrap.dedent("""\
    ---
    apiVersion: v1
    kind: Service
    metadata: {name: churn, namespace: ml}
    spec:
      selector: {app: churn}
      ports: [{port: 80}]
    ---
    apiVersion: v1
    kind: Service
    metadata: {name: other, namespace: ml}
    spec:
      selector: {app: churn, tier: web}
    """))
    graph = collect_graph(tmp_path)
    link_service_selectors(graph)
    svc = rid("k/all.yaml", "ml/Service/churn")
    attrs = node_attrs(graph, svc)
    assert attrs["service_type"] == "clusterip"
    assert attrs["fact_sources"]["service_type"]["from"] == "default"
    assert set(graph.out_edges(svc, "exposes")) == {rid("k/all.yaml", "ml/Deployment/churn")}
    assert not set(graph.out_edges(rid("k/all.yaml", "ml/Service/other"), "exposes"))   # tier differs


def test_ingress_backend_becomes_an_edge_to_its_service(tmp_path):
    write(tmp_path, "k/ing.yaml", """\
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: churn
          annotations: {nginx.ingress.kubernetes.io/auth-url: "https://auth.example.com/check"}
        spec:
          rules:
            - http:
                paths:
                  - {path: /, pathType: Prefix, backend: {service: {name: churn, port: {number: 80}}}}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: churn}
        spec: {selector: {app: churn}}
        """)
    graph = collect_graph(tmp_path, link_resources=True)
    ing = rid("k/ing.yaml", "_/Ingress/churn")
    assert node_attrs(graph, ing)["auth_annotations"] == ["nginx.ingress.kubernetes.io/auth-url"]
    assert set(graph.out_edges(ing, "uses")) == {rid("k/ing.yaml", "_/Service/churn")}


def test_inference_service_storage_uri_and_visibility(tmp_path):
    write(tmp_path, "isvc.yaml", """\
        apiVersion: serving.kserve.io/v1beta1
        kind: InferenceService
        metadata:
          name: fraud
          labels: {networking.knative.dev/visibility: cluster-local}
        spec:
          predictor:
            sklearn: {storageUri: "gs://models/fraud/v3"}
        """)
    attrs = node_attrs(collect_graph(tmp_path), rid("isvc.yaml", "_/InferenceService/fraud"))
    assert attrs["type"] == "k8s_inference_service"
    assert attrs["storage_uri"] == "gs://models/fraud/v3" and attrs["cluster_local"] is True


def test_a_service_selecting_kserves_predictor_labels_exposes_the_inference_service(tmp_path):
    """KServe labels a predictor's pods with the InferenceService's name (under its API
    group: KFServing's too), `component: predictor`, the InferenceService's and the
    predictor's own labels, and in raw deployment mode `app: isvc.<name>-predictor`: a
    Service of the same folder and namespace selecting them exposes the InferenceService."""
    write(tmp_path, "k/isvc.yaml", """\
        apiVersion: serving.kserve.io/v1beta1
        kind: InferenceService
        metadata:
          name: fraud
          namespace: ml
          labels: {team: risk}
          annotations: {serving.kserve.io/deploymentMode: RawDeployment}
        spec:
          predictor:
            labels: {version: v3}
            sklearn: {storageUri: "gs://models/fraud/v3"}
        ---
        apiVersion: serving.kubeflow.org/v1beta1
        kind: InferenceService
        metadata: {name: legacy, namespace: ml}
        spec:
          predictor:
            tensorflow: {storageUri: "gs://models/legacy/1"}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: by-name, namespace: ml}
        spec:
          type: LoadBalancer
          selector: {serving.kserve.io/inferenceservice: fraud, component: predictor, version: v3}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: by-raw-label, namespace: ml}
        spec:
          selector: {app: isvc.fraud-predictor, team: risk}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: legacy, namespace: ml}
        spec:
          selector: {serving.kubeflow.org/inferenceservice: legacy}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: other-namespace, namespace: public}
        spec:
          type: LoadBalancer
          selector: {serving.kserve.io/inferenceservice: fraud}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: transformer, namespace: ml}
        spec:
          selector: {serving.kserve.io/inferenceservice: fraud, component: transformer}
        """)
    write(tmp_path, "other/svc.yaml", """\
        apiVersion: v1
        kind: Service
        metadata: {name: other-folder, namespace: ml}
        spec:
          selector: {serving.kserve.io/inferenceservice: fraud}
        """)
    graph = collect_graph(tmp_path)
    link_service_selectors(graph)
    fraud, legacy = rid("k/isvc.yaml", "ml/InferenceService/fraud"), rid("k/isvc.yaml", "ml/InferenceService/legacy")
    assert node_attrs(graph, fraud)["pod_labels"] == {
        "team": "risk", "version": "v3", "serving.kserve.io/inferenceservice": "fraud", "component": "predictor",
        "app": "isvc.fraud-predictor"}
    assert node_attrs(graph, legacy)["pod_labels"] == {"serving.kubeflow.org/inferenceservice": "legacy",
                                                       "component": "predictor"}    # no mode asked: no app label
    exposed = {name: set(graph.out_edges(rid("k/isvc.yaml", f"{ns}/Service/{name}"), "exposes"))
               for ns, name in (("ml", "by-name"), ("ml", "by-raw-label"), ("ml", "legacy"),
                                ("public", "other-namespace"), ("ml", "transformer"))}
    assert exposed == {"by-name": {fraud}, "by-raw-label": {fraud}, "legacy": {legacy},
                       "other-namespace": set(), "transformer": set()}
    assert not set(graph.out_edges(rid("other/svc.yaml", "ml/Service/other-folder"), "exposes"))


def test_helm_template_is_not_evaluated_and_is_no_error(tmp_path):
    write(tmp_path, "chart/templates/deployment.yaml", """\
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {{ include "serving.fullname" . }}
        spec:
          replicas: {{ .Values.replicas }}
        """)
    write(tmp_path, "chart/Chart.yaml", "apiVersion: v2\nname: serving\nversion: 0.1.0\n")
    graph = collect_graph(tmp_path)
    assert not graph.errors
    assert node_attrs(graph, "file:fs:./chart/templates/deployment.yaml")["template"] is True
    assert not list(graph.nodes("resource"))


def test_kustomization_and_other_yaml_are_not_objects(tmp_path):
    write(tmp_path, "k/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
                                             "resources: [deploy.yaml]\n")
    write(tmp_path, ".github/workflows/ci.yml", "name: ci\non: push\njobs: {}\n")
    graph = collect_graph(tmp_path)
    assert not graph.errors and not list(graph.nodes("resource"))


def test_one_broken_document_is_an_error_with_its_line_and_the_rest_is_collected(tmp_path):
    write(tmp_path, "k/mixed.yaml", DEPLOYMENT + textwrap.dedent("""\
    ---
    apiVersion: v1
    kind: Service
    metadata: {name: [unclosed
    ---
    apiVersion: v1
    kind: ConfigMap
    metadata: {namespace: ml}
    data: {a: b}
    ---
    apiVersion: v1
    kind: Service
    metadata: {name: fine, namespace: ml}
    """))
    graph = collect_graph(tmp_path)
    errors = errors_for(graph, "k/mixed.yaml")
    assert len(errors) == 2
    assert errors[0].line in (24, 25) and "invalid YAML" in errors[0].reason   # the unclosed list, or where it ends
    assert errors[1].line == 26 and "no metadata.name" in errors[1].reason    # the ConfigMap's first line
    assert {n for n, _ in graph.nodes("resource")} == {rid("k/mixed.yaml", "ml/Deployment/churn"),
                                                       rid("k/mixed.yaml", "ml/Service/fine")}


def test_secret_values_are_never_recorded(tmp_path):
    write(tmp_path, "secret.yaml", """\
        apiVersion: v1
        kind: Secret
        metadata: {name: mlflow-db}
        stringData:
          password: Sup3r-s3cret-Passw0rd
        data:
          token: U3VwM3ItczNjcmV0LVBhc3N3MHJk
        """)
    graph = collect_graph(tmp_path)
    attrs = node_attrs(graph, rid("secret.yaml", "_/Secret/mlflow-db"))
    text = repr(attrs)
    assert "Sup3r" not in text and "U3VwM3I" not in text
    assert attrs["properties"]["data_keys"] == ["token"]


def test_generate_name_stands_for_the_name(tmp_path):
    write(tmp_path, "job.yaml", "apiVersion: batch/v1\nkind: Job\nmetadata: {generateName: score-}\n"
                                "spec: {template: {spec: {containers: [{name: s, image: 'bentoml/model:1'}]}}}\n")
    attrs = node_attrs(collect_graph(tmp_path), rid("job.yaml", "_/Job/score-"))
    assert attrs["model_server"] == "bentoml"


def test_model_uri_in_the_command_links_the_served_model_version(tmp_path):
    from checker.linkers import link_served_model_uris
    write(tmp_path, "k/churn.yaml", DEPLOYMENT)
    graph = collect_graph(tmp_path)
    champion = graph.add_node("model_version", "mlflow://x/churn/7", {"name": "churn", "version": 7,
                                                                     "aliases": ["champion"]})
    graph.add_node("model_version", "mlflow://x/churn/6", {"name": "churn", "version": 6, "aliases": []})
    link_served_model_uris(graph)
    server = rid("k/churn.yaml", "ml/Deployment/churn")
    assert node_attrs(graph, server)["model_uris"] == ["models:/churn@champion"]
    assert set(graph.out_edges(server, "serves")) == {champion}


def test_model_uri_naming_nothing_collected_is_kept_unresolved(tmp_path):
    from checker.linkers import link_served_model_uris
    write(tmp_path, "k/churn.yaml", DEPLOYMENT)
    graph = collect_graph(tmp_path)
    link_served_model_uris(graph)
    attrs = node_attrs(graph, rid("k/churn.yaml", "ml/Deployment/churn"))
    assert "names no model version in any collected registry" in \
        attrs["unresolved"]["model models:/churn@champion"]["reason"]


SELDON_V1 = """\
    apiVersion: machinelearning.seldon.io/v1
    kind: SeldonDeployment
    metadata:
      name: churn
      namespace: models
    spec:
      protocol: v2
      predictors:
        - name: default
          replicas: 1
          graph:
            name: transformer
            type: TRANSFORMER
            children:
              - name: classifier
                implementation: MLFLOW_SERVER
                modelUri: s3://contoso-models/churn/handmade/
                children: []
          componentSpecs:
            - metadata:
                labels: {team: crm}
              spec:
                securityContext: {runAsNonRoot: true}
                hostNetwork: true
                containers:
                  - name: transformer
                    image: ghcr.io/contoso/churn-features:1.4
        - name: canary
          graph:
            name: classifier
            implementation: SKLEARN_SERVER
            modelUri: models:/churn@champion
          componentSpecs:
            - spec:
                containers:
                  - name: classifier
                    image: seldonio/sklearnserver@sha256:0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0
                    securityContext: {privileged: true}
    """


def test_seldon_deployment_is_a_model_server_with_its_graphs_model_uris_and_pod_facts(tmp_path):
    write(tmp_path, "seldon/churn.yaml", SELDON_V1)
    attrs = node_attrs(collect_graph(tmp_path), rid("seldon/churn.yaml", "models/SeldonDeployment/churn"))
    assert attrs["type"] == "k8s_inference_service" and attrs["namespace"] == "models"
    assert attrs["model_server"] == "mlflow, sklearn"          # prepackaged servers, child graphs too
    assert attrs["model_uris"] == ["models:/churn@champion", "s3://contoso-models/churn/handmade/"]
    assert attrs["privileged"] is True and attrs["host_network"] is True       # one container each
    assert attrs["unpinned_images"] == ["ghcr.io/contoso/churn-features:1.4"]
    assert attrs["pod_labels"] == {"team": "crm"}
    # Its Services and gateway route are the operator's: no visibility fact, no KServe storageUri.
    assert "cluster_local" not in attrs and "storage_uri" not in attrs


def test_seldon_prepackaged_server_without_component_specs(tmp_path):
    write(tmp_path, "sdep.yaml", """\
        apiVersion: machinelearning.seldon.io/v1
        kind: SeldonDeployment
        metadata: {name: wines}
        spec:
          predictors:
            - name: default
              graph: {name: classifier, implementation: MLFLOW_SERVER, modelUri: "gs://models/wines"}
        """)
    attrs = node_attrs(collect_graph(tmp_path), rid("sdep.yaml", "_/SeldonDeployment/wines"))
    assert attrs["model_server"] == "mlflow" and attrs["model_uris"] == ["gs://models/wines"]
    assert attrs["unpinned_images"] == [] and attrs["privileged"] is False     # the operator's containers


def test_seldon_v2_model_only_with_its_api_group(tmp_path):
    write(tmp_path, "v2/models.yaml", """\
        apiVersion: mlops.seldon.io/v1alpha1
        kind: Model
        metadata: {name: churn, namespace: seldon-mesh}
        spec:
          storageUri: "models:/churn/2"
          requirements: [mlflow]
          server: mlserver
        ---
        apiVersion: example.com/v1
        kind: Model
        metadata: {name: other}
        spec: {storageUri: "models:/churn/2"}
        """)
    graph = collect_graph(tmp_path)
    attrs = node_attrs(graph, rid("v2/models.yaml", "seldon-mesh/Model/churn"))
    assert attrs["type"] == "k8s_seldon_model" and attrs["model_uris"] == ["models:/churn/2"]
    assert attrs["server"] == "mlserver" and attrs["requirements"] == ["mlflow"]
    assert node_attrs(graph, rid("v2/models.yaml", "_/Model/other"))["type"] == "other"


def test_serving_resources_link_versions_by_registry_uri_and_artifact_location(tmp_path):
    from checker.linkers import link_served_model_uris
    write(tmp_path, "seldon/churn.yaml", SELDON_V1)
    write(tmp_path, "kserve/isvc.yaml", """\
        apiVersion: serving.kserve.io/v1beta1
        kind: InferenceService
        metadata: {name: churn-run}
        spec:
          predictor:
            model:
              modelFormat: {name: mlflow}
              storageUri: "runs:/0f35098d6680474685ae01d94d28aa0a/model"
        """)
    graph = collect_graph(tmp_path)
    champion = graph.add_node("model_version", "mlflow://x/churn/3", {
        "name": "churn", "version": 3, "aliases": ["champion"], "run_id": "de8b71de98f344688ca9758c7894d48b",
        "source": "runs:/de8b71de98f344688ca9758c7894d48b/model"})
    from_run = graph.add_node("model_version", "mlflow://x/churn/4", {
        "name": "churn", "version": 4, "aliases": [], "run_id": "0f35098d6680474685ae01d94d28aa0a",
        "source": "/tmp/artifacts/0f35098d6680474685ae01d94d28aa0a/artifacts/model"})
    handmade = graph.add_node("model_version", "mlflow://x/churn/5", {
        "name": "churn", "version": 5, "aliases": [], "source": "s3://contoso-models/churn/handmade"})
    link_served_model_uris(graph)
    sdep = rid("seldon/churn.yaml", "models/SeldonDeployment/churn")
    assert set(graph.out_edges(sdep, "serves")) == {champion, handmade}   # alias; location, trailing / aside
    isvc = rid("kserve/isvc.yaml", "_/InferenceService/churn-run")
    assert set(graph.out_edges(isvc, "serves")) == {from_run}            # the run's artifact `model`
    assert "unresolved" not in node_attrs(graph, sdep)


def test_a_run_artifact_no_version_was_registered_from_is_unresolved(tmp_path):
    from checker.cloud.model_uris import ModelIndex
    from checker.graph import EstateGraph
    graph = EstateGraph()
    graph.add_node("model_version", "mlflow://x/churn/4", {
        "name": "churn", "version": 4, "run_id": "abc", "source": "runs:/abc/model"})
    index = ModelIndex(graph)
    assert index.resolve("runs:/abc/model")[0] == ["model_version:mlflow://x/churn/4"]
    found, why = index.resolve("runs:/abc/encoder")
    assert found == [] and "no collected model version was registered from run abc's artifact encoder" in why
    assert index.resolve("azureml:churn:4")[0] == ["model_version:mlflow://x/churn/4"]
    assert index.resolve("azureml:churn@prod") == ([], "azureml:churn@prod: Azure ML label prod is not "
                                                       "resolved statically")
    assert index.resolve("gs://elsewhere/model") == ([], None)      # a location, not a registry's name


def test_a_service_of_another_api_group_is_no_core_service(tmp_path):
    # Knative and the old KFServing API both have a kind named Service; neither has a
    # spec.type, and reading one as a ClusterIP Service would say something untrue.
    write(tmp_path, "serving/hello.yaml", """\
        apiVersion: serving.knative.dev/v1
        kind: Service
        metadata: {name: scorer}
        spec:
          template:
            spec:
              containers: [{image: registry.example/scorer:2}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: plain}
        spec:
          selector: {app: scorer}
        """)
    graph = collect_graph(tmp_path)
    assert node_attrs(graph, rid("serving/hello.yaml", "_/Service/scorer"))["type"] == "other"
    plain = node_attrs(graph, rid("serving/hello.yaml", "_/Service/plain"))
    assert plain["type"] == "k8s_service" and plain["service_type"] == "clusterip"
