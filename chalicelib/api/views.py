"""Domain objects turned into response schemas."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from chalicelib.api import schemas
from chalicelib.domain import certainty
from chalicelib.domain.alerts import Alert
from chalicelib.domain.commune import UNSORTED, UNSORTED_LABEL, Commune
from chalicelib.domain.consultations import Consultation
from chalicelib.domain.threads import CHANNEL_LABELS, Analysis, Author, Delivery, Envelope, Thread
from chalicelib.services import summaries
from chalicelib.services.barometer import average
from chalicelib.services.bulk import Outcome
from chalicelib.services.consultations import Results
from chalicelib.services.dashboard import Dashboard, Figures, PublicIndicators
from chalicelib.services.feedback import FollowUp
from chalicelib.services.inbox import ThreadDetail
from chalicelib.services.topics import TopicDetail, TopicRow, TopicsOverview


def commune_profile(
    commune: Commune, open_consultations: list[Consultation], today: date
) -> schemas.CommuneProfile:
    return schemas.CommuneProfile(
        consultations=[consultation_view(c, today) for c in open_consultations],
        commune_id=commune.commune_id,
        slug=commune.slug,
        name=commune.name,
        themes=[schemas.Label(id=t.id, label=t.label) for t in commune.themes],
        quartiers=[schemas.Label(id=q.id, label=q.label) for q in commune.quartiers],
    )


def follow_up(view: FollowUp) -> schemas.FollowUpView:
    return schemas.FollowUpView(
        id=view.thread.thread_id,
        status=view.thread.status.value,
        theme=view.thread.theme,
        messages=[
            schemas.FollowUpMessage(
                author="citizen" if m.author is Author.CITIZEN else "commune",
                text=m.text,
                created_at=m.created_at,
                channel=m.channel.value,
            )
            for m in view.messages
            if m.author in (Author.CITIZEN, Author.COMMUNE)
        ],
    )


def thread_summary(thread: Thread, now: datetime) -> schemas.ThreadSummary:
    result = thread.analysis.result
    return schemas.ThreadSummary(
        id=thread.thread_id,
        status=thread.status.value,
        theme=thread.theme,
        quartier=thread.quartier,
        channel=thread.channel.value,
        rating=thread.rating,
        preview=thread.preview,
        subject=thread.subject or None,
        created_at=thread.created_at,
        last_activity_at=thread.last_activity_at,
        assignee=thread.assignee,
        sentiment=result.sentiment.value if result else None,
        analysis_status=thread.analysis.status.value,
        version=thread.version,
        due_at=thread.due_at,
        overdue=thread.is_overdue(now),
        service=thread.service,
        tags=list(thread.tags),
        publication=thread.publication.value,
        priority=thread.priority.value,
        merged_into=thread.merged_into,
        merged_from=list(thread.merged_from),
    )


def thread_view(detail: ThreadDetail, now: datetime) -> schemas.ThreadView:
    contact = detail.contact
    return schemas.ThreadView(
        **thread_summary(detail.thread, now).model_dump(),
        messages=[
            schemas.ThreadMessage(
                id=m.message_id,
                author=m.author.value,
                text=m.text,
                created_at=m.created_at,
                channel=m.channel.value,
                visibility=m.visibility.value,
                staff_email=m.staff_email or None,
                delivery=m.delivery.value or None,  # type: ignore[arg-type]
                delivery_detail=m.delivery_detail or None
                if m.delivery is Delivery.FAILED
                else None,
                **envelope_fields(m.envelope),
            )
            for m in detail.messages
        ],
        analysis=analysis_view(detail.thread.analysis),
        contact=schemas.ContactView(
            name=contact.name or None,
            email=contact.email or None,
            verified=bool(contact.verified_at),
            platform=contact.platform or None,
        )
        if contact
        else None,
        history=[thread_summary(other, now) for other in detail.history],
        topic=schemas.TopicLink(id=detail.topic[0], label=detail.topic[1])
        if detail.topic
        else None,
    )


def similar_reports(threads: list[Thread]) -> list[schemas.SimilarReport]:
    return [
        schemas.SimilarReport(
            thread_id=t.thread_id,
            created_at=t.created_at,
            status=t.status.value,
            preview=t.preview,
        )
        for t in threads
    ]


def envelope_fields(envelope: Envelope | None) -> dict[str, Any]:
    if envelope is None:
        return {}
    return {
        "subject": envelope.subject or None,
        "has_original": bool(envelope.full_text or envelope.raw_key),
        "attachments": [
            schemas.AttachmentView(
                index=index,
                name=a.name,
                content_type=a.content_type,
                size=a.size,
                refused=a.refused or None,
            )
            for index, a in enumerate(envelope.attachments)
        ],
    }


def analysis_view(analysis: Analysis) -> schemas.AnalysisView:
    result = analysis.result
    if result is None:
        return schemas.AnalysisView(status=analysis.status.value, error=analysis.error or None)
    return schemas.AnalysisView(
        status=analysis.status.value,
        sentiment=result.sentiment.value,
        scores=result.scores,
        key_phrases=list(result.key_phrases),
        language=result.language,
        engine=result.engine,
        model_version=result.model_version or None,
        suggested_theme=result.theme,
        pii=[schemas.PiiView(type=p.type, start=p.start, end=p.end) for p in result.pii],
        toxic=result.toxic,
        corrected=result.corrected,
    )


def figures(data: Figures) -> dict[str, object]:
    interval = data.net_sentiment_interval
    return {
        "verbatims": data.verbatims,
        "positive": data.sentiments["POSITIVE"],
        "negative": data.sentiments["NEGATIVE"],
        "neutral": data.sentiments["NEUTRAL"],
        "mixed": data.sentiments["MIXED"],
        "net_sentiment": data.net_sentiment,
        "average_rating": data.average_rating,
        "ratings": data.ratings,
        "too_few": data.too_few,
        "net_sentiment_low": interval[0] if interval else None,
        "net_sentiment_high": interval[1] if interval else None,
    }


def dashboard_view(board: Dashboard, commune: Commune) -> schemas.DashboardView:
    labels = {t.id: t.label for t in commune.themes} | {q.id: q.label for q in commune.quartiers}
    labels["-"] = "Non précisé"
    labels[UNSORTED] = UNSORTED_LABEL

    channels = {channel.value: label for channel, label in CHANNEL_LABELS.items()}

    def rows(
        groups: dict[str, Figures], names: dict[str, str] | None = None
    ) -> list[schemas.BreakdownRow]:
        names = names or labels
        return [
            schemas.BreakdownRow(id=key, label=names.get(key, key), **figures(value))  # type: ignore[arg-type]
            for key, value in groups.items()
        ]

    totals, previous = board.totals, board.previous
    change_volume = (
        round(100 * (totals.verbatims - previous.verbatims) / previous.verbatims, 1)
        if previous.verbatims
        else None
    )
    change_net = (
        round(totals.net_sentiment - previous.net_sentiment, 1)
        if totals.net_sentiment is not None and previous.net_sentiment is not None
        else None
    )
    dialogue = board.dialogue
    return schemas.DashboardView(
        start=board.period.start.isoformat(),
        end=board.period.end.isoformat(),
        granularity=board.granularity,  # type: ignore[arg-type]
        totals=schemas.FiguresView(**figures(totals)),  # type: ignore[arg-type]
        previous=schemas.FiguresView(**figures(previous)),  # type: ignore[arg-type]
        change=schemas.ChangeView(
            verbatims_percent=change_volume,
            net_sentiment_points=change_net,
            reliable=board.complete and not totals.too_few and not previous.too_few,
        ),
        series=[
            schemas.SeriesPoint(
                start=start,
                end=certainty.bucket_end(date.fromisoformat(start), board.granularity).isoformat(),
                complete=start in board.complete_buckets,
                **figures(value),  # type: ignore[arg-type]
            )
            for start, value in board.series
        ],
        complete=board.complete,
        by_theme=rows(board.by_theme),
        by_quartier=rows(board.by_quartier),
        by_channel=rows(board.by_channel, channels),
        key_phrases=[
            schemas.KeyPhraseView(phrase=p, count=n, quotes=board.quotes.get(p, []))
            for p, n in board.key_phrases
        ],
        dialogue=schemas.DialogueView(
            opinions=dialogue.opinions,
            open_threads=dialogue.open_threads,
            overdue_threads=dialogue.overdue_threads,
            first_answers=dialogue.first_answers,
            answered_share=dialogue.answered_share,
            average_first_answer_hours=dialogue.average_hours,
            median_first_answer_hours=dialogue.median_hours,
        ),
        barometer=[
            schemas.BarometerTheme(
                id=theme.id,
                label=theme.label,
                average=average(board.barometer.get(theme.id)),
                votes=board.barometer.get(theme.id, (0, 0))[1],
                previous_average=average(board.previous_barometer.get(theme.id)),
            )
            for theme in commune.themes
        ],
        alerts=[alert_view(alert) for alert in board.alerts],
    )


def public_opinion(thread: Thread) -> schemas.PublicOpinion:
    result = thread.analysis.result
    return schemas.PublicOpinion(
        id=thread.thread_id,
        theme=thread.theme,
        quartier=thread.quartier,
        rating=thread.rating,
        created_at=thread.created_at,
        published_at=thread.published_at,
        # Only published threads reach here, and publishing needs the masked text.
        text=result.masked_text if result else "",
        answers=[schemas.PublicAnswerView(text=a.text, at=a.at) for a in thread.public_answers],
    )


def moderation_item(thread: Thread) -> schemas.ModerationItem:
    result = thread.analysis.result
    reasons: list[Any] = []
    if result is None or not result.masked_text:
        reasons.append("not_analysed")
    else:
        reasons += ["personal_data"] if result.pii else []
        reasons += ["toxic"] if result.toxic else []
    return schemas.ModerationItem(
        id=thread.thread_id,
        theme=thread.theme,
        created_at=thread.created_at,
        publication=thread.publication.value,
        masked_text=result.masked_text if result and result.masked_text else None,
        reasons=reasons,
        answers=[schemas.PublicAnswerView(text=a.text, at=a.at) for a in thread.public_answers],
    )


def alert_view(alert: Alert) -> schemas.AlertView:
    return schemas.AlertView(
        id=alert.alert_id,
        kind=alert.kind.value,
        subject=alert.subject,
        title=alert.title,
        raised_at=alert.raised_at,
        figures=alert.figures,
        active=alert.active,
        acknowledged_by=alert.acknowledged_by,
        acknowledged_at=alert.acknowledged_at,
        resolved_at=alert.resolved_at,
        notified_at=alert.notified_at,
    )


def public_indicators(board: PublicIndicators) -> schemas.PublicIndicatorsView:
    labels = {theme.id: theme.label for theme in board.commune.themes}
    return schemas.PublicIndicatorsView(
        commune=board.commune.name,
        start=board.period.start.isoformat(),
        end=board.period.end.isoformat(),
        verbatims=board.totals.verbatims,
        answered_share=board.dialogue.answered_share,
        median_first_answer_hours=board.dialogue.median_hours,
        themes=[
            schemas.ThemeTransparency(
                id=theme_id,
                label=labels[theme_id],
                verbatims=figures_.verbatims,
                net_sentiment=figures_.net_sentiment,
                opinions=dialogue.opinions,
                answered_share=dialogue.answered_share,
                median_first_answer_hours=dialogue.median_hours,
            )
            for theme_id, (figures_, dialogue) in board.by_theme.items()
        ],
    )


def consultation_view(consultation: Consultation, today: date) -> schemas.ConsultationView:
    return schemas.ConsultationView(
        id=consultation.consultation_id,
        title=consultation.title,
        question=consultation.question,
        theme=consultation.theme,
        opens_on=consultation.opens_on.isoformat(),
        closes_on=consultation.closes_on.isoformat(),
        choices=list(consultation.choices),
        quartiers=list(consultation.quartiers),
        open=consultation.is_open(today),
    )


def consultation_results(results: Results, today: date) -> schemas.ConsultationResults:
    return schemas.ConsultationResults(
        consultation=consultation_view(results.consultation, today),
        choices=[schemas.ChoiceCount(choice=c, count=n) for c, n in results.choices.items()],
        sentiments=results.sentiments,
        key_phrases=[schemas.KeyPhraseView(phrase=p, count=n) for p, n in results.key_phrases],
    )


def summary_view(
    result: summaries.QuotedSummary,
    start: date,
    end: date,
    theme: str | None,
    topic: str | None = None,
) -> schemas.SummaryView:
    # Quotes are masked texts whoever asks: a viewer may read them, an agent needs no more.
    return schemas.SummaryView(
        start=start.isoformat(),
        end=end.isoformat(),
        theme=theme,
        topic=topic,
        summary=result.summary.text,
        quotes=[schemas.SummaryQuote(id=quote.id, text=quote.text) for quote in result.quotes],
        engine=result.summary.engine,
        cost_usd=result.summary.cost_usd,
        opinions=result.opinions,
    )


def topic_view(row: TopicRow) -> schemas.TopicView:
    return schemas.TopicView(**_topic_fields(row))


def _topic_fields(row: TopicRow) -> dict[str, Any]:
    # Quotes are masked previews whoever asks, as for the dashboard's key phrases.
    sentiments = row.figures.sentiments
    return {
        "id": row.id,
        "label": row.label,
        "verbatims": row.figures.verbatims,
        "previous": row.previous,
        "trend": row.trend.value,
        "reliable": row.reliable,
        "sentiment": schemas.TopicSentiment(
            positive=sentiments["POSITIVE"],
            negative=sentiments["NEGATIVE"],
            neutral=sentiments["NEUTRAL"],
            mixed=sentiments["MIXED"],
        ),
        "net_sentiment": row.figures.net_sentiment,
        "too_few": row.figures.too_few,
        "themes": [
            schemas.TopicTheme(id=theme, verbatims=count)
            for theme, count in sorted(row.figures.themes.items(), key=lambda i: (-i[1], i[0]))
        ],
        "quotes": row.quotes,
        "emerging": row.emerging,
    }


def topics_view(found: TopicsOverview) -> schemas.TopicsView:
    return schemas.TopicsView(
        start=found.period.start.isoformat(),
        end=found.period.end.isoformat(),
        engine=found.engine,
        built_at=found.built_at,
        verbatims=found.verbatims,
        outside=found.outside,
        topics=[topic_view(row) for row in found.topics],
    )


def topic_detail_view(found: TopicDetail) -> schemas.TopicDetailView:
    return schemas.TopicDetailView(
        **_topic_fields(found.topic),
        series=[
            schemas.TopicSeriesPoint(
                start=bucket.start, verbatims=bucket.verbatims, complete=bucket.complete
            )
            for bucket in found.series
        ],
    )


def bulk_results(outcomes: list[Outcome]) -> schemas.BulkResults:
    """A result per thread: done, or the error that stopped it."""
    return schemas.BulkResults(
        results=[
            schemas.BulkResult(
                id=o.thread_id,
                ok=o.ok,
                error=schemas.ErrorDetail(code=o.error.code, message=o.error.message)
                if o.error
                else None,
            )
            for o in outcomes
        ]
    )
