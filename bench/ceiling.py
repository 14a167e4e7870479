"""The ceiling: a bare Flask app that returns the same bytes as the proposals list page.

bench/run.py fetches the real page once, writes it to $CEILING_BODY and serves this app under the
same gunicorn settings, so "ratio to ceiling" compares Madang with Flask doing nothing at all.
"""
import os

from flask import Flask, Response

app = Flask(__name__)
with open(os.environ["CEILING_BODY"], "rb") as fh:
    BODY = fh.read()


@app.get("/", defaults={"path": ""})
@app.get("/<path:path>")
def page(path):
    return Response(BODY, mimetype="text/html")
