"""A report as a document: sections of paragraphs, lists and tables, rendered to Markdown or to a
standalone, fully escaped HTML page (transforms/report.py fills it from the model)."""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from transforms.export import neutralise


@dataclass
class Section:
    heading: str
    blocks: list[tuple[str, object]] = field(default_factory=list)   # ("p", str) ("ul"/"ol", [str]) ("table", df) ("h3", str)

    def add(self, kind: str, content) -> Section:
        self.blocks.append((kind, content))
        return self


@dataclass
class Report:
    title: str
    subtitle: str
    sections: list[Section]



def _md_cell(text) -> str:
    """A table cell: the export guard's quote when a spreadsheet would evaluate it, one line, pipes escaped."""
    text = neutralise(str(text)).replace("\\", "\\\\").replace("|", "\\|")
    return text.replace("\r\n", " ").replace("\r", " ").replace("\n", " ")


def to_markdown(report: Report) -> str:
    out = [f"# {report.title}", "", f"_{report.subtitle}_", ""]
    for section in report.sections:
        out += [f"## {section.heading}", ""]
        for kind, content in section.blocks:
            if kind == "h3":
                out += [f"### {content}", ""]
            elif kind == "p":
                out += [str(content), ""]
            elif kind in ("ul", "ol"):
                out += [(f"{i}. " if kind == "ol" else "- ") + str(item) for i, item in enumerate(content, 1)] + [""]
            elif kind == "table":
                cols = list(content.columns)
                out += ["| " + " | ".join(_md_cell(c) for c in cols) + " |", "|" + "---|" * len(cols)]
                out += ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in content.itertuples(index=False)]
                out += [""]
    return "\n".join(out).rstrip() + "\n"


def _inline(text) -> str:
    """Escape everything, then turn the report's own **bold** markers into <strong>. Text whose visible start
    a spreadsheet would evaluate gets the export guard's quote: Calc's HTML import ran '=1+2' in a cell."""
    text = str(text)
    visible = text.replace("**", "").lstrip()
    if neutralise(visible) != visible:
        text = "'" + text
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html.escape(text, quote=True))


STYLE = ("body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:60rem;margin:2rem auto;"
         "padding:0 1rem;color:#1f2328;line-height:1.5}h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;"
         "border-bottom:1px solid #d0d7de}table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #d0d7de;"
         "padding:.3rem .6rem;text-align:left}th{background:#f6f8fa}.sub{color:#59636e;font-style:italic}")


def to_html(report: Report) -> str:
    """A standalone page: inline CSS, no script, no external asset; every text escaped."""
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>{html.escape(report.title)}</title>", f"<style>{STYLE}</style></head><body>",
           f"<h1>{_inline(report.title)}</h1>", f'<p class="sub">{_inline(report.subtitle)}</p>']
    for section in report.sections:
        out.append(f"<h2>{_inline(section.heading)}</h2>")
        for kind, content in section.blocks:
            if kind == "h3":
                out.append(f"<h3>{_inline(content)}</h3>")
            elif kind == "p":
                out.append(f"<p>{_inline(content)}</p>")
            elif kind in ("ul", "ol"):
                out.append(f"<{kind}>" + "".join(f"<li>{_inline(i)}</li>" for i in content) + f"</{kind}>")
            elif kind == "table":
                head = "".join(f"<th>{_inline(c)}</th>" for c in content.columns)
                body = "".join("<tr>" + "".join(f"<td>{_inline(v)}</td>" for v in row) + "</tr>"
                               for row in content.itertuples(index=False))
                out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
