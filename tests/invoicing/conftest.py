import pytest


@pytest.fixture
def actor(finance_user):
    return finance_user
