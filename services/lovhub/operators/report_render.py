"""The access report as plain text, JSON and a printable, self-contained HTML page."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

from lovhub.operators.access_report import (
    AccessReport,
    DeliveryLine,
    ProviderReportLine,
    RecipientLocation,
)
from lovhub.operators.texts import Language, label

__all__ = ["render_html", "render_json", "render_text"]


def _when(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _basis(line: DeliveryLine, report: AccessReport) -> str:
    if line.consent_id:
        return f"{line.legal_basis_text} ({label('consent', report.lang)} {line.consent_id})"
    return line.legal_basis_text


def _report_outcome(line: ProviderReportLine, report: AccessReport) -> str:
    if line.forwarded:
        return label("forwarded", report.lang)
    return f"{label('report_refused', report.lang)}: {line.reason_text}"


def _location(location: RecipientLocation | None, lang: Language) -> str:
    """``SE, hosted by X; sub-processors: Y (FI)``, or that the register does not say."""
    if location is None:
        return label("location_unknown", lang)
    text = f"{location.country}, {label('hosting', lang)} {location.hosting}"
    if location.sub_processors:
        listed = ", ".join(f"{name} ({country})" for name, country in location.sub_processors)
        text += f"; {label('sub_processors', lang)}: {listed}"
    return text


def _location_json(location: RecipientLocation | None) -> dict[str, Any] | None:
    if location is None:
        return None
    return {
        "country": location.country,
        "hosting": location.hosting,
        "sub_processors": [{"name": n, "country": c} for n, c in location.sub_processors],
    }


def _lookups_text(report: AccessReport) -> list[str]:
    lang = report.lang
    lines = ["", f"== {label('lookups', lang)} ==", label("lookups_intro", lang)]
    for k in report.lookups:
        this = f" [{label('this_report', lang)}]" if k.this_report else ""
        lines.append(
            f"* {_when(k.looked_up_at)}: {k.command_text}{this}; "
            f"{label('case', lang).lower()} {k.case_reference}, {label('by', lang)} {k.operator}"
        )
    if not report.lookups:
        lines.append(label("none_looked_up", lang))
    return lines


def _lookups_html(report: AccessReport) -> str:
    lang = report.lang
    parts = [f"<h2>{_e(label('lookups', lang))}</h2>", f"<p>{_e(label('lookups_intro', lang))}</p>"]
    if not report.lookups:
        return "".join([*parts, f"<p>{_e(label('none_looked_up', lang))}</p>"])
    rows = []
    for k in report.lookups:
        what = _e(k.command_text)
        if k.this_report:
            what += f" <span class=tag>({_e(label('this_report', lang))})</span>"
        rows.append([_e(_when(k.looked_up_at)), _e(k.case_reference), _e(k.operator), what])
    headers = [label(n, lang) for n in ("when", "case", "operator", "lookup")]
    return "".join([*parts, _table(headers, rows)])


def render_json(report: AccessReport) -> dict[str, Any]:
    """Codes and plain-language texts side by side, times in ISO 8601 (UTC)."""
    return {
        "lang": report.lang,
        "generated_at": report.generated_at.isoformat(),
        # False: no audit decision mentions the person (distinct from "nothing shared").
        "record_found": not report.no_record,
        "decisions_found": report.decisions_found,
        "statement": label("no_record", report.lang) if report.no_record else None,
        "recipients": [
            {
                "recipient_id": r.recipient_id,
                "name": r.name,
                "deliveries": r.deliveries,
                "first": r.first.isoformat(),
                "last": r.last.isoformat(),
                "location": _location_json(r.location),
                "location_text": _location(r.location, report.lang),
            }
            for r in report.recipients
        ],
        "deliveries": [
            {
                "decided_at": d.decided_at.isoformat(),
                "occurred_at": d.occurred_at.isoformat() if d.occurred_at else None,
                "recipient_id": d.recipient_id,
                "recipient_name": d.recipient_name,
                "event_type": d.event_type,
                "event": d.event_text,
                "fields": list(d.fields),
                "field_texts": list(d.field_texts),
                "purposes": [{"id": p.id, "name": p.name} for p in d.purposes],
                "legal_basis": d.legal_basis,
                "legal_basis_text": d.legal_basis_text,
                "consent_id": d.consent_id,
                "redelivery": d.redelivery,
            }
            for d in report.deliveries
        ],
        "withheld": [
            {
                "decided_at": w.decided_at.isoformat(),
                "recipient_id": w.recipient_id,
                "recipient_name": w.recipient_name,
                "event_type": w.event_type,
                "event": w.event_text,
                "reason_code": w.reason_code,
                "reason": w.reason_text,
                "redelivery": w.redelivery,
            }
            for w in report.withheld
        ],
        "provider_reports": [
            {
                "decided_at": r.decided_at.isoformat(),
                "provider_id": r.provider_id,
                "provider_name": r.provider_name,
                "forwarded": r.forwarded,
                "reason_code": r.reason_code,
                "outcome": _report_outcome(r, report),
            }
            for r in report.provider_reports
        ],
        "not_shared_with_anyone": report.not_shared_with_anyone,
        "not_processed": [
            {"reason_code": code, "reason": text, "count": count}
            for code, text, count in report.not_processed
        ],
        "lookups": [
            {
                "looked_up_at": k.looked_up_at.isoformat(),
                "case_reference": k.case_reference,
                "operator": k.operator,
                "command": k.command,
                "command_text": k.command_text,
                "this_report": k.this_report,
            }
            for k in report.lookups
        ],
    }


def render_text(report: AccessReport) -> str:
    """Plain text for the terminal or an e-mail."""
    lang = report.lang
    lines = [label("title", lang), "", label("intro", lang), ""]
    lines.append(f"{label('generated', lang)}: {_when(report.generated_at)}")
    if report.no_record:
        # No section would be true: "no data shared" implies the hub knows the person.
        # Lookups of them are listed all the same (this report's own at least).
        return "\n".join([*lines, "", label("no_record", lang), *_lookups_text(report)]) + "\n"
    lines += ["", f"== {label('recipients', lang)} =="]
    for r in report.recipients:
        lines.append(
            f"- {r.name} ({r.recipient_id}): {r.deliveries} {label('delivery_count', lang)}, "
            f"{label('first', lang).lower()} {_when(r.first)}, "
            f"{label('last', lang).lower()} {_when(r.last)}"
        )
        lines.append(f"    {label('location', lang)}: {_location(r.location, lang)}")
    if not report.recipients:
        lines.append(label("none_delivered", lang))
    lines += ["", f"== {label('deliveries', lang)} =="]
    for d in report.deliveries:
        extra = f" [{label('redelivery', lang)}]" if d.redelivery else ""
        lines += [
            f"* {_when(d.decided_at)} {d.recipient_name} ({d.recipient_id}): {d.event_text}{extra}",
            f"    {label('fields', lang)}: {', '.join(d.field_texts)}",
            f"    {label('purpose', lang)}: {'; '.join(p.name for p in d.purposes)}",
            f"    {label('legal_basis', lang)}: {_basis(d, report)}",
        ]
    if not report.deliveries:
        lines.append(label("none_delivered", lang))
    lines += ["", f"== {label('withheld', lang)} =="]
    for w in report.withheld:
        lines.append(
            f"* {_when(w.decided_at)} {w.recipient_name} ({w.recipient_id}): {w.event_text}: "
            f"{w.reason_text}"
        )
    if report.not_shared_with_anyone:
        lines.append(f"* {label('not_shared_with_anyone', lang)}: {report.not_shared_with_anyone}")
    for _code, text, count in report.not_processed:
        lines.append(f"* {label('not_processed', lang)}: {count} ({text})")
    if not (report.withheld or report.not_shared_with_anyone or report.not_processed):
        lines.append(label("none_withheld", lang))
    if report.provider_reports:
        lines += ["", f"== {label('provider_reports', lang)} =="]
        lines += [
            f"* {_when(r.decided_at)} {r.provider_name} ({r.provider_id}): "
            f"{_report_outcome(r, report)}"
            for r in report.provider_reports
        ]
    lines += _lookups_text(report)
    return "\n".join(lines) + "\n"


_CSS = """
body{font-family:Georgia,'Times New Roman',serif;max-width:60rem;margin:2rem auto;
padding:0 1rem;color:#111;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;
border-bottom:1px solid #999}p.meta{color:#444;font-size:.9rem}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{border:1px solid #bbb;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#eee}.tag{font-size:.8rem;color:#555}
@media print{body{margin:0;max-width:none;font-size:10.5pt}h2{break-after:avoid}
tr{break-inside:avoid}th{background:#ddd;-webkit-print-color-adjust:exact;
print-color-adjust:exact}}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _table(headers: list[str], rows: list[list[str]]) -> str:
    """``rows`` hold already-escaped HTML."""
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(report: AccessReport) -> str:
    """One printable page: inline CSS, no scripts, no external resources, every value
    escaped, ``lang`` set for screen readers and hyphenation."""
    lang = report.lang
    parts = [
        f'<!DOCTYPE html>\n<html lang="{_e(lang)}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(label('title', lang))}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(label('title', lang))}</h1>",
        f'<p class="meta">{_e(label("generated", lang))}: {_e(_when(report.generated_at))}</p>',
        f"<p>{_e(label('intro', lang))}</p>",
    ]
    if report.no_record:
        parts.append(f"<p><strong>{_e(label('no_record', lang))}</strong></p>")
        parts.append(_lookups_html(report))
        parts.append("</body></html>\n")
        return "".join(parts)
    parts.append(f"<h2>{_e(label('recipients', lang))}</h2>")
    if report.recipients:
        parts.append(
            _table(
                [label(n, lang) for n in ("recipient", "count", "first", "last", "location")],
                [
                    [
                        f"{_e(r.name)} <span class=tag>({_e(r.recipient_id)})</span>",
                        _e(r.deliveries),
                        _e(_when(r.first)),
                        _e(_when(r.last)),
                        _e(_location(r.location, lang)),
                    ]
                    for r in report.recipients
                ],
            )
        )
    else:
        parts.append(f"<p>{_e(label('none_delivered', lang))}</p>")
    parts.append(f"<h2>{_e(label('deliveries', lang))}</h2>")
    if report.deliveries:
        rows = []
        for d in report.deliveries:
            event = _e(d.event_text)
            if d.redelivery:
                event += f" <span class=tag>({_e(label('redelivery', lang))})</span>"
            rows.append(
                [
                    _e(_when(d.decided_at)),
                    _e(d.recipient_name),
                    event,
                    _e(", ".join(d.field_texts)),
                    "<br>".join(_e(p.name) for p in d.purposes),
                    _e(_basis(d, report)),
                ]
            )
        headers = ["when", "recipient", "event", "fields", "purpose", "legal_basis"]
        parts.append(_table([label(n, lang) for n in headers], rows))
    else:
        parts.append(f"<p>{_e(label('none_delivered', lang))}</p>")
    parts.append(f"<h2>{_e(label('withheld', lang))}</h2>")
    rows = [
        [_e(_when(w.decided_at)), _e(w.recipient_name), _e(w.event_text), _e(w.reason_text)]
        for w in report.withheld
    ]
    if report.not_shared_with_anyone:
        rows.append(
            ["", "", _e(label("not_shared_with_anyone", lang)), _e(report.not_shared_with_anyone)]
        )
    rows += [
        ["", "", _e(label("not_processed", lang)), f"{_e(count)}: {_e(text)}"]
        for _code, text, count in report.not_processed
    ]
    if rows:
        parts.append(_table([label(n, lang) for n in ("when", "recipient", "event", "why")], rows))
    else:
        parts.append(f"<p>{_e(label('none_withheld', lang))}</p>")
    if report.provider_reports:
        parts.append(f"<h2>{_e(label('provider_reports', lang))}</h2>")
        parts.append(
            _table(
                [label(n, lang) for n in ("when", "provider", "event")],
                [
                    [_e(_when(r.decided_at)), _e(r.provider_name), _e(_report_outcome(r, report))]
                    for r in report.provider_reports
                ],
            )
        )
    parts.append(_lookups_html(report))
    parts.append("</body></html>\n")
    return "".join(parts)
