"""The stack's tables, queues and buckets, declared once.

The embedded runtime (local/) creates them from these declarations, infra/ provisions them
from the same ones, and the PynamoDB models are checked against them by a test.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Index:
    name: str
    partition_key: str
    sort_key: str | None = None


@dataclass(frozen=True)
class Table:
    name: str
    partition_key: str
    sort_key: str | None = None
    indexes: tuple[Index, ...] = ()
    ttl_attribute: str | None = None

    @property
    def env_var(self) -> str:
        return f"CONCERTO_TABLE_{self.name.upper()}"


@dataclass(frozen=True)
class Queue:
    name: str
    # Lambda's function timeout for the consumer; SQS visibility must be ≥ 6× it (AWS docs,
    # "Configuring a queue to use with Lambda").
    consumer_timeout_seconds: int = 60
    max_receive_count: int = 5
    batch_size: int = 25

    @property
    def visibility_timeout_seconds(self) -> int:
        return 6 * self.consumer_timeout_seconds

    @property
    def dlq_name(self) -> str:
        return f"{self.name}-dlq"

    @property
    def env_var(self) -> str:
        return f"CONCERTO_QUEUE_{self.name.upper()}"


@dataclass(frozen=True)
class Bucket:
    name: str
    # Objects are deleted this many days after they are written (a lifecycle rule).
    expire_days: int | None = None

    @property
    def env_var(self) -> str:
        return f"CONCERTO_BUCKET_{self.name.upper()}"


_ACTIVITY = "activity_key"

COMMUNES = Table("communes", "commune_id", indexes=(Index("by_slug", "slug"),))
THREADS = Table(
    "threads",
    "commune_id",
    "thread_id",
    indexes=(
        Index("by_activity", "commune_id", _ACTIVITY),
        Index("by_status", "status_key", _ACTIVITY),
        Index("by_assignee", "assignee_key", _ACTIVITY),
        Index("by_theme", "theme_key", _ACTIVITY),
        Index("by_service", "service_key", _ACTIVITY),
        Index("by_contact", "contact_key", _ACTIVITY),
        # Sparse: the public page's opinions (newest published first) and the moderation queue.
        Index("by_published", "published_key", "published_at"),
        Index("by_moderation", "moderation_key", _ACTIVITY),
        Index("by_followup", "followup_key"),
        # Sparse: only threads awaiting an answer, by deadline (overdue = due_at < now).
        Index("by_due", "due_key", "due_at"),
    ),
    ttl_attribute="expires_at",
)
MESSAGES = Table("messages", "thread_key", "message_id", ttl_attribute="expires_at")
# Sparse, by the address's digest: verified addresses only (one citizen, one contact across
# channels), and every address (a citizen's rights exercised by e-mail reach all of them).
CONTACTS = Table(
    "contacts",
    "commune_id",
    "contact_id",
    indexes=(Index("by_verified_email", "verified_key"), Index("by_email", "email_key")),
    ttl_attribute="expires_at",
)
# Counters: partition "<commune>#<YYYY-MM>#<shard>", sort key "<YYYY-MM-DD>#<dimension>" —
# a month per partition (a dashboard reads few), sharded against hot partitions.
INDICATORS = Table("indicators", "counter_key", "day_dimension")
INDICATOR_SHARDS = 4
IDEMPOTENCY = Table("idempotency", "id", ttl_attribute="expiration")
CORRECTIONS = Table("corrections", "commune_id", "thread_id", ttl_attribute="expires_at")

CONSULTATIONS = Table("consultations", "commune_id", "consultation_id")
# Alert ids start with their episode's date: a commune's alerts read newest first.
ALERTS = Table(
    "alerts",
    "commune_id",
    "alert_id",
    indexes=(Index("by_active", "active_key", "alert_id"),),
    ttl_attribute="expires_at",
)
SUBSCRIPTIONS = Table("subscriptions", "commune_id", "topic_email")
TEMPLATES = Table("templates", "commune_id", "template_id")
EXPORTS = Table("exports", "commune_id", "export_id", ttl_attribute="expires_at")
# The audit log and event feed: time-ordered ids, so "since" and "newest first" are queries.
ACTIVITY = Table(
    "activity",
    "commune_id",
    "activity_id",
    # Sparse: staff actions only, so the audit's "staff" view reads no citizen entries.
    indexes=(Index("by_staff", "staff_key", "activity_id"),),
    ttl_attribute="expires_at",
)
# Open console WebSockets per commune; API Gateway's $disconnect names only the connection,
# hence the index by connection id.
CONNECTIONS = Table(
    "connections",
    "commune_id",
    "connection_id",
    indexes=(Index("by_connection", "connection_id"),),
    ttl_attribute="expires_at",
)

# Per commune: channel ids already filed (de-duplication), channel ids naming a thread
# (e-mail Message-IDs, social conversations), input set aside, channels' health.
CHANNELS = Table("channels", "commune_id", "channel_key", ttl_attribute="expires_at")

# Per commune: one item per analysed citizen message (its embedding, facets and topic;
# sort key "v#<created_at>#<message id>", so a period is one Query) and the topic model
# ("model"). By topic: a topic's page; by thread: erasure and similar reports.
TOPICS = Table(
    "topics",
    "commune_id",
    "topic_key",
    indexes=(
        Index("by_topic", "topic_index", "topic_key"),
        Index("by_thread", "thread_index", "topic_key"),
    ),
    ttl_attribute="expires_at",
)

TABLES = (
    COMMUNES,
    THREADS,
    MESSAGES,
    CONTACTS,
    INDICATORS,
    IDEMPOTENCY,
    CORRECTIONS,
    CONSULTATIONS,
    ALERTS,
    SUBSCRIPTIONS,
    EXPORTS,
    ACTIVITY,
    CONNECTIONS,
    TEMPLATES,
    CHANNELS,
    TOPICS,
)

ANALYSIS_QUEUE = Queue("analysis")
DELIVERY_QUEUE = Queue("delivery")
# One export per message, with Lambda's longest timeout: 100,000 rows take minutes.
EXPORTS_QUEUE = Queue("exports", consumer_timeout_seconds=900, batch_size=1)
# Social networks' webhook events, acknowledged at once and filed by the inbound worker.
INBOUND_QUEUE = Queue("inbound")
QUEUES = (ANALYSIS_QUEUE, DELIVERY_QUEUE, EXPORTS_QUEUE, INBOUND_QUEUE)

MAIL_BUCKET = Bucket("mail")
ATTACHMENTS_BUCKET = Bucket("attachments")
# Export files live as long as their jobs (domain.exports.RETENTION).
EXPORTS_BUCKET = Bucket("exports", expire_days=7)
# Commune-specific models, and the shared training data the retraining job reads.
MODELS_BUCKET = Bucket("models")
BUCKETS = (MAIL_BUCKET, ATTACHMENTS_BUCKET, EXPORTS_BUCKET, MODELS_BUCKET)

STAFF_GROUPS = ("admin", "agent", "viewer")
COMMUNE_CLAIM = "custom:commune"
