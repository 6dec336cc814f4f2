"""The word-list rule: disguises caught with exact spans, hard negatives left alone, actions per severity."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moderation.decision import CommentContext
from moderation.errors import ConfigError
from moderation.rules.wordlist_patterns import MASKED_WORD, TRAILING_MASK, expand, mask_window
from moderation.rules.wordlists import Term, WordList, load_terms

from .rule_helpers import cost_over_prose

ACTIONS = {"severe": "reject", "mild": "review"}


def make_rule(terms, actions=ACTIONS, code="abusive_language"):
    return WordList(code=code, policy="abuse", rule="No rude or abusive language.",
                    message="Rude or abusive language is not published.", terms=terms, actions=actions)


@pytest.fixture(scope="module")
def abusive():
    return make_rule(load_terms("abusive_language"))


@pytest.fixture(scope="module")
def identity():
    return make_rule(load_terms("identity_hate"), code="identity_hate")


def run(rule, text):
    return list(rule(CommentContext.build(text)))


def spans(rule, text):
    """The span texts of the rule's one verdict, each checked to index the original text."""
    verdicts = run(rule, text)
    assert len(verdicts) <= 1
    found = verdicts[0].reason.spans if verdicts else ()
    assert all(text[span.start:span.end] == span.text for span in found)
    return [span.text for span in found]


@pytest.mark.parametrize("text, found", [
    ("f*ck", "f*ck"), ("f**k", "f**k"), ("f***ing", "f***ing"), ("f.u.c.k", "f.u.c.k"),
    ("f u c k", "f u c k"), ("fuuuck", "fuuuck"), ("FUCK", "FUCK"), ("sh1t", "sh1t"),
    ("a$$hole", "a$$hole"), ("1d10t", "1d10t"), ("s-h-i-t", "s-h-i-t"), ("b!tch", "b!tch"),
    ("fu\u0441k", "fu\u0441k"),                      # Cyrillic es
    ("\u0456diot", "\u0456diot"),                    # Cyrillic i
    ("f\u200buck", "f\u200buck"),                    # zero-width space inside
    ("f\u200duck\u200c", "f\u200duck"),              # joiners inside and after
    ("\uff46\uff55\uff43\uff4b", "\uff46\uff55\uff43\uff4b"),  # fullwidth
    ("\u202efuck\u202c", "fuck"),                    # bidi override around it
    ("f\u0308u\u0301ck", "f\u0308u\u0301ck"),        # combining accents
    ("motherf***er", "motherf***er"), ("sh#t", "sh#t"), ("clusterfuck", "clusterfuck"),
    ("khara", "khara"), ("a7a", "a7a"), ("kos om", "kos om"),  # Arabizi
    ("fcking", "fcking"), ("fckin", "fckin"),        # respelled without a vowel
])
def test_disguises_are_caught_with_the_span_the_commenter_wrote(abusive, text, found):
    assert spans(abusive, f"Well, {text}!") == [found]


def test_several_matches_give_one_verdict_with_every_span(abusive):
    text = "You are a f*cking 1d10t, a stupid little sh1t and an IDIOT."
    [verdict] = run(abusive, text)
    reason = verdict.reason
    assert [s.text for s in reason.spans] == ["f*cking", "1d10t", "stupid", "sh1t", "IDIOT"]
    assert [s.start for s in reason.spans] == sorted(s.start for s in reason.spans)
    assert all(a.end < b.start for a, b in zip(reason.spans, reason.spans[1:]))
    assert reason.action == "reject"  # the severe terms win over the mild ones
    assert (reason.code, reason.policy, reason.source) == ("abusive_language", "abuse", "wordlist")
    assert reason.score is None
    assert reason.rule == "No rude or abusive language."
    assert reason.message == "Rude or abusive language is not published."


