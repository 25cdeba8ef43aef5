"""Decoded Notion "Clients" records (``SourceRecord.data``) as the Notion connector hands them over.

Values follow the contract's decoding: title/rich_text -> str or None, select/status -> option name,
date -> {"start", "end", "time_zone"}, people -> [{"id", "name", "email"}], relation -> [page ids],
created/last edited time -> aware UTC datetimes, numbers -> Decimal or int.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

_RENATA = {
    "id": "7f1c2d3e-0a4b-4c5d-8e6f-1a2b3c4d5e6f",
    "name": "Priya Raman",
    "email": "priya@costumeshop.example",
}

LYRIC: dict[str, Any] = {
    "Client": "Lyric Opera House",
    "Company": "Lyric Opera House Association",
    "Contact": "Renata Hale",
    "Email": " Costumes@LyricOperaHouse.org",
    "Phone": "+1  312-555-0101",
    "Type": "Theater",
    "Status": "Active",
    "Tags": ["Opera", "Period", "Repeat"],
    "Account Manager": [_RENATA],
    "Website": "https://lyricoperahouse.org",
    "VIP": True,
    "Client Since": {"start": date(2019, 3, 4), "end": None, "time_zone": None},
    "QuickBooks ID": "1 ",
    "Orders": [f"5e0c1a2b-3c4d-4e5f-8a9b-{i:012x}" for i in range(30)],
    "Order Count": 30,
    "Discount": Decimal("10"),
    "Client No.": "CL-1",
    "Created": datetime(2025, 11, 3, 15, 20, tzinfo=UTC),
    "Last Edited": datetime(2026, 1, 19, 9, 5, tzinfo=UTC),
}

MAYA: dict[str, Any] = {
    "Client": "Maya Ortiz",
    "Company": None,
    "Contact": "Maya Ortiz",
    "Email": "maya.ortiz@gmail.com",
    "Phone": "+1 312-555-0108",
    "Type": "Private",
    "Status": "Active",
    "Tags": ["Bridal"],
    "Account Manager": [],
    "Website": None,
    "VIP": False,
    "Client Since": None,
    "QuickBooks ID": "8",
    "Orders": ["5e0c1a2b-3c4d-4e5f-8a9b-0000000000a1"],
    "Order Count": 1,
    "Discount": 0,
    "Client No.": "CL-8",
    "Created": datetime(2025, 12, 1, 10, 0, tzinfo=UTC),
    "Last Edited": datetime(2026, 1, 2, 18, 30, tzinfo=UTC),
}

# A fresh lead: untyped, no email, a phone typed by hand with letters, no QuickBooks link.
LEAD: dict[str, Any] = {
    "Client": "  Starlight   Community Players ",
    "Company": None,
    "Contact": None,
    "Email": None,
    "Phone": "ask for Dana",
    "Type": None,
    "Status": "Lead",
    "Tags": [],
    "Account Manager": [],
    "Website": None,
    "VIP": False,
    "Client Since": None,
    "QuickBooks ID": None,
    "Orders": [],
    "Order Count": 0,
    "Discount": 0,
    "Client No.": "CL-64",
    "Created": datetime(2026, 1, 20, 12, 0, tzinfo=UTC),
    "Last Edited": datetime(2026, 1, 20, 12, 0, tzinfo=UTC),
}

# A record without a title (Notion allows it) and a select option added after the mapping was written.
UNTITLED: dict[str, Any] = {**LEAD, "Client": None, "Phone": None, "Type": "Museum"}
