"""The names of the labels the classifier scores, in the order every score vector uses."""

from __future__ import annotations

# abuse: rude, abusive or offensive language (profanity included).
# personal_attack: an insult aimed at a person.
# identity_hate: hate against a group for race, religion, ethnicity, nationality and the like.
# threat: a threat of violence.
# defamation: an accusation of a crime, corruption or fabrication against a person, stated
#   as fact. Whether it is true is not the model's to judge, so it only ever holds a comment
#   for a moderator, as the defamation rule does.
LABELS: tuple[str, ...] = ("abuse", "personal_attack", "identity_hate", "threat", "defamation")

# Labels that hold a comment for review however high the score: no reject threshold is
# chosen for them, and the classifier rule never rejects for them.
REVIEW_ONLY: frozenset[str] = frozenset({"defamation"})
