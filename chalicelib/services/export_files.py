"""Staff exports as files: the rows of a period's threads and indicators, rendered as CSV or
XLSX for French spreadsheet users. Pure: the caller loads the data and owns the stream."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.cell.cell import Cell as OpenpyxlCell
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from chalicelib.domain import indicators
from chalicelib.domain.commune import Commune
from chalicelib.domain.threads import (
    CHANNEL_LABELS,
    AnalysisStatus,
    Sentiment,
    TextAnalysis,
    Thread,
    ThreadStatus,
)
from chalicelib.services.dashboard import Dialogue, Figures

Cell = str | int | float | None
Row = dict[str, Cell]


@dataclass(frozen=True)
class Column:
    key: str
    title: str


# French text shown to staff: column titles, enum labels and placeholders, kept together.
THREAD_COLUMNS: tuple[Column, ...] = (
    Column("id", "Identifiant"),
    Column("created", "Date"),
    Column("channel", "Canal"),
    Column("status", "Statut"),
    Column("theme", "Thème"),
    Column("quartier", "Quartier"),
    Column("rating", "Note"),
    Column("sentiment", "Sentiment"),
    Column("keyPhrases", "Expressions clés"),
    Column("toxic", "Toxique"),
    Column("firstAnswerAt", "Première réponse"),
    Column("hoursToFirstAnswer", "Délai de première réponse (h)"),
    Column("text", "Texte"),
)

INDICATOR_COLUMNS: tuple[Column, ...] = (
    Column("day", "Jour"),
    Column("theme", "Thème"),
    Column("verbatims", "Verbatims"),
    Column("positive", "Positifs"),
    Column("negative", "Négatifs"),
    Column("neutral", "Neutres"),
    Column("mixed", "Mitigés"),
    Column("netSentiment", "Indice de sentiment net"),
    Column("opinions", "Avis"),
    Column("averageRating", "Note moyenne"),
    Column("firstAnswers", "Premières réponses"),
    Column("averageHoursToFirstAnswer", "Délai moyen de première réponse (h)"),
    Column("barometerVotes", "Votes baromètre"),
    Column("barometerAverage", "Note moyenne baromètre"),
)

STATUS_LABELS = {
    ThreadStatus.NEW: "Nouveau",
    ThreadStatus.IN_PROGRESS: "En cours",
    ThreadStatus.ANSWERED: "Répondu",
    ThreadStatus.CLOSED: "Clos",
}
SENTIMENT_LABELS = {
    Sentiment.POSITIVE: "Positif",
    Sentiment.NEGATIVE: "Négatif",
    Sentiment.NEUTRAL: "Neutre",
    Sentiment.MIXED: "Mitigé",
}
PENDING_TEXT = "[texte en attente d'analyse]"
FAILED_TEXT = "[texte indisponible : analyse en échec]"
SKIPPED_TEXT = "[pas de texte : pièces jointes seules]"
YES, NO = "oui", "non"
DEFAULT_SHEET_TITLE = "Export"

# OWASP "CSV injection": a spreadsheet evaluates a cell starting with one of these.
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Excel's limits on a sheet name.
_SHEET_TITLE_MAX = 31
_SHEET_TITLE_FORBIDDEN = str.maketrans("", "", "[]:*?/\\")
_SHEET_TITLE_EDGES = " '\t\r\n"


def thread_row(thread: Thread, commune: Commune, text: str, masked: bool) -> Row:
    """`text` is the opinion's full text. With `masked` (staff who may not see personal data)
    the row never holds it: the analysis' masked text, or a placeholder until there is one."""
    result = thread.analysis.result
    return {
        "id": thread.thread_id,
        "created": _iso(thread.created_at),
        "channel": CHANNEL_LABELS.get(thread.channel, thread.channel.value),
        "status": STATUS_LABELS.get(thread.status, thread.status.value),
        "theme": _theme_label(commune, thread.theme),
        "quartier": _quartier_label(commune, thread.quartier),
        "rating": thread.rating,
        "sentiment": SENTIMENT_LABELS[result.sentiment] if result else None,
        "keyPhrases": ", ".join(_key_phrases(result, text, masked)),
        "toxic": (YES if result.toxic else NO) if result else None,
        "firstAnswerAt": _iso(thread.first_answer_at) if thread.first_answer_at else None,
        "hoursToFirstAnswer": _hours_to_first_answer(thread),
        "text": _masked_text(thread, result) if masked else text,
    }


