"""Redaction at one point (checker.redact): credential shapes masked in every string the graph
records, ordinary text left alone, and nothing that holds or confirms a planted secret in any
output: console, JSON report, snapshot.

The planted values are real-looking random credentials generated at run time (fixed seeds),
so this file holds no secret-shaped literal.
"""
from __future__ import annotations

import json
import random
import string
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker import redact
from checker.collectors.secrets import detector
from conftest import commit_files, digests, git, make_repo, run_cli
from secrets_corpus import NOT_SECRETS, real_keys

ALNUM = string.ascii_letters + string.digits


def rand(seed: int, n: int, alphabet: str = ALNUM) -> str:
    return "".join(random.Random(seed).choices(alphabet, k=n))


GH = "ghp_" + rand(101, 36)
AWS_ID = "AKIA" + rand(103, 16, string.ascii_uppercase + string.digits)
AWS_SECRET = rand(107, 40, ALNUM + "/+")
STORAGE_KEY = rand(109, 86) + "=="
DB_PASSWORD = "Q7v!" + rand(113, 12)
SAS_SIG = rand(127, 43) + "%3D"
HF = "hf_" + rand(131, 34)
PEM_BODY = rand(137, 64, ALNUM + "+/")


# -- what gets masked, what does not ------------------------------------------------------

@pytest.mark.parametrize("text, secret, kind", [
    (f"python train.py --token {GH}", GH, "GitHub Token"),
    (f"export AWS_ACCESS_KEY_ID={AWS_ID}", AWS_ID, "AWS Access Key"),
    (f"python pull.py --aws-secret-access-key {AWS_SECRET}", AWS_SECRET, "Credential Option"),
    (f"aws_secret_access_key = {AWS_SECRET}", AWS_SECRET, "Secret Keyword"),
    (f"DefaultEndpointsProtocol=https;AccountName=lake;AccountKey={STORAGE_KEY};EndpointSuffix=core.windows.net",
     STORAGE_KEY, "Azure Storage Account access key"),
    (f"Server=tcp:db.example.net;Database=ml;User ID=sa;Password={DB_PASSWORD};Encrypt=true", DB_PASSWORD,
     "Secret Keyword"),
    (f"https://lake.blob.core.windows.net/raw?sv=2022-11-02&sr=c&sig={SAS_SIG}", SAS_SIG, "Azure SAS Signature"),
    (f"postgresql://mlflow:{DB_PASSWORD}@db.internal:5432/mlflow", DB_PASSWORD, "Basic Auth Credentials"),
    (f"login with {HF}", HF, "Hugging Face Token"),
    (f'{{"client_secret": "{DB_PASSWORD}"}}', DB_PASSWORD, "Secret Keyword"),
    (f"-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}\n-----END RSA PRIVATE KEY-----", PEM_BODY, "Private Key"),
])
def test_credential_shapes_are_masked(text, secret, kind):
    cleaned = redact.clean_text(text)
    assert secret not in cleaned
    assert redact.MARK.format(kind) in cleaned
    assert redact.clean_text(cleaned) == cleaned              # a mark is never masked again


@pytest.mark.parametrize("text", [
    "python train.py --token $TOKEN --password \"$DB_PASSWORD\" --api-key ${API_KEY}",
    "creds: ${{ secrets.AZURE_CREDENTIALS }}",
    "az login --service-principal -p $(servicePrincipalKey) --password $(spPassword)",
    "DB_PASSWORD=@Microsoft.KeyVault(SecretUri=https://kv-mlops.vault.azure.net/secrets/db-password/)",
    '"secret": "[parameters(\'servicePrincipalAppPassword\')]"',
    "secret: servicePrincipalAppPassword",
    "OPENAI_API_KEY=<your-openai-key>",
    "api_key=EXAMPLE_API_KEY",
    "AWS_ACCESS_KEY_ID=AKIA" + "IOSFODNN7EXAMPLE",                 # AWS's documented example
    "GITHUB_TOKEN=ghp_" + "x" * 36,
    "secret_access_key: XxXxXxXXXXXXXxXxXxxXxxXXXXXXXXxXxxXXxX",
    "Resource: arn:aws:secretsmanager:eu-west-1:123456789012:secret:mlflow/db-password-Ab12Cd",
    "Action: secretsmanager:GetSecretValue",
    "--api-key-file /etc/mlflow/key --token-env HF_TOKEN",
    "password = getpass.getpass()",
    "api_key = os.environ[\"SCORING_API_KEY\"]",
    "Fix the password reset flow; rotate keys monthly",
    "file:git:./keys/deploy_key.pem",
    "tokenizer.json",
    "md5: 7c1f0b3d9b2e4c56a1d2e3f405162738",
    'PEM_HEADER = "-----BEGIN RSA PRIVATE KEY-----"',
])
def test_ordinary_text_is_left_alone(text):
    assert redact.clean_text(text) == text


