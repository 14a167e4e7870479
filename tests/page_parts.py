"""A small HTML tree for tests: find a page's parts by id, class or tag and read their text."""
import re
from html.parser import HTMLParser

VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                  "wbr"})


class Node:
    def __init__(self, tag, attrs, parent=None):
        self.tag, self.attrs, self.parent = tag, dict(attrs), parent
        self.children = []  # Nodes and strings, in document order

    def __repr__(self):
        return f"<{self.tag} {self.attrs}>"

    def iter(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def find_all(self, tag=None, *, cls=None, **attrs):
        """Descendants with this tag, this class among their classes and these exact attributes."""
        found = []
        for node in self.iter():
            if tag and node.tag != tag:
                continue
            if cls and cls not in node.attrs.get("class", "").split():
                continue
            if any(node.attrs.get(k.rstrip("_").replace("_", "-")) != v for k, v in attrs.items()):
                continue
            found.append(node)
        return found

    def find(self, tag=None, *, cls=None, **attrs):
        found = self.find_all(tag, cls=cls, **attrs)
        assert found, f"no {tag or ''}.{cls or ''} {attrs} in {self!r}"
        return found[0]

    def by_id(self, ident):
        found = [n for n in self.iter() if n.attrs.get("id") == ident]
        assert len(found) == 1, f"{len(found)} elements with id={ident!r}"
        return found[0]

    def text(self):
        """The visible text, whitespace collapsed."""
        parts = []

        def walk(node):
            for child in node.children:
                if isinstance(child, Node):
                    walk(child)
                else:
                    parts.append(child)

        walk(self)
        return re.sub(r"\s+", " ", "".join(parts)).strip()

    def links(self):
        """(text, href) of every link inside, in order."""
        return [(a.text(), a.attrs.get("href")) for a in self.find_all("a")]


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#document", {})

    def handle_starttag(self, tag, attrs):
        node = Node(tag, ((k, v or "") for k, v in attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, ((k, v or "") for k, v in attrs), self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(html):
    if not isinstance(html, str):
        html = html.get_data(as_text=True)  # a response
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root


def facts(page):
    """A proposal's <dl class="facts"> as {term: description text}."""
    dl = page.find("dl", cls="facts")
    terms = [n for n in dl.children if isinstance(n, Node) and n.tag in ("dt", "dd")]
    out, term = {}, None
    for node in terms:
        if node.tag == "dt":
            term = node.text()
        else:
            out[term] = node.text()
    return out
