"""Reading an invitation back from the outbox, as the invitee's mail client would."""

import re
from urllib.parse import urlsplit

from notifications.models import OutboxMessage
from notifications.selectors import emails_about

BASE_URL = "http://testserver/"
LINK = re.compile(r"https?://\S+/invitation/[^/\s]+/[^/\s]+/")


def invitation_email(user) -> OutboxMessage:
    message = emails_about(user).first()
    assert message is not None, f"no email about {user}"
    return message


def invitation_path(user) -> str:
    """The path of the newest invitation link emailed to `user`."""
    (link,) = LINK.findall(invitation_email(user).body)
    return urlsplit(link).path
