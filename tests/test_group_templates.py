"""Neutral sentences about every group of groups.yaml: no rule of the incitement policy may flag them."""

from __future__ import annotations

import pytest

from moderation.decision import CommentContext
from moderation.rules.incitement import Incitement, load_data
from moderation.rules.wordlists import WordList, load_terms

GROUPS = load_data("groups.yaml")["groups"]

# Each template names the form of a group's term it takes (see groups.yaml).
TEMPLATES = [
    ("singular", "I am a proud {}"),
    ("adjective", "my {} neighbours are lovely"),
    ("adjective", "{} people live in Cairo"),
    ("adjective", "{} communities celebrated the holiday"),
    ("adjective", "I have many {} friends"),
    ("singular", "As a {}, I disagree with the article"),
    ("plural", "Many {} live and work in Cairo"),
]


def sentences() -> list[str]:
    """Every template filled with every form its slot takes, of every group."""
    out = []
    for form, template in TEMPLATES:
        for group in GROUPS:
            for term in group.get(form, ()):
                text = template.format(term)
                out.append(text[0].upper() + text[1:])
    return out


SENTENCES = sentences()


@pytest.fixture(scope="module")
def rules() -> list:
    actions = {"severe": "reject", "mild": "review"}
    return [
        Incitement(rule="No incitement.", identity_hate_message="Racist remarks are not published.",
                   incitement_message="Incitement is not published.",
                   actions={"identity_hate": "reject", "incitement": "reject"}),
        WordList(code="identity_hate", policy="incitement", rule="No incitement.",
                 message="Slurs are not published.", terms=load_terms("identity_hate"), actions=actions),
        WordList(code="abusive_language", policy="abuse", rule="No abuse.",
                 message="Abuse is not published.", terms=load_terms("abusive_language"), actions=actions),
    ]


def test_every_group_has_every_form() -> None:
    for group in GROUPS:
        assert group["kind"] in ("religion", "people", "other"), group
        for form in ("singular", "plural", "adjective"):
            assert group.get(form), f"{group['term']} has no {form} form"
            assert all(isinstance(t, str) and t == t.lower() for t in group[form]), group
        assert set(group.get("everyday", ())) <= {f for k in ("singular", "plural", "adjective") for f in group[k]}


def test_templates_cover_every_group() -> None:
    assert len(SENTENCES) >= 6 * len(GROUPS)
    for group in GROUPS:
        assert any(group["singular"][0] in s.lower() for s in SENTENCES)


@pytest.mark.parametrize("text", SENTENCES)
def test_neutral_sentence_about_a_group_is_not_flagged(rules, text: str) -> None:
    ctx = CommentContext.build(text)
    found = [(v.reason.code, [s.text for s in v.reason.spans]) for rule in rules for v in rule(ctx) if v.reason]
    assert found == []


def test_the_whole_service_publishes_the_template_sentences() -> None:
    """Every rule and the served model together accept every neutral mention of every group.

    The model reads comments without group names (moderation/classifier/model_input.py);
    a model that read them held some of these for review (benchmarks/results/model_input.md).
    """
    from moderation import Moderator

    from .conftest import CONFIG

    moderator = Moderator.from_config(CONFIG)
    held = {text: (d.decision, [r.code for r in d.reasons])
            for text, d in zip(SENTENCES, moderator.check_many(SENTENCES)) if d.decision != "accept"}
    assert held == {}
