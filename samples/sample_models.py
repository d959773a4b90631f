"""The sample estate's model artifacts (issue 11), for samples/build_sample.py to call.

`build_models(estate, client)` registers model `fraud` in the MLflow store the client
speaks to, with its artifacts where `mlflow server` keeps them beside its store
(`<estate>/mlflow/mlartifacts/…`, sources `mlflow-artifacts:/fraud/…`), and writes the
Kubernetes workload that serves it:

- fraud v1 (alias `champion`): a scikit-learn flavor whose model.pkl would run a command
  when loaded — written opcode by opcode here (STACK_GLOBAL os.system, REDUCE), never
  pickled from an object and never loaded; the command only echoes a line;
- fraud v2: a PyTorch flavor stored as safetensors, unsigned;
- fraud v3: the same, signed the way OpenSSF model-signing's key signer signs (a Sigstore
  bundle whose DSSE envelope holds an in-toto statement of every file's sha256, ECDSA
  P-256 over the envelope); the public key is written to `<estate>/keys/model-signing.pub`;
- infra/k8s/fraud-serving.yaml: `mlflow models serve -m models:/fraud@champion` behind a
  ClusterIP Service, so MLC-MODEL-001's finding on v1's pickle reaches what serves it.
"""
from __future__ import annotations

import base64
import hashlib
import json
import struct
from pathlib import Path

COMMAND = "echo mlcheck-sample: this model ran a command when it was loaded"
PAYLOAD_TYPE = "application/vnd.in-toto+json"

SKLEARN_MLMODEL = """artifact_path: model
flavors:
  python_function:
    env: {conda: conda.yaml, virtualenv: python_env.yaml}
    loader_module: mlflow.sklearn
    model_path: model.pkl
    predict_fn: predict
    python_version: 3.11.9
  sklearn:
    code: null
    pickled_model: model.pkl
    serialization_format: cloudpickle
    sklearn_version: 1.5.2
mlflow_version: 3.1.0
"""
TORCH_MLMODEL = """artifact_path: model
flavors:
  python_function:
    loader_module: mlflow.pytorch
    data: data
    python_version: 3.11.9
  pytorch:
    model_data: data
    pytorch_version: 2.5.1
mlflow_version: 3.1.0
"""
SERVING = """# The fraud scorer: MLflow's model server on the registry's champion version.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: fraud-scorer
  namespace: scoring
spec:
  replicas: 1
  selector:
    matchLabels: {app: fraud-scorer}
  template:
    metadata:
      labels: {app: fraud-scorer}
    spec:
      containers:
        - name: server
          image: ghcr.io/mlflow/mlflow@sha256:5f2a3c8f0e9b7d6a1c4e2f8b9a0d3c6e1f4a7b2c5d8e0f3a6b9c2d5e8f1a4b7c
          command: ["mlflow", "models", "serve", "-m", "models:/fraud@champion", "-h", "0.0.0.0", "-p", "8080"]
          securityContext: {runAsNonRoot: true}
---
apiVersion: v1
kind: Service
metadata:
  name: fraud-scorer
  namespace: scoring
spec:
  type: ClusterIP
  selector: {app: fraud-scorer}
  ports:
    - port: 80
      targetPort: 8080
"""


def command_pickle(command: str = COMMAND) -> bytes:
    """Protocol 4, by hand: push 'os' and 'system', STACK_GLOBAL, a one-tuple of the command,
    REDUCE, STOP. Loading it would call os.system(command); nothing here loads it."""
    def short(text: str) -> bytes:
        raw = text.encode()
        return b"\x8c" + bytes([len(raw)]) + raw           # SHORT_BINUNICODE
    return b"\x80\x04" + short("os") + short("system") + b"\x93" + short(command) + b"\x85R."


def safetensors(values: list[float]) -> bytes:
    """A one-tensor safetensors file: u64 header length, JSON header, little-endian F32 data."""
    data = struct.pack(f"<{len(values)}f", *values)
    header = json.dumps({"fc.weight": {"dtype": "F32", "shape": [len(values)], "data_offsets": [0, len(data)]},
                         "__metadata__": {"format": "pt"}}).encode()
    header += b" " * (-len(header) % 8)
    return struct.pack("<Q", len(header)) + header + data


def sign_folder(folder: Path, private_key) -> None:
    """model.sig over every file of `folder`, in model-signing's key-signer bundle shape."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    resources = [{"name": p.relative_to(folder).as_posix(), "algorithm": "sha256",
                  "digest": hashlib.sha256(p.read_bytes()).hexdigest()}
                 for p in sorted(folder.rglob("*")) if p.is_file() and p.name != "model.sig"]
    manifest = hashlib.sha256("".join(r["name"] + r["digest"] for r in resources).encode()).hexdigest()
    statement = {"_type": "https://in-toto.io/Statement/v1",
                 "subject": [{"name": folder.name, "digest": {"sha256": manifest}}],
                 "predicateType": "https://model_signing/signature/v1.0",
                 "predicate": {"serialization": {"method": "files", "hash_type": "sha256",
                                                 "allow_symlinks": False}, "resources": resources}}
    payload = json.dumps(statement, indent=2).encode()
    t = PAYLOAD_TYPE.encode()
    pae = b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)
    sig = private_key.sign(pae, ec.ECDSA(hashes.SHA256()))
    bundle = {"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
              "verificationMaterial": {"publicKey": {"hint": "model-signing.pub"}, "tlogEntries": []},
              "dsseEnvelope": {"payload": base64.b64encode(payload).decode(), "payloadType": PAYLOAD_TYPE,
                               "signatures": [{"sig": base64.b64encode(sig).decode(), "keyid": ""}]}}
    (folder / "model.sig").write_text(json.dumps(bundle, indent=2) + "\n")


def build_models(estate: Path, client, model: str = "fraud") -> dict[str, str]:
    """Register the three versions (see the module docstring) through `client` (an
    MlflowClient on the estate's store); returns the run ids by name."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    artifacts = estate / "mlflow" / "mlartifacts"
    exp = client.create_experiment(model, artifact_location=f"mlflow-artifacts:/{model}")
    client.create_registered_model(model, description="Card fraud scorer")
    key = ec.generate_private_key(ec.SECP256R1())
    runs = {}
    for name, mlmodel, files, signed in (
            ("train-fraud-sklearn", SKLEARN_MLMODEL, {"model.pkl": command_pickle()}, False),
            ("train-fraud-torch", TORCH_MLMODEL, {"data/model.safetensors": safetensors([0.1, 0.2, 0.3])}, False),
            ("train-fraud-torch-signed", TORCH_MLMODEL, {"data/model.safetensors": safetensors([0.4, 0.5, 0.6])}, True)):
        run = client.create_run(exp, run_name=name, tags={"mlflow.user": "ana"}).info.run_id
        client.set_terminated(run)
        folder = artifacts / model / run / "artifacts" / "model"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "MLmodel").write_text(mlmodel)
        for rel, data in files.items():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_bytes(data)
        if signed:
            sign_folder(folder, key)
        client.create_model_version(model, f"mlflow-artifacts:/{model}/{run}/artifacts/model", run_id=run)
        runs[name] = run
    client.set_registered_model_alias(model, "champion", "1")
    (estate / "keys").mkdir(parents=True, exist_ok=True)
    (estate / "keys" / "model-signing.pub").write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    (estate / "infra" / "k8s").mkdir(parents=True, exist_ok=True)
    (estate / "infra" / "k8s" / "fraud-serving.yaml").write_text(SERVING)
    return runs
