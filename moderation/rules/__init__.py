"""The published comment policy as an ordered list of checks, built from settings."""

from __future__ import annotations

from ..decision import Rule
from ..errors import ConfigError
from ..settings import Settings
from .arabic import ArabicAbuse, load_lexicon
from .attacks import Attacks
from .corrections import Corrections
from .defamation import Defamation
from .incitement import Incitement
from .language import Language, load_words
from .length import Length
from .threats import Threats
from .wordlists import WordList, load_terms


def build_rules(settings: Settings, classifier: Rule | None = None) -> list[Rule]:
    """Every check the service runs, in the order the site's rules are written.

    The classifier, when there is one, is handed in: rules never load models.
    """
    policy = {pid: p.text for pid, p in settings.policies.items()}
    rules = settings.file.rules

    def message(code: str) -> str:
        try:
            return settings.messages[code]
        except KeyError:
            raise ConfigError(f"messages.{code}", "missing: every reason code needs a message") from None

    return [
        # "Readers are asked to limit their feedback to a maximum of 1000 characters."
        Length(
            max_chars=rules.length.max_chars, rule=policy["length"],
            too_long_message=message("too_long"), empty_message=message("empty"),
        ),
        # Not a published rule: the site publishes English; other languages go to a moderator.
        Language(rule="", message=message("unsupported_language"), words=load_words(),
                 action=rules.language.action),
        # "... rude or abusive language ..." and "... racist remarks ...", written in Arabic: the
        # obvious insults and slurs are rejected; the rest of an Arabic comment waits for a moderator.
        *([ArabicAbuse(
            lexicon=load_lexicon(), abuse_rule=policy["abuse"], incitement_rule=policy["incitement"],
            abuse_message=message("abusive_language"), identity_hate_message=message("identity_hate"),
            actions=rules.arabic_abuse.model_dump(exclude={"enabled"}),
        )] if rules.arabic_abuse.enabled else []),
        # "We will not publish comments which contain rude or abusive language ..."
        WordList(
            code="abusive_language", policy="abuse", rule=policy["abuse"],
            message=message("abusive_language"), terms=load_terms("abusive_language"),
            actions=rules.abusive_language.model_dump(),
        ),
        # "... personal attacks against any person/s" and "... personal attacks, slander or
        # fabrications directed against our reporters and contributing writers": insults and their target.
        Attacks(
            abuse_rule=policy["abuse"], writers_rule=policy["writers"],
            personal_attack_message=message("personal_attack_target"),
            attack_on_writer_message=message("attack_on_writer"), actions=rules.attacks.model_dump(),
        ),
        # "... rude or abusive language ... against any person/s": threats of violence, explicit or veiled.
        Threats(rule=policy["abuse"], message=message("threat"), **rules.threats.model_dump()),
        # "... libelous statements, slander ..." and "... slander or fabrications directed against our
        # reporters and contributing writers": a machine cannot judge truth, so a moderator does.
        Defamation(rule=policy["abuse"], writers_rule=policy["writers"], message=message("defamation")),
        # "... racist remarks or any kind of racial or religious incitement against any group."
        WordList(
            code="identity_hate", policy="incitement", rule=policy["incitement"],
            message=message("identity_hate"), terms=load_terms("identity_hate"),
            actions=rules.identity_hate.model_dump(),
        ),
        # "... racial or religious incitement against any group of people, in Egypt or outside it."
        Incitement(
            rule=policy["incitement"], identity_hate_message=message("identity_hate"),
            incitement_message=message("incitement"), actions=rules.incitement.model_dump(),
        ),
        # The trained model reads every comment for abuse, attacks, hate and threats.
        *([classifier] if classifier is not None else []),
        # "We reserve the right to correct ... obvious errors in spelling": suggestions only.
        *([Corrections(min_length=rules.corrections.min_length, max_suggestions=rules.corrections.max_suggestions,
                       keep=rules.corrections.keep)] if rules.corrections.enabled else []),
    ]