def test_credential_named_values_are_masked_whole():
    """A tag `db_password: …` has no other context than its key."""
    tags = {"db_password": DB_PASSWORD, "deploy_token": "${{ secrets.TOKEN }}", "secret_name": "db-password",
            "secrets_count": 3, "note": "trained on churn v2", "api_key": "changeme"}
    cleaned = redact.clean(tags)
    assert cleaned["db_password"] == redact.MARK.format("Secret Keyword")
    assert {k: v for k, v in cleaned.items() if k != "db_password"} == {
        k: v for k, v in tags.items() if k != "db_password"}


def test_a_key_seen_clean_before_still_has_its_values_cleaned():
    """redact remembers keys that are clean and name no credential (checker/redact.py
    _PLAIN_KEYS): what such a key holds is still cleaned, every time, at any depth; a
    credential-named key is never remembered."""
    key = AWS_ID
    seen = [redact.clean({"note": "trained on churn v2", "db_password": "x", "nested": {"note": "ok"}})
            for _ in range(2)]
    assert seen[0] == seen[1] == {"note": "trained on churn v2", "db_password": "x", "nested": {"note": "ok"}}
    later = redact.clean({"note": f"key {key}", "nested": {"note": [f"id={key}"]}, "db_password": DB_PASSWORD})
    assert key not in json.dumps(later) and DB_PASSWORD not in json.dumps(later)
    assert later["db_password"] == redact.MARK.format("Secret Keyword")
    assert redact.clean({"k\udfff": 1, "k\udfff ": 2}) == {"k\ufffd": 1, "k\ufffd ": 2}


def test_lone_surrogates_become_replacement_characters():
    assert redact.clean_text("model-\udce9.pkl") == "model-\ufffd.pkl"
    assert redact.clean(["a\ud800b", {"k\udfff": 1}]) == ["a\ufffdb", {"k\ufffd": 1}]


def test_surrogates_beside_credentials_and_text_that_is_not_ascii():
    """Surrogates are looked for apart from the credential hints (only in text that is not
    ASCII): both kinds of work happen in one string, and text that is not ASCII but holds
    neither comes back as it was, the same object."""
    mixed = redact.clean_text(f"r\udce9sum\u00e9 {GH} token={DB_PASSWORD}")
    assert mixed == "r\ufffdsum\u00e9 «redacted:GitHub Token» token=«redacted:Secret Keyword»"
    assert redact.clean_text("\udce9") == "\ufffd"
    for text in ("café — données/modèle.pkl", "模型/训练.ipynb", "plain/ascii/path.yml"):
        assert redact.clean_text(text) is text
    assert redact.clean_text(f"caf\u00e9 {HF}") == "caf\u00e9 «redacted:Hugging Face Token»"


def test_prefilter_hints_cover_every_credential_word():
    """Every name redact calls a credential holds one of its hints: the one prefilter search
    would otherwise let such a string through unmasked."""
    for word in ("password", "passwd", "passphrase", "pwd", "secret", "token", "api_key", "apikey",
                 "access_key", "servicePrincipalKey", "storage_account_key", "sas_token", "client_secret"):
        assert redact.is_credential_name(word), word
        assert any(h in word.lower() for h in redact.CREDENTIAL_HINTS), word


def test_shapes_and_detector_agree_on_real_keys():
    """One list, two uses: what redact finds in a file's line the secrets parser reports on
    that line too."""
    for path, (text, _, _) in real_keys().items():
        if path.endswith(".ipynb"):
            continue
        reported = {(f.line, f.type) for f in detector().scan_text(path, text)}
        for number, line in enumerate(text.split("\n"), 1):
            for match in redact.find(line):
                assert any(n == number for n, _ in reported), (path, number, match.type)


def test_false_positive_corpus_needs_no_masking():
    for path, text in NOT_SECRETS.items():
        for line in text.splitlines():
            assert redact.clean_text(line) == line, (path, line)


