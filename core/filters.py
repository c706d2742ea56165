"""django-filter filters over the bounded fields of core.forms: the date and id filters of
every list page, so an extreme date or an id past 2^63 gets a message, never a 500."""

import django_filters

from .forms import BoundedDateField, DateInput, IdChoiceField, IdField


class DateFilter(django_filters.DateFilter):
    """A date between 1900 and 2999 (core.forms.BoundedDateField), with the date picker."""

    field_class = BoundedDateField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", DateInput())
        super().__init__(*args, **kwargs)


class IdFilter(django_filters.Filter):
    """An id (core.forms.IdField, range-checked by core.web.int_or_none), hidden."""

    field_class = IdField


class IdChoiceFilter(django_filters.ModelChoiceFilter):
    """ModelChoiceFilter whose value is range-checked before the query."""

    field_class = IdChoiceField
