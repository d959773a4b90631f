"""OpenSSF model-signing signatures (`model.sig` beside a model: a Sigstore bundle whose DSSE
envelope holds an in-toto statement listing every file of the model with its sha256).

States, per model file:
- `absent`: no signature in its folder or any folder above it (up to the tree or artifact root);
- `digest_mismatch`: the signature's manifest does not list the file, or lists another digest
  (the file changed after signing);
- `bad_signature`: a public key is configured and the envelope's signature verifies with none
  of them (or the bundle is unreadable);
- `verified`: the digest matches and the ECDSA signature over the DSSE envelope verifies with a
  public key from `params.model_signing.public_keys` (PEM files; P-256/384/521, as
  model-signing's key signer makes them);
- `verified` (keyless): a Sigstore certificate bundle verified offline (keyless.py) against
  `params.model_signing.trusted_root` for one of `params.model_signing.identities`;
- `unverified`: the file is too large to hash (formats.MAX_HASH_BYTES), or the digest
  matches but nothing could check the signature itself — no key, trust root or identity
  configured, or a keyless bundle whose CA or log the trust root does not hold.
"""
from __future__ import annotations

import base64
import binascii
import json
import posixpath
from dataclasses import dataclass, field

from .dsse import pae

SIGNATURE_NAMES = ("model.sig",)
MAX_SIGNATURE_BYTES = 16 * 1024 * 1024
PAYLOAD_TYPE = "application/vnd.in-toto+json"


@dataclass
class Bundle:
    resources: dict[str, str]            # file name (relative to the signed folder) → sha256
    payload_type: str
    payload: bytes
    signatures: list[bytes]
    keyless: bool                        # a certificate (Fulcio) bundle, not a key
    problem: str | None = None
    material: dict = field(default_factory=dict)     # the bundle's verificationMaterial
    verdict: tuple[str, str] | None = None           # a keyless bundle's (state, reason), once judged


def read_bundle(data: bytes) -> Bundle:
    empty = Bundle({}, "", b"", [], False)
    try:
        doc = json.loads(data[:MAX_SIGNATURE_BYTES])
        env = doc["dsseEnvelope"]
        payload = base64.b64decode(env["payload"])
        sigs = [base64.b64decode(s["sig"]) for s in env.get("signatures") or []]
        statement = json.loads(payload)
        resources = {str(r["name"]): str(r["digest"]).lower()
                     for r in statement["predicate"]["resources"]
                     if str(r.get("algorithm", "sha256")).lower() == "sha256"}
    except (ValueError, KeyError, TypeError, binascii.Error, RecursionError, AttributeError):
        empty.problem = "signature file is not a model-signing bundle (DSSE envelope with an in-toto statement)"
        return empty
    material = doc.get("verificationMaterial") or {}
    keyless = isinstance(material, dict) and bool(material.get("certificate") or material.get("x509CertificateChain"))
    return Bundle(resources, str(env.get("payloadType") or PAYLOAD_TYPE), payload, sigs, keyless,
                  material=material if isinstance(material, dict) else {})


def verify_signature(bundle: Bundle, public_keys: list[bytes]) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    message = pae(bundle.payload_type, bundle.payload)
    for pem in public_keys:
        try:
            key = serialization.load_pem_public_key(pem)
        except (ValueError, TypeError):
            continue
        if not isinstance(key, ec.EllipticCurvePublicKey):
            continue
        digest = {256: hashes.SHA256(), 384: hashes.SHA384(), 521: hashes.SHA512()}.get(key.curve.key_size)
        for sig in bundle.signatures:
            try:
                key.verify(sig, message, ec.ECDSA(digest))
                return True
            except (InvalidSignature, ValueError, TypeError):
                continue
    return False


@dataclass
class Trust:
    """What config gives to check signatures with: public keys (key-based bundles), and a
    Sigstore trust root with the identities allowed to sign (keyless bundles)."""
    public_keys: list[bytes] = field(default_factory=list)
    root: object | None = None            # keyless.TrustRoot
    identities: list[dict] = field(default_factory=list)


