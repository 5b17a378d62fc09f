"""The acts of a whole turn, settled once every clause is read: a plan stated before "shall I
proceed?" belongs to the proposal, a bare "is that correct?" confirms the statement before it,
and action-less duplicates go. Also the interned `Act` constructor the clause steps use."""

from __future__ import annotations

from collections.abc import Iterable

from utility_gym.core.nlu.structure import Act


def _postprocess(
    acts: list[tuple[int, int, Act]],
    inform_types: dict[int, str],
    free_actions: list[tuple[int, list[str]]],
) -> tuple[Act, ...]:
    if not acts or (len(acts) == 1 and acts[0][2].kind != "confirm"):
        return tuple(a for _, _, a in acts)
    confirm_idx = [i for i, (_, _, a) in enumerate(acts) if a.kind == "confirm"]
    if confirm_idx:
        first_confirm_clause = acts[confirm_idx[0]][0]
        last_confirm_clause = acts[confirm_idx[-1]][0]
        borrowed: list[str] = []
        kept: list[tuple[int, int, Act]] = []
        for ci, pos, a in acts:
            # A plan stated in the future tense before "shall I proceed?" is part of the proposal.
            if a.kind == "inform" and ci < last_confirm_clause and inform_types.get(ci) == "future":
                continue
            kept.append((ci, pos, a))
        acts = kept
        for ci, names in free_actions:
            if ci <= last_confirm_clause:
                borrowed.extend(names)
        # Actions named by an offer right before "Shall I do that?" belong to the confirm.
        for ci, _, a in acts:
            if a.kind == "offer" and a.action and ci < first_confirm_clause:
                borrowed.append(a.action)
        borrowed = _unique(borrowed)
        has_named = any(a.kind == "confirm" and a.action for _, _, a in acts)
        if not borrowed and not has_named:
            # "So that's a return and a refund of $34 - is that correct?": the statement is the
            # proposal.
            stated = [
                a.action
                for ci, _, a in acts
                if a.kind == "inform"
                and a.action
                and ci < last_confirm_clause
                and inform_types.get(ci) == "state"
            ]
            if stated:
                borrowed = _unique(a for a in stated if a)
                acts = [
                    t
                    for t in acts
                    if not (
                        t[2].kind == "inform"
                        and t[2].action in borrowed
                        and t[0] < last_confirm_clause
                        and inform_types.get(t[0]) == "state"
                    )
                ]
        if borrowed and not has_named:
            out: list[tuple[int, int, Act]] = []
            for ci, pos, a in acts:
                if a.kind == "confirm" and a.action is None:
                    out.extend((ci, pos, _act("confirm", action=b)) for b in borrowed)
                else:
                    out.append((ci, pos, a))
            acts = out
    acts.sort(key=_clause_pos)
    # Drop action-less duplicates of a kind that also has a named action; drop exact repeats
    # (acts are interned, so identity is equality).
    named_kinds = {a.kind for _, _, a in acts if a.action}
    result: list[Act] = []
    seen: set[int] = set()
    for _, _, a in acts:
        if a.action is None and a.kind in named_kinds and a.kind in _ACTION_KINDS:
            continue
        if id(a) in seen:
            continue
        seen.add(id(a))
        result.append(a)
    return tuple(result)


def _clause_pos(t: tuple[int, int, Act]) -> tuple[int, int]:
    return t[0], t[1]


_ACTION_KINDS = frozenset(("confirm", "inform", "offer", "refuse"))


_ACTS: dict[tuple[str, str | None, str | None], Act] = {}


def _act(kind: str, slot: str | None = None, action: str | None = None) -> Act:
    """Interned acts (frozen dataclass construction is comparatively slow)."""
    key = (kind, slot, action)
    act = _ACTS.get(key)
    if act is None:
        act = _ACTS[key] = Act(kind, slot, action)
    return act


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _unique_pairs(items: list[tuple[int, str]]) -> list[tuple[int, str]]:
    seen: set[str] = set()
    out: list[tuple[int, str]] = []
    for pos, s in items:
        if s not in seen:
            seen.add(s)
            out.append((pos, s))
    return out
