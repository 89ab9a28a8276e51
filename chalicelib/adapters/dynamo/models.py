"""PynamoDB models of the tables declared in chalicelib.resources (a test checks they match).

Table names and region are bound at run time by `bind()`, never at import.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BinaryAttribute,
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib import config, resources


class _Meta:
    table_name = ""
    region = "eu-west-1"
    connect_timeout_seconds = 3
    read_timeout_seconds = 10
    max_retry_attempts = 3


class CommuneModel(Model):
    class Meta(_Meta):
        pass

    commune_id = UnicodeAttribute(hash_key=True)
    slug = UnicodeAttribute()
    name = UnicodeAttribute()
    themes = JSONAttribute(default=list)
    quartiers = JSONAttribute(default=list)
    settings = JSONAttribute(default=dict)
    services = JSONAttribute(default=list)
    rules = JSONAttribute(default=list)

    class BySlug(GlobalSecondaryIndex["CommuneModel"]):
        class Meta:
            index_name = "by_slug"
            projection = AllProjection()

        slug = UnicodeAttribute(hash_key=True)

    by_slug = BySlug()


class _ThreadIndex(GlobalSecondaryIndex["ThreadModel"]):
    """Inbox indexes: one partition per commune × value, newest activity first."""

    activity_key = UnicodeAttribute(range_key=True)


class ThreadModel(Model):
    class Meta(_Meta):
        pass

    commune_id = UnicodeAttribute(hash_key=True)
    thread_id = UnicodeAttribute(range_key=True)
    channel = UnicodeAttribute()
    status = UnicodeAttribute()
    theme = UnicodeAttribute()
    quartier = UnicodeAttribute(null=True)
    rating = NumberAttribute(null=True)
    assignee = UnicodeAttribute(null=True)
    contact_id = UnicodeAttribute(null=True)
    preview = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    last_activity_at = UTCDateTimeAttribute()
    first_answer_at = UTCDateTimeAttribute(null=True)
    consultation_id = UnicodeAttribute(null=True)
    due_at = UTCDateTimeAttribute(null=True)
    service = UnicodeAttribute(null=True)
    publication = UnicodeAttribute(default="none")
    priority = UnicodeAttribute(default="normal")
    merged_into = UnicodeAttribute(null=True)
    merged_from = JSONAttribute(null=True)
    sealed_followup = UnicodeAttribute(null=True)
    subject = UnicodeAttribute(null=True)
    channel_ref = UnicodeAttribute(null=True)
    public_answers = JSONAttribute(null=True)
    published_at = UTCDateTimeAttribute(null=True)
    # Holds str values at run time (PynamoDB types the elements as their attribute class).
    tags = ListAttribute(of=UnicodeAttribute, null=True)
    analysis_status = UnicodeAttribute(default="pending")
    sentiment = UnicodeAttribute(null=True)
    analysis = JSONAttribute(null=True)
    # Optimistic locking for staff edits; managed by the repository, not by PynamoDB's
    # VersionAttribute, because analysis updates must neither check nor bump it.
    version = NumberAttribute(default=1)
    # Index keys, derived from the fields above by the repository.
    activity_key = UnicodeAttribute()
    status_key = UnicodeAttribute()
    theme_key = UnicodeAttribute()
    assignee_key = UnicodeAttribute(null=True)
    followup_key = UnicodeAttribute(null=True)
    # Set (to the commune id) only while an answer is due: a sparse index of deadlines.
    due_key = UnicodeAttribute(null=True)
    service_key = UnicodeAttribute(null=True)
    contact_key = UnicodeAttribute(null=True)
    published_key = UnicodeAttribute(null=True)
    moderation_key = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)

    class ByActivity(_ThreadIndex):
        class Meta:
            index_name = "by_activity"
            projection = AllProjection()

        commune_id = UnicodeAttribute(hash_key=True)

    class ByStatus(_ThreadIndex):
        class Meta:
            index_name = "by_status"
            projection = AllProjection()

        status_key = UnicodeAttribute(hash_key=True)

    class ByAssignee(_ThreadIndex):
        class Meta:
            index_name = "by_assignee"
            projection = AllProjection()

        assignee_key = UnicodeAttribute(hash_key=True)

    class ByTheme(_ThreadIndex):
        class Meta:
            index_name = "by_theme"
            projection = AllProjection()

        theme_key = UnicodeAttribute(hash_key=True)

    class ByFollowup(GlobalSecondaryIndex["ThreadModel"]):
        class Meta:
            index_name = "by_followup"
            projection = AllProjection()

        followup_key = UnicodeAttribute(hash_key=True)

    class ByService(_ThreadIndex):
        class Meta:
            index_name = "by_service"
            projection = AllProjection()

        service_key = UnicodeAttribute(hash_key=True)

    class ByContact(_ThreadIndex):
        class Meta:
            index_name = "by_contact"
            projection = AllProjection()

        contact_key = UnicodeAttribute(hash_key=True)

    class ByPublished(GlobalSecondaryIndex["ThreadModel"]):
        class Meta:
            index_name = "by_published"
            projection = AllProjection()

        published_key = UnicodeAttribute(hash_key=True)
        published_at = UTCDateTimeAttribute(range_key=True)

    class ByModeration(_ThreadIndex):
        class Meta:
            index_name = "by_moderation"
            projection = AllProjection()

        moderation_key = UnicodeAttribute(hash_key=True)

    class ByDue(GlobalSecondaryIndex["ThreadModel"]):
        class Meta:
            index_name = "by_due"
            projection = AllProjection()

        due_key = UnicodeAttribute(hash_key=True)
        due_at = UTCDateTimeAttribute(range_key=True)

    by_activity = ByActivity()
    by_status = ByStatus()
    by_assignee = ByAssignee()
    by_theme = ByTheme()
    by_followup = ByFollowup()
    by_due = ByDue()
    by_service = ByService()
    by_published = ByPublished()
    by_contact = ByContact()
    by_moderation = ByModeration()


class MessageModel(Model):
    class Meta(_Meta):
        pass

    thread_key = UnicodeAttribute(hash_key=True)
    message_id = UnicodeAttribute(range_key=True)
    author = UnicodeAttribute()
    text = UnicodeAttribute()
    channel = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    visibility = UnicodeAttribute(default="private")
    staff_email = UnicodeAttribute(null=True)
    external_id = UnicodeAttribute(null=True)
    analysis_status = UnicodeAttribute(default="pending")
    analysis = JSONAttribute(null=True)
    delivery = UnicodeAttribute(null=True)
    delivery_at = UTCDateTimeAttribute(null=True)
    delivery_detail = UnicodeAttribute(null=True)
    envelope = JSONAttribute(null=True)
    expires_at = TTLAttribute(null=True)


class ContactModel(Model):
    class Meta(_Meta):
        pass

    commune_id = UnicodeAttribute(hash_key=True)
    contact_id = UnicodeAttribute(range_key=True)
    email = UnicodeAttribute(null=True)
    name = UnicodeAttribute(null=True)
    social_id = UnicodeAttribute(null=True)
    platform = UnicodeAttribute(null=True)
    consented_at = UTCDateTimeAttribute()
    sealed_followup = UnicodeAttribute(null=True)
    verified_at = UTCDateTimeAttribute(null=True)
    # "<commune>#<email digest>", only once the address is verified.
    verified_key = UnicodeAttribute(null=True)
    expires_at = TTLAttribute()

    class ByVerifiedEmail(GlobalSecondaryIndex["ContactModel"]):
        class Meta:
            index_name = "by_verified_email"
            projection = AllProjection()

        verified_key = UnicodeAttribute(hash_key=True)

    by_verified_email = ByVerifiedEmail()
    # "<commune>#<email digest>" for every contact with an address.
    email_key = UnicodeAttribute(null=True)

    class ByEmail(GlobalSecondaryIndex["ContactModel"]):
        class Meta:
            index_name = "by_email"
            projection = AllProjection()

        email_key = UnicodeAttribute(hash_key=True)

    by_email = ByEmail()


class CounterModel(Model):
    class Meta(_Meta):
        pass

    counter_key = UnicodeAttribute(hash_key=True)
    day_dimension = UnicodeAttribute(range_key=True)
    # "count" in DynamoDB; renamed in Python, where Model.count() is a class method.
    total = NumberAttribute(default=0, attr_name="count")
    # Only on the "<commune>#<month>#quotes" items: a key phrase's first masked quotes.
    quotes = ListAttribute(of=UnicodeAttribute, null=True)


class IdempotencyModel(Model):
    class Meta(_Meta):
        pass

    id = UnicodeAttribute(hash_key=True)
    fingerprint = UnicodeAttribute()
    response = JSONAttribute()
    expiration = TTLAttribute()


class CorrectionModel(Model):
    class Meta(_Meta):
        pass

    commune_id = UnicodeAttribute(hash_key=True)
    thread_id = UnicodeAttribute(range_key=True)
    text = UnicodeAttribute()
    sentiment = UnicodeAttribute(null=True)
    theme = UnicodeAttribute(null=True)
    staff_email = UnicodeAttribute()
    corrected_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute(null=True)


class ConsultationModel(Model):
    class Meta(_Meta):
        pass

    commune_id = UnicodeAttribute(hash_key=True)
    consultation_id = UnicodeAttribute(range_key=True)
    title = UnicodeAttribute()
    question = UnicodeAttribute()
    theme = UnicodeAttribute()
    opens_on = UnicodeAttribute()
    closes_on = UnicodeAttribute()
    choices = JSONAttribute(default=list)
    quartiers = JSONAttribute(default=list)
    created_by = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute(null=True)


class AlertModel(Model):
    class Meta(_Meta):
        pass

    commune_id = UnicodeAttribute(hash_key=True)
    alert_id = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute()
    subject = UnicodeAttribute()
    title = UnicodeAttribute()
    raised_at = UTCDateTimeAttribute()
    figures = JSONAttribute(default=dict)
    acknowledged_by = UnicodeAttribute(null=True)
    acknowledged_at = UTCDateTimeAttribute(null=True)
    resolved_at = UTCDateTimeAttribute(null=True)
    notified_at = UTCDateTimeAttribute(null=True)
    # Set (to the commune id) while the alert is active: a sparse index of active alerts.
    active_key = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)

    class ByActive(GlobalSecondaryIndex["AlertModel"]):
        class Meta:
            index_name = "by_active"
            projection = AllProjection()

        active_key = UnicodeAttribute(hash_key=True)
        alert_id = UnicodeAttribute(range_key=True)

    by_active = ByActive()


class SubscriptionModel(Model):
    class Meta(_Meta):
        pass

    commune_id = UnicodeAttribute(hash_key=True)
    # "<topic>#<staff email>": a topic's subscribers are one Query on the prefix.
    topic_email = UnicodeAttribute(range_key=True)


class ExportModel(Model):
    class Meta(_Meta):
        pass

    commune_id = UnicodeAttribute(hash_key=True)
    # A ULID: a commune's exports read newest first.
    export_id = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute()
    format = UnicodeAttribute()
    start = UnicodeAttribute()
    end = UnicodeAttribute()
    requested_by = UnicodeAttribute()
    masked = BooleanAttribute()
    created_at = UTCDateTimeAttribute()
    theme = UnicodeAttribute(null=True)
    quartier = UnicodeAttribute(null=True)
    channel = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    percent = NumberAttribute(default=0)
    rows = NumberAttribute(default=0)
    started_at = UTCDateTimeAttribute(null=True)
    finished_at = UTCDateTimeAttribute(null=True)
    error = UnicodeAttribute(null=True)
    expires_at = TTLAttribute()


class ActivityModel(Model):
    class Meta(_Meta):
        pass

    commune_id = UnicodeAttribute(hash_key=True)
    activity_id = UnicodeAttribute(range_key=True)
    at = UTCDateTimeAttribute()
    kind = UnicodeAttribute()
    actor = UnicodeAttribute()
    # The commune id on staff actions only (a sparse index).
    staff_key = UnicodeAttribute(null=True)
    thread_id = UnicodeAttribute(null=True)
    details = JSONAttribute(default=dict)
    expires_at = TTLAttribute()

    class ByStaff(GlobalSecondaryIndex["ActivityModel"]):
        class Meta:
            index_name = "by_staff"
            projection = AllProjection()

        staff_key = UnicodeAttribute(hash_key=True)
        activity_id = UnicodeAttribute(range_key=True)

    by_staff = ByStaff()


class ConnectionModel(Model):
    class Meta(_Meta):
        pass

    commune_id = UnicodeAttribute(hash_key=True)
    connection_id = UnicodeAttribute(range_key=True)
    staff_email = UnicodeAttribute()
    token_expires_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute()

    class ByConnection(GlobalSecondaryIndex["ConnectionModel"]):
        class Meta:
            index_name = "by_connection"
            projection = AllProjection()

        connection_id = UnicodeAttribute(hash_key=True)

    by_connection = ByConnection()


class TemplateModel(Model):
    class Meta(_Meta):
        pass

    commune_id = UnicodeAttribute(hash_key=True)
    template_id = UnicodeAttribute(range_key=True)
    title = UnicodeAttribute()
    text = UnicodeAttribute()
    updated_by = UnicodeAttribute()
    updated_at = UTCDateTimeAttribute()


class ChannelKeyModel(Model):
    class Meta(_Meta):
        pass

    commune_id = UnicodeAttribute(hash_key=True)
    channel_key = UnicodeAttribute(range_key=True)
    value = UnicodeAttribute()
    expires_at = TTLAttribute(null=True)


class TopicItemModel(Model):
    """A verbatim ("v#<created_at>#<message id>"), the commune's topic model ("model"), or
    when an admin last asked for a rebuild ("request", its `built_at`)."""

    class Meta(_Meta):
        pass

    commune_id = UnicodeAttribute(hash_key=True)
    topic_key = UnicodeAttribute(range_key=True)
    message_id = UnicodeAttribute(null=True)
    thread_id = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute(null=True)
    theme = UnicodeAttribute(null=True)
    quartier = UnicodeAttribute(null=True)
    channel = UnicodeAttribute(null=True)
    sentiment = UnicodeAttribute(null=True)
    embedder = UnicodeAttribute(null=True)
    vector = BinaryAttribute(null=True, legacy_encoding=False)
    places = ListAttribute(of=UnicodeAttribute, null=True)
    quote = UnicodeAttribute(null=True)
    topic = UnicodeAttribute(null=True)
    # "<commune>#<topic>" and "<commune>#<thread>": sparse keys of the two indexes.
    topic_index = UnicodeAttribute(null=True)
    thread_index = UnicodeAttribute(null=True)
    # The model's JSON, when it was built and on how many verbatims.
    model = UnicodeAttribute(null=True)
    built_at = UTCDateTimeAttribute(null=True)
    verbatims = NumberAttribute(null=True)
    expires_at = TTLAttribute(null=True)

    class ByTopic(GlobalSecondaryIndex["TopicItemModel"]):
        class Meta:
            index_name = "by_topic"
            projection = AllProjection()

        topic_index = UnicodeAttribute(hash_key=True)
        topic_key = UnicodeAttribute(range_key=True)

    class ByThread(GlobalSecondaryIndex["TopicItemModel"]):
        class Meta:
            index_name = "by_thread"
            projection = AllProjection()

        thread_index = UnicodeAttribute(hash_key=True)
        topic_key = UnicodeAttribute(range_key=True)

    by_topic = ByTopic()
    by_thread = ByThread()


MODELS: dict[str, type[Model]] = {
    resources.COMMUNES.name: CommuneModel,
    resources.THREADS.name: ThreadModel,
    resources.MESSAGES.name: MessageModel,
    resources.CONTACTS.name: ContactModel,
    resources.INDICATORS.name: CounterModel,
    resources.IDEMPOTENCY.name: IdempotencyModel,
    resources.CORRECTIONS.name: CorrectionModel,
    resources.CONSULTATIONS.name: ConsultationModel,
    resources.ALERTS.name: AlertModel,
    resources.SUBSCRIPTIONS.name: SubscriptionModel,
    resources.EXPORTS.name: ExportModel,
    resources.ACTIVITY.name: ActivityModel,
    resources.CONNECTIONS.name: ConnectionModel,
    resources.TEMPLATES.name: TemplateModel,
    resources.CHANNELS.name: ChannelKeyModel,
    resources.TOPICS.name: TopicItemModel,
}


def bind() -> None:
    """Points every model at this environment's table names, region and timeouts."""
    connect_timeout, read_timeout = config.aws_timeouts()
    for table in resources.TABLES:
        meta = MODELS[table.name].Meta
        meta.table_name = config.table_name(table)
        meta.region = config.region()
        meta.connect_timeout_seconds = connect_timeout
        meta.read_timeout_seconds = read_timeout
