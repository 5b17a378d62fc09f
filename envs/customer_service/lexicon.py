"""The support desk's words: its values (reasons, refund destinations, a world's products and
options), which write each proposal names, and the reasons a refusal must give."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping
from typing import Any

from utility_gym.core.nlu import DEFAULT_LEXICON
from utility_gym.core.values import Value, ValueLexicon
from utility_gym.core.words import DomainWords

# What the desk says beyond the core's words: payments, and the changes an order can undergo.
SLOT_PATTERNS: dict[str, tuple[str, ...]] = {
    "payment_method": (
        r"how (?:you'd|you would|do you want|would you like) (?:like )?(?:the |your "
        r")?refund(?:ed)?",
        r"how (?:would|do|should) (?:you|we) (?:like|want|prefer) (?:to be|it|the "
        r"(?:money|refund)|your (?:money|refund)) refunded",
        r"refund (?:method|preference|destination)",
        r"where (?:you'd like|to send|should) (?:the |your )?refund",
        r"(?:card|original payment) or (?:store )?credit",
        r"payment (?:method|option|card|details|info|information|type|source|account)s?",
        r"methods? of payment|forms? of payment|original payment",
        r"how (?:would|do|will|did) you (?:like to |want to |prefer to )?pay",
        r"pay(?:ing)? (?:with|by|using|via)",
        r"(?:which|what) (?:card|payment)",
        r"(?:credit|debit|bank|new|other|different) cards?",
        r"card (?:number|details|info|information|on file|ending)|billing "
        r"(?:method|details|info|information)",
        r"paypal|apple pay|google pay",
        r"last (?:4|four)(?: digits)? (?:of|on) (?:your |the )?card|(?<=your )card(?! ending)",
    ),
}

ACTION_PATTERNS: dict[str, tuple[str, ...]] = {
    "change_address": (
        r"(?:chang|updat|correct|modif|edit|fix|amend)[a-z]* "
        r"(?:the |your |its |their |to the |of the )?"
        r"(?:(?:shipping|delivery|mailing|billing|home) )?address(?:es)?",
        r"address (?:change|update|correction)s?|new (?:(?:shipping|delivery|mailing) )?address",
        r"(?:ship|send|deliver|redirect)[a-z]* (?:it |them |the [a-z]+ )?to (?:a |the "
        r")?(?:new|different|another|correct) address",
        r"redirect[a-z]*",
    ),
    "change_payment": (
        r"(?:chang|updat|switch|modif|edit|replac)[a-z]* (?:the |your "
        r")?(?:payment|card|billing)(?: (?:method|card|details|info))?",
        r"payment (?:method )?(?:change|update)s?",
        r"(?:use|charge|try|add) (?:a )?(?:different|another|new|other) (?:card|payment(?: "
        r"method)?)",
        r"(?:card|payment(?: method)?) (?:was |has been |is )?(?:updated|changed|switched)",
    ),
    "return": (
        r"returns?|returned|returning|returnable",
        r"send (?:it|them|the [a-z]+) back|ship (?:it|them) back|rma",
    ),
    "exchange": (
        r"exchang[a-z]*|swap(?:s|ped|ping)?",
        r"trade (?:it|them|[a-z]+) (?:in|for)",
        r"(?<=a )replacement",
        r"replace (?:it|them|the item) with",
    ),
    "compensate": (
        r"compensat[a-z]*|store credits?|(?:courtesy |goodwill |account )?credits?(?! cards?| "
        r"(?:back )?to your (?:card|original|payment|bank))",
        r"vouchers?|coupons?|gift (?:cards?|certificates?)|goodwill|gesture",
        r"discount(?:s|ed)?(?: codes?)?|promo(?:tional)? codes?|[0-9]{1,3} ?% off|percent off",
        r"(?:knock|take) (?:[a-z0-9%$]+ )?off|price adjustment",
    ),
    "modify_items": (
        r"modif(?:y|ied|ying|ication|ications)",
        r"(?:change|update|edit|swap|adjust)[a-z]* (?:the |your "
        r")?(?:items?|products?|quantit(?:y|ies)|order items)",
        r"(?:add|remov|drop)[a-z]* (?:the |an? |one |some )?(?:[a-z0-9]+ ){0,2}(?:from|to|off) "
        r"(?:your |the |this |that )?(?:(?:pending|current|existing) )?order",
        r"(?:add|remov)[a-z]* (?:an? |the )?items?",
    ),
}

LEXICON = DEFAULT_LEXICON.extend(
    SLOT_PATTERNS,
    ACTION_PATTERNS,
    labels={"payment_method": "payment method"},
    id_slots=(("W", "order_id"), ("ORD", "order_id")),
    item_actions=("return", "exchange", "cancel"),
)

ORIGINAL_PAYMENT = "original payment method"
STORE_CREDIT = "store credit"

VALUES = ValueLexicon(
    phrases={
        "reason": {
            "no longer needed": (
                "no longer need",
                "no longer need it",
                "don't need it anymore",
                "do not need it anymore",
                "dont need it anymore",
                "not needed",
                "don't need it",
                "no longer required",
                "not needed anymore",
                "no longer wanted",
                "no longer want",
            ),
            "ordered by mistake": (
                "by mistake",
                "by accident",
                "accidentally",
                "accidental order",
                "mistaken order",
                "ordered in error",
                "in error",
                "ordered it by mistake",
                "mistake",
            ),
        },
        "refund_to": {
            ORIGINAL_PAYMENT: (
                "original payment",
                "original payment method",
                "original form of payment",
                "original card",
                "original method",
                "same card",
                "same payment method",
                "card you paid with",
                "card on the order",
                "original visa",
                "original mastercard",
                "original amex",
                "original paypal",
                "original account",
                "where it came from",
                "original means of payment",
            ),
            STORE_CREDIT: (
                "store credit",
                "gift card",
                "account credit",
                "credit on your account",
                "store balance",
                "northwind credit",
                "site credit",
                "credit to your account",
                "as credit",
                "in credit",
                "gift card balance",
                "shop credit",
                "voucher",
            ),
        },
    },
    id_kinds={
        "PM": "payment",
        "W": "order",
        "IT": "item_id",
        "RF": "refund",
        "RT": "return",
        "C": "customer",
        "P": "product",
    },
    # "2722 Pine Street, Denver": a street address before its city
    patterns={"street": re.compile(r"(?<![\w$.,])(\d{1,6}(?: [A-Za-z0-9.'#-]+){1,7}?)(?=,)")},
    token_aliases={
        "st": "street",
        "rd": "road",
        "ave": "avenue",
        "av": "avenue",
        "dr": "drive",
        "ln": "lane",
        "blvd": "boulevard",
        "ct": "court",
        "pl": "place",
        "ste": "suite",
        "apt": "apt",
        "pkwy": "parkway",
        "hwy": "highway",
        "sq": "square",
        "cir": "circle",
        "ter": "terrace",
        "trl": "trail",
    },
)

_SIZES = {
    "XS": ("extra small",),
    "S": ("small",),
    "M": ("medium",),
    "L": ("large",),
    "XL": ("extra large", "x large"),
    "XXL": ("double extra large", "2xl"),
}

# Write tools the customer confirms, and the action classes a proposal may name each by.
TOOL_ACTIONS: dict[str, tuple[str, ...]] = {
    "cancel_pending_order": ("cancel",),
    "modify_pending_order_items": ("modify_items", "exchange"),
    "exchange_delivered_order_items": ("exchange", "modify_items"),
    "modify_order_address": ("change_address",),
    "return_delivered_order_items": ("return",),
    "issue_compensation": ("compensate", "refund"),
    "modify_pending_order_payment": ("change_payment",),
}

REFUSAL_REASONS: dict[str, tuple[str, ...]] = {
    "not_pending": (
        r"\bpending\b",
        r"\b(?:already )?(?:shipped|delivered|processing|dispatched|on (?:its|the) way|in "
        r"transit)\b",
    ),
    "return_window": (r"\b30\b|\bthirty\b", r"\bwindow\b", r"\bdeliver(?:ed|y)\b"),
    "pricier_variant": (
        r"\b(?:more|higher|pricier|costs? more|expensive|equal or lower|lower price|same "
        r"price|price difference)\b",
    ),
    "no_discounts": (
        r"\bpolic(?:y|ies)\b",
        r"\b(?:price[- ]?match(?:ing)?|discounts?|coupons?|promo(?:tion)? codes?)\b",
    ),
    "unverified": (
        r"\bverif(?:y|ied|ication)\b",
        r"\bidentity\b",
        r"\bauthenticat",
        r"\bconfirm who\b",
    ),
}

VALUE_PHRASES: dict[str, str] = {
    "order": "it's order #{value}",
    "item": "it's the {value}",
    "option": "I want {value}",
    "reason": "the reason is: {value}",
    "refund_to": "the refund should go to my {value}",
    "street": "the address should be {value}",
    "zip": "the address should be {value}",
    "amount": "the amount is ${value}",
    "payment": "I want it paid with my {value}",
}


def world_values(db: sqlite3.Connection) -> Mapping[str, Mapping[str, tuple[str, ...]]]:
    """Product names (and the kind of product they are) and option values of this world."""
    items: dict[str, tuple[str, ...]] = {}
    for (name,) in db.execute("SELECT DISTINCT name FROM products"):
        kind = name.split(" ", 1)[1] if " " in name else name
        items[name] = (kind, kind + "s")
    options: dict[str, set[str]] = {}
    for (text,) in db.execute("SELECT DISTINCT options FROM variants"):
        for dim, value in _option_pairs(text):
            options.setdefault(value, set()).update(_option_surfaces(dim, value))
    cards = tuple(
        label
        for (label,) in db.execute(
            "SELECT DISTINCT label FROM payment_methods WHERE kind != 'gift_card'"
        )
    )
    payments = {label: () for (label,) in db.execute("SELECT DISTINCT label FROM payment_methods")}
    return {
        "item": items,
        "option": {v: tuple(sorted(s)) for v, s in options.items()},
        "refund_to": {ORIGINAL_PAYMENT: cards},
        "payment": payments,
    }


def _option_pairs(text: str) -> list[tuple[str, str]]:
    pairs = []
    for part in (text or "").split(","):
        if ":" in part:
            dim, value = part.split(":", 1)
            pairs.append((dim.strip(), value.strip()))
    return pairs


def _option_surfaces(dim: str, value: str) -> set[str]:
    surfaces = {f"{dim} {value}", f"{value} {dim}"}
    if len(value) > 2:
        surfaces.add(value)
    surfaces.update(_SIZES.get(value.upper(), ()) if dim == "size" else ())
    return surfaces


def decisive(db: sqlite3.Connection, tool: str, args: Mapping[str, Any]) -> tuple[Value, ...]:
    """What a proposal of ``tool(**args)`` must state, as the customer names it."""
    order_id = str(args["order_id"]).strip().lstrip("#").upper()
    out = [Value("order", order_id)]
    if tool == "cancel_pending_order":
        out.append(Value("reason", str(args["reason"])))
    elif tool in (
        "return_delivered_order_items",
        "modify_pending_order_items",
        "exchange_delivered_order_items",
    ):
        items = [_item(db, i) for i in args["item_ids"]]
        out.extend(Value("item", row[0]) for row in items if row)
        if tool == "return_delivered_order_items":
            if args["refund_to"] == "store_credit":
                out.append(Value("refund_to", STORE_CREDIT))
            else:
                label = db.execute(
                    "SELECT p.label FROM orders o JOIN payment_methods p ON p.id = "
                    "o.payment_method_id WHERE o.id = ?",
                    (order_id,),
                ).fetchone()
                out.append(Value("refund_to", ORIGINAL_PAYMENT, (label[0],) if label else ()))
        else:
            for row, variant_id in zip(items, args["new_variant_ids"]):
                new = db.execute(
                    "SELECT options FROM variants WHERE id = ?", (str(variant_id),)
                ).fetchone()
                if row and new:
                    # the options that change decide the exchange; the ones it keeps must not be
                    # contradicted
                    old = dict(_option_pairs(row[1]))
                    out.extend(
                        Value("option", v, required=old.get(d) != v, said=f"{d} {v}")
                        for d, v in _option_pairs(new[0])
                    )
    elif tool == "modify_order_address":
        full = f"{args['address1']}, {args['city']}, {args['state']} {args['zip']}"
        out.append(Value("street", str(args["address1"]), said=full))
        out.append(Value("zip", str(args["zip"]), required=False, said=full))
    elif tool == "issue_compensation":
        out.append(
            Value("amount", f"{float(args['amount']):.2f}", said=f"${float(args['amount']):.2f}")
        )
    elif tool == "modify_pending_order_payment":
        method = str(args["payment_method_id"]).strip().upper()
        label = db.execute("SELECT label FROM payment_methods WHERE id = ?", (method,)).fetchone()
        out.append(Value("payment", label[0] if label else method, (method,)))
    return tuple(out)


def _item(db: sqlite3.Connection, item_id: Any) -> tuple[str, str] | None:
    return db.execute(
        "SELECT product_name, options FROM order_items WHERE id = ?",
        (str(item_id).strip().upper(),),
    ).fetchone()


ACTION_PHRASES: dict[str, str] = {
    "cancel": "I want to cancel the order",
    "return": "I want to return it",
    "exchange": "I want to exchange it",
    "modify_items": "I want to change the item in my order",
    "change_address": "I want to change the shipping address of my order",
    "compensate": "I'd like some compensation",
    "lookup": "I just want to know the status",
    "refund": "I want to know the status of my refund",
}

WORDS = DomainWords(
    lexicon=LEXICON,
    values=VALUES,
    world_values=world_values,
    tool_actions=TOOL_ACTIONS,
    decisive=decisive,
    identity_tools=frozenset({"find_customer_by_email", "find_customer_by_name_zip"}),
    refusal_reasons=REFUSAL_REASONS,
    value_phrases=VALUE_PHRASES,
    stands_for={
        "return": frozenset({"refund"}),
        "cancel": frozenset({"refund"}),
        "refund": frozenset({"refund"}),
    },
    action_phrases=ACTION_PHRASES,
)
