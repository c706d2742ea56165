"""Extreme dates and ids out of range get a clear message, never a 500 (issue 8, "Bad input").

Every date a filter or form takes is kept between 1900 and 2999 (core.forms.BoundedDateField),
and every id from a query or a post goes through core.web.int_or_none (core.forms.IdField,
IdChoiceField, IdMultipleChoiceField and the filters of core.filters over them).
"""

import datetime

import pytest
from django import forms
from django.urls import reverse

from bookings import services
from bookings.models import PlaceState
from contacts.models import Contact
from core.forms import (
    DATE_RANGE_MESSAGE,
    BoundedDateField,
    BoundedDateTimeField,
    IdChoiceField,
    IdField,
    IdMultipleChoiceField,
)
from core.web import int_or_none
from tests.bookings.factories import ScheduleFactory, organisation_with_members

BIG_ID = str(2**63)
ID_MESSAGE = "This link or form names something that does not exist."


@pytest.mark.parametrize(
    "value, expected",
    [
        ("1", 1),
        (" 42 ", 42),
        (str(2**63 - 1), 2**63 - 1),
        (BIG_ID, None),
        ("9" * 40, None),
        ("0", None),
        ("-1", None),
        ("1.5", None),
        ("1e3", None),
        ("abc", None),
        ("", None),
        (None, None),
    ],
)
def test_int_or_none_is_the_range_check(value, expected):
    assert int_or_none(value) == expected


@pytest.mark.parametrize("value", [BIG_ID, "9" * 40, "0", "-5", "x", "1.0"])
def test_id_field_refuses_what_is_not_an_id(value):
    field = IdField(required=False)
    with pytest.raises(forms.ValidationError) as refused:
        field.clean(value)
    assert refused.value.messages == [ID_MESSAGE]
    assert field.clean("") is None and field.clean(str(2**63 - 1)) == 2**63 - 1


@pytest.mark.django_db
def test_id_choice_fields_refuse_ids_past_2_63_before_querying(django_assert_num_queries):
    contact = Contact.objects.create(first_name="Ada", last_name="Lovelace")
    single = IdChoiceField(queryset=Contact.objects.all())
    many = IdMultipleChoiceField(queryset=Contact.objects.all())
    with django_assert_num_queries(0), pytest.raises(forms.ValidationError):
        single.clean(BIG_ID)
    with django_assert_num_queries(0), pytest.raises(forms.ValidationError):
        many.clean([str(contact.pk), BIG_ID])
    assert single.clean(str(contact.pk)) == contact
    assert list(many.clean([str(contact.pk)])) == [contact]


@pytest.mark.parametrize(
    "field, value",
    [
        (BoundedDateField(), "9999-12-31"),
        (BoundedDateField(), "0001-01-01"),
        (BoundedDateField(), "1899-12-31"),
        (BoundedDateField(), "3000-01-01"),
        (BoundedDateTimeField(), "9999-12-31T23:59"),
        (BoundedDateTimeField(), "0001-01-01T00:00"),
    ],
)
def test_bounded_dates_say_which_years_they_take(field, value):
    with pytest.raises(forms.ValidationError) as refused:
        field.clean(value)
    assert refused.value.messages == [DATE_RANGE_MESSAGE]


def test_bounded_dates_take_the_edges():
    assert BoundedDateField().clean("1900-01-01") == datetime.date(1900, 1, 1)
    assert BoundedDateField().clean("2999-12-31") == datetime.date(2999, 12, 31)


@pytest.mark.parametrize(
    "url_name, params",
    [
        ("bookings:list", {"starts_to": "9999-12-31"}),
        ("bookings:list", {"starts_from": "0001-01-01", "starts_to": "0001-01-01"}),
        ("invoicing:list", {"issued_to": "9999-12-31"}),
        ("invoicing:list", {"issued_from": "0001-01-01"}),
        ("reports:upcoming", {"starts_to": "9999-12-31"}),
        ("reports:revenue", {"date_from": "0001-01-01"}),
    ],
)
@pytest.mark.django_db
def test_extreme_dates_in_filters_get_the_message(admin_client, url_name, params):
    response = admin_client.get(reverse(url_name), params)
    assert response.status_code == 200
    assert DATE_RANGE_MESSAGE in response.content.decode()


@pytest.mark.parametrize("value", [BIG_ID, "9" * 40, "-1"])
@pytest.mark.parametrize(
    "url_name, param", [("bookings:list", "organisation_id"), ("invoicing:list", "account")]
)
@pytest.mark.django_db
def test_ids_out_of_range_in_filters_get_the_message(admin_client, url_name, param, value):
    response = admin_client.get(reverse(url_name), {param: value})
    assert response.status_code == 200
    assert ID_MESSAGE in response.content.decode()


@pytest.mark.django_db
def test_schedule_form_refuses_a_start_in_year_9999(admin_client):
    from schedules.models import Schedule

    course = ScheduleFactory().course
    before = Schedule.objects.count()
    response = admin_client.post(
        reverse("schedules:create"),
        {
            "course": course.pk,
            "start_at": "9999-12-31T09:00",
            "end_at": "9999-12-31T17:00",
            "capacity": "10",
        },
    )
    assert response.status_code == 200
    assert DATE_RANGE_MESSAGE in response.content.decode()
    assert Schedule.objects.count() == before


@pytest.mark.django_db
def test_cancel_delegates_refuses_a_place_id_past_2_63(admin_client, admin_user):
    org, people = organisation_with_members(3)
    booking = services.booking_create(
        actor=admin_user,
        kind="group",
        schedule=ScheduleFactory(),
        organisation=org,
        lead_booker=people[0],
        delegates=people[1:],
    )
    url = reverse("bookings:cancel_delegates", args=[booking.pk])
    response = admin_client.post(url, {"places": [BIG_ID], "reason": "Ill", "step": "preview"})
    assert response.status_code == 200
    assert "is not a valid value" in response.content.decode()
    assert set(booking.places.values_list("state", flat=True)) == {PlaceState.BOOKED}
