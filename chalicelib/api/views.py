"""Domain objects turned into response schemas."""

from __future__ import annotations

from chalicelib.api import schemas
from chalicelib.domain.commune import Commune
from chalicelib.domain.threads import Analysis, Author, Thread
from chalicelib.services.feedback import FollowUp
from chalicelib.services.inbox import ThreadDetail


def commune_profile(commune: Commune) -> schemas.CommuneProfile:
    return schemas.CommuneProfile(
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
                author=m.author.value,
                text=m.text,
                created_at=m.created_at,
                channel=m.channel.value,
            )
            for m in view.messages
            if m.author in (Author.CITIZEN, Author.COMMUNE)
        ],
    )


def thread_summary(thread: Thread) -> schemas.ThreadSummary:
    result = thread.analysis.result
    return schemas.ThreadSummary(
        id=thread.thread_id,
        status=thread.status.value,
        theme=thread.theme,
        quartier=thread.quartier,
        channel=thread.channel.value,
        rating=thread.rating,
        preview=thread.preview,
        created_at=thread.created_at,
        last_activity_at=thread.last_activity_at,
        assignee=thread.assignee,
        sentiment=result.sentiment.value if result else None,
        analysis_status=thread.analysis.status.value,
        version=thread.version,
    )


def thread_view(detail: ThreadDetail) -> schemas.ThreadView:
    contact = detail.contact
    return schemas.ThreadView(
        **thread_summary(detail.thread).model_dump(),
        messages=[
            schemas.ThreadMessage(
                id=m.message_id,
                author=m.author.value,
                text=m.text,
                created_at=m.created_at,
                channel=m.channel.value,
                visibility=m.visibility.value,
                staff_email=m.staff_email or None,
            )
            for m in detail.messages
        ],
        analysis=analysis_view(detail.thread.analysis),
        contact=schemas.ContactView(name=contact.name or None, email=contact.email)
        if contact
        else None,
    )


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