# -- planted secrets never reach an output -----------------------------------------------------

TWILIO_KEY = "SK" + rand(139, 32, "0123456789abcdef")       # known to detect-secrets only
TAG_TOKEN = "ghp_" + rand(149, 36)
FILE_TOKEN = "ghp_" + rand(151, 36)
SUBJECT_TOKEN = "ghp_" + rand(157, 36)
MLFLOW_TAG_SECRET = "Zt8" + rand(163, 17)
MLFLOW_PARAM_SECRET = "Pk3" + rand(167, 17)
MLFLOW_NOTE_TOKEN = "ghp_" + rand(173, 36)
MODEL_TAG_KEY = AWS_ID[:4] + rand(179, 16, string.ascii_uppercase + string.digits)

PLANTED = [GH, AWS_ID, AWS_SECRET, STORAGE_KEY, DB_PASSWORD, TWILIO_KEY, TAG_TOKEN, FILE_TOKEN,
           SUBJECT_TOKEN, MLFLOW_TAG_SECRET, MLFLOW_PARAM_SECRET, MLFLOW_NOTE_TOKEN, MODEL_TAG_KEY]

DVC_YAML = f"""stages:
  pull:
    cmd: python pull.py --aws-secret-access-key {AWS_SECRET} --github-token {GH}
    deps: [pull.py]
    outs: [data/raw]
  notify:
    cmd: python notify.py --twilio {TWILIO_KEY}
    deps: [notify.py]
"""

AZUREML_JOB = f"""$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
command: >-
  python train.py --data ${{{{inputs.data}}}}
  --conn "DefaultEndpointsProtocol=https;AccountName=lake;AccountKey={STORAGE_KEY};EndpointSuffix=core.windows.net"
  --db-password {DB_PASSWORD}
inputs:
  data:
    type: uri_folder
    path: azureml:churn-raw:1
environment: azureml:sklearn-env:1
compute: azureml:cpu-cluster
"""

LOG_RUN = f"""
import mlflow
from mlflow import MlflowClient
mlflow.set_experiment("churn")
mlflow.set_experiment_tag("owner_token", "{MLFLOW_TAG_SECRET}")
with mlflow.start_run(run_name="train") as run:
    mlflow.log_param("db_password", "{MLFLOW_PARAM_SECRET}")
    mlflow.set_tag("deploy_token", "{MLFLOW_TAG_SECRET}")
    mlflow.set_tag("notes", "pushed with {MLFLOW_NOTE_TOKEN} by mistake")
client = MlflowClient()
client.create_registered_model("churn", tags={{"aws_key": "{MODEL_TAG_KEY}"}})
client.create_model_version("churn", run.info.artifact_uri + "/model", run_id=run.info.run_id,
                            tags={{"api_key": "{MLFLOW_TAG_SECRET}"}})
"""


