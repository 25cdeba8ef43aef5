"""Identity resolution cases: rule precedence, uniqueness, the same-name trap, stable ids, overrides."""

from __future__ import annotations

import pytest

from hub.identity import Candidate, LinkDecision, entity_id_for, normalise_company, resolve

P = ("notion", "quickbooks")


def n(ext: str, **kw) -> Candidate:
    return Candidate("notion", ext, **kw)


def q(ext: str, **kw) -> Candidate:
    return Candidate("quickbooks", ext, **kw)


def groups(resolution) -> set[frozenset[tuple[str, str]]]:
    by_entity: dict[str, set[tuple[str, str]]] = {}
    for link in resolution.links:
        by_entity.setdefault(link.entity_id, set()).add((link.source, link.external_id))
    return {frozenset(v) for v in by_entity.values()}


def rule(resolution, source: str, ext: str) -> str:
    return next(l.rule for l in resolution.links if (l.source, l.external_id) == (source, ext))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("The Old Vic Theatre Ltd.", "Old Vic Theatre"),
        ("Smith & Jones Productions", "Smith and Jones Productions, Inc."),
        ("Théâtre du Châtelet", "Theatre du Chatelet"),
        ("LYRIC OPERA HOUSE LLC", "Lyric Opera House"),
    ],
)
def test_company_names_that_normalise_equal(a: str, b: str) -> None:
    assert normalise_company(a) == normalise_company(b)


def test_different_companies_stay_different() -> None:
    assert normalise_company("Old Vic Theatre") != normalise_company("Young Vic Theatre")
    assert normalise_company("The Ltd.") is None


def test_explicit_beats_email_and_name() -> None:
    # Notion A names QuickBooks 2 explicitly even though its email matches QuickBooks 1.
    r = resolve(
        [
            n("A", email="x@a.com", company="Acme", is_business=True, links={"quickbooks": "2"}),
            q("1", email="x@a.com", company="Acme", is_business=True),
            q("2", email="other@a.com"),
        ],
        [],
        P,
    )
    assert frozenset({("notion", "A"), ("quickbooks", "2")}) in groups(r)
    assert frozenset({("quickbooks", "1")}) in groups(r)
    assert rule(r, "quickbooks", "2") == "explicit"
    assert rule(r, "quickbooks", "1") == "single"


def test_email_then_name() -> None:
    r = resolve(
        [
            n("A", email="Ops@Globe.org"),
            q("1", email="ops@globe.org "),
            n("B", company="Old Vic Theatre", is_business=True),
            q("2", company="The Old Vic Theatre Ltd.", is_business=True),
        ],
        [],
        P,
    )
    assert groups(r) == {
        frozenset({("notion", "A"), ("quickbooks", "1")}),
        frozenset({("notion", "B"), ("quickbooks", "2")}),
    }
    assert rule(r, "notion", "A") == "email"
    assert rule(r, "quickbooks", "2") == "name"
    assert {l.confidence for l in r.links if l.rule == "name"} == {0.75}


def test_private_clients_with_the_same_name_are_not_merged() -> None:
    r = resolve(
        [
            n("A", company="Maya Ortiz", email="maya@home.net", is_business=False),
            q("1", company="Maya Ortiz", email="m.ortiz@elsewhere.com", is_business=False),
        ],
        [],
        P,
    )
    assert len(groups(r)) == 2


def test_ambiguous_email_is_not_guessed() -> None:
    # Two QuickBooks customers share one email: neither is matched to the Notion client by email.
    r = resolve(
        [n("A", email="box@theatre.org"), q("1", email="box@theatre.org"), q("2", email="box@theatre.org")],
        [],
        P,
    )
    assert len(groups(r)) == 3


def test_explicit_link_to_a_record_not_read_yet_still_links() -> None:
    # QuickBooks was down: its record is absent, but Notion's link property is enough to link.
    r = resolve([n("A", links={"quickbooks": "58"})], [], P)
    assert groups(r) == {frozenset({("notion", "A"), ("quickbooks", "58")})}


def test_ids_are_deterministic_and_stable_across_runs() -> None:
    cands = [n("A", email="a@x.com"), q("1", email="a@x.com"), q("2")]
    first = resolve(cands, [], P)
    again = resolve(cands, first.links, P)
    assert {(l.source, l.external_id, l.entity_id) for l in first.links} == {
        (l.source, l.external_id, l.entity_id) for l in again.links
    }
    assert first.entity_of("notion", "A") == entity_id_for("notion", "A")
    assert first.entity_of("quickbooks", "2") == entity_id_for("quickbooks", "2")


def test_late_match_keeps_anchor_id_and_aliases_the_absorbed_one() -> None:
    before = resolve([n("A"), q("1", email="a@x.com")], [], P)
    qb_alone = before.entity_of("quickbooks", "1")
    after = resolve([n("A", email="a@x.com"), q("1", email="a@x.com")], before.links, P)
    assert after.entity_of("quickbooks", "1") == before.entity_of("notion", "A")
    assert after.merged == {qb_alone: before.entity_of("notion", "A")}


def test_split_group_gives_each_part_its_own_id() -> None:
    before = resolve([n("A", email="a@x.com"), q("1", email="a@x.com")], [], P)
    after = resolve([n("A", email="a@x.com"), q("1", email="changed@x.com")], before.links, P)
    assert after.entity_of("notion", "A") == before.entity_of("notion", "A")
    assert after.entity_of("quickbooks", "1") != after.entity_of("notion", "A")
    assert after.merged == {}


def test_overrides_win_and_are_kept() -> None:
    manual = LinkDecision("quickbooks", "1", "E-manual", "manual", 1.0, overridden=True)
    r = resolve([n("A", email="a@x.com"), q("1", email="a@x.com")], [manual], P)
    assert r.entity_of("quickbooks", "1") == "E-manual"
    assert r.entity_of("notion", "A") != "E-manual"
    assert next(l for l in r.links if l.source == "quickbooks").overridden


def test_override_onto_an_existing_entity_shares_its_id() -> None:
    first = resolve([n("A"), q("1")], [], P)
    entity_a = first.entity_of("notion", "A")
    manual = LinkDecision("quickbooks", "1", entity_a, "manual", 1.0, overridden=True)
    again = resolve([n("A"), q("1")], [*first.links, manual], P)
    assert again.entity_of("notion", "A") == again.entity_of("quickbooks", "1") == entity_a
