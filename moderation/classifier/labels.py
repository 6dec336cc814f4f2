"""The names of the labels the classifier scores, in the order every score vector uses."""

from __future__ import annotations

# abuse: rude, abusive or offensive language (profanity included).
# personal_attack: an insult aimed at a person.
# identity_hate: hate against a group for race, religion, ethnicity, nationality and the like.
# threat: a threat of violence.
LABELS: tuple[str, ...] = ("abuse", "personal_attack", "identity_hate", "threat")
