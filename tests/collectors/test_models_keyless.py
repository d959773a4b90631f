"""Keyless (Sigstore certificate) model-signing bundles verified offline against a trust
root given in config: a CA and a log of our own (tests/sigstore_local.py), a real model
folder signed in the model-signing format, scanned by the folder collector."""
from __future__ import annotations

import base64
import json

import pytest

import model_files as m
from checker.collectors import CollectContext, file_parsers, load_registry
from checker.collectors.folder import FolderCollector
from checker.collectors.models.keyless import _root_from_path
from checker.graph import EstateGraph
from sigstore_local import LocalSigstore, leaf_hash, mth, path

ALICE = {"identity": "alice@example.com", "issuer": "https://accounts.example.com"}


@pytest.fixture(scope="module")
def sigstore():
    return LocalSigstore()


def model_folder(root, name="model"):
    folder = root / name
    (folder / "weights").mkdir(parents=True)
    (folder / "weights" / "model.safetensors").write_bytes(m.safetensors())
    (folder / "config.json").write_text('{"hidden": 8}')
    return folder


def scan(root, params) -> tuple[dict[str, tuple[str, str]], EstateGraph]:
    graph = EstateGraph()
    ctx = CollectContext(graph, params=params, parsers=file_parsers(load_registry()))
    FolderCollector().collect(FolderCollector.detect(root, str(root))[0], ctx)
    return {d["attrs"]["path"]: (d["attrs"]["model_signature"], d["attrs"]["model_signature_reason"])
            for _, d in graph.nodes("file") if "model_signature" in d["attrs"]}, graph


def params(sigstore, tmp_path, identities=(ALICE,)):
    return {"model_signing": {"trusted_root": str(sigstore.write_trusted_root(tmp_path / "trusted_root.json")),
                              "identities": list(identities)}}


def test_a_valid_keyless_bundle_is_verified(sigstore, tmp_path):
    sigstore.sign_folder(model_folder(tmp_path / "tree"), ALICE["identity"], ALICE["issuer"])
    states, graph = scan(tmp_path / "tree", params(sigstore, tmp_path))
    st, why = states["model/weights/model.safetensors"]
    assert st == "verified", why
    assert "alice@example.com (https://accounts.example.com)" in why and "digest matches" in why
    assert graph.errors == []


def test_a_tampered_file_is_a_digest_mismatch(sigstore, tmp_path):
    folder = model_folder(tmp_path / "tree")
    sigstore.sign_folder(folder, ALICE["identity"], ALICE["issuer"])
    (folder / "weights" / "model.safetensors").write_bytes(m.safetensors({"w": ("F32", [3])}))
    states, _ = scan(tmp_path / "tree", params(sigstore, tmp_path))
    assert states["model/weights/model.safetensors"][0] == "digest_mismatch"


def test_another_identity_or_issuer_is_a_bad_signature(sigstore, tmp_path):
    sigstore.sign_folder(model_folder(tmp_path / "tree", "mallory"), "mallory@example.com", ALICE["issuer"])
    sigstore.sign_folder(model_folder(tmp_path / "tree", "alice"), ALICE["identity"], ALICE["issuer"])
    states, _ = scan(tmp_path / "tree", params(sigstore, tmp_path))
    st, why = states["mallory/weights/model.safetensors"]
    assert st == "bad_signature" and "mallory@example.com" in why and "not an identity" in why
    assert states["alice/weights/model.safetensors"][0] == "verified"
    other_issuer = {"identity": "alice@example.com", "issuer": "https://elsewhere.example"}
    states, _ = scan(tmp_path / "tree", params(sigstore, tmp_path, [other_issuer]))
    st, why = states["alice/weights/model.safetensors"]
    assert st == "bad_signature" and "(issuer https://accounts.example.com)" in why


def test_a_certificate_from_a_ca_outside_the_trust_root_is_unverified(sigstore, tmp_path):
    stranger = LocalSigstore("stranger")
    sigstore.sign_folder(model_folder(tmp_path / "tree"), ALICE["identity"], ALICE["issuer"], ca=stranger)
    states, _ = scan(tmp_path / "tree", params(sigstore, tmp_path))
    st, why = states["model/weights/model.safetensors"]
    assert st == "unverified" and "not issued by a certificate authority of the trust root" in why


def test_an_entry_in_a_log_outside_the_trust_root_is_unverified(sigstore, tmp_path):
    LocalSigstore("stranger").sign_folder(model_folder(tmp_path / "tree"), ALICE["identity"], ALICE["issuer"],
                                          ca=sigstore)
    st, why = scan(tmp_path / "tree", params(sigstore, tmp_path))[0]["model/weights/model.safetensors"]
    assert st == "unverified" and "no transparency-log entry from a log of the trust root" in why


