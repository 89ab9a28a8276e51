"""Request and response bodies of the public API. The same models validate requests and
generate the OpenAPI document, so the two cannot disagree. JSON is camelCase."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

SentimentName = Literal["POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED"]
StatusName = Literal["new", "in_progress", "answered", "closed"]
ChannelName = Literal["web", "email", "form", "social"]


class Schema(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, strict=True, extra="forbid"
    )


class ErrorDetail(Schema):
    code: str = Field(examples=["validation_error"])
    message: str = Field(examples=["text must have at least 3 characters"])
    details: list[dict[str, str]] | None = None


class ErrorBody(Schema):
    error: ErrorDetail


class ComponentHealth(Schema):
    status: Literal["ok", "error"]
    detail: str | None = None


class Health(Schema):
    status: Literal["ok", "degraded"]
    components: dict[str, ComponentHealth]


class CognitoConfig(Schema):
    endpoint: str
    region: str
    user_pool_id: str
    client_id: str


class RuntimeConfig(Schema):
    api_url: str
    cognito: CognitoConfig
    realtime_url: str | None = Field(
        description="the consoles' WebSocket (add ?token=<ID token>); null: poll /console/events"
    )


class Label(Schema):
    id: str = Field(examples=["proprete"])
    label: str = Field(examples=["Propreté"])


class CommuneProfile(Schema):
    commune_id: str = Field(examples=["06018"], description="INSEE code")
    slug: str = Field(examples=["biot"])
    name: str = Field(examples=["Biot"])
    themes: list[Label]
    quartiers: list[Label]
    consultations: list[ConsultationView] = Field(description="the open consultations")


class SubmitFeedbackBody(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "theme": "proprete",
                    "text": "Les poubelles débordent tous les lundis rue du Portugon.",
                    "rating": 2,
                    "quartier": "village",
                    "email": "habitant@example.org",
                    "consent": True,
                }
            ]
        }
    )

    theme: str = Field(min_length=1, max_length=64)
    text: str = Field(min_length=3, max_length=5000)
    rating: int | None = Field(default=None, ge=1, le=5)
    quartier: str | None = Field(default=None, max_length=64)
    email: str | None = Field(default=None, max_length=254)
    consent: bool = False
    name: str | None = Field(default=None, max_length=100)
    source: Literal["web", "form"] = Field(
        default="web",
        description="form: sent by the embeddable form on the commune's own website",
    )
    website: str | None = Field(
        default=None,
        max_length=2000,
        description="the honeypot: hidden from people in the forms, left empty by them; "
        "anything in it is refused (422 spam_suspected)",
    )


class FeedbackAccepted(Schema):
    id: str = Field(examples=["01jdx8m3q4c9v2k7w5n6p8r0st"])
    follow_up_token: str = Field(examples=["06018.Xq3…"])
    status: Literal["received"] = "received"


class FollowUpMessage(Schema):
    author: Literal["citizen", "commune"]
    text: str
    created_at: datetime
    channel: ChannelName


class FollowUpView(Schema):
    id: str
    status: StatusName
    theme: str
    messages: list[FollowUpMessage]


class FollowUpBody(Schema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"text": "Merci, c'est réparé depuis ce matin."}]}
    )

    text: str = Field(min_length=3, max_length=5000)


class MessageCreated(Schema):
    id: str
    created_at: datetime


class PiiView(Schema):
    type: str = Field(examples=["PHONE"])
    start: int
    end: int


class AnalysisView(Schema):
    status: Literal["pending", "done", "failed", "skipped"] = Field(
        description="skipped: the citizen sent files alone, there is no text to analyse"
    )
    sentiment: SentimentName | None = None
    scores: dict[str, float] | None = None
    key_phrases: list[str] = []
    language: str | None = None
    engine: str | None = Field(default=None, examples=["local", "comprehend"])
    model_version: str | None = None
    suggested_theme: str | None = Field(default=None, description="null when nothing fits")
    pii: list[PiiView] = []
    toxic: bool = False
    corrected: bool = Field(default=False, description="staff corrected the sentiment")
    error: str | None = None


class ThreadSummary(Schema):
    id: str
    subject: str | None = Field(default=None, description="an e-mail's subject")
    status: StatusName
    theme: str
    quartier: str | None
    channel: ChannelName
    rating: int | None
    preview: str
    created_at: datetime
    last_activity_at: datetime
    assignee: str | None
    sentiment: SentimentName | None
    analysis_status: Literal["pending", "done", "failed", "skipped"]
    version: int
    due_at: datetime | None = Field(
        description="while the citizen awaits an answer: the commune's deadline (SLA)"
    )
    overdue: bool = Field(description="the deadline has passed")
    service: str | None = Field(description="the department in charge")
    tags: list[str]
    publication: Literal["none", "pending", "published", "hidden"] = Field(
        description="on the commune's public page: pending = in the moderation queue"
    )
    priority: Literal["normal", "high"] = Field(
        description="high: set by staff, or escalated (a negative opinion left unanswered)"
    )
    merged_into: str | None = Field(description="a duplicate: the thread it was merged into")
    merged_from: list[str] = Field(description="the duplicates merged into this thread")


class ThreadList(Schema):
    items: list[ThreadSummary]
    next_cursor: str | None


class AttachmentView(Schema):
    index: int
    name: str
    content_type: str
    size: int
    refused: str | None = Field(
        default=None, description="too_large, type_not_allowed, too_many…: not kept"
    )


class ThreadMessage(Schema):
    id: str
    author: Literal["citizen", "commune", "note"] = Field(description="note: internal, staff only")
    text: str
    created_at: datetime
    channel: ChannelName
    visibility: Literal["private", "public"]
    staff_email: str | None
    delivery: Literal["pending", "sending", "sent", "failed"] | None = Field(
        default=None, description="an answer sent on the citizen's channel: where it stands"
    )
    delivery_detail: str | None = Field(
        default=None, description="why an answer could not be delivered (after every retry)"
    )
    subject: str | None = Field(default=None, description="an e-mail's subject")
    has_original: bool = Field(
        default=False,
        description="the text above is the new part of an e-mail (quoted history and "
        "signature cut); GET …/messages/{id}/original gives it whole",
    )
    attachments: list[AttachmentView] = []


class ContactView(Schema):
    name: str | None
    email: str | None
    verified: bool = Field(description="the citizen proved the address is theirs")
    platform: str | None = Field(
        default=None, description="the social network the citizen wrote on"
    )


class TopicLink(Schema):
    id: str
    label: str


class ThreadView(ThreadSummary):
    messages: list[ThreadMessage]
    analysis: AnalysisView
    contact: ContactView | None
    history: list[ThreadSummary] = Field(
        default=[], description="the citizen's other threads (a verified address), not for viewers"
    )
    topic: TopicLink | None = Field(
        default=None, description="the discovered topic of its opinion, if any"
    )


class ThreadConflict(Schema):
    """A 409 of an edit: the error, and the thread as it is now (to redo the change on)."""

    error: ErrorDetail
    thread: ThreadView


class UpdateThreadBody(Schema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"status": "in_progress", "assignee": "agent@biot.demo"}]}
    )

    status: StatusName | None = None
    assignee: str | None = Field(
        default=None, max_length=254, description='"" removes the assignee'
    )
    theme: str | None = Field(default=None, max_length=64)
    sentiment: SentimentName | None = Field(
        default=None, description="a correction of the analysed sentiment; the model learns it"
    )
    service: str | None = Field(default=None, max_length=40, description='"" removes it')
    priority: Literal["normal", "high"] | None = None
    tags: list[str] | None = Field(
        default=None, max_length=10, description="replaces the thread's tags"
    )
    version: int | None = Field(
        default=None, ge=1, description="the version read; 409 if the thread changed since"
    )


class ReplyBody(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "text": "Bonjour, le service propreté passera jeudi. Cordialement.",
                    "visibility": "private",
                }
            ]
        }
    )

    text: str | None = Field(default=None, min_length=3, max_length=5000)
    template_id: str | None = Field(
        default=None, max_length=26, description="instead of text: a canned answer, filled in"
    )
    visibility: Literal["private", "public"] = "private"


class FiguresView(Schema):
    verbatims: int
    positive: int
    negative: int
    neutral: int
    mixed: int
    net_sentiment: float | None = Field(description="(positive − negative) / verbatims × 100")
    average_rating: float | None
    ratings: int
    too_few: bool = Field(
        default=False,
        description="fewer than 10 verbatims: the net sentiment says little (show it so)",
    )
    net_sentiment_low: float | None = Field(
        default=None, description="95 % interval of the net sentiment, lower bound"
    )
    net_sentiment_high: float | None = Field(
        default=None, description="95 % interval of the net sentiment, upper bound"
    )


class SeriesPoint(FiguresView):
    start: str = Field(examples=["2026-11-02"], description="first day of the bucket")
    end: str = Field(default="", examples=["2026-11-08"], description="last day of the bucket")
    complete: bool = Field(
        default=True,
        description="the bucket is over and wholly in the period (the current week is not)",
    )


class BreakdownRow(FiguresView):
    id: str
    label: str


class KeyPhraseView(Schema):
    phrase: str
    count: int
    quotes: list[str] = Field(default=[], description="up to 3 citizens' words, PII masked")


class DialogueView(Schema):
    opinions: int
    open_threads: int | None = Field(description="new or in progress now")
    overdue_threads: int | None = Field(description="awaiting an answer past the SLA now")
    first_answers: int
    answered_share: float | None
    average_first_answer_hours: float | None
    median_first_answer_hours: float | None = Field(
        description="upper bound of the histogram bucket holding the median"
    )


class ChangeView(Schema):
    verbatims_percent: float | None
    net_sentiment_points: float | None
    reliable: bool = Field(
        default=True,
        description="both periods are over and hold 10 verbatims or more: a change means something",
    )


class BarometerTheme(Schema):
    id: str
    label: str
    average: float | None
    votes: int
    previous_average: float | None


class AlertView(Schema):
    id: str = Field(examples=["2026-11-23.negative_surge.theme-proprete"])
    kind: Literal[
        "negative_surge", "barometer_drop", "overdue_thread", "escalated_thread", "emerging_topic"
    ]
    subject: str = Field(examples=["theme-proprete", "quartier-village", "thread-01jdx8…"])
    title: str = Field(
        examples=["Hausse des avis négatifs : thème Propreté (9 en 7 jours, 2 par semaine)"]
    )
    raised_at: datetime
    figures: dict[str, float | int | str]
    active: bool
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    notified_at: datetime | None = Field(description="when it was e-mailed to subscribers")


class AlertList(Schema):
    items: list[AlertView]
    subscribed: bool = Field(description="whether the caller receives alert e-mails")


class SubscriptionBody(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"subscribed": True}]})

    subscribed: bool


class SubscriptionView(Schema):
    subscribed: bool


class Unsubscribed(Schema):
    unsubscribed: Literal[True] = True
    topic: str = Field(examples=["digest"])


class DashboardView(Schema):
    start: str = Field(alias="from")
    end: str = Field(alias="to")
    granularity: Literal["day", "week", "month"]
    totals: FiguresView
    previous: FiguresView
    change: ChangeView
    series: list[SeriesPoint]
    by_theme: list[BreakdownRow]
    by_quartier: list[BreakdownRow]
    by_channel: list[BreakdownRow]
    key_phrases: list[KeyPhraseView]
    dialogue: DialogueView
    barometer: list[BarometerTheme]
    alerts: list[AlertView] = Field(description="the active alerts, newest first")
    complete: bool = Field(default=True, description="the period is over (it ends before today)")


class SummaryQuote(Schema):
    id: str = Field(description="the opinion's thread id", examples=["01JF3Q7V8M2K4N6P8R0T2W4Y6A"])
    text: str = Field(description="the opinion as written, personal data masked")


class SummaryView(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "from": "2026-11-01",
                    "to": "2026-11-30",
                    "theme": "voirie",
                    "summary": "« Le parking de la gare est plein dès sept heures du matin. »",
                    "quotes": [
                        {
                            "id": "01JF3Q7V8M2K4N6P8R0T2W4Y6A",
                            "text": "Le parking de la gare est plein dès sept heures du matin.",
                        }
                    ],
                    "engine": "extractive",
                    "costUsd": None,
                    "opinions": 12,
                }
            ]
        }
    )

    start: str = Field(alias="from")
    end: str = Field(alias="to")
    theme: str | None = Field(description="the theme summarised; null: every theme")
    topic: str | None = Field(default=None, description="the topic summarised, if one was asked")
    summary: str = Field(description="a few sentences; empty when no opinion has any to quote")
    quotes: list[SummaryQuote] = Field(description="the opinions the summary rests on")
    engine: str = Field(examples=["extractive", "bedrock"])
    cost_usd: float | None = Field(description="what Bedrock billed for it; null: local")
    opinions: int = Field(description="opinions read (the newest 200 at most)")


class TopicSentiment(Schema):
    positive: int = Field(alias="POSITIVE")
    negative: int = Field(alias="NEGATIVE")
    neutral: int = Field(alias="NEUTRAL")
    mixed: int = Field(alias="MIXED")


class TopicTheme(Schema):
    id: str = Field(examples=["voirie"])
    verbatims: int


class TopicView(Schema):
    id: str = Field(examples=["tp3f9a0c41d2e7"])
    label: str = Field(
        examples=["parking de la gare"],
        description="a few words naming a thing, a place or a service (never a person)",
    )
    verbatims: int = Field(description="the period's verbatims of the topic, filters applied")
    previous: int = Field(description="the same over the equally long period just before")
    trend: Literal["new", "up", "down", "stable"] = Field(
        description="new: none before; up/down: a change of 20 % or more and beyond chance "
        "(|current − previous| ≥ 2√(current + previous)); stable otherwise"
    )
    reliable: bool = Field(
        description="both periods have 10 verbatims or more (the current one alone for a new "
        "topic) and the period is over"
    )
    sentiment: TopicSentiment
    net_sentiment: float | None = Field(description="(positive − negative) / verbatims × 100")
    too_few: bool = Field(description="fewer than 10 verbatims: the figures say little")
    themes: list[TopicTheme] = Field(description="the commune's themes it spans, biggest first")
    quotes: list[str] = Field(
        description="up to 3 of the period's opinions nearest the topic's centre, masked"
    )
    emerging: bool = Field(description="an emerging-topic alert about it is active")


class TopicsView(Schema):
    start: str = Field(alias="from", examples=["2026-11-01"])
    end: str = Field(alias="to", examples=["2026-11-30"])
    engine: str | None = Field(
        examples=["e5", "hashed"], description="the embedder of the model; null: no model yet"
    )
    built_at: datetime | None = Field(description="when the model was built; null: not yet")
    verbatims: int = Field(description="the period's verbatims matching the filters")
    outside: int = Field(description="those of them in no topic")
    topics: list[TopicView] = Field(
        description="topics with verbatims in the period, biggest first"
    )


class TopicSeriesPoint(Schema):
    start: str = Field(examples=["2026-11-02"], description="first day of the bucket")
    verbatims: int
    complete: bool = Field(description="the bucket is over and wholly in the period")


class TopicDetailView(TopicView):
    series: list[TopicSeriesPoint]


class ThemeTransparency(Schema):
    id: str
    label: str
    verbatims: int
    net_sentiment: float | None
    opinions: int
    answered_share: float | None
    median_first_answer_hours: float | None


class PublicIndicatorsView(Schema):
    commune: str
    start: str = Field(alias="from")
    end: str = Field(alias="to")
    verbatims: int
    answered_share: float | None
    median_first_answer_hours: float | None
    themes: list[ThemeTransparency]


class RateCommuneBody(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"ratings": {"proprete": 6, "transports": 4}, "voter": "b0c5e1f2a7d94c3e"}]
        }
    )

    ratings: dict[str, int] = Field(description="theme id → score from 1 to 10", max_length=50)
    voter: str = Field(
        min_length=16, max_length=128, description="a random token the browser keeps (no account)"
    )


class VoteOutcomeView(Schema):
    counted: list[str]
    already_rated: list[str]


class BarometerView(Schema):
    period: str = Field(examples=["2026-11"])
    themes: list[BarometerTheme]


class ConsultationBody(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "title": "Aménagement de la place des Arcades",
                    "question": "Quel usage souhaitez-vous pour la place le dimanche ?",
                    "theme": "cadre-de-vie",
                    "opensOn": "2026-12-01",
                    "closesOn": "2026-12-31",
                    "choices": ["Marché", "Piétonne", "Stationnement"],
                    "quartiers": ["village"],
                }
            ]
        }
    )

    title: str = Field(min_length=3, max_length=200)
    question: str = Field(min_length=3, max_length=1000)
    theme: str = Field(max_length=64)
    opens_on: str = Field(description="YYYY-MM-DD", max_length=10)
    closes_on: str = Field(description="YYYY-MM-DD", max_length=10)
    choices: list[str] = Field(default=[], max_length=10)
    quartiers: list[str] = Field(default=[], max_length=50)


class ConsultationView(Schema):
    id: str
    title: str
    question: str
    theme: str
    opens_on: str
    closes_on: str
    choices: list[str]
    quartiers: list[str]
    open: bool


class ConsultationList(Schema):
    items: list[ConsultationView]


class AnswerBody(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "choice": "Piétonne",
                    "text": "Une place sans voitures le dimanche, enfin !",
                    "voter": "b0c5e1f2a7d94c3e",
                }
            ]
        }
    )

    choice: str | None = Field(default=None, max_length=100)
    text: str | None = Field(default=None, max_length=5000)
    quartier: str | None = Field(default=None, max_length=64)
    voter: str = Field(
        min_length=16, max_length=128, description="a random token the browser keeps"
    )


class AnswerAccepted(Schema):
    status: Literal["received"] = "received"
    id: str | None = Field(default=None, description="the thread, when the answer has a text")
    follow_up_token: str | None = None


class ChoiceCount(Schema):
    choice: str
    count: int


class ConsultationResults(Schema):
    consultation: ConsultationView
    choices: list[ChoiceCount]
    sentiments: dict[str, int]
    key_phrases: list[KeyPhraseView]


class ExportBody(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kind": "threads",
                    "format": "xlsx",
                    "from": "2026-10-01",
                    "to": "2026-10-31",
                    "theme": "proprete",
                }
            ]
        }
    )

    kind: Literal["threads", "indicators"]
    format: Literal["csv", "xlsx"]
    start: str = Field(alias="from", description="YYYY-MM-DD", max_length=10)
    end: str = Field(alias="to", description="YYYY-MM-DD", max_length=10)
    theme: str | None = Field(default=None, max_length=64)
    quartier: str | None = Field(default=None, max_length=64)
    channel: ChannelName | None = None


class ExportView(Schema):
    id: str
    kind: Literal["threads", "indicators"]
    format: Literal["csv", "xlsx"]
    start: str = Field(alias="from")
    end: str = Field(alias="to")
    theme: str | None
    quartier: str | None
    channel: ChannelName | None
    status: Literal["queued", "running", "done", "failed"]
    percent: int = Field(ge=0, le=100)
    rows: int
    masked: bool = Field(description="texts have their personal data masked (non-admins)")
    created_at: datetime
    finished_at: datetime | None
    expires_at: datetime = Field(description="the job and its file are deleted then")
    error: str | None
    download_url: str | None = Field(
        description="once done: a link valid for downloadExpiresIn seconds; ask again for a new one"
    )
    download_expires_in: int | None = Field(examples=[900])


class ExportList(Schema):
    items: list[ExportView]


class ActivityView(Schema):
    id: str = Field(description="time-ordered: the feed's cursor")
    at: datetime
    kind: str = Field(examples=["thread.created", "thread.updated", "thread.reply"])
    actor: str = Field(description="a staff e-mail, 'citizen' or 'system'")
    thread_id: str | None
    details: dict[str, str | int | bool | None]


class EventFeed(Schema):
    items: list[ActivityView]
    cursor: str | None = Field(description="pass it as `since` to get what follows")


class AuditPage(Schema):
    items: list[ActivityView]
    next_cursor: str | None


class NoteBody(Schema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"text": "Vu avec la DST : intervention prévue lundi."}]}
    )

    text: str = Field(min_length=3, max_length=5000)


class ServiceView(Schema):
    id: str = Field(examples=["voirie"], max_length=40)
    label: str = Field(examples=["Voirie et espaces verts"], max_length=100)
    email: str | None = Field(default=None, max_length=254, examples=["voirie@mairie-biot.fr"])


class ServiceList(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"items": [{"id": "voirie", "label": "Voirie", "email": "voirie@mairie-biot.fr"}]}
            ]
        }
    )

    items: list[ServiceView] = Field(max_length=50)


class RuleView(Schema):
    service: str = Field(max_length=40)
    themes: list[str] = Field(default=[], max_length=20)
    quartiers: list[str] = Field(default=[], max_length=50)
    channels: list[ChannelName] = Field(default=[], max_length=4)
    keywords: list[str] = Field(default=[], max_length=30)


class RuleList(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {"service": "voirie", "themes": ["voirie-stationnement"]},
                        {"service": "proprete", "keywords": ["dépôt sauvage", "encombrants"]},
                    ]
                }
            ]
        }
    )

    items: list[RuleView] = Field(max_length=100)


class TemplateBody(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "title": "Collecte des encombrants",
                    "text": "Bonjour {citoyen},\n\nMerci pour votre message sur le thème "
                    "{theme}. Les encombrants sont collectés sur rendez-vous au 04 93 65 "
                    "00 00.\n\n{agent}, mairie de {commune}",
                }
            ]
        }
    )

    title: str = Field(min_length=1, max_length=120)
    text: str = Field(min_length=3, max_length=5000)


class TemplateView(Schema):
    id: str
    title: str
    text: str
    updated_by: str
    updated_at: datetime


class TemplateList(Schema):
    items: list[TemplateView]
    variables: dict[str, str] = Field(description="what each {variable} becomes")


class BulkBody(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"ids": ["01jdx8m3q4c9v2k7w5n6p8r0st"], "action": "assign", "service": "voirie"},
                {"ids": ["01jdx8m3q4c9v2k7w5n6p8r0st"], "action": "answer", "templateId": "01jd…"},
            ]
        }
    )

    ids: list[str] = Field(min_length=1, max_length=100)
    action: Literal["assign", "close", "answer"]
    assignee: str | None = Field(default=None, max_length=254, description='assign: "" unassigns')
    service: str | None = Field(default=None, max_length=40, description='assign: "" removes it')
    template_id: str | None = Field(default=None, max_length=26, description="answer: a template")
    text: str | None = Field(default=None, min_length=3, max_length=5000, description="answer")
    visibility: Literal["private", "public"] = "private"


class BulkResult(Schema):
    id: str
    ok: bool
    error: ErrorDetail | None = None


class BulkResults(Schema):
    results: list[BulkResult]


class PublicAnswerView(Schema):
    text: str
    at: datetime


class PublicOpinion(Schema):
    id: str
    theme: str
    quartier: str | None
    rating: int | None
    created_at: datetime
    published_at: datetime | None
    text: str = Field(description="the citizen's words, personal data masked")
    answers: list[PublicAnswerView] = Field(description="the commune's public answers")


class PublicFeedbackPage(Schema):
    items: list[PublicOpinion]
    next_cursor: str | None


class ModerationItem(Schema):
    id: str
    theme: str
    created_at: datetime
    publication: Literal["none", "pending", "published", "hidden"]
    masked_text: str | None = Field(description="what would be published; null: not analysed")
    reasons: list[Literal["personal_data", "toxic", "not_analysed"]]
    answers: list[PublicAnswerView]


class ModerationQueue(Schema):
    items: list[ModerationItem]
    next_cursor: str | None


class ModerationBody(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"decision": "publish"}]})

    decision: Literal["publish", "hide"]


class MergeBody(Schema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"into": "01jdx8m3q4c9v2k7w5n6p8r0st"}]}
    )

    into: str = Field(min_length=26, max_length=26, description="the thread to merge into")


class VerificationBody(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"token": "gAAAAAB…"}]})

    token: str = Field(min_length=10, max_length=1000)


class Verified(Schema):
    verified: Literal[True] = True


class SettingsView(Schema):
    answer_sla_days: int = Field(description="citizens are answered within this many working days")
    escalation_days: int = Field(description="a negative opinion unanswered this long escalates")
    retention_days: int = Field(description="contact data is erased after this many days")
    public_indicators: bool = Field(description="GET /communes/{slug}/indicators is published")
    comprehend_enabled: bool = Field(description="texts may be sent to Amazon Comprehend")
    bedrock_enabled: bool = Field(
        default=True,
        description="masked texts may be sent to Amazon Bedrock to write summaries",
    )
    allowed_origins: list[str] = Field(
        default=[],
        examples=[["https://www.biot.fr"]],
        description="the commune's websites (https:// origins) whose pages may call its "
        "public routes: the embedded opinion form",
    )
    agents_mfa_required: bool = Field(
        default=False,
        description="agents' actions and citizens' contact details need two-factor sign-in "
        "(admins' actions always do)",
    )


class SettingsBody(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "answerSlaDays": 10,
                    "escalationDays": 3,
                    "allowedOrigins": ["https://www.biot.fr"],
                }
            ]
        }
    )

    answer_sla_days: int | None = Field(default=None, ge=1, le=60)
    escalation_days: int | None = Field(default=None, ge=1, le=60)
    retention_days: int | None = Field(default=None, ge=30, le=3650)
    public_indicators: bool | None = None
    comprehend_enabled: bool | None = None
    bedrock_enabled: bool | None = None
    allowed_origins: list[str] | None = Field(
        default=None,
        max_length=20,
        description="replaces the list: https:// origins without path (http://localhost "
        "and http://127.0.0.1, any port, for development)",
    )
    agents_mfa_required: bool | None = None


class OriginalView(Schema):
    subject: str | None
    full_text: str | None = Field(description="the e-mail's whole text, quoted history included")
    raw_url: str | None = Field(description="the raw e-mail (.eml), a link valid 5 minutes")


class AttachmentLinkView(Schema):
    name: str
    content_type: str
    size: int
    url: str = Field(description="valid 5 minutes")


class SetAsideView(Schema):
    at: str
    sender: str = Field(alias="from")
    subject: str
    reason: str = Field(examples=["auto-reply: out-of-office", "no readable text"])


class SetAsideList(Schema):
    items: list[SetAsideView]


class FormKeyView(Schema):
    id: str
    created_at: datetime
    created_by: str
    retires_at: datetime | None = Field(
        description="null: the current key; else it signs until then (rotated or revoked)"
    )
    active: bool


class FormKeyCreated(FormKeyView):
    secret: str = Field(description="shown this once: store it in the form's server")


class FormKeyList(Schema):
    items: list[FormKeyView]


class FormsChannelView(Schema):
    webhook_url: str = Field(
        description="POST signed JSON here: header X-Concerto-Signature: t=<unix>,v1=<hex of "
        "HMAC-SHA256(key, t + '.' + body)>"
    )
    embed_snippet: str = Field(description="HTML to paste in the commune's website")
    keys: list[FormKeyView] | None = Field(description="admins only")


class MetaAccountBody(Schema):
    platform: Literal["facebook", "instagram", "whatsapp"]
    account_id: str = Field(
        min_length=1,
        max_length=64,
        description="Page id, Instagram account id or WhatsApp phone number id",
    )
    name: str = Field(default="", max_length=100)
    access_token: str = Field(min_length=1, max_length=2048)


class MetaSettingsBody(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "appSecret": "<the Meta app's secret>",
                    "verifyToken": "<a random string you also give Meta>",
                    "accounts": [
                        {
                            "platform": "facebook",
                            "accountId": "100001",
                            "name": "Page de la mairie",
                            "accessToken": "<the Page access token>",
                        }
                    ],
                }
            ]
        }
    )

    app_secret: str = Field(min_length=8, max_length=256)
    verify_token: str = Field(min_length=8, max_length=256)
    accounts: list[MetaAccountBody] = Field(max_length=20)


class MetaAccountView(Schema):
    platform: str
    account_id: str
    name: str
    token_expired: bool = Field(description="reconnect the account: answers cannot be sent")
    last_error: str | None
    last_error_at: str | None
    last_sent_at: str | None


class SocialChannelView(Schema):
    configured: bool
    webhook_url: str = Field(description="the callback URL to give Meta's app dashboard")
    last_event_at: str | None = Field(description="the last citizen message or comment received")
    accounts: list[MetaAccountView]


class ChannelsView(Schema):
    email_address: str = Field(
        description="citizens' e-mails to it become threads; answers go out from a reply "
        "address per thread"
    )
    forms: FormsChannelView
    social: SocialChannelView | None = Field(description="admins and agents")


class FormSubmissionBody(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "contact-2026-000123",
                    "text": "Le lampadaire devant le 12 chemin des Aspres ne s'allume plus.",
                    "email": "habitant@example.org",
                    "consent": True,
                    "subject": "Éclairage public",
                }
            ]
        }
    )

    id: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="the form's submission id: sending it again files nothing new",
    )
    text: str = Field(min_length=3, max_length=5000)
    email: str | None = Field(default=None, max_length=254)
    consent: bool = False
    name: str | None = Field(default=None, max_length=100)
    subject: str | None = Field(default=None, max_length=200)
    theme: str | None = Field(default=None, max_length=64)
    quartier: str | None = Field(default=None, max_length=64)
    rating: int | None = Field(default=None, ge=1, le=5)


class FormAccepted(Schema):
    id: str
    follow_up_token: str | None = Field(description="null when the submission was known")
    status: Literal["received", "duplicate"]


class WebhookAccepted(Schema):
    queued: int = Field(description="citizen messages and comments kept for the inbox")


RoleName = Literal["admin", "agent", "viewer"]


class ThemeView(Schema):
    id: str = Field(min_length=1, max_length=64, examples=["proprete"])
    label: str = Field(min_length=1, max_length=80, examples=["Propreté"])
    keywords: list[str] = Field(default=[], max_length=30, examples=[["poubelles", "déchets"]])
    description: str = Field(default="", max_length=300)


class QuartierView(Schema):
    id: str = Field(min_length=1, max_length=64, examples=["village"])
    label: str = Field(min_length=1, max_length=80, examples=["Le Village"])


class CommuneAdminView(Schema):
    commune_id: str = Field(examples=["06018"])
    slug: str = Field(examples=["biot"])
    name: str = Field(examples=["Biot"])
    themes: list[ThemeView]
    quartiers: list[QuartierView]


class ThemesBody(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "themes": [
                        {"id": "proprete", "label": "Propreté", "keywords": ["déchets"]},
                        {"id": "voirie", "label": "Voirie et stationnement"},
                    ]
                }
            ]
        }
    )

    themes: list[ThemeView] = Field(min_length=1, max_length=30)


class QuartiersBody(Schema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"quartiers": [{"id": "village", "label": "Le Village"}]}]}
    )

    quartiers: list[QuartierView] = Field(max_length=100)


class StaffMemberView(Schema):
    email: str
    role: RoleName
    enabled: bool
    status: str = Field(
        description="CONFIRMED, or FORCE_CHANGE_PASSWORD until the first login",
        examples=["CONFIRMED"],
    )


class StaffList(Schema):
    items: list[StaffMemberView]


class InviteStaffBody(Schema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"email": "accueil@mairie-biot.fr", "role": "agent"}]}
    )

    email: str = Field(min_length=3, max_length=254)
    role: RoleName


class StaffInvited(StaffMemberView):
    temporary_password: str = Field(
        description="to give the new member (Cognito also e-mails it in AWS); they choose "
        "their own at first login"
    )


class RoleBody(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"role": "viewer"}]})

    role: RoleName


class ErasureDone(Schema):
    erased: int = Field(description="threads whose personal data was erased (texts anonymised)")


class CitizenData(Schema):
    commune: str
    thread: dict[str, Any]
    messages: list[dict[str, Any]]
    contact: dict[str, Any] | None


class RightsRequestBody(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"email": "jeanne@example.org"}]})

    email: str = Field(max_length=254, description="the address the citizen wrote with")


class RightsRequested(Schema):
    status: Literal["sent_if_known"] = Field(
        description="the link goes to the address if the commune has it; the answer is the "
        "same either way"
    )


class RightsData(Schema):
    commune: str
    contacts: list[dict[str, Any]]
    threads: list[dict[str, Any]]
