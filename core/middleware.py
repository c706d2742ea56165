from django.http import HttpRequest, QueryDict


class StripNulCharactersMiddleware:
    """Drop NUL characters from query strings and form posts.

    PostgreSQL text cannot hold NUL, so a "%00" typed or pasted into a search box would
    otherwise fail deep inside a query. No legitimate input contains it; forms would refuse it
    anyway (Django's ProhibitNullCharactersValidator), but raw filters and search parameters
    reach the ORM directly.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        request.GET = self._clean(request.GET)
        if request.method == "POST" and "\x00" in request.POST.urlencode():
            request.POST = self._clean(request.POST)
        return self.get_response(request)

    @staticmethod
    def _clean(data: QueryDict) -> QueryDict:
        if not any("\x00" in k or any("\x00" in v for v in vs) for k, vs in data.lists()):
            return data
        clean = QueryDict(mutable=True)
        for key, values in data.lists():
            clean.setlist(key.replace("\x00", ""), [v.replace("\x00", "") for v in values])
        clean._mutable = False
        return clean