def state(name_in_signed_folder: str, sha256: str | None, bundle: Bundle | None,
          trust: Trust) -> tuple[str, str]:
    """(state, reason) of one model file against the signature over its folder."""
    if bundle is None:
        return "absent", "no model.sig beside the model or in a folder above it"
    if bundle.problem:
        return "bad_signature", bundle.problem
    listed = bundle.resources.get(name_in_signed_folder)
    if listed is None:
        return "digest_mismatch", f"the signature does not list {name_in_signed_folder}"
    if sha256 is None:
        return "unverified", (f"{name_in_signed_folder} is over the hash bound: its sha256 was not "
                              "computed, so the signature cannot be checked against it")
    if listed != sha256:
        return "digest_mismatch", f"{name_in_signed_folder} has sha256 {sha256}, the signature lists {listed}"
    if bundle.keyless:
        if bundle.verdict is None:
            bundle.verdict = _keyless_verdict(bundle, trust)
        st, why = bundle.verdict
        return st, f"{why}; digest matches" if st != "bad_signature" else why
    if not trust.public_keys:
        return "unverified", "no public key configured (params.model_signing.public_keys); digest matches"
    if verify_signature(bundle, trust.public_keys):
        return "verified", "ECDSA signature verified with a configured public key; digest matches"
    return "bad_signature", "the signature verifies with none of the configured public keys"


def _keyless_verdict(bundle: Bundle, trust: Trust) -> tuple[str, str]:
    from . import keyless
    if trust.root is None:
        return "unverified", ("a Sigstore certificate (keyless) bundle and no trust root configured "
                              "(params.model_signing.trusted_root)")
    if not trust.identities:
        return "unverified", ("a Sigstore certificate (keyless) bundle and no signer identities configured "
                              "(params.model_signing.identities)")
    try:
        who = keyless.verify(bundle.material, bundle.payload_type, bundle.payload, bundle.signatures,
                             trust.root, trust.identities)
    except keyless.Untrusted as exc:
        return "unverified", f"Sigstore bundle not verifiable with the configured trust root: {exc}"
    except keyless.Invalid as exc:
        return "bad_signature", f"Sigstore bundle does not verify: {exc}"
    return "verified", f"Sigstore bundle verified offline against the configured trust root: signed by {who}"


def nearest(path: str, signatures: dict[str, bytes]) -> tuple[str, bytes] | None:
    """The signature file's folder and bytes nearest above `path` (folder → bytes)."""
    folder = posixpath.dirname(path)
    while True:
        if folder in signatures:
            return folder, signatures[folder]
        if not folder:
            return None
        folder = posixpath.dirname(folder)


def trust_from_params(params: dict) -> tuple[Trust, list[str]]:
    """params.model_signing: `public_keys` (PEM files or PEM text), `trusted_root` (a Sigstore
    trusted_root.json) and `identities` ([{identity, issuer}]); and the problems found."""
    from ...regular_file import read_regular_file
    conf = params.get("model_signing") if isinstance(params, dict) else None
    conf = conf if isinstance(conf, dict) else {}
    trust, problems = Trust(), []
    paths = conf.get("public_keys")
    for p in paths if isinstance(paths, list) else []:
        if str(p).lstrip().startswith("-----BEGIN"):
            trust.public_keys.append(str(p).encode())
            continue
        try:
            trust.public_keys.append(read_regular_file(str(p), 1024 * 1024))
        except (OSError, ValueError) as exc:
            problems.append(f"params.model_signing.public_keys: {p}: {exc}")
    root = conf.get("trusted_root")
    if root:
        from .keyless import load_trust_root
        try:
            trust.root = load_trust_root(read_regular_file(str(root), 16 * 1024 * 1024))
        except (OSError, ValueError) as exc:
            problems.append(f"params.model_signing.trusted_root: {root}: {exc}")
    identities = conf.get("identities")
    for i, who in enumerate(identities if isinstance(identities, list) else []):
        if isinstance(who, dict) and isinstance(who.get("identity"), str) and isinstance(who.get("issuer"), str):
            trust.identities.append({"identity": who["identity"], "issuer": who["issuer"]})
        else:
            problems.append(f"params.model_signing.identities[{i}]: expected {{identity: TEXT, issuer: URL}}")
    return trust, problems
