"""Model files: the static pickle reader, the formats, and the parser in a real scan."""
from __future__ import annotations

import pickle
import zipfile

import pytest

import model_files as m
from checker.collectors import CollectContext, FileParser
from checker.collectors.folder import FolderCollector
from checker.collectors.models import ModelFileParser
from checker.collectors.models.formats import MAX_MEMBER_BYTES, inspect
from checker.collectors.models.pickle_scan import classify, scan_pickle
from checker.graph import EstateGraph


def dangerous(data: bytes, name: str = "model.pkl") -> list[str]:
    facts = inspect(name, data)
    return [f"{f['global']}@{f['member']}" for f in facts.attrs()["model_code"]]


@pytest.mark.parametrize("module,name", [("os", "system"), ("posix", "system"), ("nt", "system"),
                                         ("subprocess", "Popen"), ("subprocess", "check_output"),
                                         ("builtins", "exec"), ("builtins", "eval"),
                                         ("__builtin__", "eval"), ("runpy", "run_path"),
                                         ("webbrowser", "open"), ("os.path", "join"),
                                         ("torch.hub", "load")])
def test_calls_that_run_code_are_found_however_written(module, name):
    for data in (m.global_reduce(module, name), m.stack_global_reduce(module, name),
                 m.stack_global_reduce(module, name, memoised=False)):
        assert dangerous(data) == [f"{module}.{name}@"]


def test_offset_opcode_and_call_are_recorded():
    data = m.stack_global_reduce("os", "system")
    (found,) = scan_pickle(data).of("runs_code")
    assert (found.opcode, found.called) == ("STACK_GLOBAL", True)
    assert data[found.offset:found.offset + 1] == b"\x93"     # the offset is the opcode's


def test_a_global_built_at_load_time_counts_as_running_code():
    assert dangerous(m.hidden_stack_global()) == ["?.?@"]


def test_a_second_pickle_in_the_stream_is_read():
    assert dangerous(m.after_benign(m.stack_global_reduce("builtins", "exec"))) == ["builtins.exec@"]


def test_torch_zip_member_is_named():
    data = m.torch_zip(m.stack_global_reduce("os", "system"), name="weights")
    facts = inspect("model.pt", data)
    assert facts.format == "torch-zip"
    assert dangerous(data, "model.pt") == ["os.system@weights/data.pkl"]


def test_joblib_arrays_are_skipped_and_a_call_after_them_found():
    clean = inspect("m.joblib", m.joblib_object_array())
    assert (clean.format, clean.runs_code) == ("joblib", False)
    assert dangerous(m.joblib_with_call_after_arrays(), "m.joblib") == ["os.system@"]


@pytest.mark.parametrize("build,fmt", [(m.sklearn_pickle, "pickle"), (m.numpy_pickle, "pickle"),
                                        (m.sklearn_joblib, "joblib"),
                                        (lambda: m.sklearn_joblib(3), "joblib")])
def test_ordinary_models_are_clean(build, fmt):
    data = build()
    facts = inspect("model.pkl" if fmt == "pickle" else "model.joblib", data)
    assert (facts.format, facts.runs_code, facts.complete) == (fmt, False, True)


def test_xgboost_and_torch_models_are_clean_when_installed():
    xgb = m.xgboost_pickle()
    torch_files = m.torch_files()
    if xgb is None and torch_files is None:
        pytest.skip("neither xgboost nor torch installed")
    if xgb is not None:
        assert inspect("x.pkl", xgb).runs_code is False
    for name, data in (torch_files or {}).items():
        facts = inspect(name, data)
        assert facts.runs_code is False, name
    if torch_files:
        assert inspect("l.pt", torch_files["legacy.pt"]).format == "torch-legacy"
        assert inspect("s.pt", torch_files["scripted.pt"]).format == "torchscript"


def test_cloudpickled_function_carries_code_but_does_not_run_it():
    data = (m.PROTO4 + m._short("cloudpickle.cloudpickle") + m._short("_make_function")
            + b"\x93" + m._short("x") + b"\x85R.")
    facts = inspect("python_model.pkl", data)
    assert facts.runs_code is False
    assert facts.attrs()["model_carries_code"] is True
    # … and calling the rebuilt function while loading does run it.
    called = data[:-1] + b")R."
    assert dangerous(called) == ["<function built at load time>.cloudpickle.cloudpickle._make_function@"]


