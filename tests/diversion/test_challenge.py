"""Answers are bound to the device key and to the one challenge they answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from distillguard.diversion.challenge import Answer, Challenge, new_key, read_key
from distillguard.schema.errors import InputError, NotFoundError


def test_answer_is_bound_to_key_device_and_nonce() -> None:
    key = bytes.fromhex(new_key())
    ch = Challenge.fresh("singapore")
    ans = Answer.decode(Answer.sign(key, "dev-1", ch).encode())
    assert ans is not None and ans.valid_for(key, "dev-1", ch)
    assert not ans.valid_for(bytes.fromhex(new_key()), "dev-1", ch)
    assert not ans.valid_for(key, "dev-2", ch)
    replay = Challenge(ch.landmark, Challenge.fresh("x").nonce)
    assert not ans.valid_for(key, "dev-1", replay)  # an old answer for a new nonce
    assert not ans.valid_for(key, "dev-1", Challenge("tokyo", ch.nonce))


@pytest.mark.parametrize("data", [b"", b"{", b"[]", b'{"v": 2}', b'{"v": 1}', b"\xff\xfe"])
def test_garbage_decodes_to_none(data: bytes) -> None:
    assert Challenge.decode(data) is None and Answer.decode(data) is None


def test_key_files(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        read_key(tmp_path / "none")
    (tmp_path / "k").write_text("zz")
    with pytest.raises(InputError, match="hex"):
        read_key(tmp_path / "k")
    (tmp_path / "k").write_text("00ff")
    with pytest.raises(InputError, match="128"):
        read_key(tmp_path / "k")
    (tmp_path / "k").write_text(new_key() + "\n")
    assert len(read_key(tmp_path / "k")) == 32
