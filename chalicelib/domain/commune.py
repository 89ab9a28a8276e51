"""A commune (the tenant): its public profile and the settings staff configure."""

from dataclasses import dataclass, field

from chalicelib.domain.ids import CommuneId


@dataclass(frozen=True)
class Theme:
    id: str
    label: str
    keywords: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Quartier:
    id: str
    label: str


@dataclass(frozen=True)
class CommuneSettings:
    # Opting out keeps every text on the commune's own infrastructure (local model only).
    comprehend_enabled: bool = True
    retention_days: int = 730
    # Opt-in: the public page shows volumes, answered share and time to answer per theme.
    public_indicators: bool = False
    # The answer commitment: citizens are answered within this many working days.
    answer_sla_days: int = 5


@dataclass(frozen=True)
class Commune:
    commune_id: CommuneId
    slug: str
    name: str
    themes: tuple[Theme, ...] = ()
    quartiers: tuple[Quartier, ...] = ()
    settings: CommuneSettings = field(default_factory=CommuneSettings)

    def theme(self, theme_id: str) -> Theme | None:
        return next((theme for theme in self.themes if theme.id == theme_id), None)

    def quartier(self, quartier_id: str) -> Quartier | None:
        return next((q for q in self.quartiers if q.id == quartier_id), None)
