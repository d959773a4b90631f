"""Secrets in every place a scanned estate can carry one: code, notebook sources and
outputs (behind ANSI escapes), YAML, .env, DVC config and stage commands, Azure ML paths,
private keys, file names, error messages that quote the file. Each is found where
detect-secrets can find it, and appears in no output, report or snapshot."""
from __future__ import annotations

from . import mutate as m
from . import planted
from .cases import LOOSE, NONE, ONE, Case, Expect, files, in_git, rng_for
from .tools import nb_text, notebook

SCHEMA = "https://azuremlschemas.azureedge.net/latest/commandJob.schema.json"


def _case(name: str, content: dict, secret: str, found: str | None, expect: Expect | None = None,
          where: str = LOOSE, target: str = "") -> Case:
    """`found`: the file MLC-REPO-002 must flag (None: detect-secrets cannot see this carrier)."""
    findings = (("MLC-REPO-002", "file:{p}/" + found),) if found else ()
    expect = expect or Expect(NONE, findings=findings)
    return Case(f"secrets/{name}", files(content), expect, where=where, target=target or (found or ""),
                secrets=(secret,))


def cases(seed: int) -> list[Case]:
    def secret(kind, name: str) -> str:
        """A secret of its own for each case: one case's digest never shows up in another's run."""
        return kind(rng_for(seed, "secrets", name))

    aws = lambda name: secret(planted.aws_key, name)          # noqa: E731
    pw = lambda name: secret(planted.password, name)          # noqa: E731
    gh = secret(planted.github_token, "notebook-source")
    slack = secret(planted.slack_token, "ansi-output")
    tb_pw, yaml_pw, env_pw, dvc_pw, cmd_pw, tag_pw, ini_pw = (pw(n) for n in (
        "traceback", "yaml", "env", "dvc", "cmd", "tag", "ini"))
    body = secret(planted.private_key_body, "pem")
    account, sas = secret(planted.azure_account_key, "account"), secret(planted.azure_account_key, "sas")
    tag_token = secret(planted.github_token, "tag")
    code_key, utf16_key, big_key, name_key = (aws(n) for n in ("code", "utf16", "big", "name"))
    nb_source = m.set_at(notebook(), ("cells", 1, "source"), [f'token = "{gh}"\n'])
    nb_output = m.set_at(notebook(), ("cells", 1, "outputs", 0, "text"), [f"\x1b[31m{slack}\x1b[0m\n"])
    nb_traceback = m.set_at(notebook(), ("cells", 1, "outputs"), [{
        "output_type": "error", "ename": "OperationalError", "evalue": "connection refused",
        "traceback": [f"\x1b[0;31mOperationalError\x1b[0m: postgresql://etl:{tb_pw}@db.internal:5432/x"]}])
    job = m.dump_yaml({"$schema": SCHEMA, "command": "python train.py", "inputs": {"raw": {
        "type": "uri_file", "path": f"https://contoso.blob.core.windows.net/raw/x.csv?sv=2022-11-02&sig={sas}"}}})
    out = [
        _case("aws-key-in-code", {"settings.py": f'AWS_ACCESS_KEY_ID = "{code_key}"\n'}, code_key, "settings.py"),
        _case("token-in-notebook-source", {"nb.ipynb": nb_text(nb_source)}, gh, "nb.ipynb"),
        _case("slack-token-in-ansi-output", {"nb.ipynb": nb_text(nb_output)}, slack, "nb.ipynb"),
        _case("password-in-traceback-output", {"nb.ipynb": nb_text(nb_traceback)}, tb_pw, "nb.ipynb"),
        _case("password-url-in-yaml", {"settings.yaml": f"db: https://admin:{yaml_pw}@db.example.com/x\n"}, yaml_pw,
              "settings.yaml"),
        _case("password-in-dotenv", {".env": f"password={env_pw}\n"}, env_pw, ".env"),
        _case("private-key-file", {"id_rsa": planted.private_key_pem(body)}, body, "id_rsa"),
        _case("azure-account-key-in-json", {"conn.json": '{"conn": "DefaultEndpointsProtocol=https;AccountName=x;'
                                                          f'AccountKey={account};EndpointSuffix=core.windows.net"}}\n'},
              account, "conn.json"),
        _case("dvc-remote-password", {".dvc/config": f"['remote \"s\"']\n    url = https://dvc:{dvc_pw}@dvc.example.com/r\n"
                                                     "    password = not-the-planted-one\n"}, dvc_pw, ".dvc/config"),
        _case("dvc-stage-cmd-password", {"dvc.yaml": m.dump_yaml({"stages": {"pull": {
            "cmd": f"python pull.py --password {cmd_pw} --out data/raw", "outs": ["data/raw"]}}})}, cmd_pw, None),
        _case("azureml-sas-signature", {"job.yml": job}, sas, None),
        _case("utf16-code", {"creds.py": m.utf16(f'KEY = "{utf16_key}"\n')}, utf16_key, "creds.py"),
        _case("key-at-end-of-3mb-file", {"big.py": "x = 1\n" * 500_000 + f'KEY = "{big_key}"\n'}, big_key, None),
        _case("aws-key-in-file-name", {f"{name_key}.py": "x = 1\n"}, name_key, None),
        _case("token-in-yaml-tag", {"job.yml": f"$schema: {SCHEMA}\ncommand: !{tag_token} python train.py\n"},
              tag_token, None, Expect(ONE, line=2), target="job.yml"),
        _case("password-in-yaml-tag", {"job.yml": f"$schema: {SCHEMA}\ncommand: !pw={tag_pw} python train.py\n"},
              tag_pw, None, Expect(ONE, line=2), target="job.yml"),
        _case("password-on-bad-config-line", {".dvc/config": f"[core]\nremote = s\n  {ini_pw} is the password\n"
                                                             "[[broken\n"}, ini_pw, None,
              Expect(ONE, line=True), target=".dvc/config"),
    ]
    out += [in_git(c) for c in out if c.id.split("/")[1] in (
        "aws-key-in-code", "token-in-notebook-source", "aws-key-in-file-name", "slack-token-in-ansi-output")]
    return out
