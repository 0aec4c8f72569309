"""/stats's picture: questions a day over the last 30 days by outcome, and the most asked
topics, as a PNG (matplotlib's object API on the Agg canvas, no pyplot state: safe in a
worker thread). The caption carries the same figures as text."""

from __future__ import annotations

import io
from collections.abc import Sequence

from retrieval.answer.gaps import AskedGroup
from retrieval.core.i18n import Texts

DAYS = 30
TOPICS = 5


def render_chart(
    daily: Sequence[tuple[str, int, int]], topics: Sequence[AskedGroup], words: Texts
) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 6), dpi=100)
    FigureCanvasAgg(figure)
    by_day, by_topic = figure.subplots(2, 1, height_ratios=(3, 2))
    days = [day[5:] for day, _, _ in daily]  # MM-DD
    answered = [a for _, a, _ in daily]
    refused = [r for _, _, r in daily]
    by_day.bar(days, answered, color="#2a9d8f", label=words.t("answered"))
    by_day.bar(days, refused, bottom=answered, color="#e76f51", label=words.t("refused"))
    by_day.set_title(words.t("Questions a day, last {n} days").format(n=len(daily)))
    by_day.tick_params(axis="x", labelrotation=90, labelsize=7)
    by_day.legend(loc="upper left")
    shown = list(topics[:TOPICS])[::-1]
    labels = [g.question if len(g.question) <= 48 else g.question[:47] + "…" for g in shown]
    # One bar a group even where two labels read alike; `$` is text, not math.
    by_topic.barh(range(len(shown)), [g.count for g in shown], color="#264653")
    by_topic.set_yticks(range(len(shown)), [label.replace("$", r"\$") for label in labels])
    by_topic.set_title(words.t("Most asked"))
    by_topic.tick_params(axis="y", labelsize=8)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def chart_caption(
    daily: Sequence[tuple[str, int, int]], topics: Sequence[AskedGroup], words: Texts
) -> str:
    answered = sum(a for _, a, _ in daily)
    refused = sum(r for _, _, r in daily)
    lines = [
        words.t("Last {n} days: {answered} answered, {refused} refused.").format(
            n=len(daily), answered=answered, refused=refused
        )
    ]
    if topics:
        lines.append(words.t("Most asked:"))
        lines += [f"{g.count} × {g.question}" for g in topics[:TOPICS]]
    return "\n".join(lines)[:1024]  # Telegram's caption limit
