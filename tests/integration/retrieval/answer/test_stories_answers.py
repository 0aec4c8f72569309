"""Stories with the real engine (issue 36, item 2): the bundled model, Chroma and Tantivy over a
small archive of fictional wire copies (tests/fixtures/stories): an answer reads one copy of a
story and says who else ran it, a question naming an outlet gets that outlet's copy, a timeline
gives one line a story; in English and in Russian."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from retrieval.engine import Engine, build_engine
from retrieval.search.hybrid import SearchOptions
from tests.conftest import make_settings
from tests.support.stories import ARCHIVE, BERTH, RU_BERTH
from tests.support.vectors import RememberedVectors

pytestmark = pytest.mark.slow

TODAY = date(2025, 5, 1)
OUTLETS = {
    "mw-saltmere-berth": "Metro Wire",
    "ct-saltmere-berth": "Coastal Times",
    "vh-saltmere-berth": "Valley Herald",
    "bl-saltmere-prichal": "Балтийская лента",
    "vp-saltmere-prichal": "Вестник Приморья",
}


@pytest.fixture(scope="module")
def wire(
    tmp_path_factory: pytest.TempPathFactory, remembered_model: RememberedVectors
) -> Iterator[Engine]:
    data = tmp_path_factory.mktemp("stories-index")
    engine = build_engine(
        make_settings(data, calibrated=True), embedder=remembered_model, today=lambda: TODAY
    )
    engine.services.index.sync([ARCHIVE])
    yield engine


def copies_read(articles: set[str], ids: list[str]) -> list[str]:
    return [i for i in dict.fromkeys(ids) if i in articles]


def test_an_answer_reads_one_copy_and_names_the_other_outlets(wire: Engine) -> None:
    answer = wire.services.qa.answer(
        "When will the new container berth at the port of Saltmere open?"
    )
    assert not answer.refused and "14 March" in answer.text
    read = copies_read(BERTH, [p.article_id for p in answer.passages])
    assert len(read) == 1  # one copy of the story, the other passages from other stories
    cited = next(c for c in answer.citations if c.article_id in BERTH)
    others = [OUTLETS[i] for i in sorted(BERTH - {cited.article_id})]
    assert sorted(cited.also_reported_by) == others
    assert answer.to_dict()["citations"][0]["also_reported_by"] == list(cited.also_reported_by)

    # Without stories, the copies crowd the passages the answerer reads.
    crowded = wire.services.qa.answer(
        "When will the new container berth at the port of Saltmere open?",
        search=SearchOptions(stories=False),
    )
    assert len(copies_read(BERTH, [p.article_id for p in crowded.passages])) >= 2
    assert all(not c.also_reported_by for c in crowded.citations)


def test_a_question_naming_an_outlet_gets_its_copy(wire: Engine) -> None:
    answer = wire.services.qa.answer(
        "What did the Valley Herald report about the Saltmere berth delay?"
    )
    assert not answer.refused
    assert copies_read(BERTH, [p.article_id for p in answer.passages]) == ["vh-saltmere-berth"]
    cited = answer.citations[0]
    assert cited.source == "Valley Herald"
    assert cited.also_reported_by == ("Coastal Times", "Metro Wire")  # earliest first


def test_a_timeline_gives_one_line_a_story(wire: Engine) -> None:
    answer = wire.services.qa.answer("What has happened at the port of Saltmere?")
    assert answer.timeline and not answer.refused
    cited = [c.article_id for c in answer.citations]
    assert len(copies_read(BERTH, cited)) == 1 and "mw-saltmere-strike" in cited
    assert len(answer.text.splitlines()) == len(cited)  # a line a citation, a story a line


def test_a_russian_answer_reads_one_copy_and_names_the_other(wire: Engine) -> None:
    answer = wire.services.qa.answer("Когда откроется новый причал в порту Салтмер?")
    assert not answer.refused and "14 марта" in answer.text
    assert len(copies_read(RU_BERTH, [p.article_id for p in answer.passages])) == 1
    cited = next(c for c in answer.citations if c.article_id in RU_BERTH)
    (other,) = RU_BERTH - {cited.article_id}
    assert cited.also_reported_by == (OUTLETS[other],)
