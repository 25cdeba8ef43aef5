"""The costume workshop's tables: products, BOMs with routings, work centres, orders.

Plain data read by ``hub.sandbox.odoo_workshop.populate``; quantities are strings for ``Decimal``,
durations minutes, dates business days after ``today``.
"""

from __future__ import annotations

__all__ = ["BOMS", "CUSTOMERS", "MOS", "PRODUCTS", "PURCHASES", "SALES", "VENDORS", "WORK_CENTERS"]

VENDORS = ("Northern Silk Mills", "Pennine Fabrics Ltd", "Haberdashery Direct")
CUSTOMERS = (
    "Lyric Opera House",
    "Cascade Ballet Theatre",
    "Tidewater Opera",
    "The Old Vic",
    "Harborlight Rep",
    "Oakmont Civic Theatre",
)

# sku, name, unit, routes, vendor, vendor delay (days), unit cost, stock by location,
# customer lead time (sale_delay, days: the shop's naive promise), manufacturing lead time (days)
PRODUCTS: tuple[tuple, ...] = (
    (
        "FAB-VELVET-BURG",
        "Burgundy cotton velvet",
        "m",
        ("buy",),
        "Pennine Fabrics Ltd",
        10,
        "18.50",
        {"WH/Stock/Fabric Store": "60", "WH/Stock": "6"},
        0,
        0,
    ),
    (
        "FAB-SILK-DUPIONI",
        "Ivory silk dupioni",
        "m",
        ("buy",),
        "Northern Silk Mills",
        14,
        "32.00",
        {"WH/Stock/Fabric Store": "3.5"},
        0,
        0,
    ),
    (
        "FAB-WOOL-CREPE",
        "Black wool crepe",
        "m",
        ("buy",),
        "Pennine Fabrics Ltd",
        12,
        "24.00",
        {"WH/Stock/Fabric Store": "30"},
        0,
        0,
    ),
    (
        "FAB-COTTON-MUSLIN",
        "Cotton muslin (toile)",
        "m",
        ("buy",),
        "Pennine Fabrics Ltd",
        5,
        "4.20",
        {"WH/Stock/Fabric Store": "80"},
        0,
        0,
    ),
    (
        "FAB-BROCADE-GOLD",
        "Gold brocade",
        "m",
        ("buy",),
        "Northern Silk Mills",
        21,
        "45.00",
        {"WH/Stock/Fabric Store": "2.7"},
        0,
        0,
    ),
    (
        "FAB-LINING-SATIN",
        "Satin lining",
        "m",
        ("buy",),
        "Pennine Fabrics Ltd",
        7,
        "6.80",
        {"WH/Stock/Fabric Store": "45"},
        0,
        0,
    ),
    (
        "TRM-BUTTON-BRASS",
        "Brass shank button",
        "Units",
        ("buy",),
        "Haberdashery Direct",
        7,
        "0.45",
        {"WH/Stock": "400"},
        0,
        0,
    ),
    (
        "TRM-ZIP-INVIS",
        "Invisible zip 55 cm",
        "Units",
        ("buy",),
        "Haberdashery Direct",
        5,
        "1.10",
        {"WH/Stock": "60"},
        0,
        0,
    ),
    (
        "TRM-LACE-CHANTILLY",
        "Chantilly lace trim",
        "m",
        ("buy",),
        None,
        None,
        "12.00",
        {"WH/Stock": "12"},
        0,
        0,
    ),
    (
        "TRM-BONING-SPIRAL",
        "Spiral steel boning",
        "m",
        ("buy",),
        "Haberdashery Direct",
        7,
        "2.40",
        {"WH/Stock": "80"},
        0,
        0,
    ),
    (
        "SUB-CORSET-BODICE",
        "Corset bodice (sub-assembly)",
        "Units",
        ("manufacture",),
        None,
        None,
        "0",
        {},
        0,
        4,
    ),
    ("FIN-CORSET-M", "Corset, size M", "Units", ("manufacture",), None, None, "0", {"WH/Stock": "8"}, 3, 5),
    (
        "FIN-VICTORIAN-GOWN",
        "Victorian ball gown",
        "Units",
        ("manufacture", "mto"),
        None,
        None,
        "0",
        {},
        35,
        20,
    ),
    ("FIN-TAILCOAT", "Tailcoat", "Units", ("manufacture", "mto"), None, None, "0", {}, 28, 15),
    (
        "FIN-CHORUS-TUNIC",
        "Chorus tunic",
        "Units",
        ("manufacture", "mto"),
        None,
        None,
        "0",
        {"WH/Stock": "2"},
        14,
        7,
    ),
)

