"""Archives in more than one language (issue 24): language per article and question, BM25 per
language, Russian and Azerbaijani question kinds, time words, sentences and answer texts. The
sample archives answered end to end with the bundled model are in
tests/integration/retrieval/answer/test_language_archives.py."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import bm25s
import pytest

from retrieval.answer.kinds import short_answer
from retrieval.answer.question import Question
from retrieval.core.analysis import is_prose, key_terms
from retrieval.core.i18n import texts
from retrieval.core.language import detect, question_language
from retrieval.core.records import Article
from retrieval.core.sentences import split_sentences
from retrieval.index.lexical import LexicalRow, TantivyIndex, tokenize
from retrieval.ingest.loaders import load_file
from retrieval.search.timeframe import resolve_timeframe
from tests.conftest import ROOT

RUSSIAN = ROOT / "samples" / "archive-ru"
AZERBAIJANI = ROOT / "samples" / "archive-az"
ENGLISH = ROOT / "samples" / "archive-ru-en"
TODAY = date(2025, 6, 20)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Кто назначен главным тренером клуба?", "ru"),
        ("Где?", "ru"),
        ("Who won the cup final?", "en"),
        ("Bakıda yeni metro stansiyası nə vaxt açılacaq?", "az"),
        ("Dünya çempionatında kim qalib gəldi?", "az"),  # the detector says Turkish; ə does not
        ("İstanbul'da hangi takım kazandı?", "tr"),
        ("Türkiye Cumhurbaşkanı bugün Bakü'yü ziyaret etti.", "tr"),
        ("12345 !!!", "en"),  # no letters: the default
    ],
)
def test_languages_are_detected_offline_even_from_short_questions(text: str, language: str) -> None:
    assert detect(text) == language


def test_a_sources_own_language_field_wins_and_a_cp1251_file_is_read_as_russian(
    tmp_path: Path,
) -> None:
    assert (RUSSIAN / "parom-cp1251.txt").read_bytes().decode("cp1251").startswith("date")
    (article,) = load_file(RUSSIAN / "parom-cp1251.txt")
    assert isinstance(article, Article) and article.language == "ru"
    assert article.title == "Паромная компания «Ладога-Флот» сокращает зимние рейсы"
    record = tmp_path / "one.jsonl"
    record.write_text('{"title": "Hello", "text": "Plain English words here.", "lang": "ru-RU"}\n')
    (loaded,) = load_file(record)
    assert isinstance(loaded, Article) and loaded.language == "ru"
    page = tmp_path / "page.html"
    body = "<p>Plain English words in the body of a page that says it is Russian.</p>" * 3
    page.write_text(f'<html lang="ru-RU"><head><title>Паром</title></head><body>{body}</body>')
    (from_page,) = load_file(page)
    assert isinstance(from_page, Article) and from_page.language == "ru"


def test_english_text_is_tokenised_exactly_as_before() -> None:
    """The old analysis (English stop words, English Snowball, one bm25s call) and the new
    one agree token for token on English, so English results cannot move."""
    from Stemmer import Stemmer

    texts_ = [p.read_text() for p in sorted((ROOT / "samples" / "archive" / "text").iterdir())]
    old = bm25s.tokenize(
        texts_, stopwords="en", stemmer=Stemmer("english"), return_ids=False, show_progress=False
    )
    assert tokenize(texts_, ["en"] * len(texts_)) == [list(t) for t in old]


def test_russian_words_are_stemmed_as_russian_and_latin_names_as_english() -> None:
    (tokens,) = tokenize(["Паромы «Ладога-Флот» перевезли пассажиров Apple"], ["ru"])
    assert {"паром", "пассажир", "перевезти", "appl"} <= set(tokens)
    (question,) = tokenize(["паром пассажиры"], ["ru"])
    assert set(question) <= set(tokens)
    assert "и" not in tokenize(["паром и пассажиры"], ["ru"])[0]  # a Russian stop word


AZ = ROOT / "tests" / "fixtures" / "az"  # forms written from real inflection (see README there)


def az_groups() -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for line in (AZ / "words.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        group, form = line.split("\t")
        groups.setdefault(group, []).append(form)
    return groups


def test_azerbaijani_forms_of_a_word_meet_and_other_words_stay_apart() -> None:
    """The suffix stripper on 205 inflected forms of 26 words (cases, possessives, plurals,
    verb forms, consonant alternations) and on 29 pairs of different words (docs/languages.md
    has the figures of the libraries it was measured against)."""
    from collections import Counter

    from retrieval.core.azerbaijani import stem

    groups = az_groups()
    on_stem = sum(Counter(map(stem, forms)).most_common(1)[0][1] for forms in groups.values())
    assert on_stem / sum(map(len, groups.values())) >= 0.92  # measured: 190 of 205
    merged: dict[str, list[str]] = {}
    for line in (AZ / "pairs.tsv").read_text(encoding="utf-8").splitlines():
        first, second, kind, _ = line.split("\t")
        if stem(first) == stem(second):
            merged.setdefault(kind, []).append(f"{first}/{second}")
    # Measured: kənd/kəndir, bal/balıq, sərin/sər of 18 different words; no derived word and
    # no name glued to a common word («Sumqayıtda» is not «suda»).
    assert sorted(merged) == ["crisp"] and len(merged["crisp"]) <= 3, merged
    for line in (AZ / "oov.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        name, forms = line.split("\t")
        if name != "Paşinyan":  # -yan read as a verb form in one case of seven
            assert len({stem(form) for form in forms.split()}) == 1, name


def test_azerbaijani_text_is_lower_cased_its_own_way_and_loses_its_stop_words() -> None:
    (tokens,) = tokenize(["İçərişəhərdə İLHAM və nazirliyin KİTABXANASI açıldı"], ["az"])
    assert "və" not in tokens  # a stop word
    assert {"içərişəhər", "nazirl", "kitabxan"} <= set(tokens)
    assert not any("\u0307" in token for token in tokens)  # no loose dot from İ
    (question,) = tokenize(["Kitabxana nə vaxt açılıb?"], ["az"])
    assert "kitabxan" in question and "nə" not in question


def test_bm25_finds_an_inflected_azerbaijani_word(tmp_path: Path) -> None:
    index = TantivyIndex(tmp_path)
    index.build(
        "c",
        [
            LexicalRow(
                "a",
                "A",
                "Gəncədə yeni kitabxananın açılışı olub, nazirlik bildirib",
                20250403,
                "az",
            ),
            LexicalRow("b", "B", "Sumqayıtda körpünün təmiri başa çatıb", 20250520, "az"),
            LexicalRow("c", "C", "The library in Ganja opened on Monday", 20250403, "en"),
        ],
    )
    hits = index.search("c", "Kitabxana harada açılıb?", 3, language="az")
    assert hits[0][0] == "a"
    assert [h[0] for h in index.search("c", "körpülər", 3, language="az")] == ["b"]


def test_bm25_finds_an_inflected_russian_word(tmp_path: Path) -> None:
    index = TantivyIndex(tmp_path)
    index.build(
        "c",
        [
            LexicalRow("a", "A", "Паромная компания сокращает зимние рейсы парома", 20250403, "ru"),
            LexicalRow("b", "B", "Новая библиотека откроется в сентябре", 20250520, "ru"),
            LexicalRow("c", "C", "The ferry company cuts winter crossings", 20250403, "en"),
        ],
    )
    hits = index.search("c", "Сколько паромов сократила компания?", 3, language="ru")
    assert hits[0][0] == "a"
    assert [h[0] for h in index.search("c", "ferries", 3)] == ["c"]


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Кто назначен главным тренером?", "person"),
        ("Когда откроется библиотека?", "date"),
        ("Где пройдёт фестиваль?", "place"),
        ("Сколько пассажиров перевёз паром?", "number"),
        ("Сколько стоил ремонт моста?", "money"),
        ("Какая компания построила библиотеку?", "organisation"),
        ("Какой была явка на выборах?", "percentage"),
        ("Какой фильм получил приз?", "name"),
    ],
)
def test_russian_questions_ask_for_kinds(question: str, kind: str) -> None:
    assert Question.read(question).kind == kind


def test_russian_short_answers_come_from_the_sentence() -> None:
    assert (
        short_answer(
            "Здание построила компания «Северный берег», а проект — архитектор Алина Громова.",
            Question.read("Какая компания построила библиотеку?"),
        )
        == "Северный берег"
    )
    assert short_answer(
        "Библиотека откроется 14 сентября.", Question.read("Когда откроется библиотека?")
    ) == ("14 сентября")
    assert (
        short_answer("Мост обошёлся в 9 млрд рублей.", Question.read("Сколько стоил мост?"))
        == "9 млрд рублей"
    )
    assert (
        short_answer("Паром перевёз 12 000 пассажиров.", Question.read("Сколько пассажиров?"))
        == "12 000"
    )


@pytest.mark.parametrize(
    ("question", "start", "end"),
    [
        ("Что случилось на прошлой неделе?", date(2025, 6, 5), TODAY),
        ("Что было вчера?", date(2025, 6, 18), TODAY),
        ("Что произошло три дня назад?", date(2025, 6, 15), date(2025, 6, 19)),
        ("Кто выиграл 3 марта 2025 года?", date(2025, 3, 2), date(2025, 3, 6)),
        ("Что открылось в марте?", date(2025, 3, 1), date(2025, 5, 5)),
        ("Кто стал мэром в 2024 году?", date(2024, 1, 1), date(2025, 2, 4)),
    ],
)
def test_russian_time_words_are_windows(question: str, start: date, end: date) -> None:
    frame = resolve_timeframe(question, TODAY, "ru")
    assert frame.explicit and (frame.start, frame.end) == (start, end)


@pytest.mark.parametrize(
    ("question", "start", "end"),
    [
        ("Bu gün Bakıda nə baş verib?", date(2025, 6, 19), TODAY),
        ("Dünən Bakıda nə baş verdi?", date(2025, 6, 18), TODAY),
        ("Bu həftə nə olub?", date(2025, 6, 12), TODAY),
        ("Keçən həftə Gəncədə hansı muzey açılıb?", date(2025, 6, 5), TODAY),
        ("Ötən ay nə olub?", date(2025, 5, 1), TODAY),
        ("Keçən il kim qalib gəlib?", date(2024, 1, 1), date(2025, 2, 4)),
        ("Üç gün əvvəl Şamaxıda nə olub?", date(2025, 6, 15), date(2025, 6, 19)),
        ("Son üç həftədə nə olub?", date(2025, 5, 29), TODAY),
        ("Bu ilin martında uçot dərəcəsi neçə faiz olub?", date(2025, 3, 1), date(2025, 5, 5)),
        ("Keçən ilin dekabrında nə olub?", date(2024, 12, 1), date(2025, 2, 4)),
        ("Fevral ayında illik inflyasiya neçə faiz olub?", date(2025, 2, 1), date(2025, 4, 4)),
        ("İyunda nə açılıb?", date(2025, 6, 1), TODAY),
        ("14 aprel 2025-ci ildə nə açılıb?", date(2025, 4, 13), date(2025, 4, 17)),
        ("Aprelin 14-də nə açılıb?", date(2025, 4, 13), date(2025, 4, 17)),
        ("2024-cü ildə kim qalib gəlib?", date(2024, 1, 1), date(2025, 2, 4)),
    ],
)
def test_azerbaijani_time_words_are_windows(question: str, start: date, end: date) -> None:
    """Read from a table as English and Russian are: dateparser reads «Fevral ayında» as the
    20th of February and misses «bu ilin martında» and «üç gün əvvəl»."""
    frame = resolve_timeframe(question, TODAY, "az")
    assert frame.explicit and (frame.start, frame.end) == (start, end)


def test_azerbaijani_questions_without_time_words_have_no_window() -> None:
    for question in [
        "Kubok finalında kim iki qol vurub?",
        "Bakıda 50 yeni elektrobus nə vaxt xəttə çıxıb?",
        "Mərkəzi Bank uçot dərəcəsini neçə faizə endirib?",
        "Xəzər İnvestisiya Forumunda neçə saziş imzalanacaq?",
    ]:
        assert not resolve_timeframe(question, TODAY, "az").explicit, question


def test_other_languages_time_words_go_through_dateparser() -> None:
    frame = resolve_timeframe("Dün İstanbul'da ne oldu?", TODAY, "tr")
    assert frame.explicit and frame.start is not None and frame.start <= date(2025, 6, 19)


def test_russian_sentences_split_at_their_own_abbreviations_and_quotes() -> None:
    text = (
        "На борту было 120 пассажиров, т.е. почти полная загрузка. Директор сказал: «Мы "
        "довольны». — Это рекорд, — добавил он. Офис на ул. Низами, д. 5. Явка составила 41 "
        "процент."
    )
    assert split_sentences(text) == [
        "На борту было 120 пассажиров, т.е. почти полная загрузка.",
        "Директор сказал: «Мы довольны».",
        "— Это рекорд, — добавил он.",
        "Офис на ул. Низами, д. 5.",
        "Явка составила 41 процент.",
    ]
    assert is_prose("Явка составила 41 процент.")
    assert key_terms("Сколько пассажиров перевёз паром?") == {"пассажир", "перевезти", "паром"}


def test_answer_texts_follow_the_question_language() -> None:
    assert question_language("Кто выиграл?") == "ru"
    russian = texts("ru")
    assert russian.t("undated") == "без даты"
    assert texts("ru-RU").language == "ru" and texts("de").language == "en"


@pytest.mark.parametrize(
    ("text", "azerbaijani"),
    [
        ("Дүнја чемпионатында ким галиб ҝәлди?", True),  # ҝ: Azerbaijani's alone
        ("Нә гәдәр пул ајрылыб?", True),  # ә with ј
        ("Dünya çempionatında kim qalib gəldi?", False),  # the Latin alphabet
        ("Кто выиграл чемпионат мира?", False),
        ("Қазақстанда не болды?", False),  # Kazakh
        ("Ко је победио на изборима?", False),  # Serbian: ј without ә
        ("Татарстанда нәрсә булды җомгада?", False),  # Tatar: җ
    ],
)
def test_azerbaijani_in_cyrillic_letters_is_told_from_its_neighbours(
    text: str, azerbaijani: bool
) -> None:
    from retrieval.core.language import cyrillic_azerbaijani, detect

    assert cyrillic_azerbaijani(text, detect(text)) is azerbaijani
    if azerbaijani:
        assert detect(text) == "az"


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Qubada açılan xəstəxananın baş həkimi kimdir?", "person"),
        ("Kubok finalında kim iki qol vurub?", "person"),  # no «ə»: «q» says Azerbaijani
        ("Forumun açılışında hansı nazir çıxış edib?", "person"),
        ("Azərbaycan Kubokunu hansı komanda qazanıb?", "organisation"),
        ("Festival harada keçiriləcək?", "place"),
        ("Məhsul haraya ixrac olunacaq?", "place"),
        ("Xəstəxana nə vaxt açılıb?", "date"),
        ("Festivalda neçə musiqiçi çıxış edəcək?", "number"),
        ("Fabrikə nə qədər sərmayə qoyulub?", "money"),
        ("Kitabxananın tikintisi neçəyə başa gəlib?", "money"),
        ("Uçot dərəcəsini neçə faizə endirib?", "percentage"),
        ("Mükafatı hansı film qazanıb?", "name"),
        ("Toplanan pul kimə köçürüləcək?", "any"),  # a recipient: a person or a body
    ],
)
def test_azerbaijani_question_kinds(question: str, kind: str) -> None:
    assert question_language(question) == "az"
    assert Question.read(question).kind == kind


@pytest.mark.parametrize(
    ("question", "sentence", "short"),
    [
        (
            "Azərbaycan Kubokunu hansı komanda qazanıb?",
            '"Xəzər Ulduzu" komandası finalda "Gəncə Qartalları"nı 3:1 hesabı ilə məğlub edib.',
            "Xəzər Ulduzu",
        ),
        ("Kitabxananın tikintisi neçəyə başa gəlib?", "Tikinti 4,5 milyon manata başa gəlib.",
         "4,5 milyon manat"),
        ("Kitabxanada neçə kitab saxlanılır?", "Kitabxanada 120 min kitab saxlanılır.",
         "120 min kitab"),
        ("Festivalda neçə musiqiçi çıxış edəcək?",
         "Festivalda 14 ölkədən 300 musiqiçi çıxış edəcək.", "300 musiqiçi"),
        ("Elektrobus neçə kilometr yol gedə bilir?",
         "Bir elektrobus bir dəfə enerji yığmaqla 300 kilometr yol gedə bilir.", "300 kilometr"),
        ("Gediş haqqı nə qədər olacaq?", "Gediş haqqı 60 qəpik olacaq.", "60 qəpik"),
        ("Festivalın açılışında hansı orkestr çıxış edəcək?",
         "Nazirlikdən bildirilib ki, açılışda Azərbaycan Dövlət Simfonik Orkestri çıxış edəcək.",
         "Azərbaycan Dövlət Simfonik Orkestri"),
        ("Bank uçot dərəcəsini neçə faizə endirib?",
         "Bank uçot dərəcəsini 7,5 faizdən 7,25 faizə endirib.", "7,25 faiz"),
        ("Xəstəxana nə vaxt açılıb?", "Xəstəxana 14 aprel 2025-ci ildə açılıb.",
         "14 aprel 2025-ci il"),
        ("Festival nə vaxt keçiriləcək?", "Festival mayın 18-dən 22-dək Şəkidə keçiriləcək.",
         "mayın 18-dən 22-dək"),
        ("Festival harada keçiriləcək?", "Festival mayın 18-dən 22-dək Şəkidə keçiriləcək.",
         "Şəki"),
        ("Məhsul haraya ixrac olunacaq?",
         "Şirkətin rəhbəri Tural Babayev deyib ki, məhsul Rusiyaya ixrac olunacaq.",
         "Rusiyaya"),
        ("Mükafatı hansı film qazanıb?",
         'Rejissor Elvin Şirinovun "Son qatar" filmi mükafatı qazanıb.', "Son qatar"),
    ],
)  # fmt: skip
def test_azerbaijani_short_answers(question: str, sentence: str, short: str) -> None:
    assert short_answer(sentence, Question.read(question)) == short


def test_azerbaijani_sentences_ending_on_their_verb_are_quotable() -> None:
    """A lede full of names is running text when it ends on its verb, and four Azerbaijani
    words are a sentence; a menu of names is neither."""
    from retrieval.answer.extractive import quotable

    for sentence in [
        "Professor Leyla Qasımova Xəzər Texniki Universitetinin rektoru təyin olunub.",
        "Bakıda 40 ölkədən 1200 nümayəndənin qatıldığı Xəzər İnvestisiya Forumu başlayıb.",
        'Binanı "Arazinşaat" şirkəti tikib.',
    ]:
        assert quotable(sentence) == sentence
    for debris in [
        "Xəbərlər Siyasət İqtisadiyyat Mədəniyyət İdman Dünya Video",
        "Foto müəllifi Nicat Əhmədi",  # a name's ending is no verb's
        "Xəzər Texniki Universiteti Bakı Dövlət Universiteti",
        "yeni marşrut açılıb",  # a caption: no full stop
    ]:
        assert quotable(debris) is None, debris


def test_azerbaijani_rules_leave_english_and_russian_alone() -> None:
    """What the Azerbaijani rules must not touch (a review of issue 35's change): a Russian
    question naming a Kazakh «Әлихан», an English time, date, figure, money and place."""
    from retrieval.answer.forms import DATE_PHRASE, MONEY
    from retrieval.answer.kinds import things
    from retrieval.core.analysis import NUMBER
    from retrieval.search.rewriting import is_follow_up

    assert detect("Что сказал Әлихан Смайылов о бюджете на следующий год?") == "ru"
    assert detect("Xbox satışları ne kadar arttı?") == "tr"
    assert not is_follow_up("What happened at 5 o'clock in the morning in Saltmere?")
    match = DATE_PHRASE.search("The vote is on 5 May, 2024 in the capital.")
    assert match is not None and match.group() == "5 May, 2024"
    assert DATE_PHRASE.search("He honoured 12 martyrs.") is None
    assert MONEY.search("They counted 10 manatees.") is None
    number = NUMBER.search("The match starts 20 min tonight.")
    assert number is not None and number.group() == "20"
    places = things(
        "Festival həm Kanadada, həm də Şəkidə keçiriləcək.",
        Question.read("Festival harada keçiriləcək?"),
        "place",
    )
    assert [t.text for t in places] == ["Kanada", "Şəki"]
