"""Staff exports as files: thread and indicator rows, read back from real CSV and XLSX."""

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import openpyxl
import pytest

from chalicelib.domain import indicators
from chalicelib.domain.commune import Commune, Quartier, Theme
from chalicelib.domain.ids import CommuneId
from chalicelib.domain.indicators import Facets
from chalicelib.domain.threads import (
    Analysis,
    AnalysisStatus,
    Channel,
    CounterIncrement,
    PiiSpan,
    Sentiment,
    TextAnalysis,
    Thread,
    ThreadStatus,
)
from chalicelib.services import redaction
from chalicelib.services.export_files import (
    INDICATOR_COLUMNS,
    THREAD_COLUMNS,
    Column,
    indicator_rows,
    safe_cell,
    thread_row,
    write_csv,
    write_xlsx,
)

pytestmark = pytest.mark.unit

BIOT = Commune(
    commune_id=CommuneId("06018"),
    slug="biot",
    name="Biot",
    themes=(
        Theme("proprete", "Propreté"),
        Theme("voirie", "Voirie"),
        Theme("eclairage", "Éclairage public"),
    ),
    quartiers=(Quartier("village", "Village"),),
)
CREATED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TEXT = "Les poubelles débordent rue des Roses, appelez-moi au 06 12 34 56 78"
PHONE = "06 12 34 56 78"
MASKED = "Les poubelles débordent rue des Roses, appelez-moi au [TÉLÉPHONE]"


def analysed(**changes: object) -> Analysis:
    start = TEXT.index(PHONE)
    result = TextAnalysis(
        language="fr",
        sentiment=Sentiment.NEGATIVE,
        scores={"NEGATIVE": 0.9},
        key_phrases=("poubelles", "rue des Roses", "06 12 34 56 78"),
        engine="local",
        pii=(PiiSpan("PHONE", start, start + len(PHONE)),),
        masked_text=MASKED,
    )
    return Analysis(status=AnalysisStatus.DONE, result=replace(result, **changes))


def thread(**changes: object) -> Thread:
    fields: dict[str, object] = {
        "commune_id": BIOT.commune_id,
        "thread_id": "01jd0000000000000000000001",
        "channel": Channel.WEB,
        "status": ThreadStatus.ANSWERED,
        "theme": "proprete",
        "created_at": CREATED,
        "last_activity_at": CREATED + timedelta(hours=5),
        "preview": TEXT,
        "quartier": "village",
        "rating": 2,
        "analysis": analysed(),
        "first_answer_at": CREATED + timedelta(hours=3, minutes=20),
    }
    return Thread(**{**fields, **changes})


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def read_xlsx(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).active


def counts_of(*increments: Iterable[CounterIncrement]) -> dict[str, dict[str, int]]:
    """The {day: {dimension: count}} an IndicatorRepository would return for these events."""
    days: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for batch in increments:
        for increment in batch:
            days[increment.day][increment.dimension] += increment.amount
    return {day: dict(counters) for day, counters in days.items()}


# Thread rows


def test_thread_row_has_labels_dates_and_figures():
    row = thread_row(thread(), BIOT, TEXT, masked=False)
    assert list(row) == [column.key for column in THREAD_COLUMNS]
    assert row == {
        "id": "01jd0000000000000000000001",
        "created": "2026-11-02T09:00:00+00:00",
        "channel": "Site web",
        "status": "Répondu",
        "theme": "Propreté",
        "quartier": "Village",
        "rating": 2,
        "sentiment": "Négatif",
        "keyPhrases": "poubelles, rue des Roses, 06 12 34 56 78",
        "toxic": "non",
        "firstAnswerAt": "2026-11-02T12:20:00+00:00",
        "hoursToFirstAnswer": 3.3,
        "text": TEXT,
    }


