"""Absolute links for messages sent outside a request (emails, SMS), based on SITE_URL."""
from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint, **values):
    site = urlsplit(current_app.config["SITE_URL"])
    adapter = current_app.url_map.bind(site.netloc, script_name=site.path or "/", url_scheme=site.scheme)
    return adapter.build(endpoint, values, force_external=True)