def test_classification():
    assert classify("numpy.core.multiarray", "_reconstruct") == "safe"
    assert classify("builtins", "set") == "safe"
    assert classify("builtins", "getattr") == "runs_code"
    assert classify("mycompany.features", "Scaler") == "unknown"


@pytest.mark.parametrize("data,why", [
    (b"just some text\n", "not a pickle (the file is text)"),
    (m.sklearn_pickle()[:300], "truncated"),
    (b"\x80\x04\x95\xff\xff\xff\xff\xff\xff\xff\x7f", "truncated"),
    (b"\x80\x04h\x07.", "memo entry 7, never stored"),
    (b"\x80\x04R.", "stack too short"),
])
def test_bad_pickles_are_incomplete_never_clean(data, why):
    facts = inspect("model.pkl", data)
    assert facts.runs_code is None
    assert why in " ".join(facts.scan.problems)


def test_what_was_found_before_a_truncation_is_kept():
    data = m.stack_global_reduce("os", "system")
    facts = inspect("model.pkl", data[:-1])      # STOP missing
    assert facts.runs_code is True and not facts.complete


def test_recursive_and_deep_pickles_are_read_without_recursion():
    a: list = []
    a.append(a)
    assert inspect("r.pkl", pickle.dumps(a)).runs_code is False
    deep = b"\x80\x04" + b"(" * 200_000 + b"t" * 200_000 + b"."     # tuples nested 200k deep
    assert inspect("d.pkl", deep).runs_code is False


def test_zip_bomb_is_bounded():
    facts = inspect("model.pt", m.zip_bomb())
    assert facts.runs_code is None
    assert f"over the {MAX_MEMBER_BYTES}-byte bound" in facts.problems[0]


def test_zip_member_lying_about_its_size_is_not_trusted():
    import struct
    data = bytearray(m.zip_bomb(size=8 * 1024 * 1024, zip64=False))
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, 22, 100)             # local header: uncompressed size
    struct.pack_into("<I", data, central + 24, 100)   # central directory: the same
    facts = inspect("model.pt", bytes(data))
    assert facts.runs_code is None
    assert "archive/data.pkl: unreadable" in facts.problems[0]


def test_other_formats():
    assert (inspect("w.safetensors", m.safetensors()).format, inspect("w.safetensors", m.safetensors()).runs_code) == ("safetensors", False)
    assert inspect("w.safetensors", b"\xff" * 8 + b"{}").problems          # header past the file
    assert inspect("a.npy", m.npy()).runs_code is False
    assert dangerous(m.npy("|O", (1,), m.global_reduce("os", "system")), "a.npy") == ["os.system@"]
    npz = m.npz({"a.npy": m.npy("|O", (1,), m.global_reduce("os", "system")), "b.npy": m.npy()})
    assert dangerous(npz, "a.npz") == ["os.system@a.npy"]
    assert dangerous(m.keras_zip(True), "m.keras") == ["keras.layers.Lambda@config.json"]
    assert inspect("m.keras", m.keras_zip(False)).runs_code is False
    assert dangerous(m.keras_h5(True), "m.h5") == ["keras.layers.Lambda@"]
    assert inspect("m.gguf", m.gguf()).format == "gguf"
    assert inspect("m.onnx", m.onnx_like()).runs_code is False
    assert inspect("vocab.bin", b"\x00\x01\x02raw").format == "binary"


def scan_folder(root) -> EstateGraph:
    from checker.collectors import load_registry, file_parsers
    graph = EstateGraph()
    ctx = CollectContext(graph, parsers=file_parsers(load_registry()))
    src = FolderCollector.detect(root, str(root))[0]
    FolderCollector().collect(src, ctx)
    return graph


def test_parser_records_facts_on_the_file_node_and_errors_by_file(tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "evil.pt").write_bytes(m.torch_zip(m.stack_global_reduce("os", "system")))
    (tmp_path / "models" / "ok.safetensors").write_bytes(m.safetensors())
    (tmp_path / "models" / "notes.pkl").write_bytes(b"this is not a pickle\n")
    graph = scan_folder(tmp_path)
    evil = graph.node("file:fs:./models/evil.pt")["attrs"]
    assert evil["model_runs_code_on_load"] is True
    assert evil["model_code"][0]["member"] == "archive/data.pkl"
    assert len(evil["model_sha256"]) == 64
    assert graph.node("file:fs:./models/ok.safetensors")["attrs"]["model_runs_code_on_load"] is False
    assert graph.node("file:fs:./models/notes.pkl")["attrs"]["model_runs_code_on_load"] is None
    assert [(e.collector, e.source.rsplit("/", 2)[-2:]) for e in graph.errors] == [("models", ["models", "notes.pkl"])]


