"""Every write of the notifications app: templates, queueing and delivering email.

How an email travels:

1. A business service calls `email_queue(...)` inside its own transaction. The template is
   rendered now and the message is written to the outbox (with links to the objects it is
   about) in that same transaction; `transaction.on_commit` then enqueues the Celery task
   `notifications.tasks.outbox_send`. A rolled-back change leaves no row and sends nothing.
2. The task calls `outbox_deliver`, which claims the row (pending -> sending), builds the
   email (attachments are made now, through `notifications.attachments`), sends it with
   Django's mail backend and records the outcome. SMTP and socket errors put the row back to
   pending and the task retries with exponential backoff; after settings.OUTBOX_MAX_ATTEMPTS
   attempts the row is failed and a person can "Retry" it.
3. `notifications.tasks.outbox_sweep` (beat, every minute) re-enqueues pending rows whose
   delivery is overdue, e.g. because the broker was down when they were queued.

Delivery is at least once: if a worker dies after the mail server accepted a message but
before the row is marked sent, the message is sent again later.
"""

from .delivery import (
    SENDING_TIMEOUT,
    TRANSIENT_ERRORS,
    Delivery,
    Outcome,
    outbox_build_email,
    outbox_deliver,
    outbox_message_id,
    retry_delay,
)
from .queue import EmailToQueue, email_queue, email_queue_many, outbox_retry, outbox_retry_failed
from .templates import (
    RenderedEmail,
    email_render,
    email_template_check,
    email_template_confidential,
    email_template_defaults,
    email_template_example,
    email_template_get,
    email_template_reset,
    email_template_update,
    email_templates_sync,
    render_text,
)

__all__ = [
    "SENDING_TIMEOUT",
    "TRANSIENT_ERRORS",
    "Delivery",
    "EmailToQueue",
    "Outcome",
    "RenderedEmail",
    "email_queue",
    "email_queue_many",
    "email_render",
    "email_template_check",
    "email_template_confidential",
    "email_template_defaults",
    "email_template_example",
    "email_template_get",
    "email_template_reset",
    "email_template_update",
    "email_templates_sync",
    "outbox_build_email",
    "outbox_deliver",
    "outbox_message_id",
    "outbox_retry",
    "outbox_retry_failed",
    "render_text",
    "retry_delay",
]