def _rewrite(folder, change) -> None:
    bundle = json.loads((folder / "model.sig").read_text())
    change(bundle["verificationMaterial"]["tlogEntries"][0], bundle)
    (folder / "model.sig").write_text(json.dumps(bundle))


def _flip(text: str) -> str:
    raw = bytearray(base64.b64decode(text))
    raw[-1] ^= 1
    return base64.b64encode(bytes(raw)).decode()


def _body_with(entry: dict, **spec) -> str:
    body = json.loads(base64.b64decode(entry["canonicalizedBody"]))
    body["spec"].update(spec)
    return base64.b64encode(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).decode()


@pytest.mark.parametrize("change,why", [
    (lambda e, b: e.update(canonicalizedBody=_body_with(e, payloadHash={"algorithm": "sha256", "value": "00" * 32})),
     "for another statement (payload hash differs)"),
    (lambda e, b: e.update(canonicalizedBody=_body_with(e, signatures=[
        {"signature": b["dsseEnvelope"]["signatures"][0]["sig"],
         "verifier": base64.b64encode(b"-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n").decode()}])),
     "does not hold this signature and certificate"),
    (lambda e, b: e["inclusionPromise"].update(signedEntryTimestamp=_flip(e["inclusionPromise"]["signedEntryTimestamp"])),
     "signed entry timestamp does not verify"),
    (lambda e, b: (e.pop("inclusionPromise"), e["inclusionProof"]["hashes"].__setitem__(0, _flip(e["inclusionProof"]["hashes"][0]))),
     "inclusion proof does not lead to its root hash"),
    (lambda e, b: (e.pop("inclusionPromise"), e["inclusionProof"]["checkpoint"].update(
        envelope=e["inclusionProof"]["checkpoint"]["envelope"].rsplit(" ", 1)[0] + " " + base64.b64encode(b"\x00" * 70).decode())),
     "checkpoint is not signed by the log's key"),
    (lambda e, b: (e.pop("inclusionPromise"), e.pop("inclusionProof")), "neither an inclusion promise nor an inclusion proof"),
    (lambda e, b: b["dsseEnvelope"]["signatures"][0].update(sig=_flip(b["dsseEnvelope"]["signatures"][0]["sig"])),
     "DSSE signature does not verify"),
    (lambda e, b: e.update(integratedTime=str(int(e["integratedTime"]) + 3600)), "not valid at the log's integrated time"),
])
def test_a_broken_proof_or_signature_is_a_bad_signature(sigstore, tmp_path, change, why):
    folder = model_folder(tmp_path / "tree")
    sigstore.sign_folder(folder, ALICE["identity"], ALICE["issuer"])
    _rewrite(folder, change)
    st, reason = scan(tmp_path / "tree", params(sigstore, tmp_path))[0]["model/weights/model.safetensors"]
    assert st == "bad_signature" and why in reason, reason


def test_without_a_trust_root_or_identities_keyless_stays_unverified(sigstore, tmp_path):
    sigstore.sign_folder(model_folder(tmp_path / "tree"), ALICE["identity"], ALICE["issuer"])
    st, why = scan(tmp_path / "tree", {})[0]["model/weights/model.safetensors"]
    assert st == "unverified" and "no trust root configured" in why
    st, why = scan(tmp_path / "tree", params(sigstore, tmp_path, []))[0]["model/weights/model.safetensors"]
    assert st == "unverified" and "no signer identities configured" in why


def test_a_trust_root_that_is_not_one_is_a_config_error(sigstore, tmp_path):
    sigstore.sign_folder(model_folder(tmp_path / "tree"), ALICE["identity"], ALICE["issuer"])
    (tmp_path / "bad.json").write_text('{"tlogs": []}')
    states, graph = scan(tmp_path / "tree", {"model_signing": {"trusted_root": str(tmp_path / "bad.json"),
                                                               "identities": [ALICE]}})
    assert states["model/weights/model.safetensors"][0] == "unverified"
    assert any("params.model_signing.trusted_root" in e.reason and "without certificate authorities" in e.reason
               for e in graph.errors)


@pytest.mark.parametrize("size", range(1, 18))
def test_inclusion_proofs_of_every_leaf_of_every_small_tree(size):
    leaves = [b"entry %d" % i for i in range(size)]
    root = mth(leaves)
    for i in range(size):
        assert _root_from_path(i, size, leaf_hash(leaves[i]), path(i, leaves)) == root
        if size > 1:
            assert _root_from_path(i, size, leaf_hash(b"forged"), path(i, leaves)) != root
    assert _root_from_path(size, size, leaf_hash(leaves[0]), []) is None
