"""Absolute links for messages sent outside a request (emails, SMS), based on SITE_URL."""
from urllib.parse import urlsplit

from flask import current_app
from werkzeug.routing import IntegerConverter


class IdConverter(IntegerConverter):
    """<id:...>: a positive database id; anything larger than an INTEGER column holds is a 404,
    and so are digits that are not ASCII (Python's int() would read "４３" as 43) and leading
    zeros (one page, one address)."""

    regex = r"[1-9][0-9]*"

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=2**31 - 1)


def init_app(app):
    app.url_map.converters["id"] = IdConverter


def external_url(endpoint, **values):
    site = urlsplit(current_app.config["SITE_URL"])
    adapter = current_app.url_map.bind(site.netloc, script_name=site.path or "/", url_scheme=site.scheme)
    return adapter.build(endpoint, values, force_external=True)
