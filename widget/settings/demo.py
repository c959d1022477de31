"""The demo practice: a couples therapist in Los Angeles and Las Vegas, in English and Spanish (``flask rtr demo``)."""

from __future__ import annotations

from .model import DEFAULT_STEPS, Fields, Location, Service, Step, WidgetSettings


def _with_link(step: Step, url: str, label: dict[str, str]) -> Step:
    return Step.model_validate({**step.model_dump(), "link_url": url, "link_label": label})


def demo_settings() -> WidgetSettings:
    """Return the demo practice's settings, every optional question turned on, every text in both languages."""
    consultation, reading, not_alone = DEFAULT_STEPS
    return WidgetSettings(
        practice_name="Harbor Light Couples Therapy",
        intro={
            "en": "When trust breaks, it can feel like the ground moved under you. We help couples and individuals "
                  "slow down, make sense of what happened, and decide what comes next.",
            "es": "Cuando se rompe la confianza, puede sentirse como si el suelo se moviera bajo sus pies. Ayudamos a "
                  "parejas y a personas a ir más despacio, entender lo que pasó y decidir qué sigue.",
        },
        steps=[
            _with_link(consultation, "https://example.com/consultation",
                       {"en": "How the consultation works", "es": "Cómo es la consulta"}),
            _with_link(reading, "https://example.com/blog",
                       {"en": "More articles on trust and repair",
                        "es": "Más artículos sobre la confianza y cómo repararla"}),
            not_alone,
        ],
        services=[
            Service(name={"en": "Couples therapy", "es": "Terapia de pareja"},
                    description={"en": "Repair after betrayal, rebuild communication and closeness.",
                                 "es": "Reparar después de una traición y reconstruir la comunicación y la cercanía."},
                    url="https://example.com/couples-therapy"),
            Service(name={"en": "Individual therapy", "es": "Terapia individual"},
                    description={"en": "Space to sort through your own grief, anger and next steps.",
                                 "es": "Un espacio para ordenar su propio duelo, su enojo y sus próximos pasos."},
                    url="https://example.com/individual-therapy"),
            Service(name={"en": "Family therapy", "es": "Terapia familiar"},
                    description={"en": "Help for families finding their footing after a hard season.",
                                 "es": "Apoyo para familias que buscan recuperar el equilibrio tras una "
                                       "etapa difícil."},
                    url="https://example.com/family-therapy"),
        ],
        locations=[
            Location(name={"en": "Los Angeles office", "es": "Consultorio de Los Ángeles"},
                     city={"en": "Los Angeles, CA", "es": "Los Ángeles, CA"}, url="https://example.com/los-angeles"),
            Location(name={"en": "Las Vegas office", "es": "Consultorio de Las Vegas"},
                     city={"en": "Las Vegas, NV", "es": "Las Vegas, NV"}, url="https://example.com/las-vegas"),
            Location(name={"en": "Online sessions", "es": "Sesiones en línea"}, online=True,
                     url="https://example.com/telehealth"),
        ],
        fields=Fields(phone=True, contact_method=True, service=True, location=True, message=True),
        notify_emails=["intake@example.com"],
    )
