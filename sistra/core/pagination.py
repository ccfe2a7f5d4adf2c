"""Pages of long lists without counting every row. A list of a fiscalía's cases at the design scale matches
~100,000 rows; counting them all (the visibility rule forbids an index-only count) cost 390 ms of the page,
for a figure nobody needs exactly. The paginator counts at most up to a few pages past the one asked for and
says "más de N" beyond: the cost is bounded by the page number, not by the size of the table."""

from functools import cached_property

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.db.models.query import ModelIterable

from sistra.core.db import id_rows

PAGES_AHEAD = 40  # at 25 rows a page: up to 1,000 rows counted from the first page


# from this many rows skipped on, a page reads its rows' ids first and then the rows (a "late row lookup"): the
# rows skipped are read from the list's index alone, not each from the table with whatever it is joined to
LATE_ROWS_FROM = 500

# a page number past any list (a billion pages): asked for a larger one, the count's LIMIT overflowed the
# database's integers (a server error where a page that does not exist is a 404, or the last page)
MAX_PAGE = 10**9


class BoundedPaginator(Paginator):
    def __init__(self, object_list, per_page, *, page=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        try:
            wanted = min(max(1, int(page)), MAX_PAGE)
        except (TypeError, ValueError):
            wanted = 1
        self.limit = (wanted + PAGES_AHEAD) * per_page

    @cached_property
    def count(self) -> int:
        """The rows counted: at most `limit` + 1, the one more telling that there are more (and making one
        more page, whose link asks for a count that goes further)."""
        rows = self.object_list
        if hasattr(rows, "order_by"):  # which rows are counted does not matter, only how many: no sort
            found = rows.order_by()[: self.limit + 1].count()
        else:  # a list already read (an API answer built in Python)
            found = len(rows[: self.limit + 1])
        self.truncated = found > self.limit
        return found

    truncated = False

    def page(self, number):
        page = super().page(number)
        rows = page.object_list
        if ((page.start_index() - 1) >= LATE_ROWS_FROM and isinstance(rows, QuerySet)
                and rows._iterable_class is ModelIterable):  # rows as model instances, not values()
            ids = list(rows.values_list("pk", flat=True))
            # whole-number keys as one parameter (sistra.core.db.id_rows); others (a ubigeo's code) as a list
            wanted = id_rows(ids) if all(isinstance(pk, int) for pk in ids) else ids
            found = {row.pk: row for row in self.object_list.order_by().filter(pk__in=wanted)}
            page.object_list = [found[pk] for pk in ids if pk in found]
        return page

    @property
    def known_pages(self) -> int:
        """Pages known to be full, for "página 3 de más de 41"."""
        return self.num_pages - 1 if self.truncated else self.num_pages


def bounded_page(object_list, per_page: int, number):
    """The page `number` of `object_list` (the first when absent or not a number, the last counted when past
    the end), its paginator's count bounded (`page.paginator.truncated`)."""
    return BoundedPaginator(object_list, per_page, page=number).get_page(number)
