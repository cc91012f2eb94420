"""The smallest keys the Security whitepaper allows (§4.1; catalog §11.0 b, d): RSA or DSA
of 2048 bits, elliptic curves of 224 bits. One rule for the charge point's CSR and chain
checks and the CSMS's certificate authority."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa

MIN_RSA_BITS = 2048
MIN_EC_BITS = 224


def key_size_problem(key: object) -> str | None:
    """What makes ``key`` (a public key) too small or unsupported, or None."""
    if isinstance(key, rsa.RSAPublicKey | dsa.DSAPublicKey):
        kind = "RSA" if isinstance(key, rsa.RSAPublicKey) else "DSA"
        return None if key.key_size >= MIN_RSA_BITS else f"{kind} key of {key.key_size} bits"
    if isinstance(key, ec.EllipticCurvePublicKey):
        size = key.curve.key_size
        return None if size >= MIN_EC_BITS else f"EC key of {size} bits"
    return f"unsupported key type {type(key).__name__}"
