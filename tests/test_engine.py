"""The merge: every rule runs, the most severe action wins, every reason and score is kept."""

from __future__ import annotations

from moderation.decision import ModelRef, Reason, Verdict
from moderation.engine import CHECK_FAILED, merge, run_rules, run_rules_many


def reason(action: str, code: str = "x") -> Reason:
    return Reason(code=code, policy="abuse", action=action, source="rule", message="m")


def test_no_verdicts_means_accept():
    decision = merge([], "v1", "c1")
    assert decision.decision == "accept"
    assert decision.reasons == ()
    assert decision.comment_id == "c1"


def test_reject_beats_review_beats_accept():
    for actions, expected in [
        (["accept"], "accept"),
        (["accept", "review"], "review"),
        (["review", "reject", "accept"], "reject"),
        (["reject", "review"], "reject"),
    ]:
        verdicts = [Verdict(reason=reason(a, code=f"c{i}")) for i, a in enumerate(actions)]
        assert merge(verdicts, "v").decision == expected, actions


def test_all_reasons_kept_most_severe_first_and_stable():
    verdicts = [Verdict(reason=reason("review", "a")), Verdict(reason=reason("reject", "b")),
                Verdict(reason=reason("review", "c")), Verdict(reason=reason("reject", "d"))]
    assert merge(verdicts, "v").codes == ["b", "d", "a", "c"]


def test_scores_merge_and_model_recorded_without_a_reason():
    model = ModelRef(id="m1", sha256="ab")
    verdicts = [Verdict(scores={"abuse": 0.1}, model=model), Verdict(scores={"threat": 0.2})]
    decision = merge(verdicts, "v")
    assert decision.decision == "accept"
    assert decision.scores == {"abuse": 0.1, "threat": 0.2}
    assert decision.model == model


def test_every_rule_runs_even_after_a_reject(make_ctx):
    seen = []

    def first(ctx):
        seen.append("first")
        yield Verdict(reason=reason("reject"))

    def second(ctx):
        seen.append("second")
        return []

    run_rules([first, second], make_ctx("hello"), "held")
    assert seen == ["first", "second"]


def test_a_crashing_rule_holds_the_comment_for_review(make_ctx, caplog):
    def broken(ctx):
        raise RuntimeError("boom")

    def fine(ctx):
        return [Verdict(reason=reason("accept", "ok"))]

    verdicts = run_rules([broken, fine], make_ctx("hello"), "held for a moderator")
    decision = merge(verdicts, "v")
    assert decision.decision == "review"
    assert decision.reasons[0].code == CHECK_FAILED
    assert decision.reasons[0].source == "broken"
    assert decision.reasons[0].message == "held for a moderator"
    assert "ok" in decision.codes


def test_a_crashing_rule_cannot_override_a_reject(make_ctx):
    def broken(ctx):
        raise ValueError("boom")

    def rejecting(ctx):
        return [Verdict(reason=reason("reject", "bad"))]

    decision = merge(run_rules([broken, rejecting], make_ctx("x"), "held"), "v")
    assert decision.decision == "reject"
    assert set(decision.codes) == {"bad", CHECK_FAILED}


def test_many_comments_get_the_verdicts_one_at_a_time_would_give(make_ctx):
    def by_length(ctx):
        return [Verdict(reason=reason("review", f"len{len(ctx.text)}"))] if len(ctx.text) > 3 else []

    def broken_on_b(ctx):
        if "b" in ctx.text:
            raise RuntimeError("boom")
        return [Verdict(scores={"x": 0.5})]

    rules = [by_length, broken_on_b]
    contexts = [make_ctx(t) for t in ("a", "bbbb", "cc", "abcde")]
    many = run_rules_many(rules, contexts, "held")
    assert many == [run_rules(rules, ctx, "held") for ctx in contexts]
    # A rule that fails on one comment holds that comment alone.
    assert [merge(v, "v").decision for v in many] == ["accept", "review", "accept", "review"]
    assert CHECK_FAILED in merge(many[1], "v").codes and CHECK_FAILED not in merge(many[0], "v").codes
