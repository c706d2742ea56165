"""The forms of a rendered page, read the way a browser would submit them.

`page_forms(html, url)` returns every `<form>` with its method, the URL it submits to and the
fields it would send as they are (inputs with their values, the checked boxes, each select's
selected or first option, textareas, the first named submit button), each field tagged with
its input type, so a test can submit a page's real forms with some fields replaced.
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser

TEXT_TYPES = {"text", "search", "email", "tel", "url", "password", ""}


@dataclass
class Field:
    name: str
    value: str
    type: str  # the input type; "select", "textarea", "checkbox", "radio", "hidden", ...


@dataclass
class PageForm:
    method: str
    action: str
    fields: list[Field] = field(default_factory=list)

    def data(self, replace=None) -> dict[str, list[str]]:
        """The post data; `replace(field) -> str | None` may swap a field's value."""
        out: dict[str, list[str]] = {}
        for f in self.fields:
            value = replace(f) if replace else None
            out.setdefault(f.name, []).append(f.value if value is None else value)
        return out


class _FormParser(HTMLParser):
    def __init__(self, url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.url = url
        self.forms: list[PageForm] = []
        self.form: PageForm | None = None
        self.select: tuple[str, list[tuple[str, bool]]] | None = None
        self.option: list | None = None
        self.textarea: tuple[str, list[str]] | None = None
        self.radios: dict[str, list[tuple[str, bool]]] = {}
        self.button_taken = False

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            method = (a.get("method") or "get").lower()
            action = a.get("hx-post") or a.get("action") or self.url
            self.form = PageForm("post" if a.get("hx-post") else method, action)
            self.radios, self.button_taken = {}, False
            return
        if self.form is None or "disabled" in a:
            return
        name = a.get("name", "")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in {"submit", "image"}:
                self._button(name, a.get("value", ""))
            elif kind == "radio":
                self.radios.setdefault(name, []).append((a.get("value", "on"), "checked" in a))
            elif kind == "checkbox":
                if "checked" in a or name not in {f.name for f in self.form.fields}:
                    self.form.fields.append(Field(name, a.get("value", "on"), kind))
            elif kind not in {"button", "reset", "file"}:
                self.form.fields.append(Field(name, a.get("value", ""), kind))
        elif tag == "button" and name and a.get("type", "submit") == "submit":
            self._button(name, a.get("value", ""))
        elif tag == "select" and name:
            self.select = (name, [])
        elif tag == "option" and self.select is not None:
            self.option = [a.get("value"), "selected" in a, []]
        elif tag == "textarea" and name:
            self.textarea = (name, [])

    def _button(self, name: str, value: str) -> None:
        if not self.button_taken:  # a browser sends only the button that was pressed
            self.form.fields.append(Field(name, value, "submit"))
            self.button_taken = True

    def handle_data(self, data):
        if self.option is not None:
            self.option[2].append(data)
        elif self.textarea is not None:
            self.textarea[1].append(data)

    def handle_endtag(self, tag):
        if tag == "option" and self.option is not None and self.select is not None:
            value, selected, text = self.option
            self.select[1].append((value if value is not None else "".join(text).strip(), selected))
            self.option = None
        elif tag == "select" and self.select is not None and self.form is not None:
            name, options = self.select
            chosen = [v for v, s in options if s] or [v for v, _ in options if v] or [""]
            self.form.fields.append(Field(name, chosen[0], "select"))
            self.select = None
        elif tag == "textarea" and self.textarea is not None and self.form is not None:
            self.form.fields.append(Field(self.textarea[0], "".join(self.textarea[1]), "textarea"))
            self.textarea = None
        elif tag == "form" and self.form is not None:
            for name, options in self.radios.items():
                chosen = [v for v, c in options if c] or [options[0][0]]
                self.form.fields.append(Field(name, chosen[0], "radio"))
            self.forms.append(self.form)
            self.form = None


def page_forms(html: str, url: str) -> list[PageForm]:
    parser = _FormParser(url)
    parser.feed(html)
    return parser.forms
