"""The round's key and the sealed ballot.

Each open round has a random 256-bit key in a file of its own outside the database
(BALLOT_KEY_DIR, by default instance/ballot_keys/<round id>.key, mode 0600). A ballot is sealed
with AES-GCM under that key, bound to its round, and padded to a fixed size so that its length
says nothing about who cast it. When the round is tallied the key file is deleted: whatever copy
of a sealed ballot survives anywhere (a WAL page, a backup, PostgreSQL's WAL, a freed disk block)
can no longer be opened by anyone, the site's own administrators included.
"""
from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

PAD_TO = 4096          # bytes: every ballot of a round seals to the same length
NONCE_BYTES = 12


class KeyLost(RuntimeError):
    """The round's key file is missing: its ballots cannot be counted."""


def key_dir() -> Path:
    configured = current_app.config.get("BALLOT_KEY_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "ballot_keys"


def key_path(round_id: int) -> Path:
    return key_dir() / f"{int(round_id)}.key"


def create_key(round_id: int) -> None:
    """A new key for a round just written. A file already there under this id belongs to no
    open round (a round rolled back, or tables emptied): it is replaced, atomically."""
    os.replace(_fresh_key_file(round_id), key_path(round_id))


def create_key_once(round_id: int) -> None:
    """A key for a round that has none yet, made by whichever process comes first: os.link
    refuses to replace, so two first ballots at once cannot seal under two different keys."""
    fresh = _fresh_key_file(round_id)
    try:
        os.link(fresh, key_path(round_id))
    except FileExistsError:
        pass
    finally:
        fresh.unlink()


def _fresh_key_file(round_id: int) -> Path:
    folder = key_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    fresh = folder / f"{int(round_id)}.key.{secrets.token_hex(4)}"
    fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(AESGCM.generate_key(bit_length=256))
    return fresh


def read_key(round_id: int) -> bytes:
    try:
        return key_path(round_id).read_bytes()
    except FileNotFoundError as missing:
        raise KeyLost(round_id) from missing


def destroy_key(round_id: int) -> None:
    key_path(round_id).unlink(missing_ok=True)


def seal(round_id: int, choices: dict[int, str]) -> bytes:
    plain = json.dumps(sorted(choices.items()), separators=(",", ":")).encode()
    plain += b" " * (-len(plain) % PAD_TO)
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + AESGCM(read_key(round_id)).encrypt(nonce, plain, _bound_to(round_id))


def unseal(round_id: int, key: bytes, sealed: bytes) -> dict[int, str]:
    nonce, body = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
    plain = AESGCM(key).decrypt(nonce, body, _bound_to(round_id))
    return {int(item): grade for item, grade in json.loads(plain)}


def _bound_to(round_id: int) -> bytes:
    """Associated data: a sealed ballot opens only in its own round."""
    return f"partyapp-ballot-round:{int(round_id)}".encode()
