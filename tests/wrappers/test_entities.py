"""EntityTracker: typed entities from user text and tool results, without any domain knowledge."""

from __future__ import annotations

import json

from utility_gym.wrappers import EntityTracker

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_order_details",
            "description": "Order details.",
            "parameters": {
                "type": "object",
                "properties": {
                    "order_id": {"type": "string", "description": "The order id, such as W123456."}
                },
            },
        },
    }
]


def _tool(name: str, result: object) -> dict:
    return {"role": "tool", "name": name, "content": json.dumps(result)}


def _user(text: str) -> dict:
    return {"role": "user", "content": text, "data": {"acts": ["inform"]}}


def test_entities__ids_are_typed_by_schema_examples_and_result_keys():
    t = EntityTracker(TOOLS)
    t.reset([_user("Hi, please cancel order #W1001, my email is Ann@Example.com.")])
    assert [e.value for e in t.ids_for("order_id")] == ["W1001"]
    assert [e.value for e in t.of_kind("email")] == ["ann@example.com"]
    t.note_action({"name": "get_order_details", "arguments": {"order_id": "W1001"}})
    t.observe(
        [
            _tool(
                "get_order_details",
                {
                    "order_id": "W1001",
                    "status": "pending",
                    "total": 45.5,
                    "items": [
                        {
                            "id": "IT7",
                            "product_name": "Trail Kettle",
                            "variant_id": "V00012",
                            "price": 20.0,
                        },
                        {
                            "id": "IT8",
                            "product_name": "Yoga Mat",
                            "variant_id": "V00013",
                            "price": 25.5,
                        },
                    ],
                },
            )
        ]
    )
    assert {e.value for e in t.ids_for("item_id")} == {"IT7", "IT8"}
    assert {e.value for e in t.ids_for("variant_id")} == {"V00012", "V00013"}
    assert [e.value for e in t.ids_for("new_variant_id", 1)] in (
        ["V00012"],
        ["V00013"],
    )  # falls back to variant_id
    assert 45.5 in {e.value for e in t.of_kind("amount")}
    order, item = t.ids_for("order_id")[0], t.ids_for("item_id")[0]
    assert order.groups & item.groups, "ids of one result record are seen together"


def test_entities__what_the_user_names_ranks_first():
    t = EntityTracker(TOOLS)
    t.reset([_user("I want to return the Yoga Mat from order #W1001.")])
    t.observe(
        [
            _tool(
                "get_order_details",
                {
                    "order_id": "W1001",
                    "items": [
                        {"id": "IT7", "product_name": "Trail Kettle"},
                        {"id": "IT8", "product_name": "Yoga Mat"},
                    ],
                },
            )
        ]
    )
    assert [e.value for e in t.ids_for("item_id")] == ["IT8", "IT7"]


def test_entities__answers_to_the_facts_asked_for():
    t = EntityTracker(TOOLS)
    t.reset([_user("I need my order shipped elsewhere.")])
    t.note_action("Could you please tell me your full name?")
    assert t.pending_slots == ("name",) and t.asked == ["name"]
    t.observe([_user("Jack White.")])
    assert [e.value for e in t.of_kind("name")] == [("Jack", "White")]
    t.note_action("Could you please tell me the new shipping address?")
    t.observe([_user("Sure, my address is 12 Main St, Springfield, IL 62704.")])
    assert [e.value for e in t.of_kind("address")] == [("12 Main St", "Springfield", "IL", "62704")]
    assert "62704" in {e.value for e in t.of_kind("zip")}
    t.note_action("Could you please tell me your email address?")
    t.observe([_user("I'm sorry, I don't know my email address.")])
    assert not t.of_kind("email")


def test_entities__verification_errors_and_results_are_tracked():
    t = EntityTracker(TOOLS)
    t.reset([_user("Hello")])
    t.note_action('{"name": "find_customer_by_email", "arguments": {"email": "a@b.co"}}')
    assert t.pending_tool == "find_customer_by_email" and t.tool_calls == ["find_customer_by_email"]
    t.observe([{"role": "error", "content": "no customer with email 'a@b.co'"}])
    assert t.errors == 1 and not t.verified and t.last_roles == ("error",)
    t.observe(
        [
            _tool(
                "find_customer_by_email",
                {"customer_id": "C00042", "name": "Ann Lee", "verified": True},
            )
        ]
    )
    assert t.verified and t.last_result[0] == "find_customer_by_email"
    assert [e.value for e in t.ids_for("customer_id")] == ["C00042"]
    assert [e.value for e in t.of_kind("name")] == [("Ann", "Lee")]
