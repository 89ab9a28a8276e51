"""Conversions between domain objects and the JSON stored in DynamoDB attributes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chalicelib.domain.commune import CommuneSettings, Quartier, RoutingRule, Service, Theme
from chalicelib.domain.threads import (
    Analysis,
    AnalysisStatus,
    AttachmentRef,
    Envelope,
    PiiSpan,
    PublicAnswer,
    Sentiment,
    TextAnalysis,
)


def analysis_to_json(analysis: Analysis) -> dict[str, Any]:
    data: dict[str, Any] = {"status": analysis.status.value}
    if analysis.error:
        data["error"] = analysis.error
    result = analysis.result
    if result is not None:
        data.update(
            language=result.language,
            sentiment=result.sentiment.value,
            scores=result.scores,
            keyPhrases=list(result.key_phrases),
            engine=result.engine,
            modelVersion=result.model_version,
            theme=result.theme,
            pii=[{"type": span.type, "start": span.start, "end": span.end} for span in result.pii],
            maskedText=result.masked_text,
            toxic=result.toxic,
            corrected=result.corrected,
        )
    return data


def analysis_from_json(data: dict[str, Any] | None) -> Analysis:
    if not data:
        return Analysis()
    result = None
    if "sentiment" in data:
        result = TextAnalysis(
            language=data["language"],
            sentiment=Sentiment(data["sentiment"]),
            scores={key: float(value) for key, value in data["scores"].items()},
            key_phrases=tuple(data.get("keyPhrases", ())),
            engine=data["engine"],
            model_version=data.get("modelVersion", ""),
            theme=data.get("theme"),
            pii=tuple(
                PiiSpan(p["type"], int(p["start"]), int(p["end"])) for p in data.get("pii", ())
            ),
            masked_text=data.get("maskedText", ""),
            toxic=bool(data.get("toxic", False)),
            corrected=bool(data.get("corrected", False)),
        )
    return Analysis(AnalysisStatus(data["status"]), result, data.get("error", ""))


def themes_to_json(themes: tuple[Theme, ...]) -> list[dict[str, Any]]:
    return [
        {"id": t.id, "label": t.label, "keywords": list(t.keywords), "description": t.description}
        for t in themes
    ]


def themes_from_json(data: list[dict[str, Any]]) -> tuple[Theme, ...]:
    return tuple(
        Theme(t["id"], t["label"], tuple(t.get("keywords", ())), t.get("description", ""))
        for t in data
    )


def quartiers_to_json(quartiers: tuple[Quartier, ...]) -> list[dict[str, str]]:
    return [{"id": q.id, "label": q.label} for q in quartiers]


def quartiers_from_json(data: list[dict[str, str]]) -> tuple[Quartier, ...]:
    return tuple(Quartier(q["id"], q["label"]) for q in data)


def settings_to_json(settings: CommuneSettings) -> dict[str, Any]:
    return {
        "comprehendEnabled": settings.comprehend_enabled,
        "bedrockEnabled": settings.bedrock_enabled,
        "retentionDays": settings.retention_days,
        "publicIndicators": settings.public_indicators,
        "answerSlaDays": settings.answer_sla_days,
        "escalationDays": settings.escalation_days,
        "allowedOrigins": list(settings.allowed_origins),
        "agentsMfaRequired": settings.agents_mfa_required,
    }


def settings_from_json(data: dict[str, Any]) -> CommuneSettings:
    defaults = CommuneSettings()
    return CommuneSettings(
        comprehend_enabled=bool(data.get("comprehendEnabled", defaults.comprehend_enabled)),
        bedrock_enabled=bool(data.get("bedrockEnabled", defaults.bedrock_enabled)),
        retention_days=int(data.get("retentionDays", defaults.retention_days)),
        public_indicators=bool(data.get("publicIndicators", defaults.public_indicators)),
        answer_sla_days=int(data.get("answerSlaDays", defaults.answer_sla_days)),
        escalation_days=int(data.get("escalationDays", defaults.escalation_days)),
        allowed_origins=tuple(str(origin) for origin in data.get("allowedOrigins", [])),
        agents_mfa_required=bool(data.get("agentsMfaRequired", defaults.agents_mfa_required)),
    )


def public_answers_to_json(answers: tuple[PublicAnswer, ...]) -> list[dict[str, str]]:
    return [{"text": a.text, "at": a.at.astimezone(UTC).isoformat()} for a in answers]


def public_answers_from_json(data: list[dict[str, str]] | None) -> tuple[PublicAnswer, ...]:
    return tuple(PublicAnswer(a["text"], datetime.fromisoformat(a["at"])) for a in data or [])


def services_to_json(services: tuple[Service, ...]) -> list[dict[str, str]]:
    return [{"id": s.id, "label": s.label, "email": s.email} for s in services]


def services_from_json(data: list[dict[str, str]] | None) -> tuple[Service, ...]:
    return tuple(Service(s["id"], s["label"], s.get("email", "")) for s in data or [])


def rules_to_json(rules: tuple[RoutingRule, ...]) -> list[dict[str, Any]]:
    return [
        {
            "service": r.service,
            "themes": list(r.themes),
            "quartiers": list(r.quartiers),
            "channels": list(r.channels),
            "keywords": list(r.keywords),
        }
        for r in rules
    ]


def rules_from_json(data: list[dict[str, Any]] | None) -> tuple[RoutingRule, ...]:
    return tuple(
        RoutingRule(
            r["service"],
            tuple(r.get("themes", [])),
            tuple(r.get("quartiers", [])),
            tuple(r.get("channels", [])),
            tuple(r.get("keywords", [])),
        )
        for r in data or []
    )


def envelope_to_json(envelope: Envelope | None) -> dict[str, Any] | None:
    if envelope is None:
        return None
    return {
        "subject": envelope.subject,
        "fullText": envelope.full_text,
        "rawKey": envelope.raw_key,
        "attachments": [
            {
                "name": a.name,
                "type": a.content_type,
                "size": a.size,
                "key": a.key,
                "refused": a.refused,
            }
            for a in envelope.attachments
        ],
    }


def envelope_from_json(data: dict[str, Any] | None) -> Envelope | None:
    if not data:
        return None
    return Envelope(
        subject=data.get("subject", ""),
        full_text=data.get("fullText", ""),
        raw_key=data.get("rawKey", ""),
        attachments=tuple(
            AttachmentRef(
                a["name"], a["type"], int(a["size"]), a.get("key", ""), a.get("refused", "")
            )
            for a in data.get("attachments", ())
        ),
    )
