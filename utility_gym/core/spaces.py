"""UnicodeText: a ``gymnasium.spaces.Text`` of any Unicode strings, and its vector-env support."""

from __future__ import annotations

import multiprocessing as mp
import string
from types import ModuleType
from typing import Any

import numpy as np
from gymnasium.spaces import Box, Text
from gymnasium.spaces import utils as _flat
from gymnasium.vector.utils import shared_memory as _shm
from gymnasium.vector.utils import space_utils as _su

# What ``sample()`` draws from: the characters of ordinary written text (ASCII letters, digits,
# punctuation, space, newline) plus the accented letters and currency signs that real customers
# type, so a sampled action reads like (nonsense) text rather than a mix of scripts and emoji.
SAMPLE_CHARSET = (
    string.ascii_letters + string.digits + string.punctuation + " \n" + "éèêàâçñöüäßøåÉÑ€£"
)
# Longest string ``sample()`` draws unless a length is asked for: a space may admit 100,000
# characters, but uniform lengths up to that would make every sample a page of noise.
SAMPLE_MAX_LENGTH = 64
# Code points flatten as themselves; this value (one past the last code point) pads the vector.
FLAT_PAD = 0x110000


class UnicodeText(Text):
    """A ``gymnasium.spaces.Text`` that admits every Python ``str`` of at most ``max_length``
    characters (spaces, accents, emoji, any script).

    Plain ``Text`` admits only strings over its charset (alphanumerics by default), which rejects
    ordinary sentences. This subclass keeps ``Text``'s interface (``charset``, ``sample`` with
    ``(length, mask)``, ``character_list``) for what it draws, and widens membership to all of
    Unicode. ``sample`` draws from ``SAMPLE_CHARSET`` with lengths up to ``SAMPLE_MAX_LENGTH``
    (or the length a mask asks for). ``gymnasium.spaces.flatten`` maps a string to its code
    points padded with ``FLAT_PAD`` to ``max_length``, so ``FlattenObservation`` round-trips
    any text exactly.
    """

    def __init__(
        self,
        max_length: int = 100_000,
        *,
        min_length: int = 0,
        charset: str = SAMPLE_CHARSET,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        if int(max_length) < 1 or int(min_length) < 0 or int(min_length) > int(max_length):
            raise ValueError(
                "need 0 <= min_length <= max_length and max_length >= 1, "
                f"got {min_length}, {max_length}"
            )
        super().__init__(int(max_length), min_length=int(min_length), charset=charset, seed=seed)

    def sample(self, mask: Any = None, probability: Any = None) -> str:
        """A string over the sample charset; ``mask``/``probability`` as in ``Text.sample``."""
        given = mask if mask is not None else probability
        if given is None or (isinstance(given, tuple) and len(given) == 2 and given[0] is None):
            upper = max(self.min_length, min(self.max_length, SAMPLE_MAX_LENGTH))
            length = int(self.np_random.integers(self.min_length, upper + 1))
            if given is None:
                mask = (length, None)
            elif mask is not None:
                mask = (length, mask[1])
            else:
                probability = (length, probability[1])
        return super().sample(mask=mask, probability=probability)

    def contains(self, x: Any) -> bool:
        return isinstance(x, str) and self.min_length <= len(x) <= self.max_length

    def __repr__(self) -> str:
        return f"UnicodeText(max_length={self.max_length}, min_length={self.min_length})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, UnicodeText)
            and other.max_length == self.max_length
            and other.min_length == self.min_length
            and other.character_set == self.character_set
        )

    def __hash__(self) -> int:
        return hash(("UnicodeText", self.max_length, self.min_length))

    def to_jsonable(self, sample_n: Any) -> list[str]:
        return list(sample_n)

    def from_jsonable(self, sample_n: list[str]) -> list[str]:
        return list(sample_n)


@_flat.flatten_space.register(UnicodeText)
def _flatten_unicode_space(space: UnicodeText) -> Box:
    return Box(low=0, high=FLAT_PAD, shape=(space.max_length,), dtype=np.int32)


@_flat.flatten.register(UnicodeText)
def _flatten_unicode(space: UnicodeText, x: str) -> np.ndarray:
    out = np.full((space.max_length,), FLAT_PAD, dtype=np.int32)
    codes = np.frombuffer(x[: space.max_length].encode("utf-32-le", "surrogatepass"), "<u4")
    out[: len(codes)] = codes
    return out


@_flat.unflatten.register(UnicodeText)
def _unflatten_unicode(space: UnicodeText, x: np.ndarray) -> str:
    codes = np.asarray(x)
    codes = codes[codes < FLAT_PAD].astype("<u4")
    return codes.tobytes().decode("utf-32-le", "surrogatepass")


# ---------------------------------------------------------------------------------------------
# Vector-env support. AsyncVectorEnv defaults to shared memory; Gymnasium's Text path decodes the
# buffer once at construction and so returns stale strings afterwards. Ours returns a live view
# whose deepcopy (what AsyncVectorEnv hands out when copy=True) decodes the current contents.


class LiveTextBatch:
    """A read-through view of ``n`` strings held in shared memory (UTF-32 code points)."""

    def __init__(self, buffer: np.ndarray, n: int) -> None:
        self._buffer = buffer.reshape((n, -1))

    def _decode(self, row: np.ndarray) -> str:
        length = int(row[0])
        return row[1 : 1 + length].astype("<u4").tobytes().decode("utf-32-le", "surrogatepass")

    def __getitem__(self, i: int) -> str:
        return self._decode(self._buffer[i])

    def __len__(self) -> int:
        return self._buffer.shape[0]

    def __iter__(self):
        return (self._decode(row) for row in self._buffer)

    def __deepcopy__(self, memo: dict) -> tuple[str, ...]:
        return tuple(self)

    def __repr__(self) -> str:
        return f"LiveTextBatch({tuple(self)!r})"


@_shm.create_shared_memory.register(UnicodeText)
def _create_unicode_shared_memory(space: UnicodeText, n: int = 1, ctx: ModuleType = mp):
    return ctx.Array(np.dtype(np.int32).char, n * (space.max_length + 1))


@_shm.read_from_shared_memory.register(UnicodeText)
def _read_unicode_from_shared_memory(space: UnicodeText, shared_memory, n: int = 1):
    data = np.frombuffer(shared_memory.get_obj(), dtype=np.int32)
    return LiveTextBatch(data, n)


@_shm.write_to_shared_memory.register(UnicodeText)
def _write_unicode_to_shared_memory(space: UnicodeText, index: int, value: str, shared_memory):
    width = space.max_length + 1
    encoded = value[: space.max_length].encode("utf-32-le", "surrogatepass")
    codes = np.frombuffer(encoded, dtype="<u4")
    data = np.frombuffer(shared_memory.get_obj(), dtype=np.int32)
    row = data[index * width : (index + 1) * width]
    row[0] = len(codes)
    row[1 : 1 + len(codes)] = codes.astype(np.int32)


@_su.create_empty_array.register(UnicodeText)
def _create_empty_unicode_array(space: UnicodeText, n: int = 1, fn=np.zeros) -> tuple[str, ...]:
    return tuple("" for _ in range(n))


@_su.batch_differing_spaces.register(UnicodeText)
def _batch_differing_unicode(spaces):
    from copy import deepcopy

    from gymnasium.spaces import Tuple

    return Tuple([deepcopy(s) for s in spaces], seed=deepcopy(spaces[0].np_random))