def test_thread_row_dates_are_converted_to_utc():
    paris = datetime(2026, 11, 2, 11, 0, tzinfo=timezone(timedelta(hours=1)))
    row = thread_row(thread(created_at=paris, first_answer_at=None), BIOT, TEXT, masked=False)
    assert row["created"] == "2026-11-02T10:00:00+00:00"
    assert (row["firstAnswerAt"], row["hoursToFirstAnswer"]) == (None, None)


def test_masked_row_exports_the_masked_text_and_admin_row_the_full_one():
    assert thread_row(thread(), BIOT, TEXT, masked=True)["text"] == MASKED
    assert thread_row(thread(), BIOT, TEXT, masked=False)["text"] == TEXT


def test_masked_row_drops_key_phrases_holding_personal_data():
    masked = thread_row(thread(), BIOT, TEXT, masked=True)
    assert masked["keyPhrases"] == "poubelles, rue des Roses"
    assert PHONE not in str(masked)


@pytest.mark.parametrize(
    ("analysis", "placeholder"),
    [
        (Analysis(), "[texte en attente d'analyse]"),
        (Analysis(status=AnalysisStatus.FAILED, error="boom"), redaction.FAILED_TEXT),
        # A result recorded before masking existed proves nothing: still no text.
        (analysed(masked_text=""), "[texte en attente d'analyse]"),
    ],
)
def test_masked_row_without_masked_text_shows_a_placeholder(analysis, placeholder):
    row = thread_row(thread(analysis=analysis), BIOT, TEXT, masked=True)
    assert row["text"] == placeholder
    assert PHONE not in str(row)


def test_thread_row_before_analysis_leaves_analysis_cells_empty():
    row = thread_row(thread(analysis=Analysis()), BIOT, TEXT, masked=False)
    assert (row["sentiment"], row["toxic"], row["keyPhrases"]) == (None, None, "")
    assert row["text"] == TEXT


def test_thread_row_keeps_unknown_ids_and_empty_optionals():
    row = thread_row(
        thread(theme="ancien-theme", quartier=None, rating=None, channel=Channel.EMAIL),
        BIOT,
        TEXT,
        masked=False,
    )
    assert (row["theme"], row["quartier"], row["rating"]) == ("ancien-theme", None, None)
    assert row["channel"] == "E-mail"
    toxic = thread_row(thread(analysis=analysed(toxic=True)), BIOT, TEXT, masked=False)
    assert toxic["toxic"] == "oui"


# Formula injection


@pytest.mark.parametrize("dangerous", ["=1+1", "+33 6 12", "-2+3", "@SUM(A1)", "\t=cmd", "\r=cmd"])
def test_safe_cell_neutralises_formulas(dangerous):
    assert safe_cell(dangerous) == "'" + dangerous


@pytest.mark.parametrize("harmless", ["Bonjour", "", "2 + 2 = 4", 42, -3, 2.5, -33.3, None])
def test_safe_cell_leaves_text_and_numbers_alone(harmless):
    assert safe_cell(harmless) == harmless
    assert type(safe_cell(harmless)) is type(harmless)


# CSV


def test_csv_is_bom_semicolon_crlf_with_titles_and_guarded_cells():
    columns = (Column("text", "Texte"), Column("n", "Nombre"), Column("x", "Moyenne"))
    rows = [{"text": '=HYPERLINK("http://x")', "n": 3, "x": 4.25}, {"text": "a;b\nc"}]
    stream = io.BytesIO()
    assert write_csv(columns, rows, stream) == 2
    data = stream.getvalue()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.split(b"\r\n")[0] == "\ufeffTexte;Nombre;Moyenne".encode()
    assert read_csv(data) == [
        ["Texte", "Nombre", "Moyenne"],
        ['\'=HYPERLINK("http://x")', "3", "4,25"],
        ["a;b\nc", "", ""],
    ]