def test_parser_is_registered():
    from checker.collectors import load_registry
    assert load_registry()["models"] is ModelFileParser
    assert issubclass(ModelFileParser, FileParser)


def test_lfs_pointer_is_unavailable_not_an_error():
    pointer = b"version https://git-lfs.github.com/spec/v1\noid sha256:" + b"a" * 64 + b"\nsize 12345\n"
    facts = inspect("model.pkl", pointer)
    assert (facts.format, facts.runs_code, facts.problems, facts.scan.problems) == ("lfs-pointer", None, [], [])
    assert facts.attrs()["model_scan"] == "unavailable"


AZUREML_MODEL = """$schema: https://azuremlschemas.azureedge.net/latest/model.schema.json
name: churn-model
version: 2
path: ../models/model.pkl
type: custom_model
"""
AZUREML_ENDPOINT = """$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json
name: churn-endpoint
auth_mode: key
"""
AZUREML_DEPLOYMENT = """$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json
name: blue
endpoint_name: churn-endpoint
model: azureml:churn-model:2
instance_type: Standard_DS3_v2
instance_count: 1
"""


def test_finding_reaches_the_version_deployment_and_endpoint_that_use_the_file(tmp_path):
    """An Azure ML model spec's path names the pickle; a deployment serves that version
    behind an endpoint: MLC-MODEL-001's evidence lists all three."""
    import json

    from click.testing import CliRunner

    from checker.cli import main
    for rel, text in (("assets/model.yml", AZUREML_MODEL), ("deploy/endpoint.yml", AZUREML_ENDPOINT),
                      ("deploy/blue.yml", AZUREML_DEPLOYMENT)):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "model.pkl").write_bytes(m.stack_global_reduce("os", "system"))
    out = CliRunner().invoke(main, ["scan", str(tmp_path), "--format", "json"])
    doc = json.loads(out.output[:out.output.rindex("}") + 1])
    assert out.exit_code == 1 and doc["collection_errors"] == [], out.output   # linking went through
    (f,) = [f for f in doc["findings"] if f["rule_id"] == "MLC-MODEL-001"]
    assert f["node"] == "file:fs:./models/model.pkl"
    assert f["evidence"]["model_versions"] == ["churn-model v2"]
    assert f["evidence"]["served_by"] == ["deployment:azureml:fs:./deploy/blue.yml"]
    # The endpoint spec is both a lineage endpoint and a declared resource endpoint.
    assert "endpoint:azureml:churn-endpoint" in f["evidence"]["endpoints"]
    assert "held by churn-model v2, served by 1 deployment(s)" in f["message"]


def test_tree_copy_of_a_registry_artifact_is_marked_the_same():
    from checker.collectors.models.links import link_model_artifacts
    g = EstateGraph()
    repo = g.add_node("repo", "fs:.", {"path": ".", "vcs": "none"})
    data = m.global_reduce("os", "system")
    facts = inspect("model.pkl", data).attrs()
    art = g.add_node("file", "mlflow://x/artifacts/a/model.pkl", {"path": "a/model.pkl", "name": "model.pkl", "store": "mlflow-artifacts", **facts})
    copy = g.add_node("file", "fs:./mlartifacts/1/r/artifacts/model/model.pkl", {"path": "mlartifacts/1/r/artifacts/model/model.pkl", "name": "model.pkl", **facts})
    g.add_edge(repo, copy, "contains")
    link_model_artifacts(g)
    assert g.node(copy)["attrs"]["model_same_as"] == [art]
    assert "model_same_as" not in g.node(art)["attrs"]


# -- signatures (OpenSSF model-signing) ------------------------------------------------------

