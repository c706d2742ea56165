"""Who may open which report (SPEC 1 roles: view_reports, and view_revenue for revenue)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

INDEX = reverse("reports:index")
UPCOMING = reverse("reports:upcoming")
UPCOMING_CSV = reverse("reports:upcoming_csv")
REVENUE = reverse("reports:revenue")
REVENUE_CSV = reverse("reports:revenue_csv")
ALL = [INDEX, UPCOMING, UPCOMING_CSV, REVENUE, REVENUE_CSV]


def test_anonymous_is_sent_to_log_in(client):
    for url in ALL:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"], url


@pytest.mark.parametrize("who", ["provider", "nobody"])
def test_provider_and_people_without_the_capability_get_403(client, request, who):
    client.force_login(request.getfixturevalue(who))
    for url in ALL:
        assert client.get(url).status_code == 403, url
        assert client.get(url, HTTP_HX_REQUEST="true").status_code == 403, url


def test_team_leader_sees_upcoming_but_not_revenue(client, team_leader):
    client.force_login(team_leader)
    index = client.get(INDEX)
    assert index.status_code == 200
    html = index.content.decode()
    assert f'href="{UPCOMING}"' in html and f'href="{REVENUE}"' not in html
    assert client.get(UPCOMING).status_code == 200
    assert client.get(UPCOMING_CSV).status_code == 200
    assert client.get(REVENUE).status_code == 403
    assert client.get(REVENUE_CSV).status_code == 403


@pytest.mark.parametrize("who", ["admin_user", "finance_user"])
def test_admin_and_finance_see_both_reports(client, request, who):
    client.force_login(request.getfixturevalue(who))
    html = client.get(INDEX).content.decode()
    assert f'href="{UPCOMING}"' in html and f'href="{REVENUE}"' in html
    for url in ALL:
        assert client.get(url).status_code == 200, url


def test_reports_is_in_the_left_menu(admin_client):
    html = admin_client.get(INDEX).content.decode()
    assert f'<a href="{INDEX}" aria-current="page">Reports</a>' in html


GARBAGE = (
    "?page=-1&q=%00%27%22<script>&when=bogus&status=nope&date_from=31-31-2020"
    "&organisation=abc&schedule=99999999999999999999999&course=%00&overdue=maybe&o=-zz"
    "&starts_from=%00&venue=-1&trainer=1e400&date_to=0000-00-00"
)


def test_garbage_queries_and_posts_never_get_a_500(admin_client):
    admin_client.raise_request_exception = False
    for url in ALL:
        assert admin_client.get(url + GARBAGE).status_code < 500, url
        assert admin_client.get(url + GARBAGE, HTTP_HX_REQUEST="true").status_code < 500, url
        # read-only pages: a POST is refused, not treated as a GET
        assert admin_client.post(url, {"course": "x"}).status_code == 405, url
