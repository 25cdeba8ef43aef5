"""The Fernet key that encrypts OAuth credentials at rest.

The key comes from settings (``HUB_SECRET_KEY``) or from a key file; for a local SQLite store the file
is created beside the database on first use (mode 0600) so a demo needs no set-up.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from pydantic import SecretStr

from hub.errors import ConfigError

__all__ = ["CredentialCipher", "load_or_create_key_file"]

GENERATE_HINT = (
    "generate one with: python -c \"from cryptography.fernet import Fernet; "
    "print(Fernet.generate_key().decode())\""
)


class CredentialCipher:
    """Encrypts and decrypts credential secrets; errors name the credential, never the value."""

    def __init__(self, key: SecretStr, *, origin: str) -> None:
        try:
            self._fernet = Fernet(key.get_secret_value().strip().encode())
        except (ValueError, TypeError):
            # The message names where the key came from, not the key.
            raise ConfigError(
                f"{origin} is not a valid Fernet key (urlsafe base64 of 32 bytes); {GENERATE_HINT}"
            ) from None

    def __repr__(self) -> str:
        return "CredentialCipher(<secret>)"

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str, *, credential: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken:
            raise ConfigError(
                f"cannot decrypt stored credential '{credential}': it was encrypted with a different "
                "secret key. Restore the original HUB_SECRET_KEY (or key file), or re-authorise the "
                "source so a new credential is saved."
            ) from None


def load_or_create_key_file(path: Path) -> SecretStr:
    """Read the key in ``path``, creating it (mode 0600) if it does not exist yet."""
    try:
        return _read_key_file(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    # Write a private temp file, then hard-link it into place: the key file appears complete or not at
    # all, and if another process won the race we read its key instead of overwriting it.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(key + b"\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            return _read_key_file(path)
    finally:
        tmp.unlink(missing_ok=True)
    return SecretStr(key.decode())


def _read_key_file(path: Path) -> SecretStr:
    text = path.read_text(encoding="ascii", errors="replace").strip()
    if not text:
        raise ConfigError(f"key file {path} is empty; delete it to create a new key, or put the key in it")
    return SecretStr(text)
