import factory

from notifications.models import EmailTemplate, OutboxMessage, OutboxState


class EmailTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmailTemplate
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"template_{n}")
    name = factory.Sequence(lambda n: f"Template {n}")
    subject = "Hello {{ name }}"
    body = "Dear {{ name }},\n\nThank you.\n"


class OutboxMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutboxMessage

    to = factory.Sequence(lambda n: [f"person{n}@example.test"])
    from_email = "bookings@example.test"
    subject = factory.Sequence(lambda n: f"Booking confirmation {n}")
    body = "Your booking is confirmed.\n"
    state = OutboxState.PENDING
