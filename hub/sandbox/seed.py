"""One realistic costume shop, seeded deterministically for every simulator and test.

``build_shop()`` returns a fresh ``Shop``: the Notion "Clients", "Orders" and "Pipeline" data sources with
their pages (in the 2025-09-03 API shape), the Notion workspace users, and the QuickBooks Online customers.
Orders and Pipeline follow the QuickBooks sales documents (see ``hub.sandbox.seed_pipeline``).
Nothing depends on the wall clock or unseeded randomness: two calls give equal shops.

The customers are drawn so identity resolution has real work to do:

* 16 pairs linked explicitly (Notion "QuickBooks ID" holds the QBO ``Id``), names and emails may differ;
* 16 pairs sharing an email (sometimes in a different letter case), no link property;
* 12 business pairs whose company names differ only by a leading "The", a legal suffix
  (Ltd, Inc, LLC, Co, Corp...), "&" versus "and", punctuation, letter case or spacing; no link and a
  different or missing email;
* 20 Notion-only clients (mostly leads) and 10 QuickBooks-only customers;
* one trap: a private client "Alex Morgan" in each system with different emails and phones. They are
  two people and must not merge (name matching applies to company names, not to persons).

>>> shop = build_shop(); len(shop.notion_clients()), len(shop.quickbooks_customers)
(64, 54)
"""

from __future__ import annotations

import copy
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

__all__ = [
    "EXPECTED_LINKS",
    "EXPECTED_MERGED_CUSTOMERS",
    "EXPECTED_RULES",
    "NOTION_BOT_USER_ID",
    "NOTION_CLIENTS_DATABASE_ID",
    "NOTION_CLIENTS_DATA_SOURCE_ID",
    "NOTION_ORDERS_DATABASE_ID",
    "NOTION_ORDERS_DATA_SOURCE_ID",
    "NOTION_PIPELINE_DATABASE_ID",
    "NOTION_PIPELINE_DATA_SOURCE_ID",
    "NOTION_SANDBOX_TOKEN",
    "QUICKBOOKS_CLIENT_ID",
    "QUICKBOOKS_CLIENT_SECRET",
    "QUICKBOOKS_REALM_ID",
    "TRAP_NAME",
    "Shop",
    "build_shop",
    "notion_page_id",
    "notion_time",
    "qbo_time",
    "quickbooks_id",
]

NOTION_CLIENTS_DATA_SOURCE_ID = "2a4f7c1e-5b3d-4e8a-9c61-0d7e3b9f4a21"
NOTION_CLIENTS_DATABASE_ID = "1b3e6d0c-4a2c-4d79-8b50-9c6d2a8e3f10"
NOTION_ORDERS_DATA_SOURCE_ID = "3c5a8d2f-6c4e-4f9b-8d72-1e8f4c0a5b32"
NOTION_ORDERS_DATABASE_ID = "4d6b9e30-7d5f-4a0c-9e83-2f9a5d1b6c43"
NOTION_PIPELINE_DATA_SOURCE_ID = "5e7c0f41-8e6a-4b1d-af94-3a0b6e2c7d54"
NOTION_PIPELINE_DATABASE_ID = "6f8d1a52-9f7b-4c2e-b0a5-4b1c7f3d8e65"
NOTION_SANDBOX_TOKEN = "ntn_sandbox_costume_shop_token"
QUICKBOOKS_REALM_ID = "9341455130166501"
QUICKBOOKS_CLIENT_ID = "ABsandboxCostumeShopClientId0001"
QUICKBOOKS_CLIENT_SECRET = "sandbox-client-secret"  # noqa: S105 - public sandbox value
TRAP_NAME = "Alex Morgan"

_NS = uuid.UUID("6f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e")
_WORKSPACE_PAGE_ID = str(uuid.uuid5(_NS, "workspace-page"))
NOTION_BOT_USER_ID = str(uuid.uuid5(_NS, "user-bot"))
_EPOCH = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _uid(name: str) -> str:
    return str(uuid.uuid5(_NS, name))


