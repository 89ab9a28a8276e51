"""Alerts and staff e-mail subscriptions in DynamoDB (tables `alerts` and `subscriptions`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from chalicelib.adapters.dynamo.models import AlertModel, SubscriptionModel
from chalicelib.domain.alerts import Alert, AlertKind
from chalicelib.domain.errors import NotFoundError
from chalicelib.domain.ids import CommuneId
from chalicelib.ports import AlertRepository, SubscriptionRepository

_CONDITION_FAILED = "ConditionalCheckFailedException"


class DynamoAlertRepository(AlertRepository):
    def add(self, alert: Alert) -> bool:
        try:
            _item(alert).save(condition=AlertModel.alert_id.does_not_exist())
        except PutError as error:
            if _failed_condition(error):
                return False
            raise
        return True

    def get(self, commune_id: CommuneId, alert_id: str) -> Alert:
        try:
            return _alert(AlertModel.get(commune_id, alert_id, consistent_read=True))
        except DoesNotExist as error:
            raise NotFoundError("unknown alert", code="alert_not_found") from error

    def list(self, commune_id: CommuneId, active_only: bool, limit: int) -> list[Alert]:
        source: Any = AlertModel.by_active if active_only else AlertModel
        items = source.query(commune_id, scan_index_forward=False, limit=limit)
        return [_alert(item) for item in items]

    def acknowledge(self, commune_id: CommuneId, alert_id: str, by: str, at: datetime) -> Alert:
        self._update(
            commune_id,
            alert_id,
            [
                AlertModel.acknowledged_by.set(by),
                AlertModel.acknowledged_at.set(at),
                AlertModel.active_key.remove(),
            ],
            # The first acknowledgement stays: who took the alert in hand, and when.
            AlertModel.acknowledged_at.does_not_exist(),
        )
        return self.get(commune_id, alert_id)

    def resolve(self, commune_id: CommuneId, alert_id: str, at: datetime) -> None:
        self._update(
            commune_id,
            alert_id,
            [AlertModel.resolved_at.set(at), AlertModel.active_key.remove()],
            AlertModel.resolved_at.does_not_exist(),
        )

    def claim_notification(self, commune_id: CommuneId, alert_id: str, at: datetime) -> bool:
        return self._update(
            commune_id,
            alert_id,
            [AlertModel.notified_at.set(at)],
            AlertModel.notified_at.does_not_exist(),
        )

    def release_notification(self, commune_id: CommuneId, alert_id: str) -> None:
        self._update(commune_id, alert_id, [AlertModel.notified_at.remove()], None)

    @staticmethod
    def _update(commune_id: CommuneId, alert_id: str, actions: Sequence[Any], guard: Any) -> bool:
        """Applies `actions` if the alert exists and `guard` holds; False if the guard
        failed. Raises NotFoundError for an unknown alert."""
        condition = AlertModel.alert_id.exists()
        if guard is not None:
            condition = condition & guard
        try:
            AlertModel(commune_id, alert_id).update(actions=list(actions), condition=condition)
        except UpdateError as error:
            if not _failed_condition(error):
                raise
        else:
            return True
        if AlertModel.count(commune_id, AlertModel.alert_id == alert_id) == 0:
            raise NotFoundError("unknown alert", code="alert_not_found")
        return False


class DynamoSubscriptionRepository(SubscriptionRepository):
    def set(self, commune_id: CommuneId, email: str, topic: str, subscribed: bool) -> None:
        item = SubscriptionModel(commune_id, f"{topic}#{email}")
        if subscribed:
            item.save()
        else:
            item.delete()  # deleting a missing item is not an error in DynamoDB

    def subscribers(self, commune_id: CommuneId, topic: str) -> list[str]:
        prefix = f"{topic}#"
        items = SubscriptionModel.query(
            commune_id, SubscriptionModel.topic_email.startswith(prefix), consistent_read=True
        )
        return sorted(item.topic_email.removeprefix(prefix) for item in items)


def _failed_condition(error: PutError | UpdateError) -> bool:
    return error.cause_response_code == _CONDITION_FAILED


def _item(alert: Alert) -> AlertModel:
    return AlertModel(
        alert.commune_id,
        alert.alert_id,
        kind=alert.kind.value,
        subject=alert.subject,
        title=alert.title,
        raised_at=alert.raised_at,
        figures=dict(alert.figures),
        acknowledged_by=alert.acknowledged_by,
        acknowledged_at=alert.acknowledged_at,
        resolved_at=alert.resolved_at,
        notified_at=alert.notified_at,
        active_key=alert.commune_id if alert.active else None,
        expires_at=alert.expires_at,
    )


def _alert(item: AlertModel) -> Alert:
    return Alert(
        commune_id=CommuneId(item.commune_id),
        alert_id=item.alert_id,
        kind=AlertKind(item.kind),
        subject=item.subject,
        title=item.title,
        raised_at=item.raised_at,
        figures=dict(item.figures or {}),
        acknowledged_by=item.acknowledged_by,
        acknowledged_at=item.acknowledged_at,
        resolved_at=item.resolved_at,
        notified_at=item.notified_at,
    )
