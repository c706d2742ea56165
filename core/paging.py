"""Paging without COUNT(*): at 100,000 rows the count costs more than the page itself."""

from collections.abc import Sequence

MAX_PAGE = 2000  # deep OFFSETs get slow; nobody pages this far instead of searching


class QuickPage(Sequence):
    """The part of Django's `Page` the templates use (iteration, number, has_next,
    has_previous, next/previous_page_number), from one query of `per_page + 1` rows.
    `paginator` is None: there is no total."""

    paginator = None

    def __init__(self, queryset, number, per_page: int):
        try:
            number = int(number)
        except (TypeError, ValueError):
            number = 1
        self.number = min(max(number, 1), MAX_PAGE)
        self.per_page = per_page
        start = (self.number - 1) * per_page
        rows = list(queryset[start : start + per_page + 1])
        self.object_list = rows[:per_page]
        self._has_next = len(rows) > per_page

    def __getitem__(self, index):
        return self.object_list[index]

    def __len__(self) -> int:
        return len(self.object_list)

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.object_list else 0

    def end_index(self) -> int:
        return self.start_index() + len(self.object_list) - 1 if self.object_list else 0
