"""Values a proposal states, and how they compare with what the user wants (core.values)."""

from __future__ import annotations

import re

from utility_gym.core.values import Value, ValueLexicon, check_values, proposal_mentions

LEX = ValueLexicon(
    phrases={
        "reason": {"no longer needed": ("don't need it",), "ordered by mistake": ("by mistake",)},
        "item": {
            "Cedar Yoga Mat": ("yoga mat",),
            "Nimbus Yoga Mat": ("yoga mat",),
            "Alpine T-Shirt": ("t-shirt",),
        },
    },
    id_kinds={"W": "order", "IT": "item_id"},
    patterns={"street": re.compile(r"(\d{1,6}(?: [A-Za-z]+){1,4}?)(?=,)")},
    token_aliases={"st": "street"},
)


def _check(text: str, *wants: Value):
    return check_values(LEX.mentions(text, wants), wants, LEX)


def test_values__ids_phrases_amounts_and_patterns_are_found():
    kinds = {
        (m.kind, tuple(sorted(m.values)))
        for m in LEX.mentions(
            "Return the yoga mat (item IT123) from order #W1001, $33.99, to 12 Elm St, Austin TX "
            "78701"
        )
    }
    assert ("order", ("W1001",)) in kinds and ("item_id", ("IT123",)) in kinds
    assert (
        "item",
        ("Cedar Yoga Mat", "Nimbus Yoga Mat"),
    ) in kinds  # a kind of product may be either mat
    assert (
        ("amount", ("33.99",)) in kinds
        and ("zip", ("78701",)) in kinds
        and ("street", ("12 elm street",)) in kinds
    )


def test_values__a_wrong_value_contradicts_a_missing_one_does_not():
    wants = (Value("order", "W1001"), Value("reason", "ordered by mistake"))
    assert _check("cancel order #W1001, reason: ordered by mistake", *wants).matches
    wrong = _check("cancel order #W1001 because you don't need it", *wants)
    assert [(w.value, m.surface) for w, m in wrong.wrong] == [
        ("ordered by mistake", "don't need it")
    ]
    missing = _check("cancel order #W1001", *wants)
    assert missing.matches and [v.value for v in missing.missing] == ["ordered by mistake"]


def test_values__other_ids_are_context_when_the_wanted_one_is_stated():
    wants = (Value("order", "W1001"),)
    assert _check("I'll cancel #W1001; your other order #W2002 stays as it is", *wants).matches
    assert not _check("I'll cancel #W2002", *wants).matches


def test_values__values_said_as_not_wanted_are_context():
    wants = (Value("item", "Alpine T-Shirt"),)
    assert _check("return the t-shirt, not the yoga mat", *wants).matches
    assert not _check("return the yoga mat", *wants).matches


def test_values__aliases_budgets_and_values_that_must_only_not_be_contradicted():
    assert _check(
        "refund to your Amex ending 1221",
        Value("refund_to", "original payment", ("Amex ending 1221",)),
    ).matches
    assert not _check("a blender for $189.99", Value("budget", "150.00")).matches
    assert _check(
        "$129.99, or the $189.99 one", Value("budget", "150.00")
    ).matches  # the lowest price is the one proposed
    kept = Value("option", "yellow", required=False)
    assert _check("exchange it", kept).missing == ()
    assert _check(
        "12 Elm Street, Austin", Value("street", "12 Elm St")
    ).matches  # words compared after aliases


def test_values__a_proposal_borrows_what_it_points_at_from_the_turn():
    wants = (Value("order", "W1001"), Value("item", "Alpine T-Shirt"))
    own = "i can return it | shall i proceed"
    context = "i found it: the alpine t-shirt is in order #w1001"
    assert check_values(proposal_mentions(LEX, own, context, wants), wants, LEX).stated == wants