def _iso(moment: datetime) -> str:
    # Stored datetimes are aware; a naive one can only be UTC here, never the server's zone.
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="seconds")


def _theme_label(commune: Commune, theme_id: str) -> str:
    return commune.theme_label(theme_id)


def _quartier_label(commune: Commune, quartier_id: str | None) -> str | None:
    if not quartier_id:
        return None
    quartier = commune.quartier(quartier_id)
    return quartier.label if quartier else quartier_id


def _hours_to_first_answer(thread: Thread) -> float | None:
    if thread.first_answer_at is None:
        return None
    seconds = (thread.first_answer_at - thread.created_at).total_seconds()
    return round(seconds / 3600, 1)


def _masked_text(thread: Thread, result: TextAnalysis | None) -> str:
    # An empty masked text (a record from before masking existed) is not proof that the text
    # holds no personal data: fail closed.
    if result is not None and result.masked_text:
        return result.masked_text
    if thread.analysis.status == AnalysisStatus.SKIPPED:
        return SKIPPED_TEXT
    return FAILED_TEXT if thread.analysis.status == AnalysisStatus.FAILED else PENDING_TEXT


def _key_phrases(result: TextAnalysis | None, text: str, masked: bool) -> list[str]:
    """Key phrases come from the unmasked text, so a masked row drops those that overlap
    personal data (a phrase inside an address, an e-mail inside a phrase)."""
    if result is None:
        return []
    if not masked:
        return list(result.key_phrases)
    personal = [text[span.start : span.end].casefold() for span in result.pii]
    return [phrase for phrase in result.key_phrases if not _overlaps(phrase, personal)]


def _overlaps(phrase: str, personal: Sequence[str]) -> bool:
    folded = phrase.casefold()
    return any(value and (value in folded or folded in value) for value in personal)


def indicator_rows(counts: Mapping[str, Mapping[str, int]], commune: Commune) -> list[Row]:
    """`counts` is {day: {dimension: count}}. One row per day and theme with any activity,
    sorted by day then theme label; the figures are computed as the dashboard's."""
    rows: list[Row] = []
    for day in sorted(counts):
        rows += _day_rows(day, counts[day], commune)
    return rows


def _day_rows(day: str, dimensions: Mapping[str, int], commune: Commune) -> list[Row]:
    themes = _themes_of_day(dimensions)
    barometer = indicators.barometer_totals([dimensions])
    rows: list[Row] = []
    for theme in themes.keys() | barometer.keys():
        figures, dialogue = themes.get(theme) or (Figures(), Dialogue())
        votes = barometer.get(theme, (0, 0))
        if _has_activity(figures, dialogue, votes):
            label = _theme_label(commune, theme)
            rows.append(_indicator_row(day, label, figures, dialogue, votes))
    return sorted(rows, key=lambda row: _sort_key(str(row["theme"])))


def _has_activity(figures: Figures, dialogue: Dialogue, votes: tuple[int, int]) -> bool:
    # A staff correction can bring a theme's counters back to zero: nothing left to show.
    counts = (figures.verbatims, figures.ratings, dialogue.opinions, dialogue.first_answers)
    return any(counts) or bool(votes[1])


