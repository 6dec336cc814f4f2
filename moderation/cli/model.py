"""Model commands: train a new model, evaluate one on labeled data, promote one to be served."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..classifier.labels import LABELS
from ..errors import ModerationError
from . import _settings, main


def _label_columns(pairs: tuple[str, ...]) -> dict[str, str]:
    columns = {}
    for pair in pairs:
        label, sep, column = pair.partition("=")
        if not sep or label not in LABELS or not column:
            raise click.BadParameter(f"{pair!r}: write LABEL=COLUMN with LABEL one of {', '.join(LABELS)}")
        columns[label] = column
    return columns


@main.command()
@click.option("--spec", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default="training/spec.yaml", show_default=True, help="Training spec: sources, weights, parameters.")
@click.option("--data-root", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default="../shared/data", show_default=True, help="Folder holding the public corpora.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default="models", show_default=True,
              help="Where the new model directory is created.")
@click.option("--id", "model_id", help="Name of the new model directory (default: model-<UTC time>).")
@click.option("--moderator-export", "export", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Also train on moderators' decisions (a `moderation review export` file).")
@click.option("--moderator-weight", type=click.FloatRange(min=0, min_open=True),
              help="Sample weight of the moderators' decisions (default 1.0, as a spec source).")
def train(spec: Path, data_root: Path, out: Path, model_id: str | None, export: Path | None,
          moderator_weight: float | None) -> None:
    """Train a new model from the spec; never replaces an existing one."""
    from ..classifier.dataset import ExportSpec
    from ..classifier.train import train as run

    if moderator_weight is not None and export is None:
        raise click.UsageError("--moderator-weight needs --moderator-export")
    weight = 1.0 if moderator_weight is None else moderator_weight
    exports = [] if export is None else [ExportSpec(path=str(export.resolve()), weight=weight)]
    try:
        manifest = run(spec, data_root, out, model_id=model_id, extra_exports=exports,
                       progress=lambda message: click.echo(f"  {message}", err=True))
    except ModerationError as exc:
        raise click.ClickException(str(exc)) from exc
    summary = {"id": manifest["id"], "sha256": manifest["sha256"], "directory": str(out / manifest["id"]),
               "thresholds": manifest["thresholds"]}
    if manifest["moderator_exports"]:
        summary["moderator_exports"] = manifest["moderator_exports"]
    click.echo(json.dumps(summary, indent=2))
    click.echo(f"report: {out / manifest['id'] / 'report.md'}; serve it with: moderation promote "
               f"{out / manifest['id']}", err=True)


@main.command()
@click.option("--model", "model_dir", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--data", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Labeled CSV, TSV or JSON Lines file.")
@click.option("--text-column", default="text", show_default=True)
@click.option("--label", "labels", multiple=True, metavar="LABEL=COLUMN",
              help="With --data: which column holds each label, e.g. --label abuse=toxic (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["csv", "tsv", "jsonl"]), help="Default: from the suffix.")
@click.option("--moderator-export", "export", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Instead of --data: judge on moderators' decisions (a `moderation review export` file).")
@click.option("--candidate", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="With --moderator-export: a new model to compare with --model.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for report.md and plots (default: evaluation-<model>-<data>); with "
                   "--moderator-export, for report.md and comparison.json (default: print only).")
def evaluate(model_dir: Path, data: Path | None, text_column: str, labels: tuple[str, ...], fmt: str | None,
             export: Path | None, candidate: Path | None, out: Path | None) -> None:
    """Score a model on labeled data: metrics per label and per source, with a report.

    With --moderator-export, judge the model (and a --candidate) on the moderators'
    decisions instead: agreement, ROC AUC per label, and what each would have done.
    """
    from ..classifier.evaluate import evaluate_file

    if (data is None) == (export is None):
        raise click.UsageError("give either --data FILE or --moderator-export FILE")
    if export is not None:
        if labels or fmt:
            raise click.UsageError("--label and --format go with --data; an export has its labels")
        _compare([model_dir, *([candidate] if candidate else [])], export, out)
        return
    if candidate is not None:
        raise click.UsageError("--candidate compares models on --moderator-export")
    if not labels:
        raise click.UsageError("--data needs at least one --label LABEL=COLUMN")
    out = out or Path(f"evaluation-{model_dir.name}-{data.stem}")
    try:
        result = evaluate_file(model_dir, data, text_column=text_column, label_columns=_label_columns(labels),
                               fmt=fmt, out_dir=out)
    except ModerationError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{'label':<16}{'rows':>7}{'pos':>6}{'ROC AUC':>9}{'P@reject':>10}{'R@reject':>10}{'F1@review':>11}")
    for label, m in result["metrics"]["overall"].items():
        auc = "-" if m["roc_auc"] is None else f"{m['roc_auc']:.3f}"
        click.echo(f"{label:<16}{m['rows']:>7}{m['positives']:>6}{auc:>9}{_fmt(m['reject']['precision']):>10}"
                   f"{_fmt(m['reject']['recall']):>10}{_fmt(m['review']['f1']):>11}")
    click.echo(f"report: {result['report']}", err=True)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _compare(model_dirs: list[Path], export: Path, out: Path | None) -> None:
    from ..classifier.compare import compare, markdown

    try:
        result = compare(model_dirs, export)
    except ModerationError as exc:
        raise click.ClickException(str(exc)) from exc
    report = markdown(result)
    click.echo(report)
    if out is not None:
        try:
            out.mkdir(parents=True, exist_ok=True)
            (out / "report.md").write_text(report, encoding="utf-8")
            (out / "comparison.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n",
                                                 encoding="utf-8")
        except OSError as exc:
            raise click.ClickException(f"cannot write the report to {out}: {exc}") from exc
        click.echo(f"report: {out / 'report.md'}", err=True)


@main.command()
@click.argument("model_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.pass_context
def promote(ctx: click.Context, model_dir: Path) -> None:
    """Check a model and pin it in config.yaml as the one the service serves."""
    from ..classifier.promote import promote as pin

    settings = _settings(ctx)
    try:
        manifest = pin(model_dir, settings.config_path)
    except ModerationError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"pinned {manifest['id']} ({manifest['sha256'][:12]}...) in {settings.config_path}; "
               "reload the service to serve it (kill -HUP the moderation serve process)")
