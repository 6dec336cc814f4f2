"""What the quality benchmarks share: the model config.yaml serves and the dataset its spec builds."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation import Moderator  # noqa: E402
from moderation.classifier import evaluate  # noqa: E402
from moderation.classifier.dataset import build_dataset, load_spec  # noqa: E402
from moderation.rules import build_rules  # noqa: E402
from moderation.settings import load_settings  # noqa: E402

# What makes two datasets the same rows in the same splits.
SPLIT_KEYS = ("seed", "splits", "sources")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", type=Path, help="model directory (default: the one config.yaml pins)")
    parser.add_argument("--config", type=Path, default=ROOT / "config.yaml")
    parser.add_argument("--spec", type=Path, default=ROOT / "training" / "spec.yaml")
    parser.add_argument("--data-root", type=Path, default=ROOT.parent / "shared" / "data")


def open_model_and_data(args: argparse.Namespace):
    """(model directory, artifact, spec, dataset, whether the model was trained on this spec's splits)."""
    model_dir = args.model or load_settings(args.config).model_dir
    if model_dir is None:
        sys.exit(f"{args.config} pins no classifier model: pass --model DIR")
    artifact = evaluate.open_candidate(model_dir)
    spec, raw_spec = load_spec(args.spec)
    data = build_dataset(spec, args.data_root, args.spec.parent)
    trained_here = ({k: artifact.manifest.get("spec", {}).get(k) for k in SPLIT_KEYS}
                    == {k: raw_spec.get(k) for k in SPLIT_KEYS})
    return model_dir, artifact, spec, data, trained_here


def service_and_rules(config: Path) -> tuple[Moderator, Moderator]:
    """The whole service as config.yaml sets it up, and the same rules with the classifier off;
    exits when the pinned model is not ready, since every figure would then be the rules'."""
    settings = load_settings(config)
    service = Moderator(settings)
    if service.classifier.state != "ready":
        sys.exit(f"the pinned model is not ready: {service.classifier.cause}")
    return service, Moderator(settings, rules=build_rules(settings))