HARD_NEGATIVES = [
    "Scunthorpe", "assassination", "assassin", "cocktail", "Dickens", "Essex", "therapist", "Shiitake",
    "classic", "grass", "passion", "analysis", "scrap", "Penistone", "Hancock", "Sussex", "sextant",
    "raccoon", "niggardly", "snigger", "Niger", "Nigeria", "Moscow", "spice", "spicy", "Japanese",
    "Pakistan", "hello", "shitake", "Matsushita", "Arsenal", "cumulative", "summa cum laude", "Twitter",
    "Dick Cheney", "a chink in the armour", "woop woop", "Wogan", "krautrock", "bassist", "document",
    "button", "Titanic", "pricked", "scrapped", "Cockburn", "Sextus", "Hitchcock", "assess", "assesses",
    "Chris Pratt", "a Wankel engine", "shiitake mushrooms", "Pakistani", "Dickensian",
    "negroid", "Hindus", "a cricket match under the moon", "the Holocaust museum", "a mud race in Fayoum",
    "3abd el rahman scored twice", "Abd el-Rahman", "kosa mahshi", "the kos of the story",
    "the Kharga oasis", "Saqqara and Sakhara", "a7med scored",
    "The A55 road and the B52s cost $5bn in 2024!", "I am a b c", "e.g. a cat",
    "NATO and Russian military brass held talks after Moscow's airport bombing; the analyst called "
    "the assassination plot a classic passion project of the Essex and Sussex therapists.",
]


@pytest.mark.parametrize("text", HARD_NEGATIVES)
def test_innocent_words_containing_terms_are_left_alone(abusive, identity, text):
    assert run(abusive, text) == []
    assert run(identity, text) == []


@pytest.mark.parametrize("text, found", [
    ("sandnigger", "sandnigger"), ("a towel-head", "towel-head"), ("k\u0456ke", "k\u0456ke"),
    ("Sons of apes and pigs", "Sons of apes and pigs"), ("n1gg3r", "n1gg3r"), ("raghead", "raghead"),
])
def test_identity_slurs_are_caught(identity, text, found):
    assert spans(identity, text) == [found]


def test_stretched_runs_stand_for_one_letter_or_two_but_plain_doubles_are_exact(abusive):
    """"fuuuuck" and "asssss" are stretched; "assess" has a plain double and is not "asses"."""
    assert spans(abusive, "fuuuuck, asssss, shiiiit") == ["fuuuuck", "asssss", "shiiiit"]
    assert spans(abusive, "asses") == ["asses"]
    assert run(abusive, "assess") == []


def test_mild_only_comment_goes_to_review(abusive):
    [verdict] = run(abusive, "What an idiot.")
    assert verdict.reason.action == "review"


def test_ignored_severity_is_not_even_reported():
    rule = make_rule([Term("idiot", "mild"), Term("fuck", "severe")], {"severe": "reject", "mild": "ignore"})
    assert run(rule, "What an idiot.") == []
    [verdict] = run(rule, "fuck, what an idiot")
    assert [s.text for s in verdict.reason.spans] == ["fuck"]


def test_actions_follow_the_mapping_not_the_severity_name():
    rule = make_rule([Term("idiot", "mild"), Term("fuck", "severe")], {"severe": "review", "mild": "reject"})
    assert run(rule, "fuck")[0].reason.action == "review"
    assert run(rule, "fuck you idiot")[0].reason.action == "reject"


def test_a_term_listed_twice_takes_its_most_severe_action():
    rule = make_rule([Term("idiot", "mild"), Term("idiot{,s}", "severe")])
    assert run(rule, "idiot")[0].reason.action == "reject"


def test_declared_variants_match_and_undeclared_ones_do_not():
    rule = make_rule([Term("idiot{,s}", "mild")])
    assert spans(rule, "idiots and an idiot") == ["idiots", "idiot"]
    assert run(rule, "idiotic") == []


def test_wildcards_extend_a_stem_only_where_declared():
    rule = make_rule([Term("cunt*", "severe"), Term("*fuck*", "severe")])
    assert spans(rule, "cuntish motherfucking") == ["cuntish", "motherfucking"]
    assert run(rule, "Scunthorpe") == []


def test_phrases_allow_spaces_hyphens_or_nothing_between_words():
    rule = make_rule([Term("son of a bitch", "severe")])
    for text in ["son of a bitch", "son-of-a-bitch", "sonofabitch", "Son  of_a bitch"]:
        assert spans(rule, text) == [text]
    assert run(rule, "son. Of a bitch") == []


@pytest.mark.parametrize("text", ["*uck", "***", "f*", "a*b", "s*x", "*** stars"])
def test_masks_never_stand_for_the_first_letter_or_a_whole_word(abusive, text):
    assert run(abusive, text) == []