def _sort_key(label: str) -> str:
    # "Éclairage" sorts with the E's, as a French reader expects, not after "Voirie".
    decomposed = unicodedata.normalize("NFKD", label.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _themes_of_day(dimensions: Mapping[str, int]) -> dict[str, tuple[Figures, Dialogue]]:
    themes: dict[str, tuple[Figures, Dialogue]] = {}
    for dimension, value in dimensions.items():
        # None for key-phrase counters; consultation counters carry no theme: both ignored.
        counted = indicators.parse(dimension, value)
        if counted is not None:
            figures, dialogue = themes.setdefault(counted.theme, (Figures(), Dialogue()))
            figures.add(counted)
            _add_to_dialogue(dialogue, counted)
    return themes


def _add_to_dialogue(dialogue: Dialogue, counted: indicators.Counted) -> None:
    if counted.metric == indicators.OPINIONS:
        dialogue.opinions += counted.value
    elif counted.metric == indicators.FIRST_ANSWERS:
        dialogue.first_answers += counted.value
    elif counted.metric == indicators.FIRST_ANSWER_MINUTES:
        dialogue.minutes += counted.value


def _indicator_row(
    day: str, theme_label: str, figures: Figures, dialogue: Dialogue, votes: tuple[int, int]
) -> Row:
    score_sum, voters = votes
    return {
        "day": day,
        "theme": theme_label,
        "verbatims": figures.verbatims,
        "positive": figures.sentiments[Sentiment.POSITIVE.value],
        "negative": figures.sentiments[Sentiment.NEGATIVE.value],
        "neutral": figures.sentiments[Sentiment.NEUTRAL.value],
        "mixed": figures.sentiments[Sentiment.MIXED.value],
        "netSentiment": figures.net_sentiment,
        "opinions": dialogue.opinions,
        "averageRating": figures.average_rating,
        "firstAnswers": dialogue.first_answers,
        "averageHoursToFirstAnswer": dialogue.average_hours,
        "barometerVotes": voters,
        "barometerAverage": round(score_sum / voters, 2) if voters else None,
    }


def safe_cell(value: object) -> Cell:
    """The value as a spreadsheet cell: numbers and None untouched, anything else as text,
    with a leading apostrophe when the text would otherwise be evaluated as a formula."""
    if value is None or isinstance(value, int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_TRIGGERS) else text


def write_csv(
    columns: Sequence[Column], rows: Iterable[Mapping[str, object]], stream: IO[bytes]
) -> int:
    """Writes a header of titles then one line per row, as French Excel opens it (UTF-8 with
    a BOM, ';' between cells, decimal commas). Rows are written as they come. Returns the
    number of rows written; the stream is left open."""
    encoded = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        writer = csv.writer(encoded, delimiter=";")
        writer.writerow([column.title for column in columns])
        count = 0
        for row in rows:
            writer.writerow([_csv_cell(row.get(column.key)) for column in columns])
            count += 1
    finally:
        # Detaching flushes without closing the caller's stream, as closing the wrapper would.
        encoded.detach()
    return count


def _csv_cell(value: object) -> str | int:
    cell = safe_cell(value)
    if cell is None:
        return ""
    # With ';' as separator French Excel reads "4.25" as text, or "3.5" as the 3rd of May.
    return str(cell).replace(".", ",") if isinstance(cell, float) else cell


def write_xlsx(
    columns: Sequence[Column],
    rows: Iterable[Mapping[str, object]],
    stream: IO[bytes],
    sheet_title: str,
) -> int:
    """Writes one sheet: a bold, frozen header of titles, then one line per row; numbers stay
    numbers and None an empty cell. Write-only mode keeps memory flat whatever the number of
    rows. Returns the number of rows written."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_title(sheet_title))
    # Write-only sheets write their view with the first row: freeze before appending.
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    sheet.append([_bold_cell(sheet, column.title, bold) for column in columns])
    count = 0
    for row in rows:
        sheet.append([_xlsx_cell(row.get(column.key)) for column in columns])
        count += 1
    workbook.save(stream)
    return count


def _bold_cell(sheet: WriteOnlyWorksheet, title: str, bold: Font) -> OpenpyxlCell:
    cell = WriteOnlyCell(sheet, value=title)
    cell.font = bold
    return cell


def _xlsx_cell(value: object) -> Cell:
    # openpyxl refuses control characters (a pasted e-mail may hold some). They go first, so
    # that "\x01=..." cannot turn into a formula once stripped.
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return safe_cell(value)


def _sheet_title(title: str) -> str:
    """A sheet name Excel accepts: without []:*?/\\, at most 31 characters, not empty and
    not starting or ending with an apostrophe."""
    cleaned = title.translate(_SHEET_TITLE_FORBIDDEN).strip(_SHEET_TITLE_EDGES)
    return cleaned[:_SHEET_TITLE_MAX].rstrip(_SHEET_TITLE_EDGES) or DEFAULT_SHEET_TITLE
