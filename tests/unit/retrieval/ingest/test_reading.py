"""Which source a stored article was read from: what `--prune` and a full re-index of some
sources go by (retrieval/ingest/reading.py)."""

from __future__ import annotations

import pytest

from retrieval.ingest.reading import Sources


@pytest.mark.parametrize(
    ("origin", "roots", "expected"),
    [
        ("/a/b/c.txt", ["/a/b"], True),
        ("/a/b/c.txt", ["/a/b/"], True),
        ("/a/bc/d.txt", ["/a/b"], False),
        ("/a/b/x.jsonl:3", ["/a/b/x.jsonl"], True),
        ("/a/b/x.json#3", ["/a/b/x.json"], True),
        ("http://e.org/feed#2", ["http://e.org/feed"], True),
        ("http://e.org/feed/x", ["http://e.org/feed"], False),
        ("http://e.org/page", ["http://e.org/page"], True),
        ("http://e.org/page2", ["http://e.org/page"], False),
    ],
)
def test_which_source_an_article_belongs_to(origin: str, roots: list[str], expected: bool) -> None:
    assert Sources.of(roots).holds(origin) is expected