@pytest.mark.parametrize("text, masked", [("F*** this government", "F***"), ("This is bull****.", "bull****"),
                                          ("f** off", "f**"), ("what the f#### is this", "f####")])
def test_a_word_masked_to_its_end_is_held_never_rejected_on_a_guess(text, masked):
    rule = make_rule([Term("fuck", "severe"), Term("bullshit", "severe")])
    [verdict] = run(rule, text)
    assert verdict.reason.action == "review"
    assert [span.text for span in verdict.reason.spans] == [masked]


@pytest.mark.parametrize("text", ["g*** news", "f******** policy", "Mr. F*", "f***x"])
def test_a_mask_that_no_listed_word_fits_is_left_alone(text):
    assert run(make_rule([Term("fuck", "severe")]), text) == []


@pytest.mark.parametrize("text", ["Mr. S*** told the court", "Mrs S*** said so", "as Dr. F*** wrote"])
def test_a_name_masked_after_a_title_is_left_alone(text):
    assert run(make_rule([Term("shit", "severe"), Term("fuck", "severe")]), text) == []


@pytest.mark.parametrize("text", ["Mr. F*** you", "Sir F*** off, all of you", "Dr. F*** yourself"])
def test_a_title_does_not_spare_a_masked_word_no_name_could_be(text):
    [verdict] = run(make_rule([Term("fuck", "severe")]), text)
    assert verdict.reason.action == "review"
    assert verdict.reason.spans[0].text == "F***"


def test_a_title_spares_only_the_masked_word_right_after_it():
    rule = make_rule([Term("shit", "severe")])
    assert [span.text for span in run(rule, "Mr. Smith said s*** again")[0].reason.spans] == ["s***"]
    assert run(rule, "Mr. S*** said shit")[0].reason.action == "reject"


def test_a_masked_ending_keeps_a_stronger_find_and_ignored_severities_ignored():
    rule = make_rule([Term("fuck", "severe"), Term("shit", "severe")])
    assert run(rule, "shit, f***")[0].reason.action == "reject"
    assert run(make_rule([Term("fuck", "mild")], actions={"severe": "reject", "mild": "ignore"}), "f***") == []


def test_overlapping_finds_merge_into_one_span(abusive):
    assert spans(abusive, "shithead") == ["shithead"]
    assert spans(abusive, "f*ck f*ck") == ["f*ck", "f*ck"]


@pytest.mark.parametrize("name", ["abusive_language", "identity_hate"])
def test_every_listed_spelling_is_found_when_written_plainly(name):
    """Each list catches every form it declares, so no entry is dead or mistyped."""
    terms = load_terms(name)
    rule = make_rule(terms)
    assert 80 <= len(terms) <= 200 if name == "abusive_language" else 50 <= len(terms) <= 130
    for term in terms:
        for form in expand(term.term):
            assert spans(rule, f"you {form.text} there") == [form.text], (term, form)


@pytest.mark.parametrize("name", ["abusive_language", "identity_hate"])
def test_lists_use_known_severities_without_duplicates(name):
    terms = load_terms(name)
    assert {t.severity for t in terms} <= {"severe", "mild"}
    assert len({t.term for t in terms}) == len(terms)
    assert all(t.term == t.term.lower() for t in terms)


@pytest.mark.parametrize("name", ["../decision", "missing_list", "Abusive"])
def test_unknown_or_unsafe_list_names_are_config_errors(name):
    with pytest.raises(ConfigError):
        load_terms(name)


@pytest.mark.parametrize("terms, actions", [
    ([Term("idiot", "mild")], {"mild": "delete"}),         # unknown action
    ([Term("idiot", "mild")], {"severe": "reject"}),       # severity without an action
    ([Term("idiot{s", "mild")], ACTIONS),                  # unbalanced brace
    ([Term("id*iot", "mild")], ACTIONS),                   # wildcard inside a term
])
def test_bad_settings_fail_at_construction(terms, actions):
    with pytest.raises(ConfigError):
        make_rule(terms, actions)


def test_a_rule_with_nothing_to_find_stays_silent():
    assert run(make_rule([Term("idiot", "mild")], {"mild": "ignore"}), "idiot") == []


INNOCENT_WORDS = ["the", "minister", "said", "budget", "Scunthorpe", "assassination", "cocktail", "Dickens",
                  "Essex", "therapist", "Shiitake", "classic", "grass", "passion", "analysis", "raccoon",
                  "Moscow", "spice", "Japanese", "hello", "2024", "$5", "costs", "we", "really", "agree"]
