"""What samples/sample_models.py built into the shipped sample estate (samples/build_sample.py
calls it): the command pickle's MLC-MODEL-001 finding reaches the Kubernetes workload serving
fraud@champion; the signed safetensors version verifies with the key the builder wrote, the
unsigned one does not."""
from __future__ import annotations

import json

from conftest import REPO_ROOT, run_mlcheck


def test_sample_models_reach_what_serves_them(tmp_path):
    estate = REPO_ROOT / "samples" / "estate"
    (tmp_path / "mlcheck.yaml").write_text(
        f"params:\n  model_signing:\n    public_keys: [{estate / 'keys' / 'model-signing.pub'}]\n")
    result = run_mlcheck("scan", str(estate), "--format", "json", "--config", str(tmp_path / "mlcheck.yaml"))
    doc = json.loads(result.stdout[:result.stdout.rindex("}") + 1])
    (f,) = [f for f in doc["findings"] if f["rule_id"] == "MLC-MODEL-001"]
    assert f["severity"] == "critical"
    assert f["node"].endswith("/artifacts/model/model.pkl") and "mlflow-artifacts:/fraud/" in f["node"]
    assert f["evidence"]["model_versions"] == ["fraud v1"]
    assert f["evidence"]["served_by"] == ["resource:k8s:fs:./infra/k8s/fraud-serving.yaml#scoring/Deployment/fraud-scorer"]
    assert f["evidence"]["facts"]["code"][0]["global"] == "os.system"
    signatures = {x["node"].rsplit("/", 1)[-1] for x in doc["findings"]
                  if x["rule_id"] == "MLC-MODEL-003" and "/fraud/" in x["node"]}
    assert signatures == {"1", "2"}                       # v3 verifies
    assert any(x["rule_id"] == "MLC-MODEL-002" and x["node"].endswith("/fraud/1") for x in doc["findings"])
