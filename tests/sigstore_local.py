"""A Sigstore of our own for keyless model-signing tests. Fulcio (the CA that issues a
short-lived certificate for an OIDC identity) and Rekor (the transparency log) are online
services that cannot run here; this stands in for both with real keys and real structures:
a root and an intermediate CA, a log key, the `trusted_root.json` naming them (the
protobuf-specs TrustedRoot JSON that Sigstore's TUF repository publishes), leaf certificates
shaped like Fulcio's (code signing, the identity as SAN, the OIDC issuer in extension
1.3.6.1.4.1.57264.1.8), and log entries shaped like Rekor's (a `dsse` entry's canonicalized
body, a signed entry timestamp, an RFC 6962 inclusion proof and a signed checkpoint). The
model-signing statement is the one model-signing writes (in-toto v1, `resources` with each
file's sha256). The Merkle tree and audit path are computed here from RFC 6962's
definitions (MTH, PATH), independently of the verifier's RFC 9162 walk.
"""
from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PAYLOAD_TYPE = "application/vnd.in-toto+json"
ISSUER_OID = x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.8")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def pae(payload_type: str, payload: bytes) -> bytes:
    t = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


def canonical(doc: dict) -> bytes:
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()


# -- RFC 6962 2.1: the Merkle tree hash and the audit path, by their definitions ------------

def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def _split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaves: list[bytes]) -> bytes:
    if len(leaves) == 1:
        return leaf_hash(leaves[0])
    k = _split(len(leaves))
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


def path(m: int, leaves: list[bytes]) -> list[bytes]:
    if len(leaves) == 1:
        return []
    k = _split(len(leaves))
    if m < k:
        return path(m, leaves[:k]) + [mth(leaves[k:])]
    return path(m - k, leaves[k:]) + [mth(leaves[:k])]


