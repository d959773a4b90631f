"""Offline verification of a keyless model-signing bundle (a Sigstore bundle holding a
Fulcio certificate and a Rekor transparency-log entry) against a trust root given in config
(a Sigstore `trusted_root.json`), with `cryptography` alone. The checks Sigstore's own
verifiers make:

1. the leaf certificate is issued by a Fulcio CA of the trust root (`certificateAuthorities`:
   the leaf signed by the first certificate of the CA's chain), valid — with the CA's
   `validFor` window — at the log's integrated time, for code signing;
2. its identity (subject alternative name: email or URI) and OIDC issuer (Fulcio's extension
   1.3.6.1.4.1.57264.1.8, or the older .1.1) are one of params.model_signing.identities;
3. the DSSE signature over the model-signing statement verifies with the leaf's key;
4. the log entry is this signature's (a Rekor `dsse` entry naming the statement's sha256, the
   signature and the certificate), from a log of the trust root (`tlogs`, by key id), and is
   proven: its signed entry timestamp (inclusion promise) verifies with the log's key, and its
   inclusion proof (RFC 9162 2.1.3.2) leads to the root hash of a checkpoint the log's key
   signed. At least one of the two must be there; each one there must hold.

Not checked: the certificate's embedded SCT (certificate transparency) and RFC 3161
timestamps. Why not sigstore-python: its verifier also requires that SCT, checked against
the trust root's CT logs, and brings a large dependency tree; these checks need neither.

`Untrusted`: nothing here can vouch for the bundle (its CA or log is not in the trust root,
a form not read) — the state stays `unverified`. `Invalid`: a check failed — `bad_signature`.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from .dsse import pae

ISSUER_V2 = x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.8")    # DER UTF8String
ISSUER_V1 = x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.1")    # raw bytes


class Untrusted(Exception):
    """The bundle cannot be checked against this trust root."""


class Invalid(Exception):
    """A check failed: the bundle does not prove what it claims."""


@dataclass
class CA:
    chain: list[x509.Certificate]          # issuing certificate first, root last
    start: datetime | None
    end: datetime | None


@dataclass
class Log:
    key: object
    start: datetime | None
    end: datetime | None


@dataclass
class TrustRoot:
    cas: list[CA] = field(default_factory=list)
    logs: dict[bytes, Log] = field(default_factory=dict)       # log id (key id) → its key


def load_trust_root(data: bytes) -> TrustRoot:
    """A Sigstore trusted_root.json (protobuf-specs TrustedRoot, JSON form); ValueError
    naming what is wrong."""
    try:
        doc = json.loads(data)
        root = TrustRoot()
        for ca in doc.get("certificateAuthorities") or []:
            certs = [x509.load_der_x509_certificate(_b64(c["rawBytes"])) for c in ca["certChain"]["certificates"]]
            if certs:
                root.cas.append(CA(certs, *_window(ca.get("validFor"))))
        for log in doc.get("tlogs") or []:
            key = log["publicKey"]
            root.logs[_b64(log["logId"]["keyId"])] = Log(
                serialization.load_der_public_key(_b64(key["rawBytes"])), *_window(key.get("validFor")))
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as exc:
        raise ValueError(f"not a Sigstore trusted root ({type(exc).__name__}: {exc})") from None
    if not root.cas or not root.logs:
        raise ValueError("a Sigstore trusted root without certificate authorities or transparency logs")
    return root


def verify(material: dict, payload_type: str, payload: bytes, signatures: list[bytes],
           root: TrustRoot, identities: list[dict]) -> str:
    """Who signed (identity, issuer), once every check holds; Untrusted or Invalid otherwise."""
    leaf = _leaf(material)
    entries = material.get("tlogEntries") if isinstance(material.get("tlogEntries"), list) else []
    known = [e for e in entries if isinstance(e, dict) and _log_id(e) in root.logs]
    if not known:
        raise Untrusted("no transparency-log entry from a log of the trust root")
    entry = known[0]
    log = root.logs[_log_id(entry)]
    try:
        when = _integrated_time(entry)
        _check_window(log.start, log.end, when, "the transparency log's key")
        _check_chain(leaf, root, when)
        who = _check_identity(leaf, identities)
        signature = _check_signature(leaf, payload_type, payload, signatures)
        body = _check_entry_matches(entry, leaf, payload, signature)
        _check_proofs(entry, body, log)
    except (KeyError, ValueError, TypeError, AttributeError) as exc:   # a field of the wrong shape
        raise Invalid(f"the bundle is malformed ({type(exc).__name__}: {exc})") from None
    return who


# -- the certificate --------------------------------------------------------------------

def _leaf(material: dict) -> x509.Certificate:
    raw = (material.get("certificate") or {}).get("rawBytes") if isinstance(material.get("certificate"), dict) else None
    if raw is None:
        chain = (material.get("x509CertificateChain") or {}).get("certificates") or []
        raw = chain[0].get("rawBytes") if chain and isinstance(chain[0], dict) else None
    if not isinstance(raw, str):
        raise Untrusted("no certificate in the bundle")
    try:
        return x509.load_der_x509_certificate(_b64(raw))
    except (ValueError, binascii.Error) as exc:
        raise Invalid(f"the bundle's certificate is unreadable: {exc}") from None


def _check_chain(leaf: x509.Certificate, root: TrustRoot, when: datetime) -> None:
    for ca in root.cas:
        try:
            leaf.verify_directly_issued_by(ca.chain[0])
        except (ValueError, TypeError, InvalidSignature):
            continue
        _check_window(ca.start, ca.end, when, "the Fulcio CA")
        for cert in [leaf, *ca.chain]:
            if not _not_before(cert) <= when <= _not_after(cert):
                raise Invalid(f"certificate {cert.subject.rfc4514_string() or '(leaf)'} was not valid "
                              f"at the log's integrated time {when.isoformat()}")
        try:
            usage = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        except x509.ExtensionNotFound:
            usage = []
        if x509.oid.ExtendedKeyUsageOID.CODE_SIGNING not in usage:
            raise Invalid("the signing certificate is not for code signing")
        return
    raise Untrusted(f"the signing certificate (issuer {leaf.issuer.rfc4514_string()}) is not "
                    "issued by a certificate authority of the trust root")


def _check_identity(leaf: x509.Certificate, identities: list[dict]) -> str:
    try:
        san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = san.get_values_for_type(x509.RFC822Name) + san.get_values_for_type(x509.UniformResourceIdentifier)
    except x509.ExtensionNotFound:
        names = []
    issuer = _oidc_issuer(leaf)
    for want in identities:
        if want.get("identity") in names and want.get("issuer") == issuer:
            return f"{want['identity']} ({issuer})"
    raise Invalid(f"signed by {', '.join(names) or 'no identity'} (issuer {issuer}), not an identity "
                  "of params.model_signing.identities")


def _oidc_issuer(leaf: x509.Certificate) -> str | None:
    for oid, der in ((ISSUER_V2, True), (ISSUER_V1, False)):
        try:
            raw = leaf.extensions.get_extension_for_oid(oid).value.value
        except x509.ExtensionNotFound:
            continue
        if der:      # UTF8String: tag 0x0c, a short or long length, the text
            if len(raw) < 2 or raw[0] != 0x0C:
                continue
            n, start = raw[1], 2
            if n & 0x80:
                width = n & 0x7F
                n, start = int.from_bytes(raw[2:2 + width], "big"), 2 + width
            raw = raw[start:start + n]
        return raw.decode("utf-8", "replace")
    return None


def _check_signature(leaf: x509.Certificate, payload_type: str, payload: bytes,
                     signatures: list[bytes]) -> bytes:
    message, key = pae(payload_type, payload), leaf.public_key()
    for sig in signatures:
        try:
            if isinstance(key, ec.EllipticCurvePublicKey):
                key.verify(sig, message, ec.ECDSA(_hash_for(key)))
            elif isinstance(key, rsa.RSAPublicKey):
                key.verify(sig, message, padding.PKCS1v15(), hashes.SHA256())
            elif isinstance(key, ed25519.Ed25519PublicKey):
                key.verify(sig, message)
            else:
                raise Untrusted(f"certificate key of type {type(key).__name__} not supported")
            return sig
        except (InvalidSignature, ValueError):
            continue
    raise Invalid("the DSSE signature does not verify with the signing certificate's key")


# -- the transparency log ---------------------------------------------------------------

def _check_entry_matches(entry: dict, leaf: x509.Certificate, payload: bytes, signature: bytes) -> bytes:
    """The entry's canonicalized body (bytes), once it is shown to be this signature's."""
    try:
        body = _b64(entry["canonicalizedBody"])
        doc = json.loads(body)
        kind = doc.get("kind")
        spec = doc["spec"]
    except (KeyError, ValueError, TypeError, AttributeError, binascii.Error):
        raise Invalid("the transparency-log entry's body is unreadable") from None
    if kind != "dsse":
        raise Untrusted(f"a transparency-log entry of kind {kind!r}; only dsse entries are read")
    want = hashlib.sha256(payload).hexdigest()
    if str((spec.get("payloadHash") or {}).get("value", "")).lower() != want:
        raise Invalid("the transparency-log entry is for another statement (payload hash differs)")
    leaf_der = leaf.public_bytes(serialization.Encoding.DER)
    for s in spec.get("signatures") or []:
        try:
            same_sig = _b64(s["signature"]) == signature
            verifier = x509.load_pem_x509_certificate(_b64(s["verifier"])).public_bytes(serialization.Encoding.DER)
        except (KeyError, ValueError, TypeError, binascii.Error):
            continue
        if same_sig and verifier == leaf_der:
            return body
    raise Invalid("the transparency-log entry does not hold this signature and certificate")


def _check_proofs(entry: dict, body: bytes, log: Log) -> None:
    promise = entry.get("inclusionPromise") if isinstance(entry.get("inclusionPromise"), dict) else None
    proof = entry.get("inclusionProof") if isinstance(entry.get("inclusionProof"), dict) else None
    if not promise and not proof:
        raise Invalid("the transparency-log entry has neither an inclusion promise nor an inclusion proof")
    if promise:
        signed = json.dumps({"body": entry["canonicalizedBody"], "integratedTime": int(entry["integratedTime"]),
                             "logID": _log_id(entry).hex(), "logIndex": int(entry["logIndex"])},
                            sort_keys=True, separators=(",", ":")).encode()
        if not _log_signed(log, _b64(str(promise.get("signedEntryTimestamp", ""))), signed):
            raise Invalid("the signed entry timestamp does not verify with the log's key")
    if proof:
        _check_inclusion(proof, body, log)


def _check_inclusion(proof: dict, body: bytes, log: Log) -> None:
    try:
        index, size = int(proof["logIndex"]), int(proof["treeSize"])
        root_hash = _b64(proof["rootHash"])
        path = [_b64(h) for h in proof.get("hashes") or []]
        note = str(proof["checkpoint"]["envelope"])
    except (KeyError, ValueError, TypeError, binascii.Error):
        raise Invalid("the inclusion proof is unreadable") from None
    if _root_from_path(index, size, hashlib.sha256(b"\x00" + body).digest(), path) != root_hash:
        raise Invalid("the inclusion proof does not lead to its root hash")
    text, _, signature_lines = note.partition("\n\n")
    lines = text.split("\n")
    if len(lines) < 3 or lines[1] != str(size) or _b64(lines[2]) != root_hash:
        raise Invalid("the checkpoint is for another tree (size or root hash differs)")
    for line in signature_lines.splitlines():
        parts = line.split(" ")
        if len(parts) == 3 and parts[0] == "\u2014":
            try:
                sig = _b64(parts[2])[4:]           # a 4-byte key hint, then the signature
            except binascii.Error:
                continue
            if _log_signed(log, sig, (text + "\n").encode()):
                return
    raise Invalid("the checkpoint is not signed by the log's key")


def _root_from_path(index: int, size: int, leaf: bytes, path: list[bytes]) -> bytes | None:
    """RFC 9162 2.1.3.2: the root hash an inclusion proof leads to (None: malformed)."""
    if index >= size or index < 0:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = hashlib.sha256(b"\x01" + p + r).digest()
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = hashlib.sha256(b"\x01" + r + p).digest()
        fn, sn = fn >> 1, sn >> 1
    return r if sn == 0 else None


def _log_signed(log: Log, signature: bytes, message: bytes) -> bool:
    key = log.key
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, message, ec.ECDSA(_hash_for(key)))
        elif isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, message)
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
        else:
            return False
        return True
    except (InvalidSignature, ValueError):
        return False


# -- small readers ----------------------------------------------------------------------

def _b64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def _log_id(entry: dict) -> bytes:
    try:
        return _b64(entry["logId"]["keyId"])
    except (KeyError, TypeError, binascii.Error):
        return b""


def _integrated_time(entry: dict) -> datetime:
    try:
        return datetime.fromtimestamp(int(entry["integratedTime"]), timezone.utc)
    except (KeyError, ValueError, TypeError, OverflowError, OSError):
        raise Invalid("the transparency-log entry has no readable integrated time") from None


def _window(valid_for) -> tuple[datetime | None, datetime | None]:
    valid_for = valid_for if isinstance(valid_for, dict) else {}
    return tuple(_timestamp(valid_for[k]) if valid_for.get(k) else None for k in ("start", "end"))


def _timestamp(text: str) -> datetime:
    """A protobuf JSON timestamp ("2021-10-07T13:56:59.123456789Z"): fractions past
    microseconds dropped."""
    head, dot, frac = text.rstrip("Z").partition(".")
    return datetime.fromisoformat(head + (dot + frac[:6] if frac else "")).replace(tzinfo=timezone.utc)


def _check_window(start: datetime | None, end: datetime | None, when: datetime, what: str) -> None:
    if (start and when < start) or (end and when > end):
        raise Invalid(f"{what} was not valid at the log's integrated time {when.isoformat()}")


def _not_before(cert: x509.Certificate) -> datetime:
    v = getattr(cert, "not_valid_before_utc", None)
    return v if v is not None else cert.not_valid_before.replace(tzinfo=timezone.utc)


def _not_after(cert: x509.Certificate) -> datetime:
    v = getattr(cert, "not_valid_after_utc", None)
    return v if v is not None else cert.not_valid_after.replace(tzinfo=timezone.utc)


def _hash_for(key: ec.EllipticCurvePublicKey):
    return {256: hashes.SHA256(), 384: hashes.SHA384(), 521: hashes.SHA512()}.get(key.curve.key_size, hashes.SHA256())