def notion_time(moment: datetime) -> str:
    """Notion's timestamp format: UTC, millisecond precision, ``Z`` suffix."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


# ---------------------------------------------------------------------------------------------------
# The customer table. One row per real customer; `n`/`q` say which systems hold it.
# cat: explicit | email | name | notion | qbo | trap
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    key: str
    cat: str
    type: str  # Theater | Film & TV | Event | Private
    name: str  # Notion title
    company: str | None = None  # Notion Company (legal name)
    contact: str | None = None
    email: str | None = None  # Notion email
    phone: str | None = None
    q_name: str | None = None  # QBO DisplayName (default: name)
    q_company: str | None = None  # QBO CompanyName (default: company)
    q_email: str | None = None  # QBO email (default: same as Notion for explicit/email rows)
    city: str = "Chicago, IL 60601"
    balance: str = "0.00"
    tags: tuple[str, ...] = ()
    status: str = "Active"
    vip: bool = False
    website: str | None = None


_MISSING = "-"  # q_email marker: the QBO customer has no email at all

# fmt: off
_ROWS: tuple[_Row, ...] = (
    # --- explicit link (16) -------------------------------------------------------------------------
    _Row("lyric", "explicit", "Theater", "Lyric Opera House", "Lyric Opera House Association", "Renata Hale",
         "costumes@lyricoperahouse.org", "+1 312-555-0101", city="Chicago, IL 60606", balance="18450.00",
         tags=("Opera", "Period", "Repeat"), vip=True, website="https://lyricoperahouse.org"),
    _Row("cascade", "explicit", "Theater", "Cascade Ballet Theatre", "Cascade Ballet Theatre Foundation",
         "Ines Duarte", "wardrobe@cascadeballet.org", "+1 206-555-0102", q_name="Cascade Ballet",
         q_email="accounts@cascadeballet.org", city="Seattle, WA 98109", balance="6230.50",
         tags=("Ballet", "Repeat"), vip=True),
    _Row("harborlight", "explicit", "Theater", "Harborlight Rep", "Harborlight Repertory Theatre Inc.",
         "Tom Okafor", "tom@harborlightrep.org", "+1 617-555-0103", q_name="Harborlight Repertory Theatre",
         q_email=_MISSING, city="Boston, MA 02116", tags=("Period",)),
    _Row("moonlit", "explicit", "Film & TV", "Moonlit Pictures", "Moonlit Pictures LLC", "Dana Kwan",
         "dana.kwan@moonlitpictures.com", "+1 323-555-0104", q_email="ap@moonlitpictures.com",
         city="Los Angeles, CA 90038", balance="12780.25", tags=("Rush", "Period"), vip=True),
    _Row("gaslight", "explicit", "Film & TV", "Gaslight Alley S2", "Copperline Television Productions Inc.",
         "Marcus Bell", "costume.office@copperline.tv", "+1 404-555-0105",
         q_name="Copperline TV - Gaslight Alley S2", city="Atlanta, GA 30318", balance="9400.00",
         tags=("Period", "Rush")),
    _Row("thimble", "explicit", "Event", "Silver Thimble Events", "Silver Thimble Events LLC", "Grace Lin",
         "grace@silverthimble.events", "+1 415-555-0106", city="San Francisco, CA 94107"),
    _Row("masquerade", "explicit", "Event", "Grand Masquerade Gala", "Velvet Rope Events Co.",
         "Julian Ashby", "julian@velvetrope-events.com", "+1 305-555-0107", q_name="Velvet Rope Events",
         city="Miami, FL 33131", balance="2150.00", tags=("Masquerade",)),
    _Row("maya", "explicit", "Private", "Maya Ortiz", None, "Maya Ortiz", "maya.ortiz@gmail.com",
         "+1 312-555-0108", city="Evanston, IL 60201", balance="850.00", tags=("Bridal",)),
    _Row("kenji", "explicit", "Private", "Kenji Watanabe", None, "Kenji Watanabe", "kenji.cosplays@gmail.com",
         "+1 206-555-0109", q_email="k.watanabe@outlook.com", city="Tacoma, WA 98402", tags=("Cosplay",)),
    _Row("riverside", "explicit", "Theater", "Riverside Shakespeare Festival",
         "Riverside Shakespeare Festival Inc.", "Helen Park", "helen@riversideshakes.org", "+1 503-555-0110",
         city="Portland, OR 97205", balance="3275.75", tags=("Shakespeare", "Period", "Repeat")),
    _Row("northlight", "explicit", "Theater", "Northlight Children's Theatre",
         "Northlight Children's Theatre", "Sam Rivera", "sam@northlightkids.org", "+1 612-555-0111",
         city="Minneapolis, MN 55403"),
    _Row("starboard", "explicit", "Film & TV", "Starboard Studios", "Starboard Studios Inc.", "Olivia Grant",
         "ogrant@starboardstudios.com", "+1 818-555-0112", q_email="billing@starboardstudios.com",
         city="Burbank, CA 91502", balance="22040.00", tags=("Sci-Fi", "Rush"), vip=True),
    _Row("bluebird", "explicit", "Event", "Bluebird Wedding Co.", "Bluebird Wedding Company LLC",
         "Rosa Mendes", "hello@bluebirdweddings.com", "+1 512-555-0113", city="Austin, TX 78701",
         tags=("Bridal",)),
    _Row("aurora", "explicit", "Event", "Aurora Circus Collective", "Aurora Circus Collective",
         "Pavel Novak", "pavel@auroracircus.org", "+1 720-555-0114", city="Denver, CO 80205",
         balance="1980.40", tags=("Circus",)),
    _Row("eleanor", "explicit", "Private", "Eleanor Whitfield", None, "Eleanor Whitfield",
         "eleanor.whitfield@icloud.com", "+1 804-555-0115", q_name="Eleanor Whitfield-Hayes",
         city="Richmond, VA 23220", tags=("Period", "Reenactment")),
    _Row("fabulosa", "explicit", "Theater", "Fabulosa Cabaret", "Fabulosa Cabaret Ltd.", "Dee Lavigne",
         "bookings@fabulosacabaret.com", "+1 702-555-0116", city="Las Vegas, NV 89109", balance="4400.00",
         tags=("Cabaret", "Repeat"), vip=True),
    # --- email only (16) ----------------------------------------------------------------------------
    _Row("oakmont", "email", "Theater", "Oakmont Civic Theatre", "Oakmont Civic Theatre Guild",
         "Betty Crane", "boxoffice@oakmontcivic.org", "+1 614-555-0117", q_name="Civic Theatre of Oakmont",
         q_company="Civic Theatre of Oakmont", q_email="BoxOffice@OakmontCivic.org",
         city="Columbus, OH 43215", balance="560.00"),
    _Row("broadwaywest", "email", "Theater", "Sunset Serenade (tour)", "Broadway West Touring LLC",
         "Carl Jensen", "wardrobe@broadwaywest.com", "+1 213-555-0118", q_name="Broadway West Touring",
         q_company="BWT Holdings", city="Los Angeles, CA 90015", balance="7125.00", tags=("Musical",)),
    _Row("priya", "email", "Private", "Priya Raman", None, "Priya Raman", "priya.raman@gmail.com",
         "+1 408-555-0119", q_name="Priya Raman-Cole", city="San Jose, CA 95112", tags=("Bridal",)),
    _Row("lucas", "email", "Private", "Lucas Ferreira", None, "Lucas Ferreira", "lucas.ferreira@proton.me",
         "+1 407-555-0120", q_name="Luke Ferreira", q_email="Lucas.Ferreira@proton.me",
         city="Orlando, FL 32801", balance="320.00", tags=("Cosplay",)),
    _Row("redwood", "email", "Theater", "Redwood Shakespeare Co.", "Redwood Shakespeare Company",
         "Nadia Haddad", "office@redwoodshakespeare.org", "+1 707-555-0121",
         q_name="Redwood Shakespeare Ensemble", q_company="Redwood Shakespeare Ensemble",
         city="Eureka, CA 95501", tags=("Shakespeare",)),
    _Row("kestrel", "email", "Film & TV", "Kestrel Films", "Kestrel Films LLC", "Ben Adler",
         "productions@kestrelfilms.com", "+1 323-555-0122", q_name="Kestrel (Feature: Hollow Crown)",
         q_company="Hollow Crown Productions LLC", city="Los Angeles, CA 90028", balance="15300.00",
         tags=("Period", "Rush")),
    _Row("neon", "email", "Event", "Neon Nights", "Neon Nights Productions", "Tasha Grey",
         "events@neonnights.co", "+1 702-555-0123", q_name="NN Productions", q_company="NN Productions",
         city="Las Vegas, NV 89101", balance="940.00"),
    _Row("tidewater", "email", "Theater", "Tidewater Opera", "Tidewater Opera Association", "Louis Fontaine",
         "costumeshop@tidewateropera.org", "+1 757-555-0124", q_name="Tidewater Opera Assn",
         q_company="Tidewater Opera Assn", city="Norfolk, VA 23510", balance="5610.00", tags=("Opera",)),
    _Row("hollowoak", "email", "Film & TV", "Hollow Oak Studios", "Hollow Oak Studios Inc.", "Mia Sato",
         "wardrobe@hollowoak.tv", "+1 604-555-0125", q_name="HOS - Wardrobe Dept",
         q_company="HOS Media Group", city="Seattle, WA 98104", tags=("Fantasy",)),
    _Row("marigold", "email", "Theater", "Marigold Dance Company", "Marigold Dance Company", "Asha Patel",
         "asha@marigolddance.org", "+1 919-555-0126", q_name="Marigold Dance", q_company="Marigold Dance Inc",
         q_email="ASHA@marigolddance.org", city="Raleigh, NC 27601", balance="1200.00", tags=("Dance",)),
    _Row("emerald", "email", "Event", "Emerald City Renaissance Faire", "Emerald City Faire Society",
         "Gwen Holloway", "vendors@emeraldfaire.org", "+1 425-555-0127", q_name="ECRF",
         q_company="ECRF Society", city="Redmond, WA 98052", tags=("Renaissance", "Period")),
    _Row("quill", "email", "Theater", "Quill & Quaver", "Quill & Quaver Theatre Company", "Felix Moreau",
         "felix@quillandquaver.org", "+1 215-555-0128", q_name="Q&Q Theatre", q_company="Q&Q Theatre",
         city="Philadelphia, PA 19107", balance="780.90"),
    _Row("sofia", "email", "Private", "Sofia Lindqvist", None, "Sofia Lindqvist", "sofia.lindqvist@gmail.com",
         "+1 651-555-0129", q_name="Sofia Lindqvist (wedding)", city="Saint Paul, MN 55102",
         tags=("Bridal",)),
    _Row("ironbridge", "email", "Film & TV", "Ironbridge Productions", "Ironbridge Productions Ltd.",
         "Owen Price", "accounts@ironbridgeprod.com", "+1 917-555-0130", q_name="Ironbridge Prod.",
         q_company="Ironbridge Prod.", city="New York, NY 10013", balance="11250.00", tags=("Period",)),
    _Row("halcyon", "email", "Event", "Halcyon Weddings", "Halcyon Weddings & Events LLC", "Clara Voss",
         "clara@halcyonweddings.com", "+1 615-555-0131", q_name="Halcyon W&E", q_company="Halcyon W&E",
         city="Nashville, TN 37203", tags=("Bridal",)),
    _Row("folklorico", "email", "Theater", "Ballet Folklórico del Sol", "Ballet Folklorico del Sol Inc.",
         "Lupe Castillo", "lupe@folkloricodelsol.org", "+1 210-555-0132", q_name="Folklorico del Sol",
         q_company="Folklorico del Sol", city="San Antonio, TX 78205", balance="2300.00", tags=("Dance",)),
    # --- company name spelled differently (12) -----------------------------------------------------
    _Row("oldvic", "name", "Theater", "The Old Vic", "The Old Vic Theatre Ltd.", "Harriet Blake",
         "harriet.blake@oldvictheatre.com", "+44 20 7946 0133", q_name="Old Vic Theatre",
         q_company="Old Vic Theatre", q_email="finance@oldvictheatre.com", city="London, SE1 8NB",
         balance="8900.00", tags=("Period",)),
    _Row("smithjones", "name", "Film & TV", "Smith & Jones", "Smith & Jones Productions", "Rick Jones",
         "rick@smithjones.tv", "+1 323-555-0134", q_name="Smith and Jones Productions, Inc.",
         q_company="Smith and Jones Productions, Inc.", q_email=_MISSING, city="Los Angeles, CA 90046",
         balance="3150.00"),
    _Row("opera_nova", "name", "Theater", "Opera Nova", "Opera Nova, Inc.", "Vittoria Russo",
         "vrusso@operanova.org", "+1 314-555-0135", q_name="OPERA NOVA", q_company="OPERA NOVA",
         q_email="payables@operanova.org", city="St. Louis, MO 63103", tags=("Opera",)),
    _Row("brightlights", "name", "Film & TV", "Bright Lights F&TV", "Bright Lights Film & Television LLC",
         "Andre Silva", "andre@brightlightsftv.com", "+1 404-555-0136",
         q_name="Bright Lights Film and Television", q_company="Bright Lights Film and Television",
         q_email=_MISSING, city="Atlanta, GA 30303", balance="6700.00"),
    _Row("stclair", "name", "Theater", "St. Clair Players", "St. Clair Players", "Judith Moss",
         "judith.moss@gmail.com", "+1 313-555-0137", q_name="St Clair Players Ltd",
         q_company="St Clair Players Ltd", q_email="treasurer@stclairplayers.org", city="Detroit, MI 48226"),
    _Row("wanderlust", "name", "Event", "Wanderlust Events", "Wanderlust Events LLC", "Kai Nakamura",
         "kai@wanderlust-events.com", "+1 808-555-0138", q_name="Wanderlust Events",
         q_company="Wanderlust Events", q_email="billing@wanderlust-events.com", city="Honolulu, HI 96813",
         balance="1475.00"),
    _Row("tinstar", "name", "Film & TV", "Tin Star Westerns", "Tin Star Westerns Inc.", "Wade Collins",
         "wade@tinstarwesterns.com", "+1 505-555-0139", q_name="Tin Star Westerns",
         q_company="Tin Star Westerns",
         q_email=_MISSING, city="Santa Fe, NM 87501", tags=("Western", "Period")),
    _Row("velvetcurtain", "name", "Theater", "Velvet Curtain Cabaret", "The Velvet Curtain Cabaret",
         "Noor Aziz", "noor@velvetcurtain.club", "+1 504-555-0140", q_name="Velvet Curtain Cabaret, LLC",
         q_company="Velvet Curtain Cabaret, LLC", q_email="accounts@velvetcurtain.club",
         city="New Orleans, LA 70116", balance="615.30", tags=("Cabaret",)),
    _Row("magpie", "name", "Theater", "Magpie & Crow", "Magpie & Crow Theatre Co.", "Iris Flynn",
         "iris@magpieandcrow.org", "+1 503-555-0141", q_name="Magpie and Crow Theatre",
         q_company="Magpie and Crow Theatre", q_email=_MISSING, city="Portland, OR 97214"),
    _Row("papermoon", "name", "Film & TV", "Paper Moon Pictures", "Paper Moon Pictures Corp.", "Leo Brandt",
         "leo@papermoonpics.com", "+1 818-555-0142", q_name="Paper Moon Pictures",
         q_company="Paper Moon Pictures",
         q_email="ar@papermoonpics.com", city="Studio City, CA 91604", balance="4025.00"),
    _Row("grandharbor", "name", "Theater", "Grand Harbor Ballet", "Grand Harbor Ballet Ltd",
         "Yelena Petrova", "yelena@grandharborballet.org", "+1 619-555-0143",
         q_name="The Grand Harbor Ballet",
         q_company="The Grand Harbor Ballet", q_email="office@grandharborballet.org",
         city="San Diego, CA 92101", tags=("Ballet",)),
    _Row("crescent", "name", "Event", "Crescent Moon Masquerade", "Crescent-Moon Events, Inc.",
         "Selene Park", "selene@crescentmoonevents.com", "+1 901-555-0144", q_name="Crescent Moon Events",
         q_company="Crescent Moon Events", q_email=_MISSING, city="Memphis, TN 38103", balance="990.00"),
    # --- Notion only (19 + the Notion half of the trap) ---------------------------------------------
    _Row("starlight_youth", "notion", "Theater", "Starlight Youth Theatre", "Starlight Youth Theatre",
         "Megan Cole", "megan@starlightyouth.org", "+1 480-555-0145", status="Lead"),
    _Row("crimson", "notion", "Film & TV", "Crimson Harbor (pilot)", "Crimson Harbor Pictures LLC",
         "Ray Dominguez", "ray@crimsonharborpics.com", "+1 323-555-0146", status="Lead", tags=("Rush",)),
    _Row("lantern", "notion", "Theater", "Lantern Street Players", "Lantern Street Players", "Hugo Lane",
         "hugo@lanternstreet.org", "+1 412-555-0147", status="Lead"),
    _Row("hartwell", "notion", "Event", "Hartwell Estate Galas", "Hartwell Estate Events LLC",
         "Vivian Hartwell", "vivian@hartwellestate.com", "+1 203-555-0148", status="Lead"),
    _Row("zoe", "notion", "Private", "Zoe Kaplan", None, "Zoe Kaplan", "zoe.kaplan@gmail.com",
         "+1 646-555-0149", status="Lead", tags=("Bridal",)),
    _Row("ravi", "notion", "Private", "Ravi Shah", None, "Ravi Shah", "ravi.cosplay@gmail.com",
         "+1 408-555-0150", status="Lead", tags=("Cosplay",)),
    _Row("pinecrest", "notion", "Theater", "Pinecrest Community Opera", "Pinecrest Community Opera",
         "Agnes Byrne", "agnes@pinecrestopera.org", "+1 828-555-0151", status="Lead", tags=("Opera",)),
    _Row("saltmarsh", "notion", "Film & TV", "Saltmarsh (limited series)", "Tern Point Media Inc.",
         "Elliot Ward", "elliot@ternpoint.media", "+1 843-555-0152", status="Lead", tags=("Period",)),
    _Row("gearworks", "notion", "Event", "Gearworks Steampunk Expo", "Gearworks Expo LLC", "Ada Finch",
         "ada@gearworksexpo.com", "+1 216-555-0153", status="Lead", tags=("Steampunk",)),
    _Row("dunmore", "notion", "Theater", "Dunmore Summer Stock", "Dunmore Summer Stock Theatre",
         "Peter Quill", "peter@dunmorestock.org", "+1 802-555-0154", status="Dormant"),
    _Row("amara", "notion", "Private", "Amara Nwosu", None, "Amara Nwosu", "amara.nwosu@yahoo.com",
         "+1 713-555-0155", status="Lead", tags=("Bridal",)),
    _Row("silverscreen", "notion", "Film & TV", "Silver Screen Shorts", "Silver Screen Shorts Collective",
         "Nina Park", "nina@silverscreenshorts.org", "+1 312-555-0156", status="Lead"),
    _Row("bellweather", "notion", "Theater", "Bellweather Theatre Lab", "Bellweather Theatre Lab",
         "Jonah Reed", "jonah@bellweatherlab.org", "+1 773-555-0157", status="Dormant"),
    _Row("cobalt", "notion", "Event", "Cobalt Corporate Events", "Cobalt Event Partners Inc.",
         "Sharon Liu", "sharon@cobaltevents.com", "+1 469-555-0158", status="Lead"),
    _Row("theo", "notion", "Private", "Theo Marchetti", None, "Theo Marchetti", "theo.marchetti@gmail.com",
         "+1 617-555-0159", status="Lead", tags=("Cosplay",)),
    _Row("westwind", "notion", "Theater", "Westwind Puppet Theatre", "Westwind Puppet Theatre",
         "Lars Eklund", "lars@westwindpuppets.org", "+1 801-555-0160", status="Lead"),
    _Row("fablehouse", "notion", "Film & TV", "Fablehouse Animation (live show)", "Fablehouse Studios LLC",
         "Camille Roux", "camille@fablehouse.studio", "+1 818-555-0161", status="Lead"),
    _Row("orchid", "notion", "Event", "Orchid Ball Committee", "Orchid Ball Charitable Trust",
         "Beatrice Moore", "beatrice@orchidball.org", "+1 212-555-0162", status="Dormant"),
    _Row("hannah", "notion", "Private", "Hannah Schulz", None, "Hannah Schulz", None, "+1 414-555-0163",
         status="Lead", tags=("Bridal",)),
    _Row("alex_n", "trap", "Private", TRAP_NAME, None, TRAP_NAME, "alex.morgan.cosplay@gmail.com",
         "+1 503-555-0164", status="Active", tags=("Cosplay",)),
    # --- QuickBooks only (9 + the QBO half of the trap) ---------------------------------------------
    _Row("westbrook", "qbo", "Theater", "Westbrook High School Drama", "Westbrook High School",
         q_email="drama@westbrookhs.org", phone="+1 630-555-0165", city="Westbrook, IL 60559",
         balance="1340.00"),
    _Row("orion", "qbo", "Event", "Krewe of Orion", "Krewe of Orion Carnival Club",
         q_email="captain@kreweorion.org",
         phone="+1 504-555-0166", city="New Orleans, LA 70130", balance="7800.00"),
    _Row("jordan", "qbo", "Private", "Jordan Blake", None, q_email="jordan.blake@gmail.com",
         phone="+1 312-555-0167", city="Oak Park, IL 60302"),
    _Row("walkin", "qbo", "Private", "Walk-in Rentals", None, q_email=_MISSING, city="Chicago, IL 60607"),
    _Row("midwest_ren", "qbo", "Event", "Midwest Renaissance Guild", "Midwest Renaissance Guild Inc.",
         q_email="guild@midwestren.org", phone="+1 262-555-0168", city="Kenosha, WI 53140", balance="455.25"),
    _Row("cinder", "qbo", "Film & TV", "Cinder & Ash Commercials", "Cinder & Ash Commercial Productions",
         q_email="ap@cinderash.tv", phone="+1 310-555-0169", city="Santa Monica, CA 90401",
         balance="2890.00"),
    _Row("mercer", "qbo", "Theater", "Mercer University Theatre Dept", "Mercer University",
         q_email="theatre@mercer.edu", phone="+1 478-555-0170", city="Macon, GA 31207"),
    _Row("delia", "qbo", "Private", "Delia Fontaine", None, q_email="delia.fontaine@gmail.com",
         phone="+1 985-555-0171", city="Covington, LA 70433", balance="275.00"),
    _Row("skyline", "qbo", "Event", "Skyline Hotel Banquets", "Skyline Hospitality Group LLC",
         q_email="events@skylinehotels.com", phone="+1 312-555-0172", city="Chicago, IL 60611"),
    _Row("alex_q", "trap", "Private", TRAP_NAME, None, q_email="amorgan.weddings@outlook.com",
         phone="+1 215-555-0173", city="Philadelphia, PA 19103", balance="640.00"),
)
# fmt: on


def _in_notion(row: _Row) -> bool:
    return row.cat in {"explicit", "email", "name", "notion"} or row.key == "alex_n"


def _in_qbo(row: _Row) -> bool:
    return row.cat in {"explicit", "email", "name", "qbo"} or row.key == "alex_q"


def _qbo_email(row: _Row) -> str | None:
    email = row.q_email if row.q_email is not None else row.email
    return None if email == _MISSING else email


def _order_rows(rows: tuple[_Row, ...], predicate: Any, seed: int) -> list[_Row]:
    """Rows of one system in a fixed, shuffled order so categories interleave in every listing."""
    picked = [row for row in rows if predicate(row)]
    random.Random(seed).shuffle(picked)
    return picked


_QBO_ORDER = _order_rows(_ROWS, _in_qbo, 2026_01)
_NOTION_ORDER = _order_rows(_ROWS, _in_notion, 2026_02)
_QBO_IDS: dict[str, str] = {row.key: str(i) for i, row in enumerate(_QBO_ORDER, start=1)}


def notion_page_id(key: str) -> str:
    """The Notion page id of the seeded client with this row key (e.g. ``"lyric"``)."""
    return _uid(f"client-{key}")


def quickbooks_id(key: str) -> str:
    """The QuickBooks ``Id`` of the seeded customer with this row key."""
    return _QBO_IDS[key]


_PAIRED = [row for row in _ROWS if row.cat in {"explicit", "email", "name"}]
EXPECTED_LINKS: dict[str, str] = {notion_page_id(r.key): quickbooks_id(r.key) for r in _PAIRED}
EXPECTED_RULES: dict[str, str] = {notion_page_id(r.key): r.cat for r in _PAIRED}
EXPECTED_MERGED_CUSTOMERS: int = len(_ROWS)  # one row per real customer: 44 + 20 + 10


# ---------------------------------------------------------------------------------------------------
# Notion
# ---------------------------------------------------------------------------------------------------

_PROP_IDS = {
    "Client": "title",
    "Company": "Cmp%3D",
    "Contact": "Ct%7Bn",
    "Email": "Em%40l",
    "Phone": "Ph%3Fn",
    "Type": "Ty%5Ep",
    "Status": "St%26s",
    "Tags": "Tg%3As",
    "Account Manager": "AM%5Bg",
    "Website": "Wb%3Bs",
    "VIP": "V%3EIP",
    "Client Since": "CS%3Dn",
    "QuickBooks ID": "QB%3Di",
    "Orders": "Or%3Fd",
    "Order Count": "OC%3Bt",
    "Discount": "Ds%7Ct",
    "Client No.": "CN%3Do",
    "Created": "Cr%3Dt",
    "Last Edited": "LE%3Dd",
    # Orders data source
    "Order": "title",
    "Client@orders": "Cl%3Ar",
    "Stage": "Sg%3De",
    "Due Date": "DD%3At",
    "Total": "Tt%3Dl",
}
_COLORS = ("blue", "green", "orange", "purple", "pink", "yellow", "red", "brown", "gray")
_TYPES = ("Theater", "Film & TV", "Event", "Private")
_STATUSES = {"Lead": "To-do", "Active": "In progress", "Dormant": "Complete"}
_TAGS = (
    "Ballet",
    "Bridal",
    "Cabaret",
    "Circus",
    "Cosplay",
    "Dance",
    "Fantasy",
    "Masquerade",
    "Musical",
    "Opera",
    "Period",
    "Reenactment",
    "Renaissance",
    "Repeat",
    "Rush",
    "Sci-Fi",
    "Shakespeare",
    "Steampunk",
    "Western",
)
_STAGES = ("Quote", "In Production", "Fitting", "Delivered")
_MANAGERS = (("Ruth Adeyemi", "ruth"), ("Diego Marin", "diego"), ("Hal Summers", "hal"))
_OTHER_STAFF = (("Priscilla Tan", "priscilla"), ("Owen Gallagher", "owen"))


def _option(name: str, i: int) -> dict[str, Any]:
    return {
        "id": _uid(f"opt-{name}")[:8],
        "name": name,
        "color": _COLORS[i % len(_COLORS)],
        "description": None,
    }


def _rich(text: str | None) -> list[dict[str, Any]]:
    if not text:
        return []
    annotations = {
        "bold": False,
        "italic": False,
        "strikethrough": False,
        "underline": False,
        "code": False,
        "color": "default",
    }
    return [
        {
            "type": "text",
            "text": {"content": text, "link": None},
            "annotations": annotations,
            "plain_text": text,
            "href": None,
        }
    ]


def _person(name: str, handle: str) -> dict[str, Any]:
    return {
        "object": "user",
        "id": _uid(f"user-{handle}"),
        "name": name,
        "avatar_url": None,
        "type": "person",
        "person": {"email": f"{handle}@stitchandstage.com"},
    }


def _users() -> list[dict[str, Any]]:
    bot = {
        "object": "user",
        "id": NOTION_BOT_USER_ID,
        "name": "Sales Hub",
        "avatar_url": None,
        "type": "bot",
        "bot": {
            "owner": {"type": "workspace", "workspace": True},
            "workspace_name": "Stitch & Stage Costumes",
        },
    }
    return [bot, *(_person(n, h) for n, h in _MANAGERS + _OTHER_STAFF)]


def _schema(
    name: str, kind: str, config: dict[str, Any] | None = None, pid: str | None = None
) -> dict[str, Any]:
    return {"id": pid or _PROP_IDS[name], "name": name, "description": None, "type": kind, kind: config or {}}


def _clients_schema() -> dict[str, Any]:
    statuses = [_option(s, i) for i, s in enumerate(_STATUSES)]
    groups = [
        {
            "id": _uid(f"grp-{g}")[:8],
            "name": g,
            "color": "gray",
            "option_ids": [o["id"] for o in statuses if _STATUSES[o["name"]] == g],
        }
        for g in ("To-do", "In progress", "Complete")
    ]
    relation = {
        "data_source_id": NOTION_ORDERS_DATA_SOURCE_ID,
        "database_id": NOTION_ORDERS_DATABASE_ID,
        "type": "dual_property",
        "dual_property": {"synced_property_name": "Client", "synced_property_id": _PROP_IDS["Client@orders"]},
    }
    rollup = {
        "relation_property_name": "Orders",
        "relation_property_id": _PROP_IDS["Orders"],
        "rollup_property_name": "Order",
        "rollup_property_id": "title",
        "function": "count",
    }
    props = [
        _schema("Client", "title"),
        _schema("Company", "rich_text"),
        _schema("Contact", "rich_text"),
        _schema("Email", "email"),
        _schema("Phone", "phone_number"),
        _schema("Type", "select", {"options": [_option(t, i) for i, t in enumerate(_TYPES)]}),
        _schema("Status", "status", {"options": statuses, "groups": groups}),
        _schema("Tags", "multi_select", {"options": [_option(t, i) for i, t in enumerate(_TAGS)]}),
        _schema("Account Manager", "people"),
        _schema("Website", "url"),
        _schema("VIP", "checkbox"),
        _schema("Client Since", "date"),
        _schema("QuickBooks ID", "rich_text"),
        _schema("Orders", "relation", relation),
        _schema("Order Count", "rollup", rollup),
        _schema("Discount", "formula", {"expression": 'if(prop("VIP"), 10, 0)'}),
        _schema("Client No.", "unique_id", {"prefix": "CL"}),
        _schema("Created", "created_time"),
        _schema("Last Edited", "last_edited_time"),
    ]
    return {p["name"]: p for p in props}


def _orders_schema() -> dict[str, Any]:
    relation = {
        "data_source_id": NOTION_CLIENTS_DATA_SOURCE_ID,
        "database_id": NOTION_CLIENTS_DATABASE_ID,
        "type": "dual_property",
        "dual_property": {"synced_property_name": "Orders", "synced_property_id": _PROP_IDS["Orders"]},
    }
    props = [
        _schema("Order", "title"),
        _schema("Client", "relation", relation, _PROP_IDS["Client@orders"]),
        _schema("Stage", "select", {"options": [_option(s, i) for i, s in enumerate(_STAGES)]}),
        _schema("Due Date", "date"),
        _schema("Total", "number", {"format": "dollar"}),
    ]
    return {p["name"]: p for p in props}


def _data_source(ds_id: str, db_id: str, title: str, props: dict[str, Any]) -> dict[str, Any]:
    bot = {"object": "user", "id": NOTION_BOT_USER_ID}
    return {
        "object": "data_source",
        "id": ds_id,
        "created_time": notion_time(_EPOCH - timedelta(days=4)),
        "last_edited_time": notion_time(_EPOCH - timedelta(days=4)),
        "created_by": bot,
        "last_edited_by": bot,
        "properties": props,
        "parent": {"type": "database_id", "database_id": db_id},
        "database_parent": {"type": "page_id", "page_id": _WORKSPACE_PAGE_ID},
        "title": _rich(title),
        "description": [],
        "icon": None,
        "cover": None,
        "archived": False,
        "in_trash": False,
        "is_inline": False,
        "url": f"https://www.notion.so/{db_id.replace('-', '')}",
        "public_url": None,
    }


def _page(
    pid: str,
    ds_id: str,
    db_id: str,
    title: str,
    created: datetime,
    edited: datetime,
    editor: str,
    props: dict[str, Any],
) -> dict[str, Any]:
    slug = "-".join("".join(c for c in word if c.isalnum()) for word in title.split())
    return {
        "object": "page",
        "id": pid,
        "created_time": notion_time(created),
        "last_edited_time": notion_time(edited),
        "created_by": {"object": "user", "id": editor},
        "last_edited_by": {"object": "user", "id": editor},
        "cover": None,
        "icon": None,
        "parent": {"type": "data_source_id", "data_source_id": ds_id, "database_id": db_id},
        "archived": False,
        "in_trash": False,
        "is_locked": False,
        "properties": props,
        "url": f"https://www.notion.so/{slug}-{pid.replace('-', '')}",
        "public_url": None,
    }


def _value(name: str, kind: str, value: Any) -> dict[str, Any]:
    return {"id": _PROP_IDS[name], "type": kind, kind: value}


# Orders per client row key: Lyric has more than 25 so its relation needs the property-item endpoint.
_ORDER_COUNTS = {
    "lyric": 28,
    "starboard": 3,
    "moonlit": 2,
    "fabulosa": 2,
    "cascade": 2,
    "kestrel": 1,
    "oldvic": 1,
    "maya": 1,
}


def _orders(managers: list[dict[str, Any]]) -> tuple[dict[str, dict[str, Any]], dict[str, list[str]]]:
    pages: dict[str, dict[str, Any]] = {}
    by_client: dict[str, list[str]] = {}
    number = 1000
    for key, count in _ORDER_COUNTS.items():
        for _ in range(count):
            number += 1
            oid = _uid(f"order-{number}")
            created = _EPOCH + timedelta(hours=7 * (number - 1000))
            props = {
                "Order": _value("Order", "title", _rich(f"SO-{number}")),
                "Client": {
                    "id": _PROP_IDS["Client@orders"],
                    "type": "relation",
                    "relation": [{"id": notion_page_id(key)}],
                    "has_more": False,
                },
                "Stage": _value("Stage", "select", _option(_STAGES[number % 4], number % 4)),
                "Due Date": _value(
                    "Due Date",
                    "date",
                    {
                        "start": (created + timedelta(days=30)).date().isoformat(),
                        "end": None,
                        "time_zone": None,
                    },
                ),
                "Total": _value("Total", "number", 350 + (number * 137) % 4200),
            }
            editor = managers[number % len(managers)]["id"]
            pages[oid] = _page(
                oid,
                NOTION_ORDERS_DATA_SOURCE_ID,
                NOTION_ORDERS_DATABASE_ID,
                f"SO-{number}",
                created,
                created + timedelta(days=2),
                editor,
                props,
            )
            by_client.setdefault(key, []).append(oid)
    return pages, by_client


def _client_page(
    row: _Row, number: int, orders: list[str], managers: list[dict[str, Any]], rng: random.Random
) -> dict[str, Any]:
    created = _EPOCH + timedelta(hours=13 * number)
    edited = created + timedelta(days=rng.randint(0, 50), minutes=rng.randint(0, 600))
    manager = managers[number % len(managers)]
    since = None
    if row.status != "Lead":
        since = {
            "start": date(2019 + number % 7, 1 + number % 12, 1 + number % 28).isoformat(),
            "end": None,
            "time_zone": None,
        }
    props = {
        "Client": _value("Client", "title", _rich(row.name)),
        "Company": _value("Company", "rich_text", _rich(row.company)),
        "Contact": _value("Contact", "rich_text", _rich(row.contact)),
        "Email": _value("Email", "email", row.email),
        "Phone": _value("Phone", "phone_number", row.phone),
        "Type": _value("Type", "select", _option(row.type, _TYPES.index(row.type))),
        "Status": _value("Status", "status", _option(row.status, list(_STATUSES).index(row.status))),
        "Tags": _value("Tags", "multi_select", [_option(t, _TAGS.index(t)) for t in row.tags]),
        "Account Manager": _value("Account Manager", "people", [manager] if row.status != "Dormant" else []),
        "Website": _value("Website", "url", row.website),
        "VIP": _value("VIP", "checkbox", row.vip),
        "Client Since": _value("Client Since", "date", since),
        "QuickBooks ID": _value(
            "QuickBooks ID", "rich_text", _rich(quickbooks_id(row.key) if row.cat == "explicit" else None)
        ),
        # The seed keeps the complete relation; the simulator truncates it to 25 on the way out.
        "Orders": {
            "id": _PROP_IDS["Orders"],
            "type": "relation",
            "relation": [{"id": o} for o in orders],
            "has_more": False,
        },
        "Order Count": _value(
            "Order Count", "rollup", {"type": "number", "number": len(orders), "function": "count"}
        ),
        "Discount": _value("Discount", "formula", {"type": "number", "number": 10 if row.vip else 0}),
        "Client No.": _value("Client No.", "unique_id", {"prefix": "CL", "number": number}),
        "Created": _value("Created", "created_time", notion_time(created)),
        "Last Edited": _value("Last Edited", "last_edited_time", notion_time(edited)),
    }
    return _page(
        notion_page_id(row.key),
        NOTION_CLIENTS_DATA_SOURCE_ID,
        NOTION_CLIENTS_DATABASE_ID,
        row.name,
        created,
        edited,
        manager["id"],
        props,
    )


# ---------------------------------------------------------------------------------------------------
# QuickBooks
# ---------------------------------------------------------------------------------------------------

_STREETS = (
    "Wabash Ave",
    "Market St",
    "Broadway",
    "Main St",
    "Elm St",
    "Sunset Blvd",
    "Peachtree St",
    "Congress Ave",
    "Pike St",
    "Canal St",
    "Grand Ave",
    "Union Sq",
)


def qbo_time(moment: datetime) -> str:
    """QuickBooks' timestamp format: the company's local time (Pacific here) with its offset."""
    dst = moment >= datetime(2026, 3, 8, 10, 0, tzinfo=UTC)  # US DST starts 2026-03-08 02:00 PST
    offset = timedelta(hours=-7 if dst else -8)
    local = (moment + offset).replace(tzinfo=None)
    return local.strftime("%Y-%m-%dT%H:%M:%S") + ("-07:00" if dst else "-08:00")


def _qbo_phone(phone: str | None) -> str | None:
    if phone and phone.startswith("+1 "):
        area, rest = phone[3:].split("-", 1)
        return f"({area}) {rest}"
    return phone


def _bill_addr(row: _Row, index: int) -> dict[str, Any]:
    city, _, rest = row.city.partition(", ")
    line1 = f"{100 + index * 37} {_STREETS[index % len(_STREETS)]}"
    if row.key == "oldvic":
        return {
            "Id": str(1000 + index),
            "Line1": "The Cut",
            "City": "London",
            "PostalCode": rest,
            "Country": "GB",
        }
    state, _, postal = rest.partition(" ")
    return {
        "Id": str(1000 + index),
        "Line1": line1,
        "City": city,
        "CountrySubDivisionCode": state,
        "PostalCode": postal,
        "Country": "USA",
    }


def _qbo_customer(row: _Row, index: int, rng: random.Random) -> dict[str, Any]:
    created = _EPOCH - timedelta(days=3) + timedelta(hours=11 * index)
    updated = created + timedelta(days=rng.randint(0, 60), minutes=rng.randint(0, 900))
    display = row.q_name or row.name
    company = row.q_company if row.q_company is not None else row.company
    person = row.contact or (display if row.type == "Private" else None)
    balance = Decimal(row.balance).quantize(Decimal("0.01"))
    email = _qbo_email(row)
    customer: dict[str, Any] = {
        "Id": quickbooks_id(row.key),
        "SyncToken": str(index % 3),
        "domain": "QBO",
        "sparse": False,
        "DisplayName": display,
        "FullyQualifiedName": display,
        "PrintOnCheckName": company or display,
        "Active": True,
        "Job": False,
        "BillWithParent": False,
        "Taxable": row.type != "Private",
        "Balance": balance,
        "BalanceWithJobs": balance,
        "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
        "PreferredDeliveryMethod": "Email" if email else "Print",
        "BillAddr": _bill_addr(row, index),
        "MetaData": {"CreateTime": qbo_time(created), "LastUpdatedTime": qbo_time(updated)},
    }
    if company:
        customer["CompanyName"] = company
    if person and person != "Walk-in Rentals":
        given, _, family = person.partition(" ")
        customer["GivenName"], customer["FamilyName"] = given, family
    if email:
        customer["PrimaryEmailAddr"] = {"Address": email}
    if row.phone:
        customer["PrimaryPhone"] = {"FreeFormNumber": _qbo_phone(row.phone)}
    if row.website:
        customer["WebAddr"] = {"URI": row.website}
    return customer


# ---------------------------------------------------------------------------------------------------


@dataclass
class Shop:
    """The seeded shop: Notion data sources, pages and users, QuickBooks customers (plain JSON dicts)."""

    notion_data_sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    notion_pages: dict[str, dict[str, Any]] = field(default_factory=dict)
    notion_users: list[dict[str, Any]] = field(default_factory=list)
    quickbooks_customers: list[dict[str, Any]] = field(default_factory=list)

    def pages_in(self, data_source_id: str) -> list[dict[str, Any]]:
        """Pages whose parent is this data source, in seed order."""
        return [p for p in self.notion_pages.values() if p["parent"].get("data_source_id") == data_source_id]

    def notion_clients(self) -> list[dict[str, Any]]:
        """Every page of the Clients data source."""
        return self.pages_in(NOTION_CLIENTS_DATA_SOURCE_ID)

    def notion_orders(self) -> list[dict[str, Any]]:
        """Every page of the Orders data source."""
        return self.pages_in(NOTION_ORDERS_DATA_SOURCE_ID)

    def notion_pipeline(self) -> list[dict[str, Any]]:
        """Every page (deal) of the Pipeline data source."""
        return self.pages_in(NOTION_PIPELINE_DATA_SOURCE_ID)

    def copy(self) -> Shop:
        """A deep copy that a simulator may mutate freely."""
        return copy.deepcopy(self)


def build_shop() -> Shop:
    """Build the seeded costume shop. Deterministic: every call returns an equal, independent ``Shop``."""
    users = _users()
    managers = [u for u in users if u["type"] == "person"][: len(_MANAGERS)]
    order_pages, orders_by_client = _orders(managers)
    rng = random.Random(2026)
    clients = {}
    for number, row in enumerate(_NOTION_ORDER, start=1):
        page = _client_page(row, number, orders_by_client.get(row.key, []), managers, rng)
        clients[page["id"]] = page
    customers = [_qbo_customer(row, i, rng) for i, row in enumerate(_QBO_ORDER)]
    shop = Shop(
        notion_data_sources={
            NOTION_CLIENTS_DATA_SOURCE_ID: _data_source(
                NOTION_CLIENTS_DATA_SOURCE_ID, NOTION_CLIENTS_DATABASE_ID, "Clients", _clients_schema()
            ),
            NOTION_ORDERS_DATA_SOURCE_ID: _data_source(
                NOTION_ORDERS_DATA_SOURCE_ID, NOTION_ORDERS_DATABASE_ID, "Orders", _orders_schema()
            ),
        },
        notion_pages={**clients, **order_pages},
        notion_users=users,
        quickbooks_customers=customers,
    )
    # Imported here: seed_pipeline builds on this module (and on seed_sales, which builds on it too).
    from hub.sandbox.seed_pipeline import add_sales_pages

    add_sales_pages(shop)
    return shop
