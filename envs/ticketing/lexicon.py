"""The service desk's words: slots and actions beyond the core's, its values (applications,
tickets, assets), which write each proposal names, and the reasons a refusal must give."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from utility_gym.core.nlu import DEFAULT_LEXICON
from utility_gym.core.values import Value, ValueLexicon
from utility_gym.core.words import DomainWords

# Devices by name: what "which device?" and "replace your laptop" are about.
_DEVICE_NOUNS = (
    r"devices?|laptops?|computers?|pcs?|desktops?|macbooks?|machines?|workstations?|tablets?|"
    r"ipads?|printers?|monitors?|chromebooks?|thinkpads?|docks?|docking stations?"
)
_DEVICE_PART = (
    r"device|laptop|computer|pc|phone|monitor|keyboard|mouse|headset|charger|hardware|machine|"
    r"screen|battery|unit|tablet|printer|dock|macbook|thinkpad"
)

SLOT_PATTERNS: dict[str, tuple[str, ...]] = {
    "employee_id": (
        r"employee (?:id|number|no|#|code)s?|emp(?:loyee)? ?id|staff (?:id|number|no|#)|badge "
        r"(?:number|id|#)",
        r"personnel (?:number|id)|worker id|(?:corporate|company|network|windows) "
        r"(?:id|username|login)|usernames?|user ?ids?|login ids?",
    ),
    "device": (
        r"(?:which|what) (?:kind|type|make|model) of (?:[a-z]+ "
        r")?(?:phone|device|laptop|computer|machine|printer)",
        r"(?:which|what) phones?",
        r"(?:phone|laptop|device|computer) (?:model|make|type)|model (?:number|#)",
        r"(?:model|make|name|type) of (?:the |your )?(?:" + _DEVICE_NOUNS + r"|phone)",
        r"asset (?:tag|number|id|#)s?|serial (?:number|no|#)s?|host ?names?",
        r"(?:which|what)(?:'s| is)? (?:the )?(?:model|make)",
        _DEVICE_NOUNS + r"|hardware",
    ),
    "error_message": (
        r"errors?(?: (?:messages?|codes?|texts?|popups?|dialogs?|numbers?|screens?))?",
        r"exact (?:message|wording|text)",
        r"what (?:does|did) (?:it|the (?:screen|message|popup|dialog|window)) say",
        r"(?:message|warning|prompt|popup) (?:you(?:'re| are)? (?:see|get|receiv)[a-z]*|(?:that "
        r")?(?:appears|shows|pops up|comes up))",
        r"screenshots?",
    ),
    "application": (
        r"(?:name of (?:the |your ))?(?:applications?|apps?|software|programs?)",
        r"(?:which|what) (?:system|tool|platform|site|website|portal)s?",
        r"(?:which|what) (?:version of )?(?:windows|macos|mac os|os|operating "
        r"system|ios|android|browser)",
        r"systems? (?:are you|you(?:'re| are)? (?:trying|using|locked|having))",
    ),
}

ACTION_PATTERNS: dict[str, tuple[str, ...]] = {
    # Proposals of another kind of help than asked for: passing a ticket on, a note, a diagnosis.
    "route": (
        r"(?:assign|send|pass|route|forward|hand)(?:s|ed|ing)? (?:it|this|the ticket|your "
        r"ticket|[a-z]+[0-9]+) (?:over )?to",
        r"troubleshoot[a-z]*|diagnos[a-z]*|repair[a-z]*|take a look at",
    ),
    "comment": (
        r"(?:add|post|leave)(?:s|ed|ing)? (?:a |an )?(?:comment|note|update)",
        r"comment(?:s|ed|ing)? on",
    ),
    "reset_password": (
        r"(?:reset|resetting|chang|updat)[a-z]* (?:your |the |a )?(?:password|pass "
        r"?word|passcode|pin|credentials|mfa|2fa|multi-factor)",
        r"password (?:reset|change)s?|(?:new|temporary|temp|one-time) (?:password|passcode)",
        r"forgot(?:ten)? (?:your |the )?password|password (?:has been |was |is )?reset",
    ),
    "replace_device": (
        r"replac[a-z]* (?:your |the |a |that |this |my )?(?:[a-z]+ )?(?:" + _DEVICE_PART + r")s?",
        r"(?:" + _DEVICE_PART + r") (?:replacement|swap|replaced)",
        r"new (?:laptop|device|computer|machine)",
    ),
    "unlock_account": (r"unlock[a-z]*|re-?enabl[a-z]*|reactivat[a-z]*|unblock[a-z]*",),
    "grant_access": (
        r"(?:grant|give|provid|provision|add|enabl|set)[a-z]* (?:you |him |her |them )?(?:[a-z]+ "
        r")?(?:access|permissions?|rights|licen[cs]es?)",
        r"access (?:to|request|rights|permissions?)",
        r"(?:read|write|admin|administrator|vpn|remote|edit|full|drive|folder|network|database|"
        r"repo|repository) (?:access|rights|permissions?)",
        r"permissions?|provision[a-z]*|grant[a-z]*",
        r"add(?:ed|ing)? (?:you |them |him |her )?to (?:the )?(?:[a-z-]+ "
        r")?(?:group|team|channel|distribution list|dl)",
    ),
    "request_approval": (
        r"approv[a-z]*|sign-?off|authori[sz]ation (?:from|request)",
        r"(?:manager|supervisor|director)(?:'s)? (?:consent|sign-?off|ok)",
    ),
    "create_ticket": (
        r"(?:creat|open|log|rais|fil|submit|generat)[a-z]* (?:a |an |the |this |that |your )?"
        r"(?:(?:new|support|it|service|helpdesk|help desk|warranty) "
        r")?(?:tickets?|cases?|incidents?|service requests?|reports?|claims?)",
        r"tickets?|incidents?|(?:support|service) (?:case|request)s?",
    ),
    "escalate": (
        r"escalat[a-z]*|(?:tier|level|line) ?(?:2|3|two|three)|second[- ]line|higher[- ]level",
        r"(?:raise|bump|kick|pass)[a-z]* (?:it|this|the (?:case|issue|ticket)) (?:up|to|with)",
    ),
}

# What the simulated caller understands beyond the core's words.
LEXICON = DEFAULT_LEXICON.extend(
    SLOT_PATTERNS,
    ACTION_PATTERNS,
    labels={
        "employee_id": "employee ID",
        "device": "device",
        "error_message": "error message",
        "application": "application",
        "date_of_birth": "date of birth",
        "ticket_id": "ticket number",
        "end_date": "end date",
    },
    id_slots=(
        ("EMP", "employee_id"),
        ("E", "employee_id"),
        ("AST", "device"),
        ("SN", "device"),
        ("INC", "ticket_id"),
    ),
).extend(
    slot_patterns={
        "date_of_birth": (
            r"dates? of birth|birth ?dates?|dob|birthdays?|when (?:were|was) you born",
        ),
        "details": (
            r"what (?:exactly )?(?:is|'s) (?:going )?(?:wrong|happening|the (?:problem|issue))",
            r"what (?:exactly )?(?:isn't|is not|doesn't|does not) work(?:ing)?",
            r"what do you see",
            r"what (?:exactly )?happens when",
            r"describe (?:the|what|your)",
        ),
        "reason": (
            r"(?:business )?justifications?",
            r"business reasons?",
            r"why (?:you|do you) need (?:it|access|this)",
        ),
        "ticket_id": (
            r"ticket (?:number|no|id|#|reference)s?",
            r"(?:which|what) ticket",
            r"incident (?:number|no|id|#)s?",
        ),
        "end_date": (
            r"until when",
            r"(?:end|last|expiry|expiration) (?:date|day)",
            r"how long (?:do|will|would) you need (?:it|the access|access)",
            r"when (?:should|does|do you want|will) (?:[\w']+ ){1,5}(?:end|expire|stop)\b",
        ),
    },
    action_patterns={
        "reopen_ticket": (r"re-?open[a-z]*",),
        "repair_device": (
            r"\brepair(?:s|ed|ing)?\b(?! (?:ticket|case|incident)s? (?:number|id))",
            r"(?:fix|mend)(?:ed|ing)? (?:at|by) (?:the |a )?(?:workshop|technician|vendor)",
        ),
        "replace_device": (
            r"order(?:ed|ing)? (?:you )?(?:a |the )?(?:new |warranty |free )?replacement",
            r"(?:a|the|your) replacement(?! (?:ticket|password|link|code))",
            r"replac(?:e|ing) (?:it|them)\b",
        ),
    },
)


# Applications a caller may name that this company does not run (they are still applications).
OTHER_APPS = (
    "GitLab",
    "Bitbucket",
    "Notion",
    "Asana",
    "Trello",
    "Dropbox",
    "Box",
    "Google Drive",
    "Microsoft Teams",
    "Outlook",
    "ServiceNow",
    "Zendesk",
    "HubSpot",
    "QuickBooks",
    "Xero",
    "Okta",
    "Adobe Acrobat",
    "Photoshop",
    "Power BI",
    "Looker",
    "Snowflake",
    "Databricks",
    "Smartsheet",
    "Airtable",
    "Canva",
    "Loom",
    "Webex",
    "SharePoint",
    "OneDrive",
    "Visio",
    "Lucidchart",
    "Postman",
    "Jenkins",
    "Grafana",
    "Datadog",
    "PagerDuty",
    "Splunk",
    "Marketo",
    "Mailchimp",
    "Concur",
    "Greenhouse",
    "BambooHR",
    "Gusto",
    "Expensify",
    "1Password",
    "Monday.com",
    "Oracle",
    "Dynamics 365",
    "Coupa",
)

VALUES = ValueLexicon(
    phrases={
        "app": {name: () for name in OTHER_APPS},
        "role": {"read-only": ("read only", "readonly", "view-only", "view only", "viewer access")},
    },
    id_kinds={
        "E": "employee",
        "INC": "ticket",
        "REQ": "ticket",
        "EMP": "employee",
        "AST": "asset",
        "KB": "article",
        "APR": "approval",
        "AG": "grant",
        "RO": "replacement",
        "RP": "repair",
    },
)

TOOL_ACTIONS: dict[str, tuple[str, ...]] = {
    "reset_password": ("reset_password",),
    "unlock_account": ("unlock_account",),
    "grant_access": ("grant_access",),
    "request_approval": ("request_approval", "grant_access"),
    "order_replacement": ("replace_device",),
    "order_repair": ("repair_device",),
    "reopen_ticket": ("reopen_ticket",),
    "escalate_ticket": ("escalate",),
}

REFUSAL_REASONS: dict[str, tuple[str, ...]] = {
    "unverified": (
        r"\bverif(?:y|ied|ication)\b",
        r"\bidentity\b",
        r"\bdate of birth\b|\bdob\b",
        r"\bdoesn't match|does not match\b",
    ),
    "not_owner": (
        r"\b(?:account )?owner\b",
        r"\bthemselves\b|\bthemself\b|\bin person\b|\bown (?:account|password)\b",
    ),
    "warranty": (r"\bwarranty\b",),
    "forbidden": (
        r"\bpolic(?:y|ies)\b",
        r"\bnot (?:allowed|permitted)\b|\bnever allow",
        r"\brequire[sd]?\b",
    ),
}

VALUE_PHRASES: dict[str, str] = {
    "app": "I need {value}",
    "ticket": "it's ticket {value}",
    "asset": "it's {value}",
    "device": "it's my {value}",
    "role": "I only need {value} access",
    "employee": "it's my own account, {value}",
}


def world_values(db: sqlite3.Connection) -> Mapping[str, Mapping[str, tuple[str, ...]]]:
    """The names of this world's applications."""
    return {
        "app": {name: () for (name,) in db.execute("SELECT name FROM applications")},
        "device": {
            kind: (kind + "s",) for (kind,) in db.execute("SELECT DISTINCT kind FROM assets")
        },
    }