# product sku -> (component lines (sku, quantity per unit, scrap %), operations (name, work centre,
# minutes per unit)); every BOM makes one unit.
BOMS: dict[str, tuple[tuple[tuple[str, str, str], ...], tuple[tuple[str, str, int], ...]]] = {
    "FIN-VICTORIAN-GOWN": (
        (
            ("FAB-SILK-DUPIONI", "6.5", "8"),
            ("FAB-LINING-SATIN", "4", "5"),
            ("TRM-LACE-CHANTILLY", "3", "10"),
            ("TRM-ZIP-INVIS", "1", "0"),
            ("SUB-CORSET-BODICE", "1", "0"),
        ),
        (("Cutting", "CUT", 90), ("Sewing", "SEW", 900), ("Finishing", "FIN", 180)),
    ),
    "SUB-CORSET-BODICE": (
        (
            ("FAB-BROCADE-GOLD", "1.2", "10"),
            ("FAB-COTTON-MUSLIN", "1", "0"),
            ("TRM-BONING-SPIRAL", "4", "5"),
            ("FAB-LINING-SATIN", "0.8", "0"),
        ),
        (("Cutting", "CUT", 45), ("Sewing", "SEW", 240), ("Finishing", "FIN", 60)),
    ),
    "FIN-CORSET-M": (
        (
            ("FAB-VELVET-BURG", "1.5", "8"),
            ("FAB-LINING-SATIN", "1", "0"),
            ("TRM-BONING-SPIRAL", "5", "5"),
            ("TRM-ZIP-INVIS", "1", "0"),
        ),
        (("Cutting", "CUT", 40), ("Sewing", "SEW", 300), ("Finishing", "FIN", 60)),
    ),
    "FIN-TAILCOAT": (
        (
            ("FAB-WOOL-CREPE", "3.2", "6"),
            ("FAB-LINING-SATIN", "2.5", "5"),
            ("FAB-COTTON-MUSLIN", "1.5", "0"),
            ("TRM-BUTTON-BRASS", "10", "0"),
        ),
        (("Cutting", "CUT", 75), ("Sewing", "SEW", 720), ("Finishing", "FIN", 150)),
    ),
    "FIN-CHORUS-TUNIC": (
        (("FAB-VELVET-BURG", "2", "5"), ("FAB-COTTON-MUSLIN", "0.5", "0"), ("TRM-BUTTON-BRASS", "6", "0")),
        (("Cutting", "CUT", 30), ("Sewing", "SEW", 180), ("Finishing", "FIN", 45)),
    ),
}

# code, name, capacity (jobs in parallel), time efficiency %, setup min, cleanup min, cost per hour
WORK_CENTERS = (
    ("CUT", "Cutting Table", 1, 100, 15, 0, "30.00"),
    ("SEW", "Sewing Room", 4, 90, 10, 0, "28.00"),
    ("FIN", "Finishing & Pressing", 2, 100, 5, 0, "25.00"),
)

# sale order, customer, commitment (business days after today), lines (sku, quantity)
SALES = (
    ("S00027", "Cascade Ballet Theatre", 6, (("FIN-CHORUS-TUNIC", "8"),)),
    ("S00028", "Lyric Opera House", 7, (("FIN-TAILCOAT", "2"),)),
    ("S00029", "Tidewater Opera", 12, (("FIN-VICTORIAN-GOWN", "1"),)),
    ("S00030", "The Old Vic", 2, (("FIN-CORSET-M", "2"),)),
    ("S00031", "Harborlight Rep", 9, (("FIN-CHORUS-TUNIC", "6"), ("FIN-TAILCOAT", "1"))),
    ("S00032", "Lyric Opera House", 14, (("FIN-VICTORIAN-GOWN", "1"), ("FIN-CORSET-M", "4"))),
    ("S00033", "Oakmont Civic Theatre", 15, (("FIN-CHORUS-TUNIC", "10"), ("FIN-TAILCOAT", "2"))),
)

# purchase order, vendor, expected (business days after today; negative = late), vendor confirmed the
# date, lines (sku, quantity, received, unit price)
PURCHASES = (
    ("P00041", "Haberdashery Direct", -2, True, (("TRM-BUTTON-BRASS", "200", "120", "0.45"),)),
    ("P00042", "Northern Silk Mills", 5, True, (("FAB-SILK-DUPIONI", "40", "0", "32.00"),)),
    (
        "P00043",
        "Pennine Fabrics Ltd",
        3,
        True,
        (("FAB-LINING-SATIN", "50", "0", "6.80"), ("FAB-VELVET-BURG", "20", "0", "18.50")),
    ),
    ("P00044", "Northern Silk Mills", 8, False, (("FAB-BROCADE-GOLD", "15", "0", "45.00"),)),
)

# manufacturing order, sku, quantity, origin, in progress (cut yesterday, sewing from today)
MOS = (
    ("WH/MO/00011", "FIN-CHORUS-TUNIC", "8", "S00027", True),
    ("WH/MO/00012", "FIN-TAILCOAT", "2", "S00028", True),
    ("WH/MO/00013", "FIN-CORSET-M", "4", "OP/00003", True),
    ("WH/MO/00014", "SUB-CORSET-BODICE", "1", "WH/MO/00015", True),
    ("WH/MO/00015", "FIN-VICTORIAN-GOWN", "1", "S00029", False),
    ("WH/MO/00016", "FIN-CHORUS-TUNIC", "6", "S00031", False),
    ("WH/MO/00017", "FIN-TAILCOAT", "1", "S00031", False),
    ("WH/MO/00018", "FIN-VICTORIAN-GOWN", "1", "S00032", False),
    ("WH/MO/00019", "FIN-CORSET-M", "3", "OP/00003", False),
    ("WH/MO/00020", "FIN-CHORUS-TUNIC", "10", "S00033", False),
    ("WH/MO/00021", "FIN-TAILCOAT", "2", "S00033", False),
    ("WH/MO/00022", "SUB-CORSET-BODICE", "1", "WH/MO/00018", False),
)