def test_csv_of_thread_rows_reads_back_masked():
    stream = io.BytesIO()
    rows = [thread_row(thread(), BIOT, TEXT, masked=True)]
    write_csv(THREAD_COLUMNS, rows, stream)
    header, line = read_csv(stream.getvalue())
    assert header[:5] == ["Identifiant", "Date", "Canal", "Statut", "Thème"]
    record = dict(zip(header, line, strict=True))
    assert (record["Thème"], record["Quartier"], record["Texte"]) == ("Propreté", "Village", MASKED)
    assert record["Délai de première réponse (h)"] == "3,3"


def test_csv_streams_a_generator_and_leaves_the_stream_open():
    stream = io.BytesIO()
    written_before_the_end: list[int] = []

    def rows() -> Iterator[dict[str, object]]:
        for n in range(100_000):
            if n == 99_999:
                written_before_the_end.append(stream.tell())
            yield {"n": n, "text": f"avis {n}"}

    assert write_csv((Column("n", "N"), Column("text", "Texte")), rows(), stream) == 100_000
    # Most of the file was already in the stream while the generator was still yielding.
    assert written_before_the_end[0] > len(stream.getvalue()) * 0.9
    assert not stream.closed
    lines = read_csv(stream.getvalue())
    assert len(lines) == 100_001 and lines[-1] == ["99999", "avis 99999"]


# XLSX


def test_xlsx_has_bold_frozen_header_typed_numbers_and_guarded_text():
    columns = (Column("text", "Texte"), Column("n", "Nombre"), Column("x", "Moyenne"))
    rows = iter([{"text": "-1+1", "n": 3, "x": 4.25}, {"text": "ok", "n": None}])
    stream = io.BytesIO()
    assert write_xlsx(columns, rows, stream, "Avis") == 2
    sheet = read_xlsx(stream.getvalue())
    assert sheet.title == "Avis"
    assert sheet.freeze_panes == "A2"
    assert [cell.value for cell in sheet[1]] == ["Texte", "Nombre", "Moyenne"]
    assert all(cell.font.bold for cell in sheet[1])
    assert [cell.value for cell in sheet[2]] == ["'-1+1", 3, 4.25]
    assert sheet["A2"].data_type == "s" and sheet["B2"].data_type == "n"
    assert [cell.value for cell in sheet[3]] == ["ok", None, None]


def test_xlsx_strips_control_characters_before_guarding():
    stream = io.BytesIO()
    write_xlsx((Column("text", "Texte"),), [{"text": "\x01=cmd|'/c calc'!A0"}], stream, "x")
    assert read_xlsx(stream.getvalue())["A2"].value == "'=cmd|'/c calc'!A0"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Avis [Biot] 2026/11: *tout*?", "Avis Biot 202611 tout"),
        ("Indicateurs de la commune de Saint-Paul-de-Vence", "Indicateurs de la commune de Sa"),
        ("'Avis'", "Avis"),
        ("[]:*?/\\", "Export"),
    ],
)
def test_xlsx_sheet_title_is_one_excel_accepts(title, expected):
    stream = io.BytesIO()
    write_xlsx((Column("n", "N"),), [], stream, title)
    assert read_xlsx(stream.getvalue()).title == expected
    assert len(expected) <= 31


# Indicator rows

WEB_VILLAGE = Facets("proprete", "village", Channel.WEB)
WEB_ROADS = Facets("voirie", None, Channel.WEB)
EMAIL_LIGHTS = Facets("eclairage", None, Channel.EMAIL)
DAY1, DAY2 = "2026-11-02", "2026-11-03"