def _keypair():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    key = ec.generate_private_key(ec.SECP256R1())
    return key, key.public_key().public_bytes(serialization.Encoding.PEM,
                                              serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def _sign_like_model_signing(folder, key) -> None:
    """A bundle of the shape model-signing's key signer writes (sigstore bundle v0.3, DSSE
    envelope, in-toto statement listing each file's sha256), signed here with the same
    ECDSA-over-PAE. test_real_model_signing_bundle_verifies checks the library's own."""
    import base64
    import hashlib
    import json

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    from checker.collectors.models.signatures import PAYLOAD_TYPE, pae
    resources = [{"name": p.name, "digest": hashlib.sha256(p.read_bytes()).hexdigest(), "algorithm": "sha256"}
                 for p in sorted(folder.iterdir()) if p.name != "model.sig"]
    statement = {"_type": "https://in-toto.io/Statement/v1", "subject": [{"name": folder.name, "digest": {"sha256": "00"}}],
                 "predicateType": "https://model_signing/signature/v1.0",
                 "predicate": {"serialization": {"method": "files", "hash_type": "sha256"}, "resources": resources}}
    payload = json.dumps(statement).encode()
    sig = key.sign(pae(PAYLOAD_TYPE, payload), ec.ECDSA(hashes.SHA256()))
    bundle = {"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
              "verificationMaterial": {"publicKey": {"hint": "x"}, "tlogEntries": []},
              "dsseEnvelope": {"payload": base64.b64encode(payload).decode(), "payloadType": PAYLOAD_TYPE,
                               "signatures": [{"sig": base64.b64encode(sig).decode(), "keyid": ""}]}}
    (folder / "model.sig").write_text(json.dumps(bundle))


def _signature_states(tmp_path, params) -> dict[str, str]:
    from checker.collectors import file_parsers, load_registry
    graph = EstateGraph()
    ctx = CollectContext(graph, params=params, parsers=file_parsers(load_registry()))
    FolderCollector().collect(FolderCollector.detect(tmp_path, str(tmp_path))[0], ctx)
    return {d["attrs"]["path"]: d["attrs"]["model_signature"] for _, d in graph.nodes("file")
            if "model_signature" in d["attrs"]}


def test_signature_states_in_a_tree(tmp_path):
    key, pub = _keypair()
    other, other_pub = _keypair()
    for name in ("signed", "tampered", "unsigned"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "model.safetensors").write_bytes(m.safetensors())
    _sign_like_model_signing(tmp_path / "signed", key)
    _sign_like_model_signing(tmp_path / "tampered", key)
    (tmp_path / "tampered" / "model.safetensors").write_bytes(m.safetensors({"w": ("F32", [3])}))
    keyed = {"model_signing": {"public_keys": [pub]}}
    assert _signature_states(tmp_path, keyed) == {
        "signed/model.safetensors": "verified", "tampered/model.safetensors": "digest_mismatch",
        "unsigned/model.safetensors": "absent"}
    assert _signature_states(tmp_path, {})["signed/model.safetensors"] == "unverified"
    wrong = {"model_signing": {"public_keys": [other_pub]}}
    assert _signature_states(tmp_path, wrong)["signed/model.safetensors"] == "bad_signature"


def test_keyless_bundle_is_never_reported_verified():
    import json

    from checker.collectors.models.signatures import Trust, read_bundle, state
    data = m.safetensors()
    import hashlib
    statement = {"predicate": {"resources": [{"name": "model.safetensors", "algorithm": "sha256",
                                              "digest": hashlib.sha256(data).hexdigest()}]}}
    import base64
    bundle = read_bundle(json.dumps({"verificationMaterial": {"certificate": {"rawBytes": "AA=="}},
                                     "dsseEnvelope": {"payload": base64.b64encode(json.dumps(statement).encode()).decode(),
                                                      "signatures": [{"sig": "AA=="}]}}).encode())
    _, pub = _keypair()
    st, why = state("model.safetensors", hashlib.sha256(data).hexdigest(), bundle, Trust([pub.encode()]))
    assert st == "unverified" and "no trust root configured" in why
    assert state("x", "00", read_bundle(b"not json"), Trust())[0] == "bad_signature"


def test_real_model_signing_bundle_verifies(tmp_path):
    """A bundle written by OpenSSF model-signing's own key signer verifies here."""
    model_signing = pytest.importorskip("model_signing")
    from cryptography.hazmat.primitives import serialization
    key, pub = _keypair()
    (tmp_path / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
    folder = tmp_path / "tree" / "model"
    folder.mkdir(parents=True)
    (folder / "model.safetensors").write_bytes(m.safetensors())
    model_signing.signing.Config().use_elliptic_key_signer(private_key=str(tmp_path / "key.pem")).sign(
        str(folder), str(tmp_path / "model.sig"))
    (tmp_path / "model.sig").rename(folder / "model.sig")
    states = _signature_states(tmp_path / "tree", {"model_signing": {"public_keys": [pub]}})
    assert states == {"model/model.safetensors": "verified"}
