"""Properties of whole decisions over arbitrary Unicode: no exception, every span indexes the original."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# Text a commenter could send: any code point JSON can carry and storage accepts (NUL is refused
# as bad input, see test_api), weighted towards the tricky ones.
tricky = st.sampled_from(list("fuckshitidiot*#$@!1305 .-_\u200b\u200d\u202e\u0441\u0456\u03bf\uff46ß\u0130"))
comment_text = st.text(alphabet=st.one_of(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), tricky), max_size=1500)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=comment_text)
def test_any_text_gets_a_decision_whose_spans_index_the_original(moderator, text):
    decision = moderator.check(text)
    assert decision.decision in ("accept", "review", "reject")
    for reason in decision.reasons:
        for span in reason.spans:
            assert 0 <= span.start < span.end <= len(text)
            assert text[span.start:span.end] == span.text


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=comment_text)
def test_the_same_text_always_gets_the_same_decision(moderator, text):
    assert moderator.check(text).to_dict() == moderator.check(text).to_dict()
