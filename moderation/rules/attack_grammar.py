"""The word lists of the attacks rule, compiled: insults, and the phrases that aim them at someone."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib.resources import files
from typing import Any, Iterable

import yaml

from ..errors import ConfigError
from .english import english_words
from .wordlist_patterns import Form, compile_groups, expand
from .wordlists import load_terms

# Insult classes, in the order compile_groups prefers them when a spelling is in two lists.
WRITERS, ADJECTIVES, THINGS, PEOPLE, THREATS = range(5)
_CLASS_KEYS = ("writers", "adjectives", "things", "people", "threats")
ITEM = "§"  # an insult stands as this one word in the line the phrase patterns read
# Words that end a phrase: a subject preceded by one of these is the object of something else
# ("the decision of the minister is stupid").
BLOCKING = frozenset("""of by from with about to for against than at on in into under over behind toward towards
    like unlike between among without upon after before during via per versus vs""".split())
# Words after which a subject without an article may begin ("I think writer is a hack").
CLAUSE = frozenset("""and but or so because that think believe guess honestly frankly clearly obviously yes no
    well also then now since while when if as sure agree know feel say said cause cuz lol imo imho""".split())
# Words that may follow an insult noun when it ends its phrase: "you are a dog lover" does not end.
NOUN_END = frozenset("""and or but nor who whom whose that which with without of for from in on at to by as than
    so too just really indeed again anymore you he she they is are was were has have had will would should can
    could do does did not never if because since when while then now here there all always ever lol haha hahaha
    period forever anyway seriously sir madam bro mate
    says said thinks keeps wants sold sells lies lied needs knows got gets went goes made makes tried tries claims
    claimed still even also ruined ruins destroyed destroys""".split())
# Words an unknown word between an article and an insult may not be ("a fan of a clown").
STOP = frozenset("""not no never nor and or but of to in on at by for with from about than that which who whom
    is are was were be been being you he she it they we i me him her us them this these those a an the my your
    his its our their do does did what here there""".split())
# Object positions: "thank you", "told you", "like you" are not "you" addressed as an insult.
NOT_VOCATIVE = frozenset("""thank thanks to for with of at about than give gave tell told see saw let made make
    makes love hate like know want need call called calling against from by""".split())
# Verbs that report someone else's words: "the crowd chanted that the minister is a thief".
REPORTING = frozenset("""said says claimed claims chanted chants argued argues alleged alleges insisted
    insists declared declares shouted shouts wrote writes accused accuses think thinks believe believes told
    tells""".split())
_DISMISSALS = ("shut up", "get lost", "go away", "go home", "get out", "shut it", "stfu", "gtfo", "go to hell",
               "piss off", "bugger off", "get a life", "grow up", "stop being a", "stop being an",
               "stop being such a", "stop being so", "quit being a", "quit being an", "quit being such a",
               "quit being so")


def alternation(words: Iterable[str]) -> str:
    """A non-capturing regex group matching any of the words or phrases, longest first.

    Written as a trie ("an|a" as "a(?:n)?"): only words sharing a prefix can match at one
    place, and among those the longer is tried first, as in a list sorted longest first;
    but the regex engine follows one branch per character instead of trying every word.
    """
    trie: dict = {}
    for word in set(words):
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return "(?:" + _branches(trie) + ")"


def _branches(node: dict) -> str:
    branches = [re.escape(char) + _branches(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


@lru_cache(maxsize=4)
def load_grammar(name: str = "attacks") -> "Grammar":
    """The compiled lists of moderation/rules/data/<name>.yaml (compiled once per process)."""
    where = f"rules/data/{name}.yaml"
    try:
        raw = yaml.safe_load(files("moderation.rules").joinpath("data", f"{name}.yaml").read_text("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(where, f"cannot read the attack word lists: {exc}") from exc
    try:
        _check_words(raw)
        return Grammar(raw)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise ConfigError(where, f"missing or malformed list: {exc!r}") from exc


def _last_words(phrases: Iterable[str]) -> frozenset[str]:
    return frozenset(p.split()[-1] for p in phrases)


def _check_words(raw: Any) -> None:
    """Every leaf of the lists is a string: YAML reads a bare yes, no or true as a boolean."""
    leaves = raw.values() if isinstance(raw, dict) else raw
    for leaf in leaves:
        if isinstance(leaf, (dict, list)):
            _check_words(leaf)
        elif not isinstance(leaf, str):
            raise ValueError(f"{leaf!r} is not a word; quote it")


class Grammar:
    """Insult patterns over the skeleton view, and phrase patterns over the comment's line of words.

    The line is the comment's words joined by single spaces, each insult replaced by ITEM, so a
    pattern such as "the author is an ITEM" reads like the comment it matches.
    """

    def __init__(self, raw: dict[str, Any]) -> None:
        words, targets = raw["insults"], raw["targets"]
        groups: list[list[Form]] = [[f for term in words[key] for f in expand(term)] for key in _CLASS_KEYS]
        profanity = raw["profanity"]
        skipped = set(profanity["except"])
        groups[PEOPLE] += [f for term in load_terms(profanity["list"]) for f in expand(term.term)
                           if not f.any_prefix and f.text not in skipped]
        self.items, self.item_class = compile_groups(groups)
        plain = [f.text for key in (ADJECTIVES, THINGS, PEOPLE) for f in groups[key] if " " not in f.text]
        # Letters spelled out one by one glue an article to the insult: "a d o n k e y" -> "adonkey".
        glued = rf"(?:(?P<you>you|u|ya)(?P<are>are|r|re)?)?(?P<article>an|a)?(?P<item>{alternation(plain)})"
        self.glued = re.compile(glued)
        self.glued_hint = re.compile(rf"(?<![^\W_]){glued}(?![^\W_])")
        self.labels: dict[str, str] = dict(raw["labels"])
        self.writer_nouns = frozenset(targets["writer_nouns"])
        self.roles = frozenset(targets["roles"])
        self.person_words = frozenset(targets["person_words"])
        self.addressed_words = frozenset(targets["addressed_words"])
        self.honorifics = frozenset(targets["honorifics"])
        self.figures = frozenset(targets["figures"])
        self.not_persons = frozenset(targets["not_persons"])
        self.criminals = frozenset(targets["criminals"])
        self.victim_cues = frozenset(targets["victim_cues"])
        # "in [the, Mahfouz's, ...] novel" up to the epithet: a character, not a person.
        self.fiction = re.compile(rf"\bin (?:\S+ ){{0,3}}?{alternation(targets['fiction'])}\b")
        self.fiction_cues = re.compile(rf"(?<![^\W_]){alternation(targets['fiction_cues'])}(?![^\W_])")
        # A word after an insult that is no English word is taken for a name (see attack_targets).
        self.vocabulary = english_words()
        self.determiners = frozenset(targets["writer_determiners"]) | frozenset(targets["role_determiners"])
        # The last word of each kind of subject: a cheap test before the subject patterns run.
        self.reader_last = _last_words(targets["reader"])
        self.writer_last = _last_words(targets["writer_nouns"]) | _last_words(targets["article_nouns"]) | {
            "this", "that", "the", "ahram", "online", "al-ahram"}
        self.person_last = _last_words(targets["roles"]) | self.person_words | frozenset(targets["pronouns"])
        # Words without one of which no comment speaks to the writer as "you".
        self.writer_cues = _last_words(targets["writer_nouns"]) | {"your", "wrote", "write", "yourself"}
        self._compile(raw, targets)

    def _compile(self, raw: dict[str, Any], t: dict[str, Any]) -> None:
        fill = rf"(?:{alternation(raw['fillers'])}|{ITEM}) "
        article = rf"{alternation(raw['articles'])} "
        unknown = rf"(?!{alternation(STOP)} |{ITEM} )[^\W\d_][^ ]* "
        # Up to two unknown words may precede the insult, but only after an article: "an American
        # puppet", never "you are calling Sisi a clown".
        phrase = rf"(?:{fill}|{article})*(?:{article}(?:{fill})*(?:{unknown}){{1,2}}(?:{fill})*)?"
        # One plain noun phrase may come first: "Haftar is a war criminal and a clown".
        conjunct = rf"(?:{article}(?:{unknown}){{1,2}}(?:and |, ))?"
        aux = rf"(?:{alternation(raw['auxiliaries'])} )*"
        cop = rf"(?P<cop>{alternation(raw['copulas'])}) "
        wnoun, wqual = alternation(t["writer_nouns"]), alternation(t["writer_qualifiers"])
        work, verb = alternation(t["article_nouns"]), alternation(t["writer_verbs"])
        this = "(?:this|that|the)"
        at = r"(?<![^ ])"  # a pattern starts at a word
        # Each lead: its name, its pattern, how many words back it may reach, and the words of which
        # one must be in reach before the pattern is worth running (None: always run it).
        copula_words = {c.split()[0] for c in raw["copulas"]}
        self.leads = [
            ("chain", re.compile(rf"{at}{ITEM} (?:, |and |or |, and |& |and also |but also |if not |nor )"
                                 rf"(?:{fill}|{article})*\Z"), 8, frozenset({ITEM})),
            ("copula", re.compile(rf"{at}{aux}{cop}{conjunct}{phrase}\Z"), 15, frozenset(copula_words)),
            ("asked", re.compile(rf"{at}(?:are|were) you (?:(?:{fill})*(?:this|that) )?{phrase}\Z"), 9, frozenset({"you"})),
            ("vocative", re.compile(rf"{at}(?:(?:you|hey|oi)(?: people| guys| lot| all| two)? (?:[,:\-] )?"
                                    rf"|@[^ ]* [,:\-] )(?:{fill})*\Z"), 7, None),
            ("dismissal", re.compile(rf"{at}{alternation(_DISMISSALS)} (?:[,!.:\-] )?(?:you )?(?:{fill})*\Z"), 9,
             frozenset(w.split()[-1] for w in _DISMISSALS)),
            ("apposition", re.compile(rf"{at}, (?:{fill}|{article})*\Z"), 7, frozenset({","})),
            ("pointing", re.compile(rf"{at}(?:this|these|those|that) (?:{fill})*\Z"), 6,
             frozenset({"this", "these", "those", "that"})),
            ("asked_writer", re.compile(rf"{at}(?:is|was) (?:{this}|ahram's|ahram) (?:{wqual} )?{wnoun} {phrase}\Z"),
             14, frozenset({"is", "was"})),
        ]
        self.denial = re.compile(rf"{at}(?:not|never) (?:[^ ]+ )?(?:think|thinking|say|saying|said|call|calling|"
                                 rf"mean|suggest|suggesting|implying|believe|claim|claiming) ")
        self.threat_lead = re.compile(
            rf"{at}{aux}(?P<cop>should|must|ought to|deserves? to|needs? to|has to|have to|will|shall) "
            rf"(?:really |all |publicly )?be (?:{fill})*\Z")
        self.reader_subject = re.compile(rf"{at}(?:{alternation(t['reader'])}|@[^ ]*) \Z")
        self.writer_subject = re.compile(
            rf"{at}(?:(?:(?P<det>{alternation(t['writer_determiners'])}) )?(?:{wqual} )?{wnoun}"
            rf"(?: of (?:{this}|ahram|ahram online|al-ahram)(?: {work})?| who {verb} {this}(?: {work})?)?"
            rf"|(?P<who>whoever {verb} {this}(?: {work})?"
            rf"|(?:{this} )?(?:one|person|guy|man|woman|people|{ITEM}) who {verb} {this}(?: {work})?"
            rf"|(?:people|those|men|guys) like {this} (?:{wqual} )?{wnoun})) \Z")
        self.person_subject = re.compile(
            rf"{at}(?:(?P<pronoun>{alternation(t['pronouns'])})|(?:{alternation(t['role_determiners'])}|[^ ]+'s) "
            rf"(?:{unknown}){{0,2}}{alternation(list(t['roles']) + list(t['person_words']))}"
            rf"(?: of (?:the )?(?:{unknown})?[^\W\d_][^ ]*)?) \Z")
        self.determiner_before = re.compile(
            rf"{at}(?:{alternation(self.determiners | set(raw['articles']))}|[^ ]+'s) (?:{fill})*\Z")
        self.right = [
            ("writer", re.compile(rf"(?:of (?:an?|the) )?(?:{wqual} )?{wnoun} ")),
            ("writer_is", re.compile(rf"{this} (?:{wqual} )?{wnoun} (?:is |was |[.!?] |\Z)")),
            ("writer_who", re.compile(rf"(?:who|that) {verb} {this} ")),
            ("role", re.compile(rf"(?:of (?:an?|the) )?{alternation(t['roles'])} ")),
            ("like_you", re.compile(r"(?:like|as|such as) (?:you|yourself|yourselves) ")),
            ("you_are", re.compile(r"you (?:are|were) (?:[.!?,] |\Z)")),
        ]
        address = alternation(t["writer_address"])
        self.writer_address = re.compile(
            rf"{at}(?:{address} (?:\. )?(?:{wqual} )?{wnoun} |@(?:{wnoun}) "
            rf"|(?:your|you are) {alternation(t['writer_work'])} |you (?:wrote|write|call yourself|claim to be) "
            rf"|(?:^|[.!?] )(?:{wqual} )?{wnoun} [,:!] )")