@pytest.fixture
def november():
    return counts_of(
        indicators.verbatim(DAY1, WEB_VILLAGE, Sentiment.NEGATIVE, ["poubelles"], True, 1),
        indicators.verbatim(DAY1, WEB_VILLAGE, Sentiment.POSITIVE, ["merci"], True, 4),
        indicators.verbatim(DAY1, WEB_VILLAGE, Sentiment.NEGATIVE, [], False),
        indicators.first_answer(DAY1, WEB_VILLAGE, 180),
        indicators.first_answer(DAY1, WEB_VILLAGE, 60),
        indicators.verbatim(DAY1, WEB_ROADS, Sentiment.MIXED, ["trottoir"], True),
        indicators.verbatim(DAY1, EMAIL_LIGHTS, Sentiment.NEUTRAL, [], True, 3),
        indicators.barometer_vote(DAY1, "proprete", 7),
        indicators.barometer_vote(DAY1, "proprete", 8),
        # Only barometer votes on this theme and day: still a row.
        indicators.barometer_vote(DAY2, "voirie", 4),
        # Consultation counters are not the indicators of a theme.
        indicators.consultation_choice(DAY2, "parc", 1),
        indicators.consultation_verbatim(DAY2, "parc", Sentiment.POSITIVE, ["jeux"]),
    )


def test_indicator_rows_aggregate_one_day_and_theme_each(november):
    rows = indicator_rows(november, BIOT)
    assert [(row["day"], row["theme"]) for row in rows] == [
        (DAY1, "Éclairage public"),  # sorted as a French reader expects, É with the E's
        (DAY1, "Propreté"),
        (DAY1, "Voirie"),
        (DAY2, "Voirie"),
    ]
    assert all(list(row) == [column.key for column in INDICATOR_COLUMNS] for row in rows)
    assert rows[1] == {
        "day": DAY1,
        "theme": "Propreté",
        "verbatims": 3,
        "positive": 1,
        "negative": 2,
        "neutral": 0,
        "mixed": 0,
        "netSentiment": -33.3,
        "opinions": 2,
        "averageRating": 2.5,
        "firstAnswers": 2,
        "averageHoursToFirstAnswer": 2.0,
        "barometerVotes": 2,
        "barometerAverage": 7.5,
    }
    assert (rows[0]["neutral"], rows[0]["averageRating"], rows[0]["barometerVotes"]) == (1, 3.0, 0)
    assert rows[2]["mixed"] == 1 and rows[2]["averageRating"] is None
    assert rows[3]["verbatims"] == 0 and rows[3]["netSentiment"] is None
    assert (rows[3]["barometerVotes"], rows[3]["barometerAverage"]) == (1, 4.0)


def test_indicator_rows_skip_a_theme_a_correction_emptied(november):
    corrected = counts_of(
        [
            CounterIncrement(day, dim, n)
            for day, dims in november.items()
            for dim, n in dims.items()
        ],
        indicators.moved(DAY1, WEB_ROADS, Sentiment.MIXED, WEB_VILLAGE, Sentiment.MIXED, None),
    )
    rows = indicator_rows(corrected, BIOT)
    assert (DAY1, "Voirie") not in [(row["day"], row["theme"]) for row in rows]
    proprete = next(row for row in rows if row["theme"] == "Propreté")
    assert (proprete["verbatims"], proprete["mixed"], proprete["opinions"]) == (4, 1, 3)


def test_indicator_rows_of_an_empty_period():
    assert indicator_rows({DAY1: {}, DAY2: {}}, BIOT) == []


def test_indicator_rows_keep_numbers_typed_in_xlsx(november):
    stream = io.BytesIO()
    rows = indicator_rows(november, BIOT)
    assert write_xlsx(INDICATOR_COLUMNS, rows, stream, "Indicateurs") == 4
    sheet = read_xlsx(stream.getvalue())
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["Jour", "Thème", "Verbatims"]
    proprete = dict(zip(header, [cell.value for cell in sheet[3]], strict=True))
    assert proprete["Thème"] == "Propreté"
    assert proprete["Indice de sentiment net"] == -33.3
    assert proprete["Verbatims"] == 3 and proprete["Note moyenne baromètre"] == 7.5
    assert dict(zip(header, [cell.value for cell in sheet[5]], strict=True))["Note moyenne"] is None
