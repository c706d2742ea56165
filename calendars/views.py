from django.http import Http404


def feed(request, token):
    raise Http404
