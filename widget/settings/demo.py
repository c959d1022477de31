"""The demo practice: a couples therapist in Los Angeles and Las Vegas (``flask rtr demo``)."""

from __future__ import annotations

from .model import DEFAULT_STEPS, Fields, Location, Service, WidgetSettings


def demo_settings() -> WidgetSettings:
    """Return the demo practice's settings, every optional question turned on."""
    consultation, reading, not_alone = DEFAULT_STEPS
    return WidgetSettings(
        practice_name="Harbor Light Couples Therapy",
        intro=("When trust breaks, it can feel like the ground moved under you. We help couples and "
               "individuals slow down, make sense of what happened, and decide what comes next."),
        steps=[
            consultation.model_copy(update={"link_url": "https://example.com/consultation",
                                            "link_label": "How the consultation works"}),
            reading.model_copy(update={"link_url": "https://example.com/blog",
                                       "link_label": "More articles on trust and repair"}),
            not_alone,
        ],
        services=[
            Service(name="Couples therapy", description="Repair after betrayal, rebuild communication and closeness.",
                    url="https://example.com/couples-therapy"),
            Service(name="Individual therapy",
                    description="Space to sort through your own grief, anger and next steps.",
                    url="https://example.com/individual-therapy"),
            Service(name="Family therapy", description="Help for families finding their footing after a hard season.",
                    url="https://example.com/family-therapy"),
        ],
        locations=[
            Location(name="Los Angeles office", city="Los Angeles, CA", url="https://example.com/los-angeles"),
            Location(name="Las Vegas office", city="Las Vegas, NV", url="https://example.com/las-vegas"),
            Location(name="Online sessions", city="telehealth", url="https://example.com/telehealth"),
        ],
        fields=Fields(phone=True, contact_method=True, service=True, location=True, message=True),
        notify_emails=["intake@example.com"],
    )