@pytest.fixture(scope="module")
def planted_estate(tmp_path_factory):
    """A real git repository with secrets in a DVC stage command, an Azure ML job command, a
    commit subject, a tag name and a file name, and a real MLflow SQLite store (written by
    MLflow itself) with secrets in experiment, run and model tags and a run param."""
    from mlflow_env import mlflow_env
    base = tmp_path_factory.mktemp("planted")
    repo = make_repo(base / "churn", {"dvc.yaml": DVC_YAML, "jobs/train.yml": AZUREML_JOB,
                                      "pull.py": "print('pull')\n", "notify.py": "print('notify')\n",
                                      f"notes/{FILE_TOKEN}.txt": "scratch\n"})
    commit_files(repo, {"README.md": "# churn\n"}, message=f"Add readme (token {SUBJECT_TOKEN})")
    git(repo, "tag", f"deploy-{TAG_TOKEN}")
    script = base / "log_run.py"
    script.write_text(LOG_RUN)
    proc = subprocess.run([sys.executable, str(script)], cwd=repo, capture_output=True, text=True, timeout=600,
                          env=mlflow_env(MLFLOW_TRACKING_URI=f"sqlite:///{repo / 'mlflow.db'}"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    return repo


def test_planted_secrets_reach_no_output(planted_estate, tmp_path):
    repo = planted_estate
    report, snapshot = tmp_path / "report.json", tmp_path / "snapshot.json"
    as_json = run_cli("scan", str(repo), "--format", "json", "--output", str(report),
                      "--snapshot-out", str(snapshot), "--soft-fail")
    console = run_cli("scan", str(repo), "--format", "console", "--soft-fail")
    replayed = run_cli("scan", "--from-snapshot", str(snapshot), "--format", "console", "--soft-fail")
    outputs = {"json report": report.read_text(), "snapshot": snapshot.read_text(),
               "console": console.output + as_json.output, "replayed console": replayed.output}
    for where, text in outputs.items():
        for secret in PLANTED:
            assert secret not in text, f"a planted secret reached the {where}"
            for digest in digests(secret):
                assert digest not in text, f"a hash of a planted secret reached the {where}"

    # The facts are still there, masked where the secrets were.
    doc = json.loads(snapshot.read_text())
    nodes = doc["nodes"]
    pull = next(n for n in nodes.values() if n["kind"] == "job" and "pull.py" in n["attrs"].get("cmd", ""))
    assert "«redacted:Credential Option»" in pull["attrs"]["cmd"] and "«redacted:GitHub Token»" in pull["attrs"]["cmd"]
    notify = next(n for n in nodes.values() if n["kind"] == "job" and "notify.py" in n["attrs"].get("cmd", ""))
    assert "«redacted:Twilio API Key»" in notify["attrs"]["cmd"]          # only the detector knows this one
    job = next(n for n in nodes.values() if n["kind"] == "job" and "command" in n["attrs"])
    assert "«redacted:" in job["attrs"]["command"] and "--data ${{inputs.data}}" in job["attrs"]["command"]
    subjects = [n["attrs"]["subject"] for n in nodes.values() if n["kind"] == "commit"]
    assert "Add readme (token «redacted:GitHub Token»)" in subjects
    assert any("«redacted:GitHub Token»" in t for n in nodes.values() if n["kind"] == "commit"
               for t in n["attrs"].get("tags", []))
    assert any(nid.endswith("notes/«redacted:GitHub Token».txt") for nid in nodes)
    run = next(n for n in nodes.values() if n["kind"] == "run")
    assert run["attrs"]["tags"]["deploy_token"] == "«redacted:Secret Keyword»"
    assert run["attrs"]["tags"]["notes"] == "pushed with «redacted:GitHub Token» by mistake"
    dvc_file = nodes["file:git:./dvc.yaml"]["attrs"]
    assert dvc_file["secrets_count"] >= 2 and all("hash" not in s for s in dvc_file["secrets"])


AZURE_PIPELINE = f"""\
resources:
  repositories:
    - repository: templates
      type: git
      name: ml/pipeline-templates
variables:
  db_password: {DB_PASSWORD}
steps:
  - template: steps/login.yml@templates
    parameters:
      token: {GH}
  - script: 'curl -H "Authorization: token {TAG_TOKEN}" https://api.github.com'
"""


def test_planted_secrets_reach_no_shard_of_a_pipeline_waiting_for_another_repository(tmp_path):
    # A shard carries the pipeline as loaded (its pending state) until the merge meets the
    # template's repository: what it carries is cleaned as every recorded string is.
    repo = make_repo(tmp_path / "app", {"azure-pipelines.yml": AZURE_PIPELINE})
    shard = tmp_path / "shard.json"
    assert run_cli("collect", str(repo), "--snapshot-out", str(shard)).exit_code == 0
    text = shard.read_text()
    for secret in (DB_PASSWORD, GH, TAG_TOKEN):
        assert secret not in text
        assert not any(digest in text for digest in digests(secret))
    pending = json.loads(text)["segments"][0]["pending"]["azure_pipelines"]
    assert pending["waiting"][0][1] == "azure-pipelines.yml"
    carried = json.dumps(pending, ensure_ascii=False)
    assert carried.count("«redacted:Secret Keyword»") == 2 and carried.count("«redacted:GitHub Token»") == 1


_HINTY_TEXT = st.lists(st.sampled_from(list(redact.HINTS) + ["", " ", "=", "x", "K", "_", "-", "/", ":"]),
                       max_size=12).map("".join)


@settings(max_examples=500, deadline=None)
@given(_HINTY_TEXT)
def test_shapes_skipped_by_the_hint_index_hold_none_of_their_hints(text):
    """find() asks only the shapes the prefilter's hints point to: never fewer than those
    one of whose hints is in the text (overlapping hints, and hints that begin others)."""
    lowered = text.lower()
    present = {s for s in redact.SHAPES if any(h in lowered for h in s.hints)}
    assert present <= set(redact._candidate_shapes(lowered))
