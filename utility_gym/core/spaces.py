"""UnicodeText: a Gymnasium space of arbitrary Unicode strings, and its vector-env support."""

from __future__ import annotations

import multiprocessing as mp
from types import ModuleType
from typing import Any

import numpy as np
from gymnasium.spaces import Space
from gymnasium.vector.utils import shared_memory as _shm
from gymnasium.vector.utils import space_utils as _su

# Printable sample alphabet: ASCII, accents, CJK, emoji and a right-to-left script, so that
# sampled strings exercise the same code paths as real user text.
_SAMPLE_CHARS = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?'\"-_#$%&()[]{}@/\n"
    "éèêàçñöüßøåÉÑ中文字日本語한국어עבריתالعربية😀🚀€£¥"
)


class UnicodeText(Space[str]):
    """Any Python ``str`` of at most ``max_length`` characters (spaces, accents, emoji allowed).

    ``gymnasium.spaces.Text`` only admits strings over a fixed charset (alphanumerics by
    default), which rejects ordinary sentences. This space admits every string up to the
    length bound; ``sample`` draws from a mixed-script alphabet with the space's RNG.
    """

    def __init__(
        self, max_length: int = 100_000, *, min_length: int = 0, seed: int | None = None
    ) -> None:
        if int(max_length) < 1 or int(min_length) < 0 or int(min_length) > int(max_length):
            raise ValueError(
                f"need 0 <= min_length <= max_length and max_length >= 1, got {min_length}, {max_length}"
            )
        self.max_length = int(max_length)
        self.min_length = int(min_length)
        super().__init__(shape=None, dtype=str, seed=seed)

    @property
    def is_np_flattenable(self) -> bool:
        return False

    def sample(self, mask: Any = None, probability: Any = None) -> str:
        if mask is not None or probability is not None:
            raise ValueError("UnicodeText.sample takes no mask or probability")
        upper = min(self.max_length, 64)
        length = int(self.np_random.integers(self.min_length, max(self.min_length, upper) + 1))
        idx = self.np_random.integers(0, len(_SAMPLE_CHARS), size=length)
        return "".join(_SAMPLE_CHARS[i] for i in idx)

    def contains(self, x: Any) -> bool:
        return isinstance(x, str) and self.min_length <= len(x) <= self.max_length

    def __repr__(self) -> str:
        return f"UnicodeText(max_length={self.max_length}, min_length={self.min_length})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, UnicodeText)
            and other.max_length == self.max_length
            and other.min_length == self.min_length
        )

    def __hash__(self) -> int:
        return hash(("UnicodeText", self.max_length, self.min_length))

    def to_jsonable(self, sample_n: Any) -> list[str]:
        return list(sample_n)

    def from_jsonable(self, sample_n: list[str]) -> list[str]:
        return list(sample_n)


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
        return row[1 : 1 + length].astype("<u4").tobytes().decode("utf-32-le")

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
    codes = np.frombuffer(value[: space.max_length].encode("utf-32-le"), dtype="<u4")
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
