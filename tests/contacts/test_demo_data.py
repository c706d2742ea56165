from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse

from contacts.models import Contact, Family, Organisation
from contacts.selectors import contact_search
from core import demo
from schedules.filters import ScheduleFilter
from schedules.models import Schedule


@pytest.mark.django_db
def test_demo_data_loads_once_and_prints_the_logins(client):
    out = StringIO()
    call_command("demo_data", stdout=out)
    text = out.getvalue()
    assert "Demo data loaded" in text
    for login in demo.logins():
        assert login.username in text
        user = User.objects.get(username=login.username)
        assert user.check_password(demo.PASSWORD)
        assert user.groups.filter(name=login.role).exists()
    assert demo.PASSWORD in text
    assert 180 <= Contact.objects.count() <= 220
    assert Organisation.objects.count() == 15
    assert all(o.memberships.count() >= 3 for o in Organisation.objects.all())
    assert Family.objects.filter(students__isnull=False).distinct().count() == 8
    assert Schedule.objects.count() == 40
    counts = {
        when: ScheduleFilter({"when": when}, queryset=Schedule.objects.all()).qs.count()
        for when in ("past", "upcoming", "current")
    }
    assert counts["past"] >= 10 and counts["upcoming"] >= 10
    assert counts["current"] > counts["upcoming"]  # some are in progress now
    assert all(s.sessions.exists() for s in Schedule.objects.all())
    assert [c.full_name for c in contact_search("+44 7700 900123")] == ["Ann Smith"]
    # the demo logins work through the login form
    response = client.post(reverse("login"), {"username": "admin", "password": demo.PASSWORD})
    assert response.status_code == 302

    again = StringIO()
    call_command("demo_data", stdout=again)
    assert "already loaded" in again.getvalue()
    assert Schedule.objects.count() == 40
    assert Contact.objects.filter(first_name="Ann", last_name="Smith").count() == 1