class LocalSigstore:
    """A CA pair and a log key, and the trust root that names them."""

    def __init__(self, name: str = "local") -> None:
        self.name = name
        self.now = datetime.now(timezone.utc).replace(microsecond=0)
        self.root_key = ec.generate_private_key(ec.SECP384R1())
        self.root = self._ca(f"{name} sigstore root", self.root_key, self.root_key, None)
        self.inter_key = ec.generate_private_key(ec.SECP384R1())
        self.intermediate = self._ca(f"{name} sigstore intermediate", self.inter_key, self.root_key, self.root)
        self.log_key = ec.generate_private_key(ec.SECP256R1())
        self.log_der = self.log_key.public_key().public_bytes(serialization.Encoding.DER,
                                                              serialization.PublicFormat.SubjectPublicKeyInfo)
        self.log_id = hashlib.sha256(self.log_der).digest()

    def _ca(self, cn: str, key, signer, issuer: x509.Certificate | None) -> x509.Certificate:
        name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mlcheck tests"),
                          x509.NameAttribute(NameOID.COMMON_NAME, cn)])
        return (x509.CertificateBuilder().subject_name(name)
                .issuer_name(issuer.subject if issuer else name).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(self.now - timedelta(days=1)).not_valid_after(self.now + timedelta(days=365))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None if issuer is None else 0), critical=True)
                .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
                .sign(signer, hashes.SHA384()))

    def trusted_root(self) -> dict:
        start = (self.now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        return {
            "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
            "tlogs": [{"baseUrl": f"https://rekor.{self.name}.test", "hashAlgorithm": "SHA2_256",
                       "publicKey": {"rawBytes": b64(self.log_der), "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                                     "validFor": {"start": start}},
                       "logId": {"keyId": b64(self.log_id)}}],
            "certificateAuthorities": [{
                "subject": {"organization": "mlcheck tests", "commonName": f"{self.name} sigstore"},
                "uri": f"https://fulcio.{self.name}.test",
                "certChain": {"certificates": [{"rawBytes": b64(c.public_bytes(serialization.Encoding.DER))}
                                               for c in (self.intermediate, self.root)]},
                "validFor": {"start": start}}],
            "ctlogs": [], "timestampAuthorities": []}

    def write_trusted_root(self, path_: Path) -> Path:
        path_.write_text(json.dumps(self.trusted_root(), indent=2))
        return path_

    def leaf(self, identity: str, issuer: str, key) -> x509.Certificate:
        """A Fulcio-shaped certificate: ten minutes, code signing, the identity as SAN email,
        the OIDC issuer as a DER UTF8String in 1.3.6.1.4.1.57264.1.8."""
        raw = issuer.encode()
        return (x509.CertificateBuilder().subject_name(x509.Name([]))
                .issuer_name(self.intermediate.subject).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(self.now - timedelta(minutes=1)).not_valid_after(self.now + timedelta(minutes=10))
                .add_extension(x509.SubjectAlternativeName([x509.RFC822Name(identity)]), critical=True)
                .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
                .add_extension(x509.UnrecognizedExtension(ISSUER_OID, b"\x0c" + bytes([len(raw)]) + raw), critical=False)
                .sign(self.inter_key, hashes.SHA384()))

    def sign_folder(self, folder: Path, identity: str, issuer: str, ca: "LocalSigstore | None" = None,
                    index: int = 2, size: int = 5) -> dict:
        """model.sig over every file of `folder`, certificate from `ca` (default: this one),
        entered in this log at `index` of a tree of `size` entries. Returns the bundle."""
        resources = [{"name": p.relative_to(folder).as_posix(), "algorithm": "sha256",
                      "digest": hashlib.sha256(p.read_bytes()).hexdigest()}
                     for p in sorted(folder.rglob("*")) if p.is_file() and p.name != "model.sig"]
        statement = {"_type": "https://in-toto.io/Statement/v1",
                     "subject": [{"name": folder.name, "digest": {"sha256": hashlib.sha256(
                         "".join(r["digest"] for r in resources).encode()).hexdigest()}}],
                     "predicateType": "https://model_signing/signature/v1.0",
                     "predicate": {"serialization": {"method": "files", "hash_type": "sha256",
                                                     "allow_symlinks": False, "ignore_paths": []},
                                   "resources": resources}}
        payload = json.dumps(statement).encode()
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (ca or self).leaf(identity, issuer, key)
        sig = key.sign(pae(PAYLOAD_TYPE, payload), ec.ECDSA(hashes.SHA256()))
        envelope = {"payload": b64(payload), "payloadType": PAYLOAD_TYPE, "signatures": [{"sig": b64(sig)}]}
        pem = cert.public_bytes(serialization.Encoding.PEM)
        body = canonical({"apiVersion": "0.0.1", "kind": "dsse", "spec": {
            "envelopeHash": {"algorithm": "sha256", "value": hashlib.sha256(canonical(envelope)).hexdigest()},
            "payloadHash": {"algorithm": "sha256", "value": hashlib.sha256(payload).hexdigest()},
            "signatures": [{"signature": b64(sig), "verifier": b64(pem)}]}})
        leaves = [b"other entry %d" % i for i in range(size)]
        leaves[index] = body
        root_hash = mth(leaves)
        integrated = int(self.now.timestamp())
        note = f"rekor.{self.name}.test - 1193050959916656506\n{size}\n{b64(root_hash)}\n"
        note_sig = self.log_key.sign(note.encode(), ec.ECDSA(hashes.SHA256()))
        checkpoint = note + f"\n\u2014 rekor.{self.name}.test {b64(self.log_id[:4] + note_sig)}\n"
        promise = self.log_key.sign(canonical({"body": b64(body), "integratedTime": integrated,
                                               "logID": self.log_id.hex(), "logIndex": index}),
                                    ec.ECDSA(hashes.SHA256()))
        bundle = {
            "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
            "verificationMaterial": {
                "certificate": {"rawBytes": b64(cert.public_bytes(serialization.Encoding.DER))},
                "tlogEntries": [{
                    "logIndex": str(index), "logId": {"keyId": b64(self.log_id)},
                    "kindVersion": {"kind": "dsse", "version": "0.0.1"},
                    "integratedTime": str(integrated),
                    "inclusionPromise": {"signedEntryTimestamp": b64(promise)},
                    "inclusionProof": {"logIndex": str(index), "rootHash": b64(root_hash), "treeSize": str(size),
                                       "hashes": [b64(h) for h in path(index, leaves)],
                                       "checkpoint": {"envelope": checkpoint}},
                    "canonicalizedBody": b64(body)}]},
            "dsseEnvelope": envelope}
        (folder / "model.sig").write_text(json.dumps(bundle))
        return bundle