def decisive(db: sqlite3.Connection, tool: str, args: Mapping[str, Any]) -> tuple[Value, ...]:
    """What a proposal of ``tool(**args)`` must state, as the caller names it."""
    if tool in ("grant_access", "request_approval"):
        row = db.execute(
            "SELECT name FROM applications WHERE id = ?", (str(args["application_id"]),)
        ).fetchone()
        app = (Value("app", row[0]),) if row else ()
        # read-only access is what the caller asked for: a proposal must say so
        return app + ((Value("role", "read-only"),) if args.get("role") == "read-only" else ())
    if tool in ("order_replacement", "order_repair"):
        asset = str(args["asset_id"]).strip().upper()
        row = db.execute("SELECT kind FROM assets WHERE id = ?", (asset,)).fetchone()
        kind = row[0] if row else "device"
        return (
            Value("asset", asset, said=f"my {kind} {asset}"),
            Value("device", kind, required=False),
        )
    if tool in ("reset_password", "unlock_account"):
        row = db.execute(
            "SELECT requester_id FROM tickets WHERE id = ?", (str(args["ticket_id"]),)
        ).fetchone()
        return (Value("employee", row[0], required=False),) if row and row[0] else ()
    if tool in ("reopen_ticket", "escalate_ticket"):
        return (Value("ticket", str(args["ticket_id"]).strip().upper()),)
    return ()


ACTION_PHRASES: dict[str, str] = {
    "reset_password": "I need my password reset",
    "unlock_account": "I need you to unlock my account",
    "grant_access": "I need access to the application",
    "request_approval": "I need access to the application",
    "replace_device": "I need a replacement device",
    "repair_device": "I need my device repaired",
    "reopen_ticket": "I want you to reopen my ticket",
    "escalate": "I want you to escalate my ticket",
}

WORDS = DomainWords(
    lexicon=LEXICON,
    values=VALUES,
    world_values=world_values,
    tool_actions=TOOL_ACTIONS,
    decisive=decisive,
    identity_tools=frozenset({"verify_identity"}),
    refusal_reasons=REFUSAL_REASONS,
    value_phrases=VALUE_PHRASES,
    action_phrases=ACTION_PHRASES,
)
