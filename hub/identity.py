"""Identity resolution: which records, across sources, are one real customer.

Rules, strongest first (DESIGN.md "IDs"):

1. ``explicit``  a record names its counterpart (Notion's "QuickBooks ID" property)   confidence 1.0
2. ``email``     the same normalised email on both sides, unique on each side          confidence 0.9
3. ``name``      the same normalised *company* name, unique on each side               confidence 0.75

Only business records take part in name matching: two private clients who share a person's name are
not assumed to be one person. Overrides (``manual``) are never touched by resolution.

Resolution is a pure function of the current records and the stored links, so running it twice gives
the same answer, and an entity's id is stable: a group keeps the id of its anchor (the record of the
highest-precedence source), derived deterministically, and a group that absorbs another keeps the
other's id as an alias (``merged_into``).
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = ["Candidate", "LinkDecision", "Resolution", "entity_id_for", "normalise_company", "resolve"]

_NAMESPACE = uuid.UUID("6f1d9a52-3c0b-4f5e-9a1d-2b7c4e8f0a13")
RULE_CONFIDENCE = {"explicit": 1.0, "email": 0.9, "name": 0.75, "manual": 1.0, "single": 1.0}

# Legal forms and filler words that differ between how sales and accounting spell a company.
_STOPWORDS = {
    "the",
    "inc",
    "incorporated",
    "llc",
    "ltd",
    "limited",
    "co",
    "corp",
    "corporation",
    "company",
    "plc",
    "gmbh",
    "llp",
    "lp",
    "pty",
    "sa",
    "srl",
    "bv",
}


def normalise_company(name: str | None) -> str | None:
    """Lower-case, strip accents, '&' → 'and', drop punctuation and legal forms.

    >>> normalise_company("The Old Vic Theatre Ltd.") == normalise_company("Old Vic Theatre")
    True
    """
    if not name:
        return None
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = text.replace("&", " and ").replace("+", " and ")
    words = [w for w in re.split(r"[^a-z0-9]+", text) if w and w not in _STOPWORDS]
    return " ".join(words) or None


def normalise_email(email: str | None) -> str | None:
    return email.strip().lower() if email and "@" in email else None


def entity_id_for(source: str, external_id: str) -> str:
    """The id a new entity anchored on this record gets: stable across stores and re-seeds."""
    return str(uuid.uuid5(_NAMESPACE, f"{source}:{external_id}"))


@dataclass(frozen=True)
class Candidate:
    """What resolution needs to know about one source record."""

    source: str
    external_id: str
    company: str | None = None
    email: str | None = None
    is_business: bool = False
    links: dict[str, str] = field(default_factory=dict)  # {"quickbooks": "58"}

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.external_id)


@dataclass(frozen=True)
class LinkDecision:
    source: str
    external_id: str
    entity_id: str
    rule: str
    confidence: float
    overridden: bool = False


@dataclass
class Resolution:
    links: list[LinkDecision]
    merged: dict[str, str]  # absorbed entity id -> surviving entity id

    def entity_of(self, source: str, external_id: str) -> str | None:
        for link in self.links:
            if (link.source, link.external_id) == (source, external_id):
                return link.entity_id
        return None


class _Groups:
    """Union-find over record keys, remembering the strongest rule that joined each record."""

    def __init__(self) -> None:
        self.parent: dict[tuple[str, str], tuple[str, str]] = {}

    def find(self, key: tuple[str, str]) -> tuple[str, str]:
        self.parent.setdefault(key, key)
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def union(self, a: tuple[str, str], b: tuple[str, str]) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def _unique_index(records: Iterable[Candidate], key) -> dict[str, Candidate]:
    index: dict[str, Candidate] = {}
    dupes: set[str] = set()
    for record in records:
        value = key(record)
        if not value:
            continue
        if value in index:
            dupes.add(value)
        index[value] = record
    return {k: v for k, v in index.items() if k not in dupes}


def resolve(
    candidates: Sequence[Candidate],
    existing: Sequence[LinkDecision],
    precedence: Sequence[str],
    *,
    new_overrides: Sequence[LinkDecision] = (),
) -> Resolution:
    """Group ``candidates`` into entities. ``precedence`` orders sources (system of record first).

    ``existing`` are the stored links; ``new_overrides`` are overrides being set now (they replace any
    stored link of the same record, and the entity that record leaves is aliased to where it went).
    """
    rank = {source: i for i, source in enumerate(precedence)}
    overrides = {(x.source, x.external_id): x for x in (*existing, *new_overrides) if x.overridden}
    previous = {(link.source, link.external_id): link.entity_id for link in existing}

    groups = _Groups()
    rule_of: dict[tuple[str, str], str] = {}
    auto = [c for c in candidates if c.key not in overrides]
    for c in auto:
        groups.find(c.key)

    # 1. explicit links: the target may be missing from this read (its source is down); link it anyway.
    for c in auto:
        for target_source, target_id in c.links.items():
            target = (target_source, target_id)
            if not target_id or target in overrides:
                continue
            groups.union(c.key, target)
            rule_of.setdefault(target, "explicit")
            rule_of.setdefault(c.key, "explicit")

    # 2 and 3: pairwise between each pair of sources, over records not yet joined across that pair.
    sources = sorted({c.source for c in auto}, key=lambda s: rank.get(s, len(rank)))
    for i, left_source in enumerate(sources):
        for right_source in sources[i + 1 :]:
            for rule, keyfn in (
                ("email", lambda c: normalise_email(c.email)),
                ("name", lambda c: normalise_company(c.company) if c.is_business else None),
            ):
                # A record already joined to the other source is not matched again by a weaker rule.
                left_joined = {groups.find(k) for k in groups.parent if k[0] == left_source}
                right_joined = {groups.find(k) for k in groups.parent if k[0] == right_source}
                left = [c for c in auto if c.source == left_source and groups.find(c.key) not in right_joined]
                right = [
                    c for c in auto if c.source == right_source and groups.find(c.key) not in left_joined
                ]
                right_index = _unique_index(right, keyfn)
                for key_value, lc in _unique_index(left, keyfn).items():
                    rc = right_index.get(key_value)
                    if rc is None:
                        continue
                    groups.union(lc.key, rc.key)
                    rule_of.setdefault(lc.key, rule)
                    rule_of.setdefault(rc.key, rule)

    members: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for key in groups.parent:
        members.setdefault(groups.find(key), []).append(key)

    links: list[LinkDecision] = []
    merged: dict[str, str] = {}
    # An override that attaches a record to an entity shares that id with the entity's own group.
    used: set[str] = set()
    ordered_groups = sorted(
        members.values(), key=lambda ks: min((rank.get(k[0], len(rank)), k[1]) for k in ks)
    )
    for keys in ordered_groups:
        keys.sort(key=lambda k: (rank.get(k[0], len(rank)), k[1]))
        anchor = keys[0]
        # Keep an id the group already had (its anchor's first) so ids survive re-resolution; an id
        # is given to one group only, so a group that split hands the old id to its anchor's part.
        prior = list(dict.fromkeys(previous[k] for k in keys if k in previous))
        choices = [*prior, entity_id_for(*anchor)]
        entity_id = next((c for c in choices if c not in used), None) or entity_id_for(
            "split", ":".join(anchor)
        )
        used.add(entity_id)
        for old in prior:
            if old != entity_id:
                merged[old] = entity_id
        for key in keys:
            rule = rule_of.get(key, "single") if len(keys) > 1 else "single"
            links.append(LinkDecision(key[0], key[1], entity_id, rule, RULE_CONFIDENCE[rule]))
    # Overridden links stay exactly as the person set them.
    links.extend(overrides.values())
    # An entity left without any record is an alias of where its first record went, so its id still
    # resolves; an id still in use is never an alias.
    live = {link.entity_id for link in links}
    now_in = {(link.source, link.external_id): link.entity_id for link in links}
    for key, old in sorted(previous.items(), key=lambda kv: (rank.get(kv[0][0], len(rank)), kv[0][1])):
        if old not in live and old not in merged and key in now_in:
            merged[old] = now_in[key]
    merged = {old: new for old, new in merged.items() if old not in live}
    return Resolution(links=links, merged=merged)