DISGUISES = ["f*ck", "f**king", "sh1t", "a$$hole", "1d10t", "fu\u0441k", "f\u200buck", "FUUUCK", "f.u.c.k"]
separators = st.sampled_from([" ", ", ", ". ", "! ", "\n", " - "])
innocent = st.lists(st.tuples(st.sampled_from(INNOCENT_WORDS), separators), max_size=12).map(
    lambda pairs: "".join(word + sep for word, sep in pairs))


@settings(max_examples=200, deadline=None)
@given(innocent)
def test_sentences_of_innocent_words_stay_clean(abusive, identity, text):
    assert run(abusive, text) == [] and run(identity, text) == []


@settings(max_examples=200, deadline=None)
@given(innocent, st.sampled_from(DISGUISES), innocent)
def test_a_disguise_anywhere_in_innocent_text_is_the_only_span(abusive, before, disguise, after):
    assert spans(abusive, f"{before}{disguise} {after}") == [disguise]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.one_of(st.characters(), st.sampled_from("fuck idiot*#$1 \u200b\u0441")),
               max_size=300))
def test_any_text_gives_at_most_one_verdict_with_ordered_spans_into_it(abusive, text):
    verdicts = run(abusive, text)
    assert len(verdicts) <= 1
    for verdict in verdicts:
        found = verdict.reason.spans
        assert found and all(text[s.start:s.end] == s.text and s.start < s.end for s in found)
        assert all(a.end < b.start for a, b in zip(found, found[1:]))


@pytest.mark.parametrize("text", [
    "f" * 65536,                                          # one huge word: wildcard stems try every offset
    "\uff46" * 65536,                                     # the same once folded, but not squeezed
    " ".join(f"f{'*' * (i % 7 + 1)}{chr(97 + i % 26)}{chr(97 + i // 26 % 26)}k" for i in range(8000)),
    "a b " * 16384,
])
def test_hostile_64k_comments_are_scanned_in_linear_time(abusive, identity, text):
    """Quadratic scans took seconds here; linear ones take milliseconds."""
    assert cost_over_prose(lambda ctx: (list(abusive(ctx)), list(identity(ctx))), text) < 20


# Letters, digits, '_', NUL (a stretched letter), masks, spaces, punctuation and non-Latin letters.
MASK_TEXTS = st.text(alphabet="ab1_\x00*# .'é٣ж", max_size=40)


@settings(max_examples=500, deadline=None)
@given(MASK_TEXTS)
def test_masked_words_are_found_in_the_mask_window_as_in_the_whole_text(text):
    window = mask_window(text)
    for pattern in (MASKED_WORD, TRAILING_MASK):
        windowed = [m.span() for m in pattern.finditer(text, *window)] if window else []
        assert windowed == [m.span() for m in pattern.finditer(text)]


def test_the_mask_window_runs_from_the_first_masked_run_to_the_last():
    text = "a b*d e_f#g h** no mask here"
    start, end = mask_window(text)
    assert text[start:end] == "b*d e_f#g h**"
    other = "x_y# z"
    assert other[slice(*mask_window(other))] == "x_y#"
    assert mask_window("no masks") is None


@pytest.mark.parametrize("text", [
    "The word '3abeed' that some people use for Black Egyptians is racist.",
    'They call Sudanese people "abeed". It is a slur and we must stop saying it.',
    "Calling a Copt «kafir» on television is shameful.",
])
def test_a_slur_quoted_to_condemn_it_is_held_not_rejected(text):
    rule = make_rule([Term("abeed", "severe"), Term("3abeed", "severe"), Term("kafir", "severe")])
    [verdict] = run(rule, text)
    assert verdict.reason.action == "review"


@pytest.mark.parametrize("text", [
    "the 'abeed' are everywhere",                     # quoted, nothing condemns it
    "The abeed are everywhere, and it is racist to say so? No.",  # condemned, not quoted
    '"abeed" they are, it is no slur, abeed.',        # quoted once, then used
])
def test_a_slur_used_is_still_rejected(text):
    [verdict] = run(make_rule([Term("abeed", "severe")]), text)
    assert verdict.reason.action == "reject"
