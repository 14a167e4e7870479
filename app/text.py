"""User text: normalisation on the way in, Markdown rendered inert on the way out."""
import unicodedata

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# Raw HTML in Markdown is shown as text, and nh3 then strips anything a link could smuggle.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True})
_ALLOWED_TAGS = {
    "p", "br", "strong", "em", "ul", "ol", "li", "a", "blockquote", "code", "pre",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr",
}


def clean_text(value):
    """NFC-normalise, drop NUL and other C0 controls except newline and tab, unify newlines."""
    if value is None:
        return None
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    return "".join(ch for ch in value if ch in "\n\t" or ord(ch) >= 0x20 and ord(ch) != 0x7F)


def render_markdown(text):
    html = _md.render(text or "")
    safe = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer ugc",
    )
    # Headings inside a proposal must not compete with the page outline.
    for level in range(1, 5):
        safe = safe.replace(f"<h{level}>", "<h5>").replace(f"</h{level}>", "</h5>")
    return Markup(safe)  # noqa: S704 -- nh3 has sanitised it just above
