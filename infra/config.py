"""The communes config (infra/communes.json) → one stack spec per silo commune or pool group.

Each commune: name, slug, INSEE code, AWS region, mail domain, Comprehend on/off, retention
days, pool group (null: a silo stack of its own) and WAF on/off. Communes of a pool share
one stack, so they must share its region and mail domain; the stack keeps the shortest
retention of its communes for what it cannot tell apart by commune (raw e-mails,
attachments), and has a WAF if any of its communes asks for one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CONFIG_FILE = Path(__file__).resolve().parent / "communes.json"

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,30}$")
# INSEE codes: five characters, digits except Corsica's 2A/2B departments.
_INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_DOMAIN = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")
# The app's own bounds for a commune's retention setting (PATCH /console/settings).
MIN_RETENTION_DAYS, MAX_RETENTION_DAYS = 30, 3650


class ConfigError(ValueError):
    """The communes config is invalid; the message says where."""


@dataclass(frozen=True)
class CommuneConfig:
    name: str
    slug: str
    insee: str
    region: str
    mail_domain: str
    comprehend: bool
    retention_days: int
    pool_group: str | None
    # Summaries through Amazon Bedrock (masked texts only); off: extractive summaries.
    bedrock: bool = True
    # True lets `cdk destroy` erase the data (no deletion protection, DESTROY policies).
    erasable: bool = False
    # True puts an AWS WAF web ACL (a rate-based rule) in front of the stack's CloudFront.
    waf: bool = False

    @property
    def address(self) -> str:
        """The commune's e-mail address; SES also matches its `<slug>+label@` forms."""
        return f"{self.slug}@{self.mail_domain}"


@dataclass(frozen=True)
class StackSpec:
    """One deployable stack: a silo commune, or a pool group of small communes."""

    key: str  # the slug of a silo, `pool-<group>` for a pool
    communes: tuple[CommuneConfig, ...]
    alarm_email: str | None
    erasable: bool
    log_retention_days: int

    @property
    def stack_name(self) -> str:
        return f"Concerto-{self.key}"

    @property
    def prefix(self) -> str:
        """Prefix of the stack's physical names (tables, queues, functions, log groups)."""
        return f"concerto-{self.key}"

    @property
    def pooled(self) -> bool:
        return self.communes[0].pool_group is not None

    @property
    def region(self) -> str:
        return self.communes[0].region

    @property
    def mail_domain(self) -> str:
        return self.communes[0].mail_domain

    @property
    def comprehend(self) -> bool:
        """Comprehend is off for the whole stack when every commune opted out (the app then
        never calls it); otherwise each commune's own setting decides."""
        return any(commune.comprehend for commune in self.communes)

    @property
    def bedrock(self) -> bool:
        """Like comprehend: off for the stack when every commune opted out of Bedrock."""
        return any(commune.bedrock for commune in self.communes)

    @property
    def waf(self) -> bool:
        """A web ACL protects the stack's distribution when one of its communes asks
        (`"waf": true`): a pool's communes share the distribution."""
        return any(commune.waf for commune in self.communes)

    @property
    def retention_days(self) -> int:
        """Raw e-mails and attachments carry no commune in their keys: the shortest
        retention of the stack's communes applies (never keep anyone's data too long)."""
        return min(commune.retention_days for commune in self.communes)


@dataclass(frozen=True)
class Config:
    stacks: tuple[StackSpec, ...]

    def stack(self, key: str) -> StackSpec:
        for spec in self.stacks:
            if spec.key == key:
                return spec
        raise KeyError(key)

    @property
    def regions(self) -> tuple[str, ...]:
        return tuple(sorted({spec.region for spec in self.stacks}))

    def mail_domains(self, region: str) -> tuple[str, ...]:
        return tuple(sorted({s.mail_domain for s in self.stacks if s.region == region}))


def load(path: Path = CONFIG_FILE) -> Config:
    return parse(json.loads(path.read_text(encoding="utf-8")))


def parse(raw: dict[str, Any]) -> Config:
    defaults = raw.get("defaults", {})
    communes = [_commune(item, defaults) for item in raw.get("communes", [])]
    if not communes:
        raise ConfigError("no commune configured")
    _check_unique(communes)
    groups: dict[str, list[CommuneConfig]] = {}
    for commune in communes:
        key = f"pool-{commune.pool_group}" if commune.pool_group else commune.slug
        groups.setdefault(key, []).append(commune)
    stacks = []
    for key, members in groups.items():
        for field in ("region", "mail_domain"):
            if len({getattr(member, field) for member in members}) > 1:
                raise ConfigError(f"pool {key}: every commune must have the same {field}")
        stacks.append(
            StackSpec(
                key=key,
                communes=tuple(members),
                alarm_email=defaults.get("alarmEmail"),
                erasable=any(member.erasable for member in members),
                log_retention_days=int(defaults.get("logRetentionDays", 90)),
            )
        )
    return Config(tuple(stacks))


def _commune(item: dict[str, Any], defaults: dict[str, Any]) -> CommuneConfig:
    merged = {**defaults, **item}
    slug = str(merged.get("slug", ""))
    where = f"commune {slug or merged.get('name', '?')}"
    commune = CommuneConfig(
        name=str(merged.get("name", "")).strip(),
        slug=slug,
        insee=str(merged.get("insee", "")),
        region=str(merged.get("region", "eu-west-1")),
        mail_domain=str(merged.get("mailDomain", "")).lower(),
        comprehend=bool(merged.get("comprehend", True)),
        bedrock=bool(merged.get("bedrock", True)),
        retention_days=int(merged.get("retentionDays", 730)),
        pool_group=merged.get("poolGroup") or None,
        erasable=bool(merged.get("erasable", False)),
        waf=bool(merged.get("waf", False)),
    )
    checks = (
        (bool(commune.name), "a name is required"),
        (bool(_SLUG.match(commune.slug)), "the slug must be 1-31 of a-z, 0-9 and -"),
        (bool(_INSEE.match(commune.insee)), "the INSEE code must be five characters"),
        (bool(_REGION.match(commune.region)), "the region must be an AWS region"),
        (bool(_DOMAIN.match(commune.mail_domain)), "the mail domain is not a domain"),
        (
            MIN_RETENTION_DAYS <= commune.retention_days <= MAX_RETENTION_DAYS,
            f"retention days must be {MIN_RETENTION_DAYS}-{MAX_RETENTION_DAYS}",
        ),
        (
            commune.pool_group is None or bool(_SLUG.match(str(commune.pool_group))),
            "the pool group must be a slug",
        ),
    )
    for ok, message in checks:
        if not ok:
            raise ConfigError(f"{where}: {message}")
    return commune


def _check_unique(communes: list[CommuneConfig]) -> None:
    for field in ("slug", "insee"):
        values = [getattr(commune, field) for commune in communes]
        duplicates = sorted({value for value in values if values.count(value) > 1})
        if duplicates:
            raise ConfigError(f"duplicate {field}: {', '.join(duplicates)}")
    slugs = {commune.slug for commune in communes}
    pools = {f"pool-{c.pool_group}" for c in communes if c.pool_group}
    if slugs & pools:
        raise ConfigError(f"a slug collides with a pool stack: {', '.join(sorted(slugs & pools))}")
